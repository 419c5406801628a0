package alert

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// TestShippedPlans: both plan files load, and the county plan says what
// spec/warning-rules.md says it does.
func TestShippedPlans(t *testing.T) {
	p := jianghua(t)
	if got := p.Thresholds(); len(got) != 3 || got[0] != 150 || got[1] != 200 || got[2] != 300 {
		t.Errorf("thresholds = %v", got)
	}
	for _, c := range []struct{ id, response string }{{"yellow", "Ⅲ"}, {"orange", "Ⅱ"}, {"red", "Ⅰ"}} {
		if s := p.Spec(mustLevel(t, p, c.id)); s.Response != c.response {
			t.Errorf("%s response = %s", c.id, s.Response)
		}
	}
	if tm := p.Timing; tm.PersistHours != 36 || tm.ForecastCoverageHours != 36 || tm.MergeGapHours != 36 || tm.LeadTimeHours != 24 {
		t.Errorf("timing = %+v", tm)
	}
	if r, ok := p.Region("tuojiang"); !ok || r.Parent != "jianghua" || r.Warned() {
		t.Errorf("region tuojiang = %+v, want a town of jianghua that is not a warning area", r)
	}
	// One day above 200 is a yellow warning by itself; > 150 needs 48 h.
	if got := p.OneDayThreshold(); got != 200 {
		t.Errorf("one-day threshold = %d, want 200", got)
	}
	// The county plan warns county-wide; the towns are listed, not warned.
	if w := p.WarningRegions(); len(w) != 1 || w[0].ID != "jianghua" {
		t.Errorf("warning regions = %+v, want the county only", w)
	}
	c, err := p.Chain(ActionIssue, mustLevel(t, p, "yellow"))
	if err != nil || len(c.Steps) != 2 || len(c.Steps[0].AllOf) != 2 {
		t.Errorf("yellow chain = %+v, %v", c, err)
	}
	if got := p.Lookback().Hours(); got != 72+36+24 {
		t.Errorf("lookback = %vh", got)
	}
	// Without the key every region is a warning area.
	if ex := loadPlan(t, "example-48-72-96.yaml"); len(ex.WarningRegions()) != len(ex.Regions) {
		t.Errorf("example plan: %d of %d regions warned", len(ex.WarningRegions()), len(ex.Regions))
	}
}

// TestInvalidPlan: one error lists every problem of the file (golden).
func TestInvalidPlan(t *testing.T) {
	_, err := LoadPlan(filepath.Join("testdata", "invalid-plan.yaml"))
	if ErrorCode(err) != CodePlanInvalid {
		t.Fatalf("err = %v", err)
	}
	got := err.Error() + "\n"
	golden := filepath.Join("testdata", "invalid-plan.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("error text differs from %s (run with -update to accept):\n%s", golden, got)
	}
}

// TestParsePlanErrors: smaller failures, one problem each.
func TestParsePlanErrors(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("..", "configs", "plans", "jianghua-2024.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		old, new_ string
		want      string
	}{
		// A YAML syntax error is reported, not a panic.
		{"syntax", "id: jianghua-2024", "id: [", "did not find expected"},
		// Orange made weaker than yellow is caught.
		{"orange weaker", "all_of: [{aqi_above: 200, min_hours: 48}]", "all_of: [{aqi_above: 200, min_hours: 24}]",
			"holds whenever levels[0] (yellow)"},
		// A chain naming a role the plan does not define.
		{"unknown role", "all_of: [office_director]", "all_of: [office_directer]", `unknown role "office_directer"`},
		// Removing the lift chain leaves lifts without approval.
		{"no lift chain", "actions: [lift, pause, manual]", "actions: [pause, manual]", "no chain for lift to none"},
		// A measure must name a level and known units.
		{"bad measure", "  - id: r2-weather-modification\n    level: Ⅱ", "  - id: r2-weather-modification\n    level: purple", `unknown level "purple"`},
		// A measure naming a unit the plan does not define.
		{"unknown unit", "units: [discipline]", "units: [nobody]", `unknown unit "nobody"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(string(base), tc.old, tc.new_, 1)
			if src == string(base) {
				t.Fatalf("fixture text %q not found", tc.old)
			}
			_, err := ParsePlan([]byte(src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
