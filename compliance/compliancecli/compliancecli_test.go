package compliancecli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/compliance/compliancetest"
	"github.com/aqwarn/aqwarn/internal/testflags"
	"github.com/aqwarn/aqwarn/reduction"
)

var update = testflags.Update

const scenarioList = "../testdata/scenario-list.yaml"

var (
	filesOnce sync.Once
	filesDir  string
	filesErr  error
)

// scenarioFiles writes the generated scenario (seed 1) once, as the
// command reads it.
func scenarioFiles(t testing.TB) string {
	t.Helper()
	filesOnce.Do(func() {
		var l *reduction.List
		if l, filesErr = LoadList(scenarioList, DefaultPlan); filesErr != nil {
			return
		}
		var s *compliancetest.Scenario
		if s, filesErr = compliancetest.Generate(l, 1); filesErr != nil {
			return
		}
		if filesDir, filesErr = os.MkdirTemp("", "compliancecli"); filesErr != nil {
			return
		}
		filesErr = s.WriteFiles(filesDir)
	})
	if filesErr != nil {
		t.Fatal(filesErr)
	}
	return filesDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if filesDir != "" {
		os.RemoveAll(filesDir)
	}
	os.Exit(code)
}

func scenarioConfig(t *testing.T, format string) Config {
	dir := scenarioFiles(t)
	return Config{List: scenarioList, Format: format,
		Power: filepath.Join(dir, compliancetest.PowerFile), Warnings: filepath.Join(dir, compliancetest.WarningsFile),
		Calendar: filepath.Join(dir, compliancetest.CalendarFile), Approvals: filepath.Join(dir, compliancetest.ApprovalsFile),
		Emissions: filepath.Join(dir, compliancetest.EmissionsFile)}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("output differs from %s (go test -update to accept) at line %d:\n got %s\nwant %s", path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("output differs from %s in length: %d lines, want %d", path, len(gl), len(wl))
	}
}

// TestGolden runs the command on the generated scenario, text and JSON,
// against testdata/scenario.golden.* (go test -update rewrites them). The
// events themselves are checked rule by rule in package compliance's
// TestScenario; here the files, the formats and their round trip.
func TestGolden(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var out bytes.Buffer
		if err := Run(context.Background(), scenarioConfig(t, format), &out); err != nil {
			t.Fatal(err)
		}
		golden(t, "scenario.golden."+format, out.Bytes())
	}
	var out bytes.Buffer
	if err := Run(context.Background(), scenarioConfig(t, "json"), &out); err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	want := map[compliance.Rule]int{compliance.RuleStopNotExecuted: 6, compliance.RuleNightProduction: 6, compliance.RuleLimitNotMet: 1,
		compliance.RuleTreatmentOff: 1, compliance.RuleTreatmentStoppedEarly: 1, compliance.RuleRestartWithoutApproval: 1,
		compliance.RuleDataGap: 1, compliance.RuleEmissionsUp: 1}
	for r, n := range want {
		if rep.Counts[r] != n {
			t.Errorf("%s: %d events, want %d", r, rep.Counts[r], n)
		}
	}
	if len(rep.Events) == 0 || rep.Events[0].Evidence != nil {
		t.Error("evidence in the JSON without --evidence")
	}
}

// TestSameAsEngine: what the command reads from the files is what the
// generator made: the events are the engine's on the scenario in memory.
func TestSameAsEngine(t *testing.T) {
	rep, err := Evaluate(context.Background(), scenarioConfig(t, "json"))
	if err != nil {
		t.Fatal(err)
	}
	l, _ := LoadList(scenarioList, DefaultPlan)
	s, _ := compliancetest.Generate(l, 1)
	p, err := compliancetest.DefaultParams()
	if err != nil {
		t.Fatal(err)
	}
	res := p.Evaluate(s.Input)
	if len(res.Events) != len(rep.Events) {
		t.Fatalf("files give %d events, memory %d", len(rep.Events), len(res.Events))
	}
	for i := range res.Events {
		if res.Events[i].ID != rep.Events[i].ID || res.Events[i].Observed != rep.Events[i].Observed {
			t.Errorf("event %d: files %s %v, memory %s %v", i, rep.Events[i].ID, rep.Events[i].Observed, res.Events[i].ID, res.Events[i].Observed)
		}
	}
}

// TestPowerCSVErrors: every bad row with its line and what is wrong.
func TestPowerCSVErrors(t *testing.T) {
	l, err := LoadList(scenarioList, DefaultPlan)
	if err != nil {
		t.Fatal(err)
	}
	const head = "time,enterprise,meter,kwh\n"
	const ok = "2026-02-25T18:15:00+08:00,sc-stop,sc-stop-p1,12.5\n"
	for _, tc := range []struct {
		name, csv string
		want      []string
	}{
		// The header must be the documented one.
		{"header", "time,meter,kwh\n", []string{"line 1: header"}},
		// An empty file has no header.
		{"empty", "", []string{"line 1: empty file"}},
		// A time without its offset.
		{"no offset", head + "2026-02-25T18:15:00,sc-stop,sc-stop-p1,1\n", []string{"line 2: time", "RFC 3339"}},
		// A time off the quarter hour.
		{"off the quarter", head + "2026-02-25T18:10:00+08:00,sc-stop,sc-stop-p1,1\n", []string{"line 2: time", "15-minute"}},
		// A meter the list does not know.
		{"unknown meter", head + ok + "2026-02-25T18:30:00+08:00,sc-stop,sc-stop-p9,1\n", []string{`line 3: meter "sc-stop-p9" is not in list`}},
		// A meter of another firm.
		{"wrong firm", head + "2026-02-25T18:30:00+08:00,sc-night,sc-stop-p1,1\n", []string{"line 2: meter sc-stop-p1 is sc-stop's"}},
		// A negative and an unreadable value.
		{"values", head + "2026-02-25T18:30:00+08:00,sc-stop,sc-stop-p1,-1\n2026-02-25T18:45:00+08:00,sc-stop,sc-stop-p1,abc\n",
			[]string{"line 2: kwh -1 is negative", `line 3: kwh "abc" is not a number`}},
		// A row with a field too few.
		{"fields", head + "2026-02-25T18:30:00+08:00,sc-stop,1\n", []string{"line 2: 3 fields, want 4"}},
		// Two values for one interval.
		{"duplicate", head + ok + ok, []string{"line 3: a second value for meter sc-stop-p1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadPower(context.Background(), strings.NewReader(tc.csv), l)
			var ce *CSVError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a CSVError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	// An empty kwh is a missing value, not an error.
	r, err := ReadPower(context.Background(), strings.NewReader(head+ok+"2026-02-25T18:30:00+08:00,sc-stop,sc-stop-p1,\n"), l)
	if err != nil || r.Points() != 1 {
		t.Errorf("empty kwh: %v, %d points", err, r.Points())
	}
	// Many bad rows: the first 20 and a count.
	var b strings.Builder
	b.WriteString(head)
	for range 25 {
		b.WriteString("x,sc-stop,sc-stop-p1,1\n")
	}
	_, err = ReadPower(context.Background(), strings.NewReader(b.String()), l)
	if err == nil || !strings.Contains(err.Error(), "25 bad row(s)") || !strings.Contains(err.Error(), "and 5 more") {
		t.Errorf("25 bad rows: %v", err)
	}
}

// TestInputErrors: the JSON inputs are read strictly.
func TestInputErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
		want string
	}{
		// A misspelt key in the warnings.
		{"warnings key", func(c *Config) {
			c.Warnings = write("w.json", `[{"level":"orange","effective_start":"2026-02-25T18:00:00+08:00","lifted":"2026-02-28T18:00:00+08:00"}]`)
		}, `unknown field "lifted"`},
		// An unknown level.
		{"warnings level", func(c *Config) {
			c.Warnings = write("w.json", `[{"level":"purple","effective_start":"2026-02-25T18:00:00+08:00"}]`)
		}, `level "purple"`},
		// A lift before the start.
		{"warnings lift", func(c *Config) {
			c.Warnings = write("w.json", `[{"level":"red","effective_start":"2026-02-25T18:00:00+08:00","lift":"2026-02-25T17:00:00+08:00"}]`)
		}, "is not after effective_start"},
		// A bad holiday.
		{"calendar day", func(c *Config) { c.Calendar = write("c.json", `{"holidays":["2026-02-30"]}`) }, "holidays[0]"},
		// A misspelt calendar key.
		{"calendar key", func(c *Config) { c.Calendar = write("c.json", `{"holiday":["2026-02-16"]}`) }, `unknown field "holiday"`},
		// A monitor the list does not know.
		{"emissions mn", func(c *Config) {
			c.Emissions = write("e.csv", "time,mn,pollutant,unit,value\n2026-02-25T18:00:00+08:00,MN-x,NOx,kg/h,1\n")
		}, `line 2: monitor "MN-x" is not in list`},
		// Required flags.
		{"flags", func(c *Config) { c.Power = "" }, "--power is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := scenarioConfig(t, "json")
			tc.cfg(&cfg)
			err := Run(context.Background(), cfg, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
