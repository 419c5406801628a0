package alert

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aqwarn/aqwarn/internal/testflags"
)

var update = testflags.Update

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
	ex := loadPlan(t, "example-48-72-96.yaml")
	if len(ex.WarningRegions()) != len(ex.Regions) {
		t.Errorf("example plan: %d of %d regions warned", len(ex.WarningRegions()), len(ex.Regions))
	}
	// The sections that were Go code (publish, cap) say what the code said,
	// in both plans.
	for _, p := range []*Plan{p, ex} {
		if p.None != (NoWarning{NameZH: "无预警", NameEN: "No warning"}) {
			t.Errorf("%s: none = %+v", p.ID, p.None)
		}
		var follow []string
		for _, f := range p.FollowUps {
			follow = append(follow, fmt.Sprintf("%s>%s+%d", f.ID, f.To, f.DueWorkingDays))
		}
		if want := []string{"followup-dispatch-table>units_with_tasks+1", "followup-dispatch-summary>office+1",
			"followup-evaluation>office+5"}; !slices.Equal(follow, want) {
			t.Errorf("%s: followups = %v, want %v", p.ID, follow, want)
		}
		// CAP grades by rank from the top, as cap.go computed them.
		want := []LevelCAP{
			{"Expected", "Moderate", "Likely", []string{"Prepare", "Avoid"}},
			{"Expected", "Severe", "Likely", []string{"Execute", "Avoid"}},
			{"Immediate", "Extreme", "Likely", []string{"Execute", "Avoid"}},
		}
		for i, l := range p.Levels {
			g := l.CAP
			if g.Urgency != want[i].Urgency || g.Severity != want[i].Severity || g.Certainty != want[i].Certainty ||
				!slices.Equal(g.ResponseTypes, want[i].ResponseTypes) {
				t.Errorf("%s: %s cap = %+v, want %+v", p.ID, l.ID, g, want[i])
			}
		}
	}
}

// TestPlanTypos: the shipped plan with one typo each is refused, and the
// problem names the key or value and its line — in units, measures and
// channels too, where duty staff edit most. Before strict decoding the first
// four loaded and failed later (or never).
func TestPlanTypos(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("..", "configs", "plans", "jianghua-2024.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		old, new_ string
		at        string // the part of new_ on the problem's line
		want      string
	}{
		// A measure silently left the public text.
		{"measure key", "  - id: hn-sensitive-groups\n    level: health_notice\n    kind: health\n    public: true",
			"  - id: hn-sensitive-groups\n    level: health_notice\n    kind: health\n    pubic: true",
			"pubic", "field pubic not found in type alert.Measure"},
		// A channel lost its signing secret: it failed at send time.
		{"channel key", "secret_env: AQWARN_DINGTALK_SECRET_EDUCATION", "secretenv: AQWARN_DINGTALK_SECRET_EDUCATION",
			"secretenv", "field secretenv not found in type alert.Channel"},
		// A channel kind no notifier serves: deliveries failed at the first warning.
		{"channel kind", "{kind: wecom, target: \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=PLACEHOLDER-publicity\"}",
			"{kind: wecon, target: \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=PLACEHOLDER-publicity\"}",
			"wecon", `units[3] (publicity).channels[0].kind: unknown channel kind "wecon"; the service delivers on mqtt, webhook, dingtalk, wecom, email, sms`},
		// A health-notice limit no forecast value is delivered under: it never fired.
		{"quantity", "quantity: pm2_5_24h", "quantity: pm25_24h",
			"pm25_24h", `health_notice.any_of[1].quantity: unknown quantity "pm25_24h"; the forecast delivers pm10_24h, pm2_5_24h, o3_8h`},
		// A misspelt section: the follow-ups would silently be none.
		{"top-level key", "\nfollowups:\n", "\nfollowup:\n", "followup:", "field followup not found in type alert.Plan"},
		// A misspelt level field.
		{"level key", "    response_zh: Ⅱ级应急响应", "    respons_zh: Ⅱ级应急响应", "respons_zh", "field respons_zh not found in type alert.LevelSpec"},
		// A misspelt chain step key: the step would need no one.
		{"step key", "any_of: [deputy_commander, commander]", "anyof: [deputy_commander, commander]",
			"anyof", "field anyof not found in type alert.Step"},
		// A CAP grade outside CAP 1.2.
		{"cap value", "severity: Severe,", "severity: Critical,", "Critical",
			`levels[1] (orange).cap.severity: "Critical" is not a CAP 1.2 severity (one of Extreme, Severe, Moderate, Minor, Unknown)`},
		// A follow-up for a recipient the plan does not know.
		{"followup to", "    to: office\n    due_working_days: 5", "    to: ofice\n    due_working_days: 5", "ofice",
			`followups[2] (followup-evaluation).to: must be office or units_with_tasks, got "ofice"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			i := strings.Index(string(base), tc.old)
			if i < 0 || strings.Count(string(base), tc.old) != 1 {
				t.Fatalf("fixture text %q not found once", tc.old)
			}
			src := string(base[:i]) + tc.new_ + string(base[i+len(tc.old):])
			line := 1 + strings.Count(src[:i+strings.Index(tc.new_, tc.at)], "\n")
			_, err := ParsePlan([]byte(src))
			if ErrorCode(err) != CodePlanInvalid {
				t.Fatalf("err = %v, want %s", err, CodePlanInvalid)
			}
			want := fmt.Sprintf("line %d: %s", line, tc.want)
			if !slices.Contains(err.(*Error).Problems, want) {
				t.Errorf("problems:\n  %s\nwant one to be\n  %s", strings.Join(err.(*Error).Problems, "\n  "), want)
			}
		})
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

func TestPlanWithin(t *testing.T) {
	p := &Plan{Regions: []Region{{ID: "county"}, {ID: "town", Parent: "county"}, {ID: "village", Parent: "town"},
		{ID: "other"}, {ID: "a", Parent: "b"}, {ID: "b", Parent: "a"}}}
	for _, tc := range []struct {
		id, region string
		want       bool
	}{
		{"county", "county", true},   // a region is within itself
		{"town", "county", true},     // its parent's
		{"village", "county", true},  // and its parent's parent's
		{"county", "town", false},    // not within its own child
		{"village", "other", false},  // nor a stranger
		{"nowhere", "county", false}, // an unknown region is within none
		{"a", "county", false},       // a cycle ends the walk
		{"", "county", false},        // no region
	} {
		if got := p.Within(tc.id, tc.region); got != tc.want {
			t.Errorf("Within(%q, %q) = %v, want %v", tc.id, tc.region, got, tc.want)
		}
	}
}
