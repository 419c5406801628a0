package reduction

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aqwarn/aqwarn"
)

// The shipped demo list loads with the real plan's refs and has the mix of
// sources of notes acceptance 1: 20 industrial (cement A/B/C, glass ×2,
// brick ×4, casting ×3, coating ×4 with C/D/unrated, a guarantee firm, a
// heating boiler, a long-stopped one), 6 dust sources, 4 bulk-transport
// firms over 10 truck entries a day.
func TestDemoListLoads(t *testing.T) {
	l := demo(t)
	if len(l.Enterprises) != 30 {
		t.Fatalf("%d sources, want 30", len(l.Enterprises))
	}
	types := map[string]int{}
	industries := map[string]int{}
	grades := map[string][]string{}
	var guarantee, heating, longStopped int
	for _, e := range l.Enterprises {
		types[e.SourceType]++
		if e.SourceType == SourceIndustrial {
			industries[e.GuideIndustry]++
			grades[e.GuideIndustry] = append(grades[e.GuideIndustry], e.Grade)
		}
		if e.Guarantee != nil {
			guarantee++
		}
		if e.ResidentialHeating {
			heating++
		}
		if e.Status == StatusLongStopped {
			longStopped++
		}
		if e.SourceType == SourceMobileBulk && e.Monitoring.DailyTruckEntries <= 10 {
			t.Errorf("%s: %d truck entries a day, a bulk-transport unit has more than 10", e.ID, e.Monitoring.DailyTruckEntries)
		}
		if len(e.Channels) == 0 || len(e.Channels) > 2 {
			t.Errorf("%s: %d channels, want one or two", e.ID, len(e.Channels))
		}
	}
	if types[SourceIndustrial] != 20 || types[SourceMobileBulk] != 4 ||
		types[SourceDustConstruction]+types[SourceDustMine]+types[SourceDustYard] != 6 || types[SourceDustMine] != 1 || types[SourceDustYard] != 1 {
		t.Errorf("source types = %v", types)
	}
	for ind, n := range map[string]int{"cement_clinker": 3, "flat_glass": 2, "brick": 4, "casting": 3, "coating": 4} {
		if industries[ind] != n {
			t.Errorf("%s: %d firms, want %d", ind, industries[ind], n)
		}
	}
	if g := strings.Join(grades["cement_clinker"], ","); g != "A,B,C" {
		t.Errorf("cement grades = %s, want A,B,C", g)
	}
	for _, g := range []string{GradeC, GradeD, GradeUnrated} {
		if !strings.Contains(strings.Join(grades["coating"], ","), g) {
			t.Errorf("coating grades %v lack %s", grades["coating"], g)
		}
	}
	if guarantee != 1 || heating != 1 || longStopped != 1 {
		t.Errorf("guarantee %d, heating %d, long-stopped %d; want one each", guarantee, heating, longStopped)
	}
	if n := l.Notices; n.AckWithin.Hours() != 1 || n.ReportWithin.Hours() != 24 || n.ResendAfter.Minutes() != 30 ||
		n.EscalateToSupervisorAfter.Hours() != 1 || n.EscalateToOfficeAfter.Hours() != 2 || n.Office != "ecology_branch" {
		t.Errorf("notices = %+v", n)
	}
	if e, ok := l.Enterprise("cem-b"); !ok || e.Units[0].Base() != 3500 {
		t.Errorf("Enterprise(cem-b) = %+v, %v", e, ok)
	}
	if _, ok := l.Enterprise("nope"); ok {
		t.Error("Enterprise(nope) found")
	}
}

// testdata/invalid-list.yaml has five problems; all are reported, each
// with its line, in one error (notes acceptance 1).
func TestInvalidList(t *testing.T) {
	b, err := os.ReadFile("testdata/invalid-list.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(b, planRefs(t))
	var le *Error
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want *reduction.Error", err)
	}
	if aqwarn.ErrorCode(err) != aqwarn.EINVALID || aqwarn.ErrorReason(err) != CodeListInvalid {
		t.Errorf("code %q reason %q, want %q %q", aqwarn.ErrorCode(err), aqwarn.ErrorReason(err), aqwarn.EINVALID, CodeListInvalid)
	}
	cases := []struct{ line, want string }{
		{"line 27: ", `bad-uscc).uscc: "91431129MA4Q869647" is not a valid unified social credit code: check character is '7'`}, // checksum
		{"line 43: ", "(no-orange): missing level: no measure at orange"},                                                       // missing level, at the measures block
		{"line 60: ", "(weak-red).measures[1]: red limit_pct 20 % on kiln1 is weaker than the orange one (stop_unit)"},          // red weaker than orange
		{"line 70: ", `(unknown-unit).supervising_units[1]: unknown unit "env_bureau"`},                                         // not a plan unit
		{"line 82: ", "field verfy_by not found in type reduction.Measure"},                                                     // misspelt key
	}
	msg := err.Error()
	for _, c := range cases {
		found := false
		for _, p := range le.Problems {
			if strings.HasPrefix(p, c.line) && strings.Contains(p, c.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem %q%s…", c.line, c.want)
		}
		if !strings.Contains(msg, c.line) {
			t.Errorf("err.Error() lacks %q", c.line)
		}
	}
	if len(le.Problems) != len(cases) || !strings.Contains(msg, "invalid reduction list: 5 problem(s)") {
		t.Errorf("%d problems, want %d:\n%s", len(le.Problems), len(cases), msg)
	}
}

// miniList is a valid one-source list around an enterprise block (YAML
// indented four spaces under "  - "), for the validation table.
func miniList(enterprise string) []byte {
	return []byte(`id: mini
year: 2026
county: jianghua
name_zh: 小清单
notices: {ack_within: 1h, report_within: 24h, resend_after: 30m, escalate_to_supervisor_after: 1h, escalate_to_office_after: 2h, office: ecology_branch}
grade_defaults:
  - industry: other
    source: test
    grades:
      - grade: D
        yellow: [{action: limit_pct, value: 10, text_zh: 限产10%}]
        orange: [{action: limit_pct, value: 20, text_zh: 限产20%}]
        red: [{action: limit_pct, value: 30, text_zh: 限产30%}]
enterprises:
  - ` + strings.TrimSpace(enterprise) + "\n")
}

// base is a valid industrial source; cases add or replace lines.
const base = `id: f1
    uscc: "91431129MA4Q869646"
    name_zh: 示例
    source_type: industrial
    industry_code: "1320"
    guide_industry: other
    grade: unrated
    status: producing
    supervising_units: [industry_it]
    units:
      - {id: u1, kind: production, name_zh: 线, capacity: {design: 100, unit: t/d}}
      - {id: t1, kind: treatment, name_zh: 除尘}
      - {id: g1, kind: production, name_zh: 熔窑, capacity: {design: 50, unit: t/d}, interruptible: false}
`

// Each rule of the list refuses its mistake with a message naming it.
func TestValidation(t *testing.T) {
	town := "    town: tuojiang\n"
	for _, tc := range []struct {
		name, yaml, want string
	}{
		// The base source itself is valid.
		{"valid", base + town, ""},
		// A town the plan does not have.
		{"unknown town", base + "    town: atlantis\n", `town: unknown region "atlantis"`},
		// A channel kind the service does not deliver on; sms is allowed.
		{"channel kind", base + town + "    channels: [{kind: sms, target: \"+8613800000001\"}, {kind: fax, target: x}]\n", `unknown channel kind "fax"`},
		// An sms target must be an E.164 number.
		{"sms target", base + town + "    channels: [{kind: sms, target: \"13800000001\"}]\n", "an sms target is a number with its country code"},
		// A channel other than mqtt needs a target.
		{"webhook target", base + town + "    channels: [{kind: webhook}]\n", "target missing for webhook"},
		// Two units with one id.
		{"duplicate unit", strings.Replace(base, "{id: t1", "{id: u1", 1) + town, `duplicate unit id "u1"`},
		// A measure on a unit the firm does not have.
		{"unknown target", base + town + "    measures: [{level: red, action: stop_unit, target_units: [u9], text_zh: 停}]\n", `unknown unit "u9"`},
		// limit_pct is a cut strictly between 0 and 100.
		{"limit 100", base + town + "    measures: [{level: red, action: limit_pct, value: 100, target_units: [u1], text_zh: 停}]\n", "0 < value < 100, got 100"},
		{"limit 0", base + town + "    measures: [{level: red, action: limit_pct, target_units: [u1], text_zh: 停}]\n", "0 < value < 100, got 0"},
		// A stop has no value.
		{"stop value", base + town + "    measures: [{level: red, action: stop_unit, value: 5, text_zh: 停}]\n", "value is only for limit_pct and cap_indicator"},
		// Heating is never told to stop or limit.
		{"heating stop", base + town + "    residential_heating: true\n    measures: [{level: red, action: limit_pct, value: 10, text_zh: 限}]\n", "heating is listed but never told to stop or limit"},
		// A guarantee firm's load is in (0, 100].
		{"guarantee pct", base + town + "    guarantee: {kind: livelihood, approved_max_load_pct: 120}\n", "approved_max_load_pct: must be in (0, 100], got 120"},
		// A guarantee firm is capped, never stopped.
		{"guarantee stop", base + town + "    guarantee: {kind: livelihood, approved_max_load_pct: 60}\n    measures: [{level: red, action: stop_unit, text_zh: 停}]\n", "for a guarantee firm: it is never stopped"},
		// The grade's end before its start.
		{"grade dates", base + town + "    grade_from: 2026-05-01\n    grade_to: 2026-04-30\n", "grade_to: 2026-04-30 is before grade_from 2026-05-01"},
		// A date that is not one.
		{"bad date", base + town + "    grade_to: 2026-02-30\n", `"2026-02-30" is not a date`},
		// Treatment runs while production does.
		{"stop treatment", base + town + "    measures: [{level: red, action: stop_unit, target_units: [t1], text_zh: 停}]\n", "on treatment unit t1"},
		// A non-interruptible furnace is limited, not stopped.
		{"stop furnace", base + town + "    measures: [{level: red, action: stop_unit, target_units: [g1], text_zh: 停}]\n", "g1, which is not interruptible"},
		// self_determined is only for A, A+ and 引领性.
		{"self-determined C", base + town + "    measures: [{level: red, action: self_determined, text_zh: 自主}]\n", `self_determined is for grades A+, A and 引领性, the firm is "unrated"`},
		// A written absolute limit must agree with the percent (100 × 0.8 = 80).
		{"key indicator limit", base + town + "    measures: [{level: red, action: limit_pct, value: 20, target_units: [u1], key_indicator: {name_zh: 产量, unit: t/d, limit: 75}, text_zh: 限}]\n", "limit: 75 does not match the measure, which gives 80"},
		// cap_indicator needs its indicator.
		{"cap without indicator", base + town + "    measures: [{level: red, action: cap_indicator, value: 70, text_zh: 限}]\n", "cap_indicator needs key_indicator with name_zh and unit"},
		// A red cap above the orange one is weaker on the same indicator.
		{"cap red weaker", base + town + "    measures:\n      - {level: orange, action: cap_indicator, value: 60, target_units: [u1], key_indicator: {name_zh: 投料量, unit: t/d}, text_zh: 限}\n      - {level: red, action: cap_indicator, value: 70, target_units: [u1], key_indicator: {name_zh: 投料量, unit: t/d}, text_zh: 限}\n", "red cap_indicator ≤ 70 t/d on u1 is weaker than the orange one"},
		// A red measure weaker than the grade default at orange (other/D 20 %).
		{"red under default", base + town + "    measures: [{level: red, action: limit_pct, value: 15, text_zh: 限}]\n", "red limit_pct 15 % on u1, g1 is weaker than the orange one (limit_pct 20 % (default:other/D))"},
		// An industrial source needs its industry and grade.
		{"no guide industry", strings.Replace(base, "    guide_industry: other\n", "", 1) + town, "guide_industry missing"},
		// Vocabulary of source types.
		{"source type", strings.Replace(base, "source_type: industrial", "source_type: factory", 1) + town, `source_type: "factory" is not one of`},
		// Supervising units must be plan units and at least one.
		{"no supervising", strings.Replace(base, "    supervising_units: [industry_it]\n", "", 1) + town, "supervising_units missing"},
		// Unit meters come from the firm's meters.
		{"unit meter", strings.Replace(base, "{id: t1, kind: treatment, name_zh: 除尘}", "{id: t1, kind: treatment, name_zh: 除尘, meters: [m9]}", 1) + town, `meter "m9" is not in the firm's monitoring.meters`},
		// Linked treatment must be a treatment unit.
		{"linked treatment", strings.Replace(base, "capacity: {design: 100, unit: t/d}}", "capacity: {design: 100, unit: t/d}, linked_treatment: [g1]}", 1) + town, `"g1" is not a treatment unit of the firm`},
		// The verify_by vocabulary.
		{"verify_by", base + town + "    measures: [{level: red, action: limit_pct, value: 40, verify_by: [drone], text_zh: 限}]\n", `verify_by[0]: "drone" is not one of`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(miniList(tc.yaml), planRefs(t))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("no error, want %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error lacks %q:\n%v", tc.want, err)
			case tc.want != "" && !strings.Contains(err.Error(), "line "):
				t.Errorf("no line in %v", err)
			}
		})
	}
}

// Problems of the list header, notices and grade tables.
func TestValidationHeader(t *testing.T) {
	ok := base + "    town: tuojiang\n"
	for _, tc := range []struct {
		name, from, to, want string
	}{
		// The county must be a plan region.
		{"county", "county: jianghua", "county: yongzhou", `county: unknown region "yongzhou"`},
		// The office must be a plan unit.
		{"office", "office: ecology_branch", "office: eco", `notices.office: unknown unit "eco"`},
		// A duration that is not one.
		{"duration", "ack_within: 1h", "ack_within: soon", `"soon" is not a duration`},
		// Escalation in order: supervisor before office.
		{"escalation order", "escalate_to_office_after: 2h", "escalate_to_office_after: 45m", "must come after escalate_to_supervisor_after"},
		// A row for A repeats the self-determined rule.
		{"row A", "      - grade: D\n", "      - grade: A\n", "grade A is self-determined by rule"},
		// A table level that cuts less than the one below it.
		{"table weaker", "red: [{action: limit_pct, value: 30", "red: [{action: limit_pct, value: 15", "red: cuts 15 % but orange cuts 20 %"},
		// Tables say where their numbers come from.
		{"no source", "    source: test\n", "", "source missing"},
		// A misspelt level in a table row is refused as a key.
		{"row key", "        red: [", "        rde: [", "field rde not found in type reduction.GradeRow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := strings.Replace(string(miniList(ok)), tc.from, tc.to, 1)
			_, err := Parse([]byte(b), planRefs(t))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

// Duplicate ids and credit codes across sources.
func TestDuplicates(t *testing.T) {
	one := base + "    town: tuojiang\n"
	b := string(miniList(one)) + "  - " + strings.TrimSpace(one) + "\n"
	_, err := Parse([]byte(b), planRefs(t))
	for _, want := range []string{`duplicate id "f1"`, `"91431129MA4Q869646" is also enterprise f1's`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error = %v, want %q", err, want)
		}
	}
}

// Load names the file in its error and reports a missing file.
func TestLoadErrors(t *testing.T) {
	_, err := Load("testdata/invalid-list.yaml", planRefs(t))
	if err == nil || !strings.HasPrefix(err.Error(), "testdata/invalid-list.yaml: invalid reduction list") {
		t.Errorf("err = %v", err)
	}
	_, err = Load("testdata/none.yaml", planRefs(t))
	if err == nil || aqwarn.ErrorCode(err) != aqwarn.EINVALID {
		t.Errorf("missing file: %v", err)
	}
	// Not YAML at all: one problem, the parser's.
	_, err = Parse([]byte("id: [unclosed"), planRefs(t))
	var le *Error
	if !errors.As(err, &le) || len(le.Problems) != 1 {
		t.Errorf("syntax error: %v", err)
	}
}

// A grade-table level left out is no fallback, `[]` is: the guide asking
// nothing at a level must be said, not forgotten.
func TestDefaultLevelOmittedVsEmpty(t *testing.T) {
	ok := base + "    town: tuojiang\n"
	yellow := "        yellow: [{action: limit_pct, value: 10, text_zh: 限产10%}]\n"
	for _, tc := range []struct{ to, want string }{
		{"", "missing level: no measure at yellow and no grade default to fall back to (grade_defaults other/D gives nothing for yellow (write yellow: [] there"}, // left out
		{"        yellow: []\n", ""}, // the guide asks nothing
	} {
		b := strings.Replace(string(miniList(ok)), yellow, tc.to, 1)
		_, err := Parse([]byte(b), planRefs(t))
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("yellow %q: %v, want %q", tc.to, err, tc.want)
		}
	}
}
