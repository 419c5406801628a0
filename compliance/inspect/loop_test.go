package inspect

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/reduction"
)

const listPath = "../../configs/reduction/jianghua-2026.yaml"

// demo is the county plan and the demo reduction list, as the service loads them.
func demo(t testing.TB) (*alert.Plan, *reduction.List) {
	t.Helper()
	p, err := alert.LoadPlan(planPath)
	if err != nil {
		t.Fatal(err)
	}
	l, err := reduction.Load(listPath, refsOf(p))
	if err != nil {
		t.Fatal(err)
	}
	return p, l
}

// refsOf are a plan's refs a list is parsed with, as the service passes them.
func refsOf(p *alert.Plan) reduction.Refs {
	refs := reduction.Refs{ChannelKinds: alert.ChannelKinds()}
	for _, u := range p.Units {
		refs.Units = append(refs.Units, u.ID)
	}
	for _, r := range p.Regions {
		refs.Regions = append(refs.Regions, r.ID)
	}
	return refs
}

var t0 = time.Date(2026, 12, 2, 22, 15, 0, 0, cst)

func at(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }

func TestNextState(t *testing.T) {
	const (
		o = compliance.StateOpen
		i = compliance.StateInspecting
		c = compliance.StateConfirmed
		d = compliance.StateDismissed
	)
	for _, tc := range []struct {
		from, to compliance.State
		ok       bool
	}{
		{o, i, true},  // an inspector is on it
		{i, c, true},  // confirmed on site
		{i, d, true},  // dismissed on site
		{o, c, false}, // no conclusion without an inspection
		{o, d, false}, // nor a dismissal
		{i, o, false}, // no way back
		{c, d, false}, // a conclusion stands
		{d, c, false}, // either way
		{c, i, false}, // and is not reopened
		{o, o, false}, // no step to where it is
	} {
		err := NextState(tc.from, tc.to)
		if (err == nil) != tc.ok {
			t.Errorf("%s → %s: %v", tc.from, tc.to, err)
		}
		if err != nil && (aqwarn.ErrorCode(err) != aqwarn.ECONFLICT || aqwarn.ErrorReason(err) != ReasonStateInvalid ||
			!strings.Contains(err.Error(), "cannot become") || !strings.Contains(err.Error(), "事件状态不能由")) {
			t.Errorf("%s → %s: the error %v is not the clear zh/en conflict", tc.from, tc.to, err)
		}
	}
}

func TestNewInspection(t *testing.T) {
	_, list := demo(t)
	cl := shippedChecklists(t)
	for _, tc := range []struct {
		source               string
		unit, checklist, typ string
	}{
		// A cement firm: its first supervising unit, the industrial checklist.
		{"cem-b", "industry_it", "industrial", reduction.SourceIndustrial},
		// A building site: the housing bureau, the dust checklist.
		{"site-1", "housing", "dust", reduction.SourceDustConstruction},
		// A haulier: the transport checklist.
		{"haul-1", "transport", "transport", reduction.SourceMobileBulk},
		// A source the list does not have: the office, the "other" checklist.
		{"gone", "ecology_branch", "other", reduction.SourceOther},
	} {
		ev := compliance.Event{ID: "ce-" + tc.source, Rule: compliance.RuleStopNotExecuted, Enterprise: tc.source, Start: at(0), End: at(2)}
		e, _ := list.Enterprise(tc.source)
		in := NewInspection(ev, e, "ecology_branch", cl, at(3))
		if in.Unit != tc.unit || in.Checklist != tc.checklist || in.SourceType != tc.typ || !in.Due.Equal(at(27)) ||
			!slices.Equal(in.Events, []string{ev.ID}) || !in.Since.Equal(at(0)) || len(in.Items) == 0 || !in.Open() {
			t.Errorf("%s: %+v", tc.source, in)
		}
	}
}

func TestApplyFindings(t *testing.T) {
	cl := shippedChecklists(t)
	_, list := demo(t)
	e, _ := list.Enterprise("cem-b")
	base := NewInspection(compliance.Event{ID: "ce-1", Enterprise: "cem-b", Start: at(0)}, e, "", cl, at(1))
	pos := &Position{Lat: 25.262, Lon: 111.512, AccuracyM: 15}
	for _, tc := range []struct {
		name  string
		fs    []FindingInput
		pos   *Position
		err   string // "" for none
		items []string
	}{
		// Two answers, out of checklist order: kept in its order.
		{"answers", []FindingInput{{Item: "ledger", Result: ResultOK}, {Item: "line_stopped", Result: ResultNotOK, Note: "窑在运行"}}, pos, "",
			[]string{"line_stopped", "ledger"}},
		// A position alone starts the inspection.
		{"position only", nil, pos, "", nil},
		// An item the checklist does not have.
		{"unknown item", []FindingInput{{Item: "roof", Result: ResultOK}}, nil, "is not an item", nil},
		// A result that is not one of the three.
		{"bad result", []FindingInput{{Item: "ledger", Result: "maybe"}}, nil, "must be ok, not_ok or na", nil},
		// A position off the globe, or the null island a failed fix gives.
		{"bad position", nil, &Position{Lat: 95, Lon: 0}, "is not a place", nil},
		{"null island", nil, &Position{}, "is not a place", nil},
		// Nothing at all.
		{"nothing", nil, nil, "send findings or a position", nil},
	} {
		got, err := ApplyFindings(base, tc.fs, tc.pos, "inspector", at(5))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || aqwarn.ErrorCode(err) != aqwarn.EINVALID {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var items []string
		for _, f := range got.Findings {
			items = append(items, f.Item)
			if f.By != "inspector" || !f.At.Equal(at(5)) {
				t.Errorf("%s: finding %+v", tc.name, f)
			}
		}
		if !slices.Equal(items, tc.items) || !got.Started.Equal(at(5)) {
			t.Errorf("%s: items %v, started %v", tc.name, items, got.Started)
		}
		if tc.pos != nil && (got.Position == nil || got.Position.By != "inspector" || got.Position.Lat != tc.pos.Lat) {
			t.Errorf("%s: position %+v", tc.name, got.Position)
		}
	}
	// A second answer to an item replaces the first; the start stays.
	first, _ := ApplyFindings(base, []FindingInput{{Item: "ledger", Result: ResultNotOK}}, nil, "a", at(5))
	second, _ := ApplyFindings(first, []FindingInput{{Item: "ledger", Result: ResultOK, Note: "补齐"}}, nil, "b", at(6))
	if len(second.Findings) != 1 || second.Findings[0].Result != ResultOK || second.Findings[0].By != "b" || !second.Started.Equal(at(5)) {
		t.Errorf("replaced: %+v", second)
	}
	if len(first.Findings) != 1 || first.Findings[0].Result != ResultNotOK {
		t.Error("ApplyFindings changed the inspection it was given")
	}
}

func TestConclude(t *testing.T) {
	cl := shippedChecklists(t)
	_, list := demo(t)
	e, _ := list.Enterprise("cem-b")
	in := NewInspection(compliance.Event{ID: "ce-1", Enterprise: "cem-b", Start: at(0)}, e, "", cl, at(1))
	var all []FindingInput
	for _, it := range in.Items {
		all = append(all, FindingInput{Item: it.ID, Result: ResultOK})
	}
	answered, _ := ApplyFindings(in, all, nil, "insp", at(5))
	withPhoto := answered
	withPhoto.Photos = []Photo{{SHA256: "ab", ContentType: "image/jpeg"}}
	for _, tc := range []struct {
		name    string
		in      Inspection
		outcome compliance.State
		text    string
		err     string
	}{
		// Everything answered, a photo, a text.
		{"confirmed", withPhoto, compliance.StateConfirmed, "1号线在生产", ""},
		// A dismissal needs no photo.
		{"dismissed", answered, compliance.StateDismissed, "电表故障，已停产", ""},
		// A confirmation does.
		{"no photo", answered, compliance.StateConfirmed, "在生产", "at least one photo"},
		// Items left unanswered are named.
		{"unanswered", in, compliance.StateDismissed, "x", "items not answered: line_stopped, treatment_running"},
		// No text.
		{"no text", answered, compliance.StateDismissed, "  ", "needs a text"},
		// Not an outcome.
		{"outcome", answered, compliance.StateInspecting, "x", "must be confirmed or dismissed"},
	} {
		got, err := Conclude(tc.in, tc.outcome, tc.text, "insp", true, at(6))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got.Open() || got.Conclusion.Outcome != tc.outcome || got.Conclusion.By != "insp" || !got.Conclusion.At.Equal(at(6)) {
			t.Errorf("%s: %+v %v", tc.name, got.Conclusion, err)
		}
		// Concluded, it takes nothing more.
		if _, err := ApplyFindings(got, all, nil, "x", at(7)); aqwarn.ErrorCode(err) != aqwarn.ECONFLICT {
			t.Errorf("%s: findings after the conclusion: %v", tc.name, err)
		}
		if _, err := Conclude(got, tc.outcome, "again", "x", true, at(7)); aqwarn.ErrorCode(err) != aqwarn.ECONFLICT {
			t.Errorf("%s: concluded twice: %v", tc.name, err)
		}
	}
}

func TestMoves(t *testing.T) {
	const (
		o = compliance.StateOpen
		i = compliance.StateInspecting
		c = compliance.StateConfirmed
	)
	got := Moves(map[string]compliance.State{"a": o, "b": i, "c": c}, []string{"a", "b", "c"}, c)
	// An open event goes through inspecting; an inspecting one straight on; a confirmed one needs nothing.
	want := []Move{{"a", i}, {"a", c}, {"b", c}}
	if !slices.Equal(got, want) {
		t.Errorf("Moves = %v, want %v", got, want)
	}
	if got := Moves(map[string]compliance.State{"a": o}, []string{"a"}, i); !slices.Equal(got, []Move{{"a", i}}) {
		t.Errorf("to inspecting: %v", got)
	}
}

func TestSeason(t *testing.T) {
	starts := []string{"10-01", "04-01"}
	day := func(s string) time.Time { d, _ := time.ParseInLocation(time.DateTime, s, cst); return d }
	for _, tc := range []struct {
		t, from, to string
	}{
		// December is in the winter season that began in October.
		{"2026-12-02 22:15:00", "2026-10-01 00:00:00", "2027-04-01 00:00:00"},
		// January too, the season begun the year before.
		{"2027-01-15 03:00:00", "2026-10-01 00:00:00", "2027-04-01 00:00:00"},
		// The first instant of a season is in it.
		{"2027-04-01 00:00:00", "2027-04-01 00:00:00", "2027-10-01 00:00:00"},
		// The last instant before it is not.
		{"2027-03-31 23:59:59", "2026-10-01 00:00:00", "2027-04-01 00:00:00"},
	} {
		from, to := Season(day(tc.t), starts)
		if !from.Equal(day(tc.from)) || !to.Equal(day(tc.to)) {
			t.Errorf("Season(%s) = %v – %v, want %s – %s", tc.t, from, to, tc.from, tc.to)
		}
	}
	// A season a year long.
	if from, to := Season(day("2027-02-01 00:00:00"), []string{"10-01"}); !from.Equal(day("2026-10-01 00:00:00")) || !to.Equal(day("2027-10-01 00:00:00")) {
		t.Errorf("one start a year: %v – %v", from, to)
	}
}

// The consequences of plan 8.5 (the consequence tests, and the
// cases around them).
func TestDecideConsequences(t *testing.T) {
	rules := shippedConsequences(t)
	r1 := []compliance.Rule{compliance.RuleStopNotExecuted}
	kinds := func(ds []Decision) []string {
		var out []string
		for _, d := range ds {
			s := d.Kind
			if d.Kind == KindDowngrade {
				s += " " + d.FromGrade + "→" + d.ToGrade
			}
			if d.Kind == KindPenalty {
				s += " " + d.Basis.ID
			}
			out = append(out, s)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		c    Case
		want []string
	}{
		// A confirmed R1 of a B firm during orange: a penalty and B → C.
		{"B firm during orange", Case{SourceType: reduction.SourceIndustrial, Grade: "B", LowerGrade: "C", Rules: r1, DuringResponse: true, Cases: 1},
			[]string{"penalty emergency-measures", "downgrade B→C"}},
		// A D firm (the lowest): a penalty only.
		{"D firm", Case{SourceType: reduction.SourceIndustrial, Grade: "D", Rules: r1, DuringResponse: true, Cases: 1},
			[]string{"penalty emergency-measures"}},
		// The second confirmed case of the season: a stop order too.
		{"second in the season", Case{SourceType: reduction.SourceIndustrial, Grade: "C", LowerGrade: "D", Rules: r1, DuringResponse: true, Cases: 2},
			[]string{"penalty emergency-measures", "downgrade C→D", "stop_order"}},
		// Treatment off outside a response: the evasion basis, no downgrade.
		{"treatment off, no response", Case{SourceType: reduction.SourceIndustrial, Grade: "B", LowerGrade: "C",
			Rules: []compliance.Rule{compliance.RuleTreatmentOff}, Cases: 1}, []string{"penalty evading-treatment"}},
		// A building site: its own basis, never a downgrade (not graded).
		{"site", Case{SourceType: reduction.SourceDustConstruction, Rules: r1, DuringResponse: true, Cases: 1},
			[]string{"penalty dust-earthworks"}},
		// The same downgrade already on its way (the list not yet published): not again.
		{"downgrade on its way", Case{SourceType: reduction.SourceIndustrial, Grade: "B", LowerGrade: "C", Rules: r1, DuringResponse: true,
			Downgrading: true, Cases: 1}, []string{"penalty emergency-measures"}},
		// A data gap alone is not a violation: nothing.
		{"data gap", Case{SourceType: reduction.SourceIndustrial, Grade: "B", LowerGrade: "C", Rules: []compliance.Rule{compliance.RuleDataGap},
			DuringResponse: true, Cases: 3}, nil},
		// A gap with a violation: the violation counts.
		{"gap and R3", Case{SourceType: reduction.SourceIndustrial, Grade: "A", LowerGrade: "B",
			Rules: []compliance.Rule{compliance.RuleNightProduction, compliance.RuleDataGap}, DuringResponse: true, Cases: 1},
			[]string{"penalty emergency-measures", "downgrade A→B"}},
	} {
		if got := kinds(decideConsequences(tc.c, rules)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A run found again under the other rule of its pair keeps its id and is
// reclassified (R4 → R5 once production is seen shutting down right
// after); found again under the same rule with no later end, nothing
// changes; an earlier end never shrinks it.
func TestGrowReclassifies(t *testing.T) {
	start, end := at(0), at(6)
	r4 := compliance.Event{ID: compliance.EventID(compliance.RuleTreatmentOff, "cast-b", "dust1", start), Rule: compliance.RuleTreatmentOff,
		Enterprise: "cast-b", Unit: "dust1", Start: start, End: end}
	r5 := r4
	r5.Rule = compliance.RuleTreatmentStoppedEarly
	if r5.ID != compliance.EventID(compliance.RuleTreatmentStoppedEarly, "cast-b", "dust1", start) {
		t.Fatal("R4 and R5 of one run have different ids")
	}
	rec := EventRecord{Event: r4}
	rec.State = compliance.StateInspecting
	got := Grow(rec, r5, at(7))
	if got.Rule != compliance.RuleTreatmentStoppedEarly || got.State != compliance.StateInspecting {
		t.Errorf("reclassified: %s %s, want R5 still inspecting", got.Rule, got.State)
	}
	if again := Grow(got, r5, at(8)); !again.Updated.Equal(got.Updated) {
		t.Error("the same finding again changed the record")
	}
	shorter := r5
	shorter.End = at(3)
	if g := Grow(got, shorter, at(9)); !g.End.Equal(end) {
		t.Errorf("an earlier end shrank it to %s", g.End)
	}
	if compliance.EventID(compliance.RuleStopNotExecuted, "x", "k", start) != compliance.EventID(compliance.RuleRestartWithoutApproval, "x", "k", start) ||
		compliance.EventID(compliance.RuleNightProduction, "x", "k", start) == compliance.EventID(compliance.RuleStopNotExecuted, "x", "k", start) {
		t.Error("R1/R6 must share an id, R3 must not")
	}
}
