package alert

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func proposalFor(t *testing.T, p *Plan, sc scenario) Proposal {
	t.Helper()
	ev := Evaluate(p, sc.situation(t, p))
	if ev.Proposal == nil {
		t.Fatalf("%s: no proposal", sc.name)
	}
	return *ev.Proposal
}

type sign struct {
	role, user string
	approve    bool
	comment    string
	code       string // expected error code, "" for success
}

// TestApprovalChains walks proposals through the county plan's chains.
func TestApprovalChains(t *testing.T) {
	p := jianghua(t)
	yellow := proposalFor(t, p, byID(t, "01"))
	orange := proposalFor(t, p, byID(t, "04"))
	lift := proposalFor(t, p, byID(t, "17"))
	health := proposalFor(t, p, byID(t, "03"))
	upstream := proposalFor(t, p, byID(t, "20"))

	tests := []struct {
		name     string
		proposal Proposal
		signs    []sign
		status   string
		next     []string
	}{
		// Case 21: the commander before both consultations is refused and
		// the proposal stays pending, waiting for the consultation.
		{name: "21 commander before consultation", proposal: yellow,
			signs:  []sign{{role: "commander", user: "fu", approve: true, code: CodeOutOfOrder}},
			status: "pending", next: []string{"ecology_branch", "meteorology"}},
		// Case 21 continued: one consultation is not enough either.
		{name: "21 commander after one consultation", proposal: yellow,
			signs: []sign{{role: "ecology_branch", user: "li", approve: true},
				{role: "commander", user: "fu", approve: true, code: CodeOutOfOrder}},
			status: "pending", next: []string{"meteorology"}},
		// Yellow done right: both bureaus (any order), then the commander.
		{name: "yellow full chain", proposal: yellow,
			signs: []sign{{role: "meteorology", user: "wang", approve: true}, {role: "ecology_branch", user: "li", approve: true},
				{role: "commander", user: "fu", approve: true}},
			status: "approved"},
		// Case 22: orange goes office director → commander → county leader.
		{name: "22 orange chain", proposal: orange,
			signs: []sign{{role: "office_director", user: "chen", approve: true}, {role: "commander", user: "fu", approve: true},
				{role: "county_leader", user: "zhao", approve: true}},
			status: "approved"},
		// Case 22 out of order: the county leader cannot approve before the commander confirmed.
		{name: "22 county leader too early", proposal: orange,
			signs: []sign{{role: "office_director", user: "chen", approve: true},
				{role: "county_leader", user: "zhao", approve: true, code: CodeOutOfOrder}},
			status: "pending", next: []string{"commander"}},
		// The consultation roles of yellow do not sign orange.
		{name: "role not in chain", proposal: orange,
			signs:  []sign{{role: "meteorology", user: "wang", approve: true, code: CodeRoleNotInChain}},
			status: "pending", next: []string{"office_director"}},
		// A role signs once.
		{name: "same role twice", proposal: yellow,
			signs: []sign{{role: "ecology_branch", user: "li", approve: true},
				{role: "ecology_branch", user: "li2", approve: true, code: CodeDuplicateRole}},
			status: "pending", next: []string{"meteorology"}},
		// One person cannot be both bureaus of the consultation.
		{name: "same user two roles", proposal: yellow,
			signs: []sign{{role: "ecology_branch", user: "li", approve: true},
				{role: "meteorology", user: "li", approve: true, code: CodeDuplicateUser}},
			status: "pending", next: []string{"meteorology"}},
		// A rejection needs a reason, then closes the proposal.
		{name: "rejection", proposal: orange,
			signs: []sign{{role: "office_director", user: "chen", approve: false, code: CodeReasonRequired},
				{role: "office_director", user: "chen", approve: false, comment: "forecast disputed by the expert group"},
				{role: "commander", user: "fu", approve: true, code: CodeApprovalClosed}},
			status: "rejected"},
		// Unknown roles are refused.
		{name: "unknown role", proposal: yellow,
			signs:  []sign{{role: "mayor", user: "x", approve: true, code: CodeUnknownRole}},
			status: "pending", next: []string{"ecology_branch", "meteorology"}},
		// Lift: both bureaus propose, then the deputy commander OR the commander approves.
		{name: "lift by deputy commander", proposal: lift,
			signs: []sign{{role: "ecology_branch", user: "li", approve: true}, {role: "meteorology", user: "wang", approve: true},
				{role: "deputy_commander", user: "sun", approve: true},
				{role: "commander", user: "fu", approve: true, code: CodeApprovalClosed}},
			status: "approved"},
		{name: "lift waits for one approver", proposal: lift,
			signs:  []sign{{role: "ecology_branch", user: "li", approve: true}, {role: "meteorology", user: "wang", approve: true}},
			status: "pending", next: []string{"deputy_commander", "commander"}},
		// Health notice: one confirmation by the duty officer (spec §8).
		{name: "health notice", proposal: health,
			signs:  []sign{{role: "duty_officer", user: "zhou", approve: true}},
			status: "approved"},
		// An upstream orange prompt goes through the orange chain.
		{name: "upstream uses the orange chain", proposal: upstream,
			signs:  []sign{{role: "commander", user: "fu", approve: true, code: CodeOutOfOrder}},
			status: "pending", next: []string{"office_director"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := NewApproval(p, tc.proposal)
			if err != nil {
				t.Fatal(err)
			}
			at := now0
			for i, s := range tc.signs {
				at = at.Add(10 * time.Minute)
				before := len(a.Signatures)
				err := a.Sign(p, s.role, s.user, at, s.approve, s.comment)
				if got := ErrorCode(err); got != s.code {
					t.Fatalf("sign %d (%s): code %q (%v), want %q", i, s.role, got, err, s.code)
				}
				if err != nil && len(a.Signatures) != before {
					t.Fatalf("sign %d: a refused signature changed the state", i)
				}
			}
			if a.Status() != tc.status {
				t.Errorf("status = %s, want %s", a.Status(), tc.status)
			}
			if !slices.Equal(a.NextRoles(), tc.next) {
				t.Errorf("next roles = %v, want %v", a.NextRoles(), tc.next)
			}
		})
	}
}

// TestApprovalOutOfOrderMessage: the refusal of case 21 says what is missing, in both languages.
func TestApprovalOutOfOrderMessage(t *testing.T) {
	p := jianghua(t)
	a, err := NewApproval(p, proposalFor(t, p, byID(t, "01")))
	if err != nil {
		t.Fatal(err)
	}
	err = a.Sign(p, "commander", "fu", now0, true, "")
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"Commander", "Consultation", "Ecology", "Meteorological"} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("message %q lacks %q", e.Message, want)
		}
	}
	for _, want := range []string{"指挥长", "会商", "市生态环境局江华分局", "县气象局"} {
		if !strings.Contains(e.MessageZH, want) {
			t.Errorf("message %q lacks %q", e.MessageZH, want)
		}
	}
}

// TestScenario22Response: the published orange warning is response level Ⅱ,
// and its checklist holds every Ⅲ measure too (measures are cumulative).
func TestScenario22Response(t *testing.T) {
	p := planWithUnits(t)
	orange := proposalFor(t, p, byID(t, "04"))
	if orange.Response != "Ⅱ" || p.Spec(orange.Level).ResponseZH != "Ⅱ级应急响应" {
		t.Fatalf("response = %q", orange.Response)
	}
	ids := func(ms []Measure) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	if got, want := ids(p.MeasuresFor(orange.Level)), []string{"schools-reduce-outdoor", "sites-stop-earthworks",
		"schools-stop-outdoor", "diesel-trucks-restricted"}; !slices.Equal(got, want) {
		t.Errorf("orange measures = %v, want %v", got, want)
	}
	if got, want := ids(p.MeasuresFor(mustLevel(t, p, "yellow"))), []string{"schools-reduce-outdoor", "sites-stop-earthworks"}; !slices.Equal(got, want) {
		t.Errorf("yellow measures = %v, want %v", got, want)
	}
	if got, want := ids(p.MeasuresFor(LevelNone)), []string{"health-advice"}; !slices.Equal(got, want) {
		t.Errorf("health-notice measures = %v, want %v", got, want)
	}
}

// planWithUnits is the county plan with the units and measures of
// testdata/units-measures.yaml in place of its empty sections.
func planWithUnits(t *testing.T) *Plan {
	t.Helper()
	base, err := os.ReadFile(filepath.Join("..", "configs", "plans", "jianghua-2024.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	extra, err := os.ReadFile(filepath.Join("testdata", "units-measures.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The county plan ends with its units and measures: replace them.
	cut := strings.Index(string(base), "\nunits:")
	if cut < 0 {
		t.Fatal("county plan no longer has a units section")
	}
	src := string(base)[:cut+1] + string(extra)
	p, err := ParsePlan([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestUnitFields: every key of a unit is a field of Unit (the plan is decoded strictly).
func TestUnitFields(t *testing.T) {
	p := planWithUnits(t)
	if len(p.Units) != 3 || p.Units[0].Channels[0].Kind != "webhook" || p.Units[0].Contact != "0746-0000000" {
		t.Fatalf("units = %+v", p.Units)
	}
}
