package inspect

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/reduction"
)

// fakeEngine is the compliance engine at the loop's seam: the events it
// gives at any now, changed by the test.
type fakeEngine struct {
	mu     sync.Mutex
	events []compliance.Event
	err    error
	asked  []time.Time
}

func (f *fakeEngine) Events(_ context.Context, now time.Time) ([]compliance.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, now)
	return slices.Clone(f.events), f.err
}

func (f *fakeEngine) set(es ...compliance.Event) { f.mu.Lock(); f.events = es; f.mu.Unlock() }

// fakeVersions are the list's versions as store/sqlite keeps them (its
// adapter is tested against the real store there).
type fakeVersions struct {
	vs    []reduction.Version
	texts []string
}

func (f *fakeVersions) ListVersions(_ context.Context, year int) ([]reduction.Version, error) {
	var out []reduction.Version
	for i := len(f.vs) - 1; i >= 0; i-- {
		if year == 0 || f.vs[i].Year == year {
			out = append(out, f.vs[i])
		}
	}
	return out, nil
}

func (f *fakeVersions) ListVersion(_ context.Context, id int64) (reduction.Version, string, error) {
	if id < 1 || int(id) > len(f.vs) {
		return reduction.Version{}, "", aqwarn.Errorf(aqwarn.ENOTFOUND, "no version %d", id)
	}
	return f.vs[id-1], f.texts[id-1], nil
}

func (f *fakeVersions) AddListVersion(_ context.Context, v reduction.Version, text string) (reduction.Version, error) {
	v.ID, v.State = int64(len(f.vs)+1), reduction.StateDraft
	f.vs, f.texts = append(f.vs, v), append(f.texts, text)
	return v, nil
}

// loop is a Service on a MemStore with the county plan, the demo list,
// the shipped checklists and consequences, and a clock the test moves.
type loop struct {
	*Service
	mem      *MemStore
	engine   *fakeEngine
	versions *fakeVersions
	clock    time.Time
	mu       sync.Mutex
}

func (l *loop) now() time.Time       { l.mu.Lock(); defer l.mu.Unlock(); return l.clock }
func (l *loop) set(t time.Time)      { l.mu.Lock(); l.clock = t; l.mu.Unlock() }
func (l *loop) ctx() context.Context { return context.Background() }

func newLoop(t *testing.T) *loop {
	t.Helper()
	plan, list := demo(t)
	text, err := os.ReadFile(listPath)
	if err != nil {
		t.Fatal(err)
	}
	refs := refsOf(plan)
	l := &loop{mem: NewMemStore(), engine: &fakeEngine{}, versions: &fakeVersions{}, clock: at(0.25)}
	l.Service = &Service{Store: l.mem, Plan: plan, List: list, Checklists: shippedChecklists(t), Rules: shippedConsequences(t), Now: l.now,
		Regrader: &ListDraft{Versions: l.versions, InForce: list, Text: func() ([]byte, error) { return text, nil },
			Parse: func(b []byte) (*reduction.List, error) { return reduction.Parse(b, refs) }}}
	return l
}

// ev is an engine finding during the orange warning.
func ev(rule compliance.Rule, source, unit string, start, end float64) compliance.Event {
	s := at(start)
	return compliance.Event{ID: compliance.EventID(rule, source, unit, s), Rule: rule, Enterprise: source, Unit: unit, Warning: "1", Level: "orange",
		Start: s, End: at(end), Severity: compliance.SeverityCritical, Observed: 1800, Expected: 240, State: compliance.StateOpen}
}

func (l *loop) poll(t *testing.T) SyncResult {
	t.Helper()
	res, err := l.Poll(l.ctx(), l.engine)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (l *loop) inspectionOf(t *testing.T, source string) Inspection {
	t.Helper()
	ins, err := l.mem.Inspections(l.ctx(), InspectionFilter{Enterprise: source, Limit: 1})
	if err != nil || len(ins) == 0 {
		t.Fatalf("no inspection of %s: %v", source, err)
	}
	return ins[0]
}

// answerAll answers every item of an inspection, the given ones not_ok.
func (l *loop) answerAll(t *testing.T, in Inspection, by string, notOK ...string) {
	t.Helper()
	var fs []FindingInput
	for _, it := range in.Items {
		r := ResultOK
		if slices.Contains(notOK, it.ID) {
			r = ResultNotOK
		}
		fs = append(fs, FindingInput{Item: it.ID, Result: r, Note: "现场查看"})
	}
	if _, err := l.Record(l.ctx(), in.ID, by, fs, &Position{Lat: 25.262, Lon: 111.512}); err != nil {
		t.Fatal(err)
	}
}

// confirm answers, photographs and confirms an inspection as by.
func (l *loop) confirm(t *testing.T, in Inspection, by string) []Consequence {
	t.Helper()
	l.answerAll(t, in, by, in.Items[0].ID)
	if _, err := l.AddPhoto(l.ctx(), in.ID, by, "image/jpeg", []byte(fmt.Sprintf("\xff\xd8\xff photo of %d", in.ID))); err != nil {
		t.Fatal(err)
	}
	_, cs, err := l.Conclude(l.ctx(), in.ID, by, compliance.StateConfirmed, "现场核实：生产线未停")
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func kindsOf(cs []Consequence) []string {
	var out []string
	for _, c := range cs {
		s := c.Kind
		if c.Kind == KindDowngrade {
			s += " " + c.FromGrade + "→" + c.ToGrade
		}
		out = append(out, s)
	}
	return out
}

// The loop through the engine's seam: events make one inspection per
// source for its supervising unit, due in 24 h; later findings of a source
// join its open inspection; the engine re-finding an event grows it.
func TestLoopMakesInspections(t *testing.T) {
	l := newLoop(t)
	r1 := ev(compliance.RuleStopNotExecuted, "cem-b", "kiln1", 0, 2)
	r3 := ev(compliance.RuleNightProduction, "cem-b", "", -0.25, 8)
	gap := ev(compliance.RuleDataGap, "site-1", "", 1, 4)
	l.engine.set(r1, r3, gap)
	if res := l.poll(t); res != (SyncResult{New: 3, Inspections: 2, Attached: 1}) {
		t.Errorf("first poll: %+v", res)
	}
	cem := l.inspectionOf(t, "cem-b")
	if cem.Unit != "industry_it" || cem.Checklist != "industrial" || !cem.Due.Equal(at(24.25)) || !cem.Since.Equal(r3.Start) ||
		!slices.Equal(cem.Events, []string{r3.ID, r1.ID}) {
		t.Errorf("cem-b's inspection: %+v", cem)
	}
	if site := l.inspectionOf(t, "site-1"); site.Unit != "housing" || site.Checklist != "dust" {
		t.Errorf("site-1's inspection: unit %s, checklist %s", site.Unit, site.Checklist)
	}

	// The engine runs again over a longer window: the event grows, nothing new.
	l.set(at(3))
	grown := r1
	grown.End, grown.Observed = at(3), 2700
	l.engine.set(grown, r3, gap)
	if res := l.poll(t); res != (SyncResult{Updated: 3}) {
		t.Errorf("second poll: %+v", res)
	}
	if e, _ := l.mem.Event(l.ctx(), r1.ID); !e.End.Equal(at(3)) || e.Observed != 2700 || e.State != compliance.StateOpen {
		t.Errorf("the grown event: %+v", e)
	}
	if len(l.engine.asked) != 2 || !l.engine.asked[1].Equal(at(3)) {
		t.Errorf("the engine was asked at %v", l.engine.asked)
	}

	// Past the due time, open: overdue.
	if cem.Overdue(at(24)) || !cem.Overdue(at(24.5)) {
		t.Error("overdue is wrong around the due time")
	}

	// An engine that fails: said, nothing changes.
	l.engine.err = errors.New("influx down")
	if _, err := l.Poll(l.ctx(), l.engine); err == nil || !strings.Contains(err.Error(), "influx down") {
		t.Errorf("a failing engine: %v", err)
	}
	// No engine at all: nothing to do, no error.
	if _, err := l.Poll(l.ctx(), nil); err != nil {
		t.Errorf("no engine: %v", err)
	}
}

// The consequence tests through the service: a confirmed R1 of a
// B firm during orange proposes B → C (and a penalty), which changes
// nothing until approved — then the list has a draft with C; a D firm
// gets a penalty only; the second confirmed case of the season a stop
// order. Four eyes: the conclusion's recorder does not sign.
func TestLoopConsequences(t *testing.T) {
	l := newLoop(t)
	ctx := l.ctx()
	l.engine.set(ev(compliance.RuleStopNotExecuted, "cem-b", "kiln1", 0, 2), ev(compliance.RuleStopNotExecuted, "coat-d", "", 0, 2))
	l.poll(t)
	cem := l.inspectionOf(t, "cem-b")

	// Findings start the inspection: its events are inspecting.
	l.set(at(5))
	l.answerAll(t, cem, "insp-li", "line_stopped")
	if e, _ := l.mem.Event(ctx, cem.Events[0]); e.State != compliance.StateInspecting {
		t.Errorf("after findings the event is %s", e.State)
	}
	// A confirmation without a photo is refused; with one it stands.
	if _, _, err := l.Conclude(ctx, cem.ID, "insp-li", compliance.StateConfirmed, "生产线未停"); err == nil || !strings.Contains(err.Error(), "photo") {
		t.Errorf("confirmed without a photo: %v", err)
	}
	cs := l.confirm(t, cem, "insp-li")
	if got := kindsOf(cs); !slices.Equal(got, []string{"penalty", "downgrade B→C"}) {
		t.Fatalf("cem-b's consequences: %v", got)
	}
	if e, _ := l.mem.Event(ctx, cem.Events[0]); e.State != compliance.StateConfirmed {
		t.Errorf("the event is %s after the confirmation", e.State)
	}
	penalty, down := cs[0], cs[1]
	if penalty.BasisID != "emergency-measures" || !strings.Contains(penalty.BasisZH, "第九十六条") || penalty.Status != StatusPending ||
		!slices.Equal(penalty.NextRoles, []string{"enforcement_brigade"}) {
		t.Errorf("the penalty: %+v", penalty)
	}
	// Nothing has changed: no draft of the list, cem-b still B in force.
	if len(l.versions.vs) != 0 {
		t.Fatalf("a list draft before the approval: %+v", l.versions.vs)
	}

	// Four eyes: the inspector who concluded cannot sign, whatever the role.
	if _, err := l.Sign(ctx, down.ID, "insp-li", []string{"branch_leader"}, "", true, "同意"); aqwarn.ErrorReason(err) != ReasonFourEyes ||
		aqwarn.ErrorCode(err) != aqwarn.EFORBIDDEN || !strings.Contains(err.Error(), "检查结论记录人") {
		t.Errorf("the concluder signs: %v", err)
	}
	// The chain's order: the branch head cannot sign a penalty before the brigade.
	if _, err := l.Sign(ctx, penalty.ID, "head-wang", []string{"branch_leader"}, "", true, ""); aqwarn.ErrorReason(err) != alert.CodeOutOfOrder {
		t.Errorf("the head before the brigade: %v", err)
	}
	// A role outside the chain.
	if _, err := l.Sign(ctx, down.ID, "duty-zhang", []string{"duty_officer"}, "", true, ""); aqwarn.ErrorReason(err) != alert.CodeRoleNotInChain {
		t.Errorf("the duty officer signs a downgrade: %v", err)
	}
	if len(l.versions.vs) != 0 {
		t.Fatal("a refused signature made a draft")
	}

	// The branch head approves the downgrade: the list gets its draft.
	l.set(at(30))
	got, err := l.Sign(ctx, down.ID, "head-wang", []string{"branch_leader"}, "", true, "同意降级")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusApproved || got.DraftVersion != 1 || len(l.versions.vs) != 1 {
		t.Fatalf("approved: %+v, versions %d", got, len(l.versions.vs))
	}
	v := l.versions.vs[0]
	if v.State != reduction.StateDraft || v.By != "head-wang" || v.Year != 2026 {
		t.Errorf("the draft: %+v", v)
	}
	draft, err := reduction.Parse([]byte(l.versions.texts[0]), refsOf(l.Plan))
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := draft.Enterprise("cem-b"); e.Grade != "C" || !strings.Contains(e.GradeSource, fmt.Sprintf("处理建议第 %d 号", down.ID)) {
		t.Errorf("cem-b in the draft: %q, %q", e.Grade, e.GradeSource)
	}
	if d := reduction.Diff(l.List, draft); len(d.Grades) != 1 || d.Grades[0].To != "C" {
		t.Errorf("the draft's diff: %+v", d)
	}
	// The list in force is untouched until the draft is published.
	if e, _ := l.List.Enterprise("cem-b"); e.Grade != "B" {
		t.Errorf("the list in force changed: %s", e.Grade)
	}
	// A closed proposal takes no more signatures.
	if _, err := l.Sign(ctx, down.ID, "head-zhao", []string{"branch_leader"}, "", true, ""); aqwarn.ErrorReason(err) != alert.CodeApprovalClosed {
		t.Errorf("signing an approved one: %v", err)
	}
	// Poll makes no second draft.
	l.poll(t)
	if len(l.versions.vs) != 1 {
		t.Errorf("%d drafts after a poll", len(l.versions.vs))
	}

	// The brigade then the head sign the penalty.
	if _, err := l.Sign(ctx, penalty.ID, "brigade-chen", []string{"enforcement_brigade"}, "", true, "证据确实"); err != nil {
		t.Fatal(err)
	}
	if p, err := l.Sign(ctx, penalty.ID, "head-wang", []string{"branch_leader"}, "", true, "同意"); err != nil || p.Status != StatusApproved {
		t.Errorf("the penalty after both: %+v %v", p, err)
	}

	// A D firm: a penalty only.
	coat := l.inspectionOf(t, "coat-d")
	if got := kindsOf(l.confirm(t, coat, "insp-li")); !slices.Equal(got, []string{"penalty"}) {
		t.Errorf("coat-d's consequences: %v", got)
	}

	// cem-b again the next night: a new inspection (the first is
	// concluded); confirmed, it is the season's second: a stop order, and
	// no second downgrade while the first is on its way.
	l.set(at(26))
	l.engine.set(ev(compliance.RuleNightProduction, "cem-b", "", 24, 32))
	if res := l.poll(t); res.Inspections != 1 {
		t.Fatalf("the next night: %+v", res)
	}
	again := l.inspectionOf(t, "cem-b")
	if again.ID == cem.ID {
		t.Fatal("the new event joined the concluded inspection")
	}
	cs2 := l.confirm(t, again, "insp-zhou")
	if got := kindsOf(cs2); !slices.Equal(got, []string{"penalty", "stop_order"}) {
		t.Fatalf("the second case's consequences: %v", got)
	}
	stop := cs2[1]
	if stop.Cases != 2 || !stop.SeasonFrom.Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, cst)) || !slices.Equal(stop.NextRoles, []string{"office_director"}) {
		t.Errorf("the stop order: %+v", stop)
	}
	// Concluding again proposes nothing new (one proposal per kind and case).
	if n, _ := l.mem.Consequences(ctx, ConsequenceFilter{}); len(n) != 5 {
		t.Errorf("%d consequences, want 5", len(n))
	}

	// A rejection needs a reason, and closes the proposal.
	if _, err := l.Sign(ctx, stop.ID, "office-liu", []string{"office_director"}, "", false, ""); aqwarn.ErrorReason(err) != alert.CodeReasonRequired {
		t.Errorf("a rejection without a reason: %v", err)
	}
	if r, err := l.Sign(ctx, stop.ID, "office-liu", []string{"office_director"}, "", false, "已整改"); err != nil || r.Status != StatusRejected {
		t.Errorf("rejected: %+v %v", r, err)
	}

	// Every step is in the audit log.
	var actions []string
	for _, a := range l.mem.Audit() {
		actions = append(actions, a.Action)
	}
	for _, want := range []string{"compliance_event", "inspection_task", "inspection_findings", "inspection_photo", "inspection_conclude",
		"consequence_propose", "consequence_approve", "consequence_effect", "consequence_reject"} {
		if !slices.Contains(actions, want) {
			t.Errorf("no %s in the audit log", want)
		}
	}
}

// A dismissed inspection, or a confirmed data gap alone, proposes nothing.
func TestLoopNothingToPropose(t *testing.T) {
	l := newLoop(t)
	l.engine.set(ev(compliance.RuleDataGap, "site-1", "", 0, 3), ev(compliance.RuleStopNotExecuted, "cem-c", "", 0, 2))
	l.poll(t)
	site := l.inspectionOf(t, "site-1")
	if got := l.confirm(t, site, "insp"); len(got) != 0 {
		t.Errorf("a confirmed data gap proposed %v", kindsOf(got))
	}
	cem := l.inspectionOf(t, "cem-c")
	l.answerAll(t, cem, "insp")
	in, cs, err := l.Conclude(l.ctx(), cem.ID, "insp", compliance.StateDismissed, "电表故障，生产线确已停产")
	if err != nil || len(cs) != 0 || in.Conclusion.Outcome != compliance.StateDismissed {
		t.Errorf("dismissed: %v %v", cs, err)
	}
	if e, _ := l.mem.Event(l.ctx(), cem.Events[0]); e.State != compliance.StateDismissed {
		t.Errorf("the dismissed event is %s", e.State)
	}
}

// A second downgrade builds on the first's draft (the newest live version
// of the year), so publishing it loses neither; a withdrawn draft is not
// built on.
func TestListDraftBuildsOnTheNewest(t *testing.T) {
	l := newLoop(t)
	d := l.Regrader.(*ListDraft)
	ctx := l.ctx()
	first, err := d.Regrade(ctx, Consequence{ID: 1, Kind: KindDowngrade, Enterprise: "cem-b", FromGrade: "B", ToGrade: "C", Inspection: 1}, "head", at(1))
	if err != nil {
		t.Fatal(err)
	}
	second, err := d.Regrade(ctx, Consequence{ID: 2, Kind: KindDowngrade, Enterprise: "glass-b", FromGrade: "B", ToGrade: "C", Inspection: 2}, "head", at(2))
	if err != nil {
		t.Fatal(err)
	}
	grades := func(id int64) string {
		_, text, _ := l.versions.ListVersion(ctx, id)
		list, err := reduction.Parse([]byte(text), refsOf(l.Plan))
		if err != nil {
			t.Fatal(err)
		}
		a, _ := list.Enterprise("cem-b")
		b, _ := list.Enterprise("glass-b")
		return a.Grade + b.Grade
	}
	if first != 1 || second != 2 || grades(1) != "CB" || grades(2) != "CC" {
		t.Errorf("drafts %d, %d: %s, %s", first, second, grades(1), grades(2))
	}
	l.versions.vs[1].State = reduction.StateWithdrawn
	third, err := d.Regrade(ctx, Consequence{ID: 3, Kind: KindDowngrade, Enterprise: "cast-b", FromGrade: "B", ToGrade: "C", Inspection: 3}, "head", at(3))
	if err != nil {
		t.Fatal(err)
	}
	if grades(third) != "CB" {
		t.Errorf("built on the withdrawn draft: %s", grades(third))
	}
	if _, err := d.Regrade(ctx, Consequence{ID: 4, Kind: KindPenalty, Enterprise: "cem-b"}, "head", at(4)); err == nil {
		t.Error("a penalty made a list draft")
	}
}
