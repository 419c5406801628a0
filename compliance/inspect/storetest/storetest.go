// Package storetest is the contract of the inspection loop's store: what
// compliance/inspect/store.go documents of inspect.Store, and what the
// stores must agree on where it is silent (orders, not-found and conflict
// errors, atomic moves). MemStore (compliance/inspect) and the SQLite
// store (store/sqlite) both run it.
package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/compliance/inspect"
	"github.com/aqwarn/aqwarn/internal/contract"
)

// Open returns an empty store for one subtest and, when the store keeps
// its data across a restart, reopen (nil when it keeps nothing; the
// restart rule is then not run).
type Open = contract.Open[inspect.Store]

// Run checks the stores open makes, one fresh store per rule, in parallel.
func Run(t *testing.T, open Open) {
	contract.Run(t, open, []contract.Rule[inspect.Store]{
		{Name: "UpsertNewIsOpen", Run: upsertNewIsOpen},
		{Name: "UpsertKeepsStateAndGrows", Run: upsertKeepsStateAndGrows},
		{Name: "UnknownIDsAreNotFound", Run: unknownIDsAreNotFound},
		{Name: "EventsFilterLatestFirst", Run: eventsFilterLatestFirst},
		{Name: "InspectionOfItsEvents", Run: inspectionOfItsEvents},
		{Name: "AttachToOpenOnly", Run: attachToOpenOnly},
		{Name: "MovesOneStepAtATime", Run: movesOneStepAtATime},
		{Name: "ConcludedIsFrozen", Run: concludedIsFrozen},
		{Name: "PhotosOnceAndBounded", Run: photosOnceAndBounded},
		{Name: "InspectionsFilterNewestFirst", Run: inspectionsFilterNewestFirst},
		{Name: "ConsequenceOncePerKey", Run: consequenceOncePerKey},
		{Name: "ApprovalsInForce", Run: approvalsInForce},
	}, nil, restart)
}

var (
	cst = aqwarn.CST
	t0  = time.Date(2026, 12, 2, 2, 0, 0, 0, cst)
)

func hours(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }

func event(rule compliance.Rule, source string, start, end float64) compliance.Event {
	s := hours(start)
	return compliance.Event{ID: compliance.EventID(rule, source, "kiln1", s), Rule: rule, Enterprise: source, Unit: "kiln1", Meter: source + "-m1",
		Warning: "7", Level: "orange", Start: s, End: hours(end), Severity: compliance.SeverityCritical, Observed: 900, Expected: 100,
		TextZH: "停产期间用电未降", TextEN: "power did not fall", State: compliance.StateOpen,
		Evidence: []compliance.Series{{Meter: source + "-m1", Role: "production", Points: []compliance.Point{{End: s.Add(15 * time.Minute), KWh: 225}}}}}
}

func audit(action string) lifecycle.AuditEntry {
	return lifecycle.AuditEntry{At: t0, Actor: "tester", Action: action, Subject: "test"}
}

func inspection(source string, events ...string) inspect.Inspection {
	return inspect.Inspection{Enterprise: source, NameZH: source + " 公司", SourceType: "industrial", Unit: "industry_it", Events: events,
		Since: t0, Checklist: "industrial", Items: []inspect.Item{{ID: "line_stopped", TextZH: "停产", TextEN: "stopped"}, {ID: "ledger", TextZH: "台账", TextEN: "ledger"}},
		Findings: []inspect.Finding{}, Photos: []inspect.Photo{}, Created: t0, Due: hours(24)}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// upsert stores a new event or stops the test.
func upsert(t *testing.T, s inspect.Store, e compliance.Event) inspect.EventRecord {
	t.Helper()
	rec, created, err := s.UpsertEvent(t.Context(), e, t0, audit("compliance_event"))
	if err != nil || !created {
		t.Fatalf("UpsertEvent(%s) = %v, %v", e.ID, created, err)
	}
	return rec
}

func add(t *testing.T, s inspect.Store, in inspect.Inspection) inspect.Inspection {
	t.Helper()
	got, err := s.AddInspection(t.Context(), in, audit("inspection_task"))
	if err != nil {
		t.Fatalf("AddInspection(%s): %v", in.Enterprise, err)
	}
	return got
}

func same[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	g, err := json.Marshal(got)
	must(t, err)
	w, err := json.Marshal(want)
	must(t, err)
	if !bytes.Equal(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if aqwarn.ErrorCode(err) != code {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, aqwarn.ErrorCode(err), code)
	}
}

func state(t *testing.T, s inspect.Store, id string) compliance.State {
	t.Helper()
	e, err := s.Event(t.Context(), id)
	must(t, err)
	return e.State
}

// A new event is kept open whatever its State says, with the time it was
// first found; the same id again is not new.
func upsertNewIsOpen(t *testing.T, s inspect.Store) {
	e := event(compliance.RuleStopNotExecuted, "cem-b", 0, 2)
	e.State = compliance.StateConfirmed // the engine does not decide the loop's state
	rec := upsert(t, s, e)
	e.State = compliance.StateOpen
	same(t, "the new record", rec, inspect.EventRecord{Event: e, Created: t0, Updated: t0})
	got, err := s.Event(t.Context(), e.ID)
	must(t, err)
	same(t, "read back", got, rec)
	if _, created, err := s.UpsertEvent(t.Context(), e, hours(1), audit("x")); err != nil || created {
		t.Errorf("the same event again: created %v, %v", created, err)
	}
}

// A known event keeps its state and inspection; a later End brings the
// new window and evidence, an earlier one changes nothing.
func upsertKeepsStateAndGrows(t *testing.T, s inspect.Store) {
	ctx := t.Context()
	e := event(compliance.RuleStopNotExecuted, "cem-b", 0, 2)
	upsert(t, s, e)
	in := add(t, s, inspection("cem-b", e.ID))
	in.Started = hours(3)
	must(t, s.UpdateInspection(ctx, in, []inspect.Move{{Event: e.ID, To: compliance.StateInspecting}}, audit("inspection_findings")))

	longer := e
	longer.End, longer.Observed = hours(5), 2000
	longer.Evidence = append(slices.Clone(e.Evidence), compliance.Series{Meter: "cem-b-m2", Role: "treatment"})
	rec, created, err := s.UpsertEvent(ctx, longer, hours(5), audit("x"))
	must(t, err)
	if created || rec.State != compliance.StateInspecting || rec.InspectionID != in.ID || !rec.End.Equal(hours(5)) ||
		rec.Observed != 2000 || len(rec.Evidence) != 2 || !rec.Updated.Equal(hours(5)) || !rec.Created.Equal(t0) {
		t.Errorf("grown: created %v, %+v", created, rec)
	}
	shorter := e
	shorter.End, shorter.Observed = hours(4), 1
	rec2, _, err := s.UpsertEvent(ctx, shorter, hours(6), audit("x"))
	must(t, err)
	same(t, "an earlier end changes nothing", rec2, rec)
}

func unknownIDsAreNotFound(t *testing.T, s inspect.Store) {
	ctx := t.Context()
	_, err := s.Event(ctx, "ce-none")
	wantCode(t, "Event", err, aqwarn.ENOTFOUND)
	_, err = s.Inspection(ctx, 99)
	wantCode(t, "Inspection", err, aqwarn.ENOTFOUND)
	_, err = s.Consequence(ctx, 99)
	wantCode(t, "Consequence", err, aqwarn.ENOTFOUND)
	_, err = s.AttachEvent(ctx, 99, "ce-none", audit("x"))
	wantCode(t, "AttachEvent to no inspection", err, aqwarn.ENOTFOUND)
	_, err = s.AddInspection(ctx, inspection("cem-b", "ce-none"), audit("x"))
	wantCode(t, "AddInspection of no event", err, aqwarn.ENOTFOUND)
	err = s.UpdateInspection(ctx, inspect.Inspection{ID: 99}, nil, audit("x"))
	wantCode(t, "UpdateInspection", err, aqwarn.ENOTFOUND)
	_, err = s.AddPhoto(ctx, 99, inspect.Photo{ContentType: "image/png"}, []byte("x"), 5, audit("x"))
	wantCode(t, "AddPhoto", err, aqwarn.ENOTFOUND)
	err = s.UpdateConsequence(ctx, inspect.Consequence{ID: 99}, audit("x"))
	wantCode(t, "UpdateConsequence", err, aqwarn.ENOTFOUND)
	if es, err := s.Events(ctx, inspect.EventFilter{}); err != nil || len(es) != 0 {
		t.Errorf("Events of an empty store: %v, %v", es, err)
	}
}

func eventIDs(es []inspect.EventRecord) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

// Events filter by state, source and rule; the latest start comes first;
// Limit bounds them.
func eventsFilterLatestFirst(t *testing.T, s inspect.Store) {
	ctx := t.Context()
	a := upsert(t, s, event(compliance.RuleStopNotExecuted, "cem-b", 0, 2))
	b := upsert(t, s, event(compliance.RuleNightProduction, "cem-b", 20, 28))
	c := upsert(t, s, event(compliance.RuleStopNotExecuted, "coat-u", 10, 12))
	in := add(t, s, inspection("coat-u", c.ID))
	must(t, s.UpdateInspection(ctx, in, []inspect.Move{{Event: c.ID, To: compliance.StateInspecting}}, audit("x")))
	for _, tc := range []struct {
		name string
		f    inspect.EventFilter
		want []string
	}{
		{"all", inspect.EventFilter{}, []string{b.ID, c.ID, a.ID}},
		{"open", inspect.EventFilter{State: compliance.StateOpen}, []string{b.ID, a.ID}},
		{"inspecting", inspect.EventFilter{State: compliance.StateInspecting}, []string{c.ID}},
		{"source", inspect.EventFilter{Enterprise: "cem-b"}, []string{b.ID, a.ID}},
		{"rule", inspect.EventFilter{Rule: compliance.RuleStopNotExecuted}, []string{c.ID, a.ID}},
		{"limit", inspect.EventFilter{Limit: 1}, []string{b.ID}},
	} {
		got, err := s.Events(ctx, tc.f)
		must(t, err)
		if !slices.Equal(eventIDs(got), tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, eventIDs(got), tc.want)
		}
	}
}

// An inspection takes its events (they get its id); a source has one open
// inspection at a time and an event one inspection.
func inspectionOfItsEvents(t *testing.T, s inspect.Store) {
	ctx := t.Context()
	a := upsert(t, s, event(compliance.RuleStopNotExecuted, "cem-b", 0, 2))
	b := upsert(t, s, event(compliance.RuleNightProduction, "cem-b", 20, 28))
	want := inspection("cem-b", a.ID)
	got := add(t, s, want)
	if got.ID == 0 {
		t.Fatal("no id")
	}
	want.ID = got.ID
	same(t, "added", got, want)
	read, err := s.Inspection(ctx, got.ID)
	must(t, err)
	same(t, "read back", read, want)
	if e, _ := s.Event(ctx, a.ID); e.InspectionID != got.ID {
		t.Errorf("the event's inspection: %d, want %d", e.InspectionID, got.ID)
	}
	_, err = s.AddInspection(ctx, inspection("cem-b", b.ID), audit("x"))
	wantCode(t, "a second open inspection of the source", err, aqwarn.ECONFLICT)
	_, err = s.AddInspection(ctx, inspection("other", a.ID), audit("x"))
	wantCode(t, "an event already inspected", err, aqwarn.ECONFLICT)
	if e, _ := s.Event(ctx, b.ID); e.InspectionID != 0 {
		t.Errorf("a refused inspection took event %s", b.ID)
	}
}

// An open inspection takes more events, its Since moving to the earliest
// start; a concluded one takes none.
func attachToOpenOnly(t *testing.T, s inspect.Store) {
	ctx := t.Context()
	a := upsert(t, s, event(compliance.RuleNightProduction, "cem-b", 20, 28))
	b := upsert(t, s, event(compliance.RuleStopNotExecuted, "cem-b", -4, 2))
	c := upsert(t, s, event(compliance.RuleTreatmentOff, "cem-b", 30, 31))
	in0 := inspection("cem-b", a.ID)
	in0.Since = a.Start
	in := add(t, s, in0)
	got, err := s.AttachEvent(ctx, in.ID, b.ID, audit("inspection_attach"))
	must(t, err)
	if !slices.Equal(got.Events, []string{a.ID, b.ID}) || !got.Since.Equal(b.Start) {
		t.Errorf("attached: events %v since %v", got.Events, got.Since)
	}
	_, err = s.AttachEvent(ctx, in.ID, b.ID, audit("x"))
	wantCode(t, "the same event twice", err, aqwarn.ECONFLICT)
	got.Conclusion = &inspect.Conclusion{Outcome: compliance.StateDismissed, Text: "电表故障", By: "insp", At: hours(30)}
	must(t, s.UpdateInspection(ctx, got, inspect.Moves(map[string]compliance.State{a.ID: compliance.StateOpen, b.ID: compliance.StateOpen},
		got.Events, compliance.StateDismissed), audit("inspection_conclude")))
	_, err = s.AttachEvent(ctx, in.ID, c.ID, audit("x"))
	wantCode(t, "attach to a concluded inspection", err, aqwarn.ECONFLICT)
	// Concluded, the source may have a new open inspection.
	add(t, s, inspection("cem-b", c.ID))
}

// Moves go open → inspecting → confirmed | dismissed one step at a time;
// a refused move leaves every event and the inspection as they were.
func movesOneStepAtATime(t *testing.T, s inspect.Store) {
	ctx := t.Context()
	a := upsert(t, s, event(compliance.RuleStopNotExecuted, "cem-b", 0, 2))
	b := upsert(t, s, event(compliance.RuleNightProduction, "cem-b", 20, 28))
	in := add(t, s, inspection("cem-b", a.ID, b.ID))
	for _, tc := range []struct {
		name  string
		moves []inspect.Move
	}{
		// Straight from open to confirmed skips the inspection.
		{"open to confirmed", []inspect.Move{{Event: a.ID, To: compliance.StateConfirmed}}},
		// The second move is refused: the first is not kept either.
		{"one good, one bad", []inspect.Move{{Event: a.ID, To: compliance.StateInspecting}, {Event: b.ID, To: compliance.StateDismissed}}},
		// Back to open is never a step.
		{"back to open", []inspect.Move{{Event: a.ID, To: compliance.StateInspecting}, {Event: a.ID, To: compliance.StateOpen}}},
	} {
		changed := in
		changed.Findings = []inspect.Finding{{Item: "ledger", Result: inspect.ResultNotOK, By: "insp", At: hours(3)}}
		err := s.UpdateInspection(ctx, changed, tc.moves, audit("x"))
		wantCode(t, tc.name, err, aqwarn.ECONFLICT)
		if aqwarn.ErrorReason(err) != inspect.ReasonStateInvalid {
			t.Errorf("%s: reason %q", tc.name, aqwarn.ErrorReason(err))
		}
		if state(t, s, a.ID) != compliance.StateOpen || state(t, s, b.ID) != compliance.StateOpen {
			t.Errorf("%s: a refused move changed a state", tc.name)
		}
		if got, _ := s.Inspection(ctx, in.ID); len(got.Findings) != 0 {
			t.Errorf("%s: a refused update kept its findings", tc.name)
		}
	}
	// Both steps in one update, in order.
	must(t, s.UpdateInspection(ctx, in, []inspect.Move{{Event: a.ID, To: compliance.StateInspecting}, {Event: a.ID, To: compliance.StateConfirmed},
		{Event: b.ID, To: compliance.StateInspecting}}, audit("x")))
	if state(t, s, a.ID) != compliance.StateConfirmed || state(t, s, b.ID) != compliance.StateInspecting {
		t.Errorf("states %s, %s", state(t, s, a.ID), state(t, s, b.ID))
	}
	// Confirmed never changes again.
	err := s.UpdateInspection(ctx, in, []inspect.Move{{Event: a.ID, To: compliance.StateDismissed}}, audit("x"))
	wantCode(t, "confirmed to dismissed", err, aqwarn.ECONFLICT)
	// A move of an event of another inspection is not this one's.
	c := upsert(t, s, event(compliance.RuleTreatmentOff, "coat-u", 0, 1))
	add(t, s, inspection("coat-u", c.ID))
	err = s.UpdateInspection(ctx, in, []inspect.Move{{Event: c.ID, To: compliance.StateInspecting}}, audit("x"))
	wantCode(t, "another inspection's event", err, aqwarn.ENOTFOUND)
}

// A concluded inspection is the record of the visit: no update, no new photo.
func concludedIsFrozen(t *testing.T, s inspect.Store) {
	ctx := t.Context()
	a := upsert(t, s, event(compliance.RuleStopNotExecuted, "cem-b", 0, 2))
	in := add(t, s, inspection("cem-b", a.ID))
	in.Findings = []inspect.Finding{{Item: "line_stopped", Result: inspect.ResultNotOK, Note: "窑在运行", By: "insp", At: hours(3)},
		{Item: "ledger", Result: inspect.ResultOK, By: "insp", At: hours(3)}}
	in.Position = &inspect.Position{Lat: 25.262, Lon: 111.512, AccuracyM: 12, By: "insp", At: hours(3)}
	in.Started = hours(3)
	in.Conclusion = &inspect.Conclusion{Outcome: compliance.StateConfirmed, Text: "生产线未停", By: "insp", At: hours(4)}
	must(t, s.UpdateInspection(ctx, in, []inspect.Move{{Event: a.ID, To: compliance.StateInspecting}, {Event: a.ID, To: compliance.StateConfirmed}}, audit("x")))
	got, err := s.Inspection(ctx, in.ID)
	must(t, err)
	same(t, "concluded", got, in)
	again := got
	again.Conclusion = &inspect.Conclusion{Outcome: compliance.StateDismissed, Text: "改口", By: "other", At: hours(5)}
	wantCode(t, "update after conclusion", s.UpdateInspection(ctx, again, nil, audit("x")), aqwarn.ECONFLICT)
	_, err = s.AddPhoto(ctx, in.ID, inspect.Photo{ContentType: "image/png", By: "insp", At: hours(5)}, []byte("\x89PNG late"), 5, audit("x"))
	wantCode(t, "photo after conclusion", err, aqwarn.ECONFLICT)
	if got, _ := s.Inspection(ctx, in.ID); got.Conclusion.Outcome != compliance.StateConfirmed {
		t.Error("the conclusion changed")
	}
}

// A photo is kept once by its hash (again: the same photo, no new link);
// an inspection keeps at most max.
func photosOnceAndBounded(t *testing.T, s inspect.Store) {
	ctx := t.Context()
	a := upsert(t, s, event(compliance.RuleStopNotExecuted, "cem-b", 0, 2))
	in := add(t, s, inspection("cem-b", a.ID))
	p1, err := s.AddPhoto(ctx, in.ID, inspect.Photo{ContentType: "image/jpeg", By: "insp", At: hours(3)}, []byte("\xff\xd8\xff one"), 2, audit("inspection_photo"))
	must(t, err)
	sum := sha256.Sum256([]byte("\xff\xd8\xff one"))
	if p1.SHA256 != hex.EncodeToString(sum[:]) || p1.Size != 7 || p1.ContentType != "image/jpeg" || p1.By != "insp" {
		t.Errorf("photo kept as %+v", p1)
	}
	again, err := s.AddPhoto(ctx, in.ID, inspect.Photo{ContentType: "image/jpeg", By: "other", At: hours(4)}, []byte("\xff\xd8\xff one"), 2, audit("x"))
	must(t, err)
	same(t, "the same photo again", again, p1)
	_, err = s.AddPhoto(ctx, in.ID, inspect.Photo{ContentType: "image/jpeg", By: "insp", At: hours(4)}, []byte("\xff\xd8\xff two"), 2, audit("x"))
	must(t, err)
	_, err = s.AddPhoto(ctx, in.ID, inspect.Photo{ContentType: "image/jpeg", By: "insp", At: hours(4)}, []byte("\xff\xd8\xff three"), 2, audit("x"))
	wantCode(t, "a third photo beyond max 2", err, aqwarn.ECONFLICT)
	got, err := s.Inspection(ctx, in.ID)
	must(t, err)
	if len(got.Photos) != 2 || got.Photos[0].SHA256 != p1.SHA256 || got.Photos[0].By != "insp" {
		t.Errorf("photos %+v", got.Photos)
	}
}

func inspectionIDs(ins []inspect.Inspection) []int64 {
	out := []int64{}
	for _, in := range ins {
		out = append(out, in.ID)
	}
	return out
}

// Inspections filter by unit, source and open; the newest come first.
func inspectionsFilterNewestFirst(t *testing.T, s inspect.Store) {
	ctx := t.Context()
	var ids []int64
	for i, src := range []string{"cem-b", "site-1", "coat-u"} {
		e := upsert(t, s, event(compliance.RuleStopNotExecuted, src, float64(i), 2))
		in := inspection(src, e.ID)
		if src == "site-1" {
			in.Unit = "housing"
		}
		ids = append(ids, add(t, s, in).ID)
	}
	in, _ := s.Inspection(ctx, ids[2])
	in.Conclusion = &inspect.Conclusion{Outcome: compliance.StateDismissed, Text: "x", By: "a", At: hours(3)}
	must(t, s.UpdateInspection(ctx, in, inspect.Moves(map[string]compliance.State{in.Events[0]: compliance.StateOpen}, in.Events, compliance.StateDismissed), audit("x")))
	yes, no := true, false
	for _, tc := range []struct {
		name string
		f    inspect.InspectionFilter
		want []int64
	}{
		{"all", inspect.InspectionFilter{}, []int64{ids[2], ids[1], ids[0]}},
		{"unit", inspect.InspectionFilter{Unit: "industry_it"}, []int64{ids[2], ids[0]}},
		{"source", inspect.InspectionFilter{Enterprise: "site-1"}, []int64{ids[1]}},
		{"open", inspect.InspectionFilter{Open: &yes}, []int64{ids[1], ids[0]}},
		{"concluded", inspect.InspectionFilter{Open: &no}, []int64{ids[2]}},
		{"limit", inspect.InspectionFilter{Limit: 2}, []int64{ids[2], ids[1]}},
	} {
		got, err := s.Inspections(ctx, tc.f)
		must(t, err)
		if !slices.Equal(inspectionIDs(got), tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, inspectionIDs(got), tc.want)
		}
	}
}

func consequence(key, kind, source string, inspection int64) inspect.Consequence {
	return inspect.Consequence{Key: key, Kind: kind, Enterprise: source, NameZH: source, Inspection: inspection, Events: []string{"ce-1"},
		Rules: []compliance.Rule{compliance.RuleStopNotExecuted}, FromGrade: "B", ToGrade: "C", Text: inspect.Text{BasisZH: "依据", BasisEN: "basis"},
		ReasonZH: "理由", ReasonEN: "reason", Status: inspect.StatusPending, ChainZH: "链", ChainEN: "chain",
		Approval: alert.Approval{ProposalKey: key, Action: alert.Action(kind), ChainID: kind,
			Steps: []alert.Step{{ID: "leader", NameZH: "局长", NameEN: "Head", AllOf: []string{"branch_leader"}}}, Signatures: []alert.Signature{}},
		NextRoles: []string{"branch_leader"}, ConcludedBy: "insp", Created: t0, Updated: t0}
}

// A consequence is kept once per key; updates keep status, approval, next
// roles and the draft; the filters and the order (newest first) hold.
func consequenceOncePerKey(t *testing.T, s inspect.Store) {
	ctx := t.Context()
	c, created, err := s.AddConsequence(ctx, consequence("inspection-1/downgrade", inspect.KindDowngrade, "cem-b", 1), audit("consequence_propose"))
	must(t, err)
	if !created || c.ID == 0 {
		t.Fatalf("AddConsequence: %v, %+v", created, c)
	}
	want := consequence("inspection-1/downgrade", inspect.KindDowngrade, "cem-b", 1)
	want.ID = c.ID
	same(t, "added", c, want)
	dup, created, err := s.AddConsequence(ctx, consequence("inspection-1/downgrade", inspect.KindDowngrade, "other", 9), audit("x"))
	must(t, err)
	if created {
		t.Error("the same key made a second consequence")
	}
	same(t, "the known key gives the first", dup, want)
	p, _, err := s.AddConsequence(ctx, consequence("inspection-1/penalty", inspect.KindPenalty, "cem-b", 1), audit("x"))
	must(t, err)
	o, _, err := s.AddConsequence(ctx, consequence("inspection-2/penalty", inspect.KindPenalty, "coat-u", 2), audit("x"))
	must(t, err)

	c.Status, c.NextRoles, c.Updated, c.DraftVersion = inspect.StatusApproved, []string{}, hours(5), 7
	c.Approval.Signatures = []alert.Signature{{Step: 0, Role: "branch_leader", User: "head", At: hours(5), Approve: true, Comment: "同意"}}
	c.Enterprise = "ignored" // not a field an update changes
	must(t, s.UpdateConsequence(ctx, c, audit("consequence_approve")))
	got, err := s.Consequence(ctx, c.ID)
	must(t, err)
	c.Enterprise = "cem-b"
	same(t, "updated", got, c)

	for _, tc := range []struct {
		name string
		f    inspect.ConsequenceFilter
		want []int64
	}{
		{"all", inspect.ConsequenceFilter{}, []int64{o.ID, p.ID, c.ID}},
		{"pending", inspect.ConsequenceFilter{Status: inspect.StatusPending}, []int64{o.ID, p.ID}},
		{"kind", inspect.ConsequenceFilter{Kind: inspect.KindDowngrade}, []int64{c.ID}},
		{"source", inspect.ConsequenceFilter{Enterprise: "coat-u"}, []int64{o.ID}},
		{"inspection", inspect.ConsequenceFilter{Inspection: 1}, []int64{p.ID, c.ID}},
		{"limit", inspect.ConsequenceFilter{Limit: 1}, []int64{o.ID}},
	} {
		cs, err := s.Consequences(ctx, tc.f)
		must(t, err)
		var ids []int64
		for _, x := range cs {
			ids = append(ids, x.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, ids, tc.want)
		}
	}
}

// Everything is there after a restart.
func restart(t *testing.T, s inspect.Store, reopen func(t *testing.T) inspect.Store) {
	ctx := t.Context()
	e := upsert(t, s, event(compliance.RuleStopNotExecuted, "cem-b", 0, 2))
	in := add(t, s, inspection("cem-b", e.ID))
	p, err := s.AddPhoto(ctx, in.ID, inspect.Photo{ContentType: "image/png", By: "insp", At: hours(3)}, []byte("\x89PNG\r\n\x1a\n..."), 5, audit("x"))
	must(t, err)
	in, _ = s.Inspection(ctx, in.ID)
	in.Findings = []inspect.Finding{{Item: "line_stopped", Result: inspect.ResultNotOK, By: "insp", At: hours(3)}}
	must(t, s.UpdateInspection(ctx, in, []inspect.Move{{Event: e.ID, To: compliance.StateInspecting}}, audit("x")))
	c, _, err := s.AddConsequence(ctx, consequence("k", inspect.KindPenalty, "cem-b", in.ID), audit("x"))
	must(t, err)

	s = reopen(t)
	gotE, err := s.Event(ctx, e.ID)
	must(t, err)
	e.State, e.InspectionID = compliance.StateInspecting, in.ID
	if gotE.State != e.State || gotE.InspectionID != in.ID {
		t.Errorf("event after restart: %+v", gotE)
	}
	gotIn, err := s.Inspection(ctx, in.ID)
	must(t, err)
	same(t, "inspection after restart", gotIn, in)
	if len(gotIn.Photos) != 1 {
		t.Fatalf("photos after restart: %+v", gotIn.Photos)
	}
	same(t, "photo after restart", gotIn.Photos[0], p)
	gotC, err := s.Consequence(ctx, c.ID)
	must(t, err)
	same(t, "consequence after restart", gotC, c)
	// A new id after a restart does not reuse an old one.
	e2 := upsert(t, s, event(compliance.RuleTreatmentOff, "coat-u", 0, 1))
	in2 := add(t, s, inspection("coat-u", e2.ID))
	if in2.ID == in.ID {
		t.Errorf("inspection id %d reused after restart", in2.ID)
	}
}

// approvalsInForce: an approval is listed for a period it overlaps (an
// open-ended one from its start on), oldest first, with who recorded it.
func approvalsInForce(t *testing.T, s inspect.Store) {
	ctx := t.Context()
	for _, a := range []inspect.RestartApproval{
		{Approval: compliance.Approval{Enterprise: "cem-b", Unit: "kiln1", From: hours(10), Until: hours(20), Ref: "江环复产〔2026〕1号"}, By: "wang", Recorded: hours(9)},
		{Approval: compliance.Approval{Enterprise: "glass-b", From: hours(5), Ref: "open-ended"}, By: "li", Recorded: hours(4)},
	} {
		got, err := s.AddApproval(ctx, a, audit("restart approved"))
		must(t, err)
		if got.ID == 0 {
			t.Errorf("approval %+v stored without an id", got)
		}
	}
	for _, tc := range []struct {
		from, to float64
		want     []string
	}{
		{0, 5, []string{}},                     // before both
		{6, 10, []string{"glass-b"}},           // cem-b's starts at 10: not in [6, 10)
		{12, 13, []string{"glass-b", "cem-b"}}, // both, oldest start first
		{20, 100, []string{"glass-b"}},         // cem-b's ended at 20
	} {
		as, err := s.Approvals(ctx, hours(tc.from), hours(tc.to))
		must(t, err)
		got := []string{}
		for _, a := range as {
			got = append(got, a.Enterprise)
			if a.Enterprise == "cem-b" && (a.By != "wang" || a.Unit != "kiln1" || a.Ref == "" || !a.Until.Equal(hours(20))) {
				t.Errorf("cem-b's approval came back as %+v", a)
			}
		}
		same(t, "approvals", got, tc.want)
	}
}
