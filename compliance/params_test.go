package compliance

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/aqwarn/aqwarn"
)

const defaultsPath = "../configs/compliance/defaults.yaml"

// defaults loads the shipped parameters.
func defaults(t testing.TB) *Params {
	t.Helper()
	b, err := os.ReadFile(defaultsPath)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseParams(b)
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	return p
}

func TestDefaultsAreTheNotes(t *testing.T) {
	p := defaults(t)
	r := p.Rules
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"grace h", p.Grace.Hours(), 2},
		{"baseline days", float64(p.Baseline.Days), 28},
		{"R1 share", r.R1.SharePct, 25},
		{"R1 for h", r.R1.For.Hours(), 2},
		{"R2 tolerance", r.R2.Tolerance, 1.10},
		{"R3 from min", float64(r.R3.From.Minutes), 22 * 60},
		{"R3 to min", float64(r.R3.To.Minutes), 6 * 60},
		{"R3 share", r.R3.SharePct, 25},
		{"R3 ratio", r.R3.NightDayRatio, 1.5},
		{"R4 production", r.R4.ProductionRunningPct, 20},
		{"R4 treatment", r.R4.TreatmentOffPct, 10},
		{"R4 intervals", float64(r.R4.Intervals), 2},
		{"R5 intervals", float64(r.R5.Intervals), 1},
		{"R7 for h", r.R7.For.Hours(), 2},
		{"R8 window h", r.R8.Window.Hours(), 24},
		{"yellow SO2 %", p.Accounting.RequiredPct["yellow"].SO2, 10},
		{"orange VOCs %", p.Accounting.RequiredPct["orange"].VOCs, 20},
		{"red PM %", p.Accounting.RequiredPct["red"].PM, 30},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, notes say %v", c.name, c.got, c.want)
		}
	}
}

// TestParamsRefused: a typo or a value out of range refuses the file, with
// the line of the problem.
func TestParamsRefused(t *testing.T) {
	b, err := os.ReadFile(defaultsPath)
	if err != nil {
		t.Fatal(err)
	}
	good := string(b)
	lineOf := func(s string) int {
		i := strings.Index(good, s)
		if i < 0 {
			t.Fatalf("defaults have no %q", s)
		}
		return strings.Count(good[:i], "\n") + 1
	}
	for _, tc := range []struct {
		name, old, new string
		at             string // text on the line the problem is reported at
		want           string
	}{
		// A misspelt top-level key.
		{"typo top", "grace: 2h", "gracee: 2h", "grace: 2h", "field gracee not found"},
		// A misspelt rule key would drop the threshold to zero.
		{"typo rule", "    share_pct: 25   # a unit told", "    share_pcnt: 25   # a unit told", "share_pct: 25   # a unit told", "field share_pcnt not found"},
		// A misspelt rule block.
		{"typo block", "  r4_treatment_off:", "  r4_treatment_of:", "r4_treatment_off:", "field r4_treatment_of not found"},
		// A percentage above 100.
		{"pct range", "treatment_off_pct: 10 ", "treatment_off_pct: 110 ", "treatment_off_pct: 10 ", "r4_treatment_off.treatment_off_pct: 110"},
		// A duration that is not whole intervals.
		{"duration step", "    for: 2h         # … for 2 hours", "    for: 100m         # … for 2 hours", "for: 2h         # … for 2 hours", "r1_stop_not_executed.for: 1h40m"},
		// A duration that does not parse.
		{"duration syntax", "grace: 2h", "grace: two hours", "grace: 2h", `"two hours" is not a duration`},
		// A time of day that does not parse.
		{"clock", `from: "22:00"`, `from: "22h"`, `from: "22:00"`, `"22h" is not a time of day`},
		// A tolerance below 1 would flag compliant firms.
		{"tolerance", "tolerance: 1.10   # daily", "tolerance: 0.9   # daily", "tolerance: 1.10   # daily", "r2_limit_not_met.tolerance: 0.9"},
		// An unknown day type.
		{"day types", "day_types: weekday_saturday_sunday", "day_types: weekdays", "day_types: weekday_saturday_sunday", `baseline.day_types: "weekdays"`},
		// A level that does not exist in the required shares.
		{"level", "    red: {so2: 30", "    purple: {so2: 30", "red: {so2: 30", `"purple" is not a level`},
		// A number without its source.
		{"source", "    source: notes §7 P1 R1; fully", "    source: \"\"\n    x_source: notes §7 P1 R1; fully", "source: notes §7 P1 R1; fully", "r1_stop_not_executed.source: missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.old) {
				t.Fatalf("defaults have no %q", tc.old)
			}
			_, err := ParseParams([]byte(strings.Replace(good, tc.old, tc.new, 1)))
			if err == nil {
				t.Fatal("accepted")
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || aqwarn.ErrorCode(err) != aqwarn.EINVALID {
				t.Fatalf("error %T %v, want a ConfigError with code invalid", err, err)
			}
			line := lineOf(tc.at)
			for _, p := range ce.Problems {
				if strings.Contains(p, tc.want) {
					if !strings.HasPrefix(p, "line "+strconv.Itoa(line)+":") {
						t.Errorf("problem %q, want it at line %d", p, line)
					}
					return
				}
			}
			t.Errorf("problems %q, want one with %q", ce.Problems, tc.want)
		})
	}
}

// TestParamsAllProblemsAtOnce: one run reports every problem.
func TestParamsAllProblemsAtOnce(t *testing.T) {
	b, _ := os.ReadFile(defaultsPath)
	s := strings.Replace(string(b), "grace: 2h", "gracee: 2h", 1)
	s = strings.Replace(s, "treatment_off_pct: 10 ", "treatment_off_pct: 0 ", 1)
	s = strings.Replace(s, "days: 28 ", "days: 0 ", 1)
	_, err := ParseParams([]byte(s))
	var ce *ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) < 3 {
		t.Fatalf("got %v, want at least 3 problems", err)
	}
}
