package compliance_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/reduction"
)

// demoList is the shipped demo list, against the county plan.
func demoList(t *testing.T) *reduction.List {
	t.Helper()
	scenarioList(t) // loads the plan
	b, err := os.ReadFile("../configs/reduction/jianghua-2026.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l, err := configs.ParseListFor(plan, b)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func confirmed(rule compliance.Rule, firm, level string, start time.Time) compliance.Event {
	return compliance.Event{ID: compliance.EventID(rule, firm, "kiln1", start), Rule: rule, Enterprise: firm, Unit: "kiln1", Level: level,
		Start: start, End: start.Add(2 * time.Hour), State: compliance.StateConfirmed, TextZH: "停产措施未落实", TextEN: "stop not executed"}
}

type proposal struct {
	kind     compliance.ProposalKind
	from, to string
}

func kinds(ps []compliance.Proposal) []proposal {
	out := []proposal{}
	for _, p := range ps {
		out = append(out, proposal{p.Kind, p.FromGrade, p.ToGrade})
	}
	return out
}

// TestConsequences is notes §7 acceptance 7, and the cases around it.
func TestConsequences(t *testing.T) {
	cp := params(t).Consequences
	l := demoList(t)
	orange := time.Date(2026, time.December, 15, 22, 0, 0, 0, aqi.CST)
	earlier := confirmed(compliance.RuleNightProduction, "cem-b", "orange", orange.AddDate(0, 0, -20))
	for _, tc := range []struct {
		name    string
		ev      compliance.Event
		history []compliance.Event
		want    []proposal
	}{
		// A B cement firm's confirmed R1 during orange: a penalty and a
		// downgrade B → C (cement's lowest grade is D).
		{"B firm during orange", confirmed(compliance.RuleStopNotExecuted, "cem-b", "orange", orange), nil,
			[]proposal{{compliance.ProposalPenalty, "", ""}, {compliance.ProposalDowngrade, "B", "C"}}},
		// A D firm: a penalty only (D is the lowest grade).
		{"D firm", confirmed(compliance.RuleStopNotExecuted, "brick-d", "orange", orange), nil,
			[]proposal{{compliance.ProposalPenalty, "", ""}}},
		// An unrated firm counts as its industry's lowest: a penalty only.
		{"unrated firm", confirmed(compliance.RuleStopNotExecuted, "coat-x", "orange", orange), nil,
			[]proposal{{compliance.ProposalPenalty, "", ""}}},
		// The second confirmed violation of the season, on another day: a
		// stop order as well.
		{"second in the season", confirmed(compliance.RuleStopNotExecuted, "cem-b", "orange", orange), []compliance.Event{earlier},
			[]proposal{{compliance.ProposalPenalty, "", ""}, {compliance.ProposalDowngrade, "B", "C"}, {compliance.ProposalStopOrder, "", ""}}},
		// Two findings of one night are one occasion: no stop order.
		{"same night", confirmed(compliance.RuleStopNotExecuted, "cem-b", "orange", orange),
			[]compliance.Event{confirmed(compliance.RuleNightProduction, "cem-b", "orange", orange.Add(time.Hour))},
			[]proposal{{compliance.ProposalPenalty, "", ""}, {compliance.ProposalDowngrade, "B", "C"}}},
		// A violation of last season does not count.
		{"last season", confirmed(compliance.RuleStopNotExecuted, "cem-b", "orange", orange),
			[]compliance.Event{confirmed(compliance.RuleStopNotExecuted, "cem-b", "orange", orange.AddDate(0, -10, 0))},
			[]proposal{{compliance.ProposalPenalty, "", ""}, {compliance.ProposalDowngrade, "B", "C"}}},
		// Another firm's violation does not count; neither does a dismissed one.
		{"others and dismissed", confirmed(compliance.RuleStopNotExecuted, "cem-b", "orange", orange),
			[]compliance.Event{confirmed(compliance.RuleStopNotExecuted, "cem-c", "orange", orange.AddDate(0, 0, -3)), dismissed(earlier)},
			[]proposal{{compliance.ProposalPenalty, "", ""}, {compliance.ProposalDowngrade, "B", "C"}}},
		// Treatment off outside any response: a penalty, no downgrade.
		{"outside a response", confirmed(compliance.RuleTreatmentOff, "cem-b", "", orange), nil,
			[]proposal{{compliance.ProposalPenalty, "", ""}}},
		// A data gap is not a violation: nothing.
		{"data gap", confirmed(compliance.RuleDataGap, "cem-b", "orange", orange), nil, []proposal{}},
		// An event not yet confirmed: nothing.
		{"open", open(confirmed(compliance.RuleStopNotExecuted, "cem-b", "orange", orange)), nil, []proposal{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, ok := compliance.ConsequenceInputFor(l, tc.ev, tc.history)
			if !ok {
				t.Fatalf("%s not in the list", tc.ev.Enterprise)
			}
			got := cp.Consequences(in)
			if k := kinds(got); !slices.Equal(k, tc.want) {
				t.Fatalf("proposals %v, want %v", k, tc.want)
			}
			for _, p := range got {
				if p.BasisZH == "" || p.BasisEN == "" || p.ApprovalChain == "" || p.Events[0] != tc.ev.ID || !strings.HasPrefix(p.ID, "cp-") {
					t.Errorf("%s: %+v", p.Kind, p)
				}
			}
		})
	}
	// A proposal changes nothing: the list still says B, and the same
	// input gives the same proposals.
	in, _ := compliance.ConsequenceInputFor(l, confirmed(compliance.RuleStopNotExecuted, "cem-b", "orange", orange), nil)
	a, b := cp.Consequences(in), cp.Consequences(in)
	if e, _ := l.Enterprise("cem-b"); e.Grade != reduction.GradeB {
		t.Errorf("cem-b is %s after the proposal", e.Grade)
	}
	if a[1].ID != b[1].ID {
		t.Error("the same downgrade twice has two ids")
	}
}

func dismissed(e compliance.Event) compliance.Event { e.State = compliance.StateDismissed; return e }
func open(e compliance.Event) compliance.Event      { e.State = compliance.StateOpen; return e }

// TestPenaltyBasis: the legal basis follows the rule and the source type.
func TestPenaltyBasis(t *testing.T) {
	cp := params(t).Consequences
	at := time.Date(2026, time.December, 15, 22, 0, 0, 0, aqi.CST)
	for _, tc := range []struct {
		name, sourceType string
		rule             compliance.Rule
		want             string
	}{
		// Stop not executed by a factory: art. 96 and the plan.
		{"factory stop", reduction.SourceIndustrial, compliance.RuleStopNotExecuted, "第九十六条"},
		// Treatment off: evading supervision, art. 20 and 99.
		{"treatment off", reduction.SourceIndustrial, compliance.RuleTreatmentOff, "第九十九条"},
		// A construction site that does not stop: art. 121.
		{"site", reduction.SourceDustConstruction, compliance.RuleStopNotExecuted, "第一百二十一条"},
	} {
		in := compliance.ConsequenceInput{Event: confirmed(tc.rule, "x", "orange", at), SourceType: tc.sourceType, Grade: reduction.GradeD, LowestGrade: reduction.GradeD}
		ps := cp.Consequences(in)
		if len(ps) != 1 || !strings.Contains(ps[0].BasisZH, tc.want) {
			t.Errorf("%s: %v, want a penalty citing %s", tc.name, ps, tc.want)
		}
	}
}

// TestLowestGrade: a firm at its industry's lowest grade is not
// downgraded, whatever the chain says.
func TestLowestGrade(t *testing.T) {
	cp := params(t).Consequences
	at := time.Date(2026, time.December, 15, 22, 0, 0, 0, aqi.CST)
	in := compliance.ConsequenceInput{Event: confirmed(compliance.RuleStopNotExecuted, "x", "orange", at), SourceType: reduction.SourceIndustrial,
		Grade: reduction.GradeC, LowestGrade: reduction.GradeC}
	if got := kinds(cp.Consequences(in)); !slices.Equal(got, []proposal{{compliance.ProposalPenalty, "", ""}}) {
		t.Errorf("C in a table whose lowest is C: %v", got)
	}
	if g := demoList(t).LowestGrade("cement_clinker"); g != reduction.GradeD {
		t.Errorf("cement's lowest grade %q, want D", g)
	}
}

func TestSeason(t *testing.T) {
	cp := params(t).Consequences
	for _, tc := range []struct{ at, start, end string }{
		// Winter: 1 October to 1 April.
		{"2026-12-15", "2026-10-01", "2027-04-01"},
		// Early in the year, still last winter's season.
		{"2027-02-01", "2026-10-01", "2027-04-01"},
		// Summer.
		{"2027-06-01", "2027-04-01", "2027-10-01"},
	} {
		d, _ := time.ParseInLocation(time.DateOnly, tc.at, aqi.CST)
		s, e := cp.Season(d)
		if s.Format(time.DateOnly) != tc.start || e.Format(time.DateOnly) != tc.end {
			t.Errorf("%s: season %s–%s, want %s–%s", tc.at, s.Format(time.DateOnly), e.Format(time.DateOnly), tc.start, tc.end)
		}
	}
}
