// Package storetest is the contract of the warning lifecycle's stores:
// what alert/lifecycle/store.go documents of lifecycle.Store and
// lifecycle.ForecastStore, and what the stores must agree on where it is
// silent (orders, page sizes, not-found and conflict errors). MemStore
// (alert/lifecycle) and the SQLite store (store/sqlite) both run it, so a
// replay or a test on MemStore sees what the service sees on SQLite.
//
// Times in the contract are whole milliseconds where a store keeps
// milliseconds (the audit log), and compared with Equal: a store may give
// them back in another zone.
package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/internal/contract"
)

// Open returns an empty store for one subtest and, when the store keeps
// its data across a restart, reopen: it closes the store and opens the same
// data again, as a restart does (nil when the store keeps nothing; the
// restart case is then not run). Open closes what it opens when t ends.
type Open = contract.Open[lifecycle.Store]

// Run checks the stores open makes, one fresh store per rule; the rules
// run in parallel (open is called from several goroutines). The
// ForecastStore and WarningHistory rules run when the store is one.
func Run(t *testing.T, open Open) {
	contract.Run(t, open, []contract.Rule[lifecycle.Store]{
		{Name: "AddProposalOncePerKey", Run: addProposalOncePerKey},
		{Name: "UnknownIDsAreNotFound", Run: unknownIDsAreNotFound},
		{Name: "UpdateProposalWithAudit", Run: updateProposalWithAudit},
		{Name: "ProposalsFilterNewestFirst", Run: proposalsFilterNewestFirst},
		{Name: "PublishOncePerKey", Run: publishOncePerKey},
		{Name: "PublishSavesTheWarning", Run: publishSavesTheWarning},
		{Name: "OneWarningInForcePerRegion", Run: oneWarningInForcePerRegion},
		{Name: "ActiveWarningsByRegion", Run: activeWarningsByRegion},
		{Name: "LiftedAfter", Run: liftedAfter},
		{Name: "WarningWithItsTransitions", Run: warningWithItsTransitions},
		{Name: "TransitionsAfterOldestFirst", Run: transitionsAfterOldestFirst},
		{Name: "TransitionsPageOf1000", Run: transitionsPageOf1000},
		{Name: "AuditAppendOnly", Run: auditAppendOnly},
		{Name: "AuditPageOf1000", Run: auditPageOf1000},
		{Name: "PromptsOncePerID", Run: promptsOncePerID},
		{Name: "Forecasts", Run: forecasts},
		{Name: "WarningsBetween", Run: warningsBetween},
	}, func(probe lifecycle.Store, rule string) bool {
		// What the store supports decides which rules apply.
		switch rule {
		case "Forecasts":
			_, ok := probe.(lifecycle.ForecastStore)
			return ok
		case "WarningsBetween":
			_, ok := probe.(lifecycle.WarningHistory)
			return ok
		}
		return true
	}, restart)
}

var (
	cst = aqwarn.CST
	t0  = time.Date(2026, 12, 1, 8, 0, 0, 0, cst)
)

func hours(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }

func proposal(key, region string) lifecycle.ProposalRecord {
	start := hours(24)
	return lifecycle.ProposalRecord{Key: key, Region: region, Status: lifecycle.StatusPending,
		Proposal: alert.Proposal{Action: alert.ActionIssue, Level: 2, LevelID: "yellow", From: alert.LevelNone, PlanID: "plan",
			Region: region, Start: start, ExpectedEnd: hours(72), LeadTime: 24 * time.Hour, EpisodeStart: start, Key: key,
			Evidence: alert.Evidence{Windows: []alert.Window{{Start: start, End: hours(48), AQI: 180, Source: alert.SourceForecast, ForecastSource: "centre"}},
				CoverageEnd: hours(120)}},
		FromID: alert.LevelNoneID, LevelID: "yellow",
		Approval: alert.Approval{ProposalKey: key, Action: alert.ActionIssue, LevelID: "yellow", ChainID: "yellow",
			Steps: []alert.Step{{ID: "duty", NameZH: "值班", NameEN: "Duty", AllOf: []string{"duty_officer"}}}},
		NextRoles: []string{"duty_officer"}, Created: t0, Updated: t0, By: lifecycle.ActorEngine}
}

func entry(action string, sec int) lifecycle.AuditEntry {
	return lifecycle.AuditEntry{At: t0.Add(time.Duration(sec) * time.Second), Actor: "wang", Role: "duty_officer", Action: action,
		Subject: "proposal 1", Comment: "注释 " + action, Detail: json.RawMessage(fmt.Sprintf(`{"n":%d}`, sec))}
}

func transition(key, region, kind string, proposalID int64, at time.Time) lifecycle.Transition {
	return lifecycle.Transition{Key: key, Region: region, Kind: kind, FromID: alert.LevelNoneID, ToID: "yellow", At: at,
		Start: at, ExpectedEnd: at.Add(48 * time.Hour), ProposalID: proposalID,
		Approval: alert.Approval{ProposalKey: key, ChainID: "yellow"}, Proposal: alert.Proposal{Key: key, Region: region, LevelID: "yellow"}}
}

func warning(region string, at time.Time) *lifecycle.Warning {
	return &lifecycle.Warning{Region: region, PlanID: "plan", LevelID: "yellow", Since: at, EpisodeStart: at,
		ExpectedEnd: at.Add(48 * time.Hour), EffectiveStart: at, Issued: at}
}

// addProposal stores a new proposal or stops the test.
func addProposal(t *testing.T, s lifecycle.Store, key, region string) lifecycle.ProposalRecord {
	t.Helper()
	rec, created, err := s.AddProposal(t.Context(), proposal(key, region), entry("propose", 0))
	if err != nil || !created {
		t.Fatalf("AddProposal(%s) = %v, %v", key, created, err)
	}
	return rec
}

// publish records a new transition or stops the test.
func publish(t *testing.T, s lifecycle.Store, proposalID int64, tr lifecycle.Transition, w *lifecycle.Warning) lifecycle.Transition {
	t.Helper()
	got, created, err := s.Publish(t.Context(), proposalID, tr, w, entry("publish", 1))
	if err != nil || !created {
		t.Fatalf("Publish(%s) = %v, %v", tr.Key, created, err)
	}
	return got
}

// issue publishes a new warning in region under key (no proposal).
func issue(t *testing.T, s lifecycle.Store, key, region string, at time.Time) lifecycle.Warning {
	t.Helper()
	w := warning(region, at)
	publish(t, s, 0, transition(key, region, alert.KindIssue, 0, at), w)
	return *w
}

// lift publishes the lift of w, effective at eff (nil: a record without
// an effective time).
func lift(t *testing.T, s lifecycle.Store, key string, w lifecycle.Warning, at time.Time, eff *time.Time) lifecycle.Warning {
	t.Helper()
	w.Lifted, w.LiftEffective = &at, eff
	tr := transition(key, w.Region, alert.KindLift, 0, at)
	tr.WarningID = w.ID
	publish(t, s, 0, tr, &w)
	return w
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// same compares what a store gave back with what was stored, as JSON
// (the form store/sqlite keeps).
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

func sameList[T any](t *testing.T, what string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		g, _ := json.Marshal(got)
		t.Errorf("%s: %d items, want %d: %s", what, len(got), len(want), g)
		return
	}
	for i := range got {
		same(t, fmt.Sprintf("%s[%d]", what, i), got[i], want[i])
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if aqwarn.ErrorCode(err) != code {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, aqwarn.ErrorCode(err), code)
	}
}

func ids[T any](xs []T, id func(T) int64) []int64 {
	out := []int64{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func proposalIDs(ps []lifecycle.ProposalRecord) []int64 {
	return ids(ps, func(p lifecycle.ProposalRecord) int64 { return p.ID })
}

func keys(ts []lifecycle.Transition) []string {
	out := []string{}
	for _, x := range ts {
		out = append(out, x.Key)
	}
	return out
}

func regions(ws []lifecycle.Warning) []string {
	out := []string{}
	for _, w := range ws {
		out = append(out, w.Region)
	}
	return out
}

func equal[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// allAudit reads the whole log (the contract's logs stay under a page).
func allAudit(t *testing.T, s lifecycle.Store) []lifecycle.AuditEntry {
	t.Helper()
	es, err := s.Audit(t.Context(), 0, 0)
	must(t, err)
	return es
}

func actions(es []lifecycle.AuditEntry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

func sameEntry(t *testing.T, what string, got, want lifecycle.AuditEntry) {
	t.Helper()
	if !got.At.Equal(want.At) || got.Actor != want.Actor || got.Role != want.Role || got.Action != want.Action ||
		got.Subject != want.Subject || got.Comment != want.Comment || !bytes.Equal(got.Detail, want.Detail) {
		t.Errorf("%s:\n got %+v (detail %s)\nwant %+v (detail %s)", what, got, got.Detail, want, want.Detail)
	}
}

// AddProposal stores a key once: the second call returns the earlier
// record and false, and appends no audit line. The stored record gets an
// id and its audit line the subject "proposal <id>".
func addProposalOncePerKey(t *testing.T, s lifecycle.Store) {
	ctx := t.Context()
	rec := proposal("k1", "jianghua")
	got, created, err := s.AddProposal(ctx, rec, entry("propose", 0))
	if err != nil || !created || got.ID <= 0 {
		t.Fatalf("AddProposal = %+v, %v, %v", got, created, err)
	}
	want := rec
	want.ID = got.ID
	same(t, "the new record", got, want)

	again := proposal("k1", "tuojiang")
	again.Status, again.By = lifecycle.StatusApproved, "someone"
	old, created, err := s.AddProposal(ctx, again, entry("propose", 1))
	if err != nil || created {
		t.Fatalf("AddProposal of a known key = %v, %v; want the earlier record and false", created, err)
	}
	same(t, "a known key returns the earlier record", old, want)

	byID, err := s.Proposal(ctx, got.ID)
	must(t, err)
	same(t, "Proposal", byID, want)
	byKey, ok, err := s.ProposalByKey(ctx, "k1")
	if err != nil || !ok {
		t.Fatalf("ProposalByKey = %v, %v", ok, err)
	}
	same(t, "ProposalByKey", byKey, want)
	if _, ok, err := s.ProposalByKey(ctx, "unknown"); ok || err != nil {
		t.Errorf("ProposalByKey(unknown) = %v, %v; want false, nil", ok, err)
	}
	all, err := s.Proposals(ctx, lifecycle.ProposalFilter{})
	must(t, err)
	sameList(t, "Proposals", all, []lifecycle.ProposalRecord{want})

	es := allAudit(t, s)
	equal(t, "audit", actions(es), []string{"propose"})
	if len(es) == 1 && es[0].Subject != fmt.Sprintf("proposal %d", got.ID) {
		t.Errorf("the audit line's subject is %q, want %q", es[0].Subject, fmt.Sprintf("proposal %d", got.ID))
	}
	next := addProposal(t, s, "k2", "jianghua")
	if next.ID <= got.ID {
		t.Errorf("the next proposal has id %d, after %d", next.ID, got.ID)
	}
}

// Unknown proposal and warning ids are not found (aqwarn ENOTFOUND, also
// through alert.Error), and an update of one appends no audit line.
func unknownIDsAreNotFound(t *testing.T, s lifecycle.Store) {
	ctx := t.Context()
	for _, id := range []int64{0, 1, 99} {
		_, err := s.Proposal(ctx, id)
		wantCode(t, fmt.Sprintf("Proposal(%d)", id), err, aqwarn.ENOTFOUND)
		_, err = s.Warning(ctx, id)
		wantCode(t, fmt.Sprintf("Warning(%d)", id), err, aqwarn.ENOTFOUND)
	}
	rec := addProposal(t, s, "k1", "jianghua")
	rec.ID = 99
	rec.Status = lifecycle.StatusApproved
	err := s.UpdateProposal(ctx, rec, entry("approve", 1))
	wantCode(t, "UpdateProposal(99)", err, aqwarn.ENOTFOUND)
	equal(t, "audit after a failed update", actions(allAudit(t, s)), []string{"propose"})
	if got, _ := s.Proposal(ctx, 1); got.Status != lifecycle.StatusPending {
		t.Errorf("a failed update changed proposal 1: %s", got.Status)
	}
}

// UpdateProposal saves status and approval and appends its audit entries,
// in order, in the same transaction.
func updateProposalWithAudit(t *testing.T, s lifecycle.Store) {
	ctx := t.Context()
	rec := addProposal(t, s, "k1", "jianghua")
	rec.Status, rec.Updated, rec.NextRoles = lifecycle.StatusApproved, hours(1), nil
	rec.Approval.Signatures = []alert.Signature{{Step: 0, Role: "duty_officer", User: "wang", At: hours(1), Approve: true, Comment: "同意"}}
	sign, approve := entry("sign", 10), entry("approve", 11)
	must(t, s.UpdateProposal(ctx, rec, sign, approve))

	got, err := s.Proposal(ctx, rec.ID)
	must(t, err)
	same(t, "Proposal after the update", got, rec)
	byKey, _, err := s.ProposalByKey(ctx, rec.Key)
	must(t, err)
	same(t, "ProposalByKey after the update", byKey, rec)
	approved, err := s.Proposals(ctx, lifecycle.ProposalFilter{Status: lifecycle.StatusApproved})
	must(t, err)
	sameList(t, "approved proposals", approved, []lifecycle.ProposalRecord{rec})
	pending, err := s.Proposals(ctx, lifecycle.ProposalFilter{Status: lifecycle.StatusPending})
	must(t, err)
	if len(pending) != 0 {
		t.Errorf("pending after the update: %v", proposalIDs(pending))
	}
	es := allAudit(t, s)
	equal(t, "audit", actions(es), []string{"propose", "sign", "approve"})
	if len(es) == 3 {
		sameEntry(t, "the first entry of the update", es[1], sign)
		sameEntry(t, "the second entry of the update", es[2], approve)
	}
	rec.Status = lifecycle.StatusRejected
	must(t, s.UpdateProposal(ctx, rec)) // no audit entry: none appended
	if n := len(allAudit(t, s)); n != 3 {
		t.Errorf("an update without entries appended %d", n-3)
	}
}

// Proposals lists newest first, filtered by status and region, at most
// Limit (0: all).
func proposalsFilterNewestFirst(t *testing.T, s lifecycle.Store) {
	ctx := t.Context()
	var p [6]lifecycle.ProposalRecord
	for i, region := range []string{"", "jianghua", "tuojiang", "jianghua", "jianghua", "tuojiang"} {
		if i > 0 {
			p[i] = addProposal(t, s, fmt.Sprintf("k%d", i), region)
		}
	}
	p[3].Status = lifecycle.StatusRejected
	must(t, s.UpdateProposal(ctx, p[3]))
	p[5].Status = lifecycle.StatusApproved
	must(t, s.UpdateProposal(ctx, p[5]))
	for _, c := range []struct {
		f    lifecycle.ProposalFilter
		want []int
	}{
		{lifecycle.ProposalFilter{}, []int{5, 4, 3, 2, 1}},
		{lifecycle.ProposalFilter{Status: lifecycle.StatusPending}, []int{4, 2, 1}},
		{lifecycle.ProposalFilter{Region: "jianghua"}, []int{4, 3, 1}},
		{lifecycle.ProposalFilter{Status: lifecycle.StatusPending, Region: "jianghua"}, []int{4, 1}},
		{lifecycle.ProposalFilter{Limit: 2}, []int{5, 4}},
		{lifecycle.ProposalFilter{Status: lifecycle.StatusPending, Limit: 2}, []int{4, 2}},
		{lifecycle.ProposalFilter{Region: "nowhere"}, nil},
	} {
		got, err := s.Proposals(ctx, c.f)
		must(t, err)
		want := []int64{}
		for _, i := range c.want {
			want = append(want, p[i].ID)
		}
		equal(t, fmt.Sprintf("Proposals(%+v)", c.f), proposalIDs(got), want)
	}
}

// Publish records a transition once: it sets the transition's id and
// warning id, marks the proposal published (Updated = t.At) and appends
// the audit entry; a known key records nothing else and returns the
// stored transition and false (the proposal stays published).
func publishOncePerKey(t *testing.T, s lifecycle.Store) {
	ctx := t.Context()
	rec := addProposal(t, s, "k1", "jianghua")
	w := warning("jianghua", hours(1))
	tr := transition("k1", "jianghua", alert.KindIssue, rec.ID, hours(1))
	got, created, err := s.Publish(ctx, rec.ID, tr, w, entry("publish", 5))
	if err != nil || !created {
		t.Fatalf("Publish = %v, %v", created, err)
	}
	if got.ID <= 0 || w.ID <= 0 || got.WarningID != w.ID {
		t.Fatalf("Publish gave transition %d of warning %d, the warning got id %d", got.ID, got.WarningID, w.ID)
	}
	want := tr
	want.ID, want.WarningID = got.ID, w.ID
	same(t, "the published transition", got, want)
	p, err := s.Proposal(ctx, rec.ID)
	must(t, err)
	if p.Status != lifecycle.StatusPublished || !p.Updated.Equal(tr.At) {
		t.Errorf("the proposal is %s, updated %v; want published at %v", p.Status, p.Updated, tr.At)
	}

	other := transition("k1", "tuojiang", alert.KindUpgrade, rec.ID, hours(2))
	old, created, err := s.Publish(ctx, rec.ID, other, warning("tuojiang", hours(2)), entry("publish", 6))
	if err != nil || created {
		t.Fatalf("Publish of a known key = %v, %v; want false", created, err)
	}
	same(t, "a known key returns the stored transition", old, want)
	ts, err := s.Transitions(ctx, 0, 0)
	must(t, err)
	sameList(t, "Transitions", ts, []lifecycle.Transition{want})
	act, err := s.ActiveWarnings(ctx)
	must(t, err)
	equal(t, "regions in force", regions(act), []string{"jianghua"})
	equal(t, "audit", actions(allAudit(t, s)), []string{"propose", "publish"})
	if p, _ := s.Proposal(ctx, rec.ID); p.Status != lifecycle.StatusPublished {
		t.Errorf("after a known key the proposal is %s", p.Status)
	}
}

// Publish inserts the warning when its id is 0 and updates it otherwise;
// a health notice (no warning) keeps its warning id; the warning as saved
// carries no transitions (Warning reads them); an unknown warning id is
// not found and records nothing.
func publishSavesTheWarning(t *testing.T, s lifecycle.Store) {
	ctx := t.Context()
	w := issue(t, s, "k1", "jianghua", hours(1))
	act, err := s.ActiveWarnings(ctx)
	must(t, err)
	sameList(t, "in force after the issue", act, []lifecycle.Warning{w})

	up := w
	up.LevelID, up.Since = "orange", hours(2)
	up.Transitions = []lifecycle.Transition{{Key: "not-a-transition"}} // the caller's, not the store's
	tr := transition("k2", "jianghua", alert.KindUpgrade, 0, hours(2))
	tr.WarningID = w.ID
	t2 := publish(t, s, 0, tr, &up)
	if up.ID != w.ID || t2.WarningID != w.ID {
		t.Fatalf("the update made warning %d (transition of %d), want %d", up.ID, t2.WarningID, w.ID)
	}
	saved := up
	saved.Transitions = nil
	act, err = s.ActiveWarnings(ctx)
	must(t, err)
	sameList(t, "in force after the upgrade", act, []lifecycle.Warning{saved})

	notice := transition("k3", "jianghua", alert.KindHealthNotice, 0, hours(3))
	t3 := publish(t, s, 0, notice, nil)
	if t3.WarningID != 0 {
		t.Errorf("a health notice got warning id %d", t3.WarningID)
	}

	ts, err := s.Transitions(ctx, 0, 0)
	must(t, err)
	equal(t, "transitions", keys(ts), []string{"k1", "k2", "k3"})
	got, err := s.Warning(ctx, w.ID)
	must(t, err)
	want := saved
	want.Transitions = []lifecycle.Transition{ts[0], ts[1]}
	same(t, "Warning", got, want)

	ghost := warning("tuojiang", hours(4))
	ghost.ID = 99
	_, _, err = s.Publish(ctx, 0, transition("k4", "tuojiang", alert.KindUpgrade, 0, hours(4)), ghost, entry("publish", 7))
	wantCode(t, "Publish updating warning 99", err, aqwarn.ENOTFOUND)
	if ts, _ := s.Transitions(ctx, 0, 0); len(ts) != 3 {
		t.Errorf("a refused publish recorded a transition: %v", keys(ts))
	}
	if n := len(allAudit(t, s)); n != 3 {
		t.Errorf("a refused publish appended to the audit log (%d lines, want 3)", n)
	}
	issue(t, s, "k4", "tuojiang", hours(4)) // the key was not taken
}

// At most one warning is in force per region: publishing a second is a
// conflict (aqwarn ECONFLICT) that records nothing; other regions, and the
// region again once lifted, are fine.
func oneWarningInForcePerRegion(t *testing.T, s lifecycle.Store) {
	ctx := t.Context()
	w1 := issue(t, s, "k1", "jianghua", hours(1))
	rec := addProposal(t, s, "k2", "jianghua")
	_, _, err := s.Publish(ctx, rec.ID, transition("k2", "jianghua", alert.KindIssue, rec.ID, hours(2)), warning("jianghua", hours(2)), entry("publish", 2))
	wantCode(t, "a second warning in force in jianghua", err, aqwarn.ECONFLICT)
	if ts, _ := s.Transitions(ctx, 0, 0); len(ts) != 1 {
		t.Errorf("the refused publish recorded a transition: %v", keys(ts))
	}
	if p, _ := s.Proposal(ctx, rec.ID); p.Status != lifecycle.StatusPending {
		t.Errorf("the refused publish marked its proposal %s", p.Status)
	}
	equal(t, "audit", actions(allAudit(t, s)), []string{"publish", "propose"})

	issue(t, s, "k3", "tuojiang", hours(2))
	lifted := lift(t, s, "k4", w1, hours(3), new(hours(3)))
	issue(t, s, "k5", "jianghua", hours(4))
	act, err := s.ActiveWarnings(ctx)
	must(t, err)
	equal(t, "regions in force", regions(act), []string{"jianghua", "tuojiang"})

	back := lifted
	back.Lifted, back.LiftEffective = nil, nil
	tr := transition("k6", "jianghua", alert.KindResume, 0, hours(5))
	_, _, err = s.Publish(ctx, 0, tr, &back, entry("publish", 3))
	wantCode(t, "bringing back a lifted warning beside the one in force", err, aqwarn.ECONFLICT)
}

// ActiveWarnings lists the warnings in force (paused ones too, not lifted
// ones, even when the lift takes effect later) by region.
func activeWarningsByRegion(t *testing.T, s lifecycle.Store) {
	ctx := t.Context()
	if act, err := s.ActiveWarnings(ctx); err != nil || len(act) != 0 {
		t.Fatalf("an empty store has %d in force, %v", len(act), err)
	}
	c := issue(t, s, "k1", "c-region", hours(1))
	a := issue(t, s, "k2", "a-region", hours(2))
	b := issue(t, s, "k3", "b-region", hours(3))
	d := issue(t, s, "k4", "d-region", hours(4))
	restart := hours(10)
	paused := b
	paused.Paused, paused.RestartAt = true, &restart
	tr := transition("k5", "b-region", alert.KindPause, 0, hours(5))
	tr.WarningID = b.ID
	publish(t, s, 0, tr, &paused)
	lift(t, s, "k6", d, hours(5), new(hours(8)))
	act, err := s.ActiveWarnings(ctx)
	must(t, err)
	sameList(t, "in force", act, []lifecycle.Warning{a, paused, c})
}

// LiftedAfter lists the lifted warnings whose lift takes effect after t,
// newest warning first.
func liftedAfter(t *testing.T, s lifecycle.Store) {
	ctx := t.Context()
	w1 := lift(t, s, "k1-lift", issue(t, s, "k1", "a-region", hours(0)), hours(1), new(hours(5)))
	w2 := lift(t, s, "k2-lift", issue(t, s, "k2", "b-region", hours(0)), hours(2), new(hours(3)))
	issue(t, s, "k3", "c-region", hours(0))
	lift(t, s, "k4-lift", issue(t, s, "k4", "d-region", hours(0)), hours(2), nil) // no effective time
	for _, c := range []struct {
		at   time.Time
		want []lifecycle.Warning
	}{
		{hours(0), []lifecycle.Warning{w2, w1}},
		{hours(3), []lifecycle.Warning{w1}}, // w2's lift takes effect at 3 h, not after
		{hours(4.5), []lifecycle.Warning{w1}},
		{hours(5), nil},
	} {
		got, err := s.LiftedAfter(ctx, c.at)
		must(t, err)
		sameList(t, fmt.Sprintf("LiftedAfter(%v)", c.at), got, c.want)
	}
}

// Warning gives one warning with its transitions, oldest first, and only
// its own.
func warningWithItsTransitions(t *testing.T, s lifecycle.Store) {
	ctx := t.Context()
	w1 := issue(t, s, "k1", "jianghua", hours(0))
	w2 := issue(t, s, "k2", "tuojiang", hours(0))
	step := func(key string, w lifecycle.Warning, kind string, h float64) {
		tr := transition(key, w.Region, kind, 0, hours(h))
		tr.WarningID = w.ID
		publish(t, s, 0, tr, &w)
	}
	step("k3", w1, alert.KindUpgrade, 1)
	lift(t, s, "k4", w2, hours(2), new(hours(2)))
	step("k5", w1, alert.KindExtend, 3)
	for _, c := range []struct {
		id   int64
		want []string
	}{{w1.ID, []string{"k1", "k3", "k5"}}, {w2.ID, []string{"k2", "k4"}}} {
		w, err := s.Warning(ctx, c.id)
		must(t, err)
		equal(t, fmt.Sprintf("transitions of warning %d", c.id), keys(w.Transitions), c.want)
		for _, tr := range w.Transitions {
			if tr.WarningID != c.id {
				t.Errorf("warning %d lists transition %s of warning %d", c.id, tr.Key, tr.WarningID)
			}
		}
	}
}

// Transitions lists those with id > after, oldest first, at most limit.
func transitionsAfterOldestFirst(t *testing.T, s lifecycle.Store) {
	ctx := t.Context()
	if ts, err := s.Transitions(ctx, 0, 0); err != nil || len(ts) != 0 {
		t.Fatalf("an empty store has transitions %v, %v", keys(ts), err)
	}
	var all []lifecycle.Transition
	for i := range 5 {
		all = append(all, publish(t, s, 0, transition(fmt.Sprintf("k%d", i), "jianghua", alert.KindHealthNotice, 0, hours(float64(i))), nil))
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID <= all[i-1].ID {
			t.Fatalf("transition ids %d then %d", all[i-1].ID, all[i].ID)
		}
	}
	for _, c := range []struct {
		after int64
		limit int
		want  []string
	}{
		{0, 0, []string{"k0", "k1", "k2", "k3", "k4"}},
		{0, -1, []string{"k0", "k1", "k2", "k3", "k4"}},
		{0, 1, []string{"k0"}},
		{all[1].ID, 2, []string{"k2", "k3"}},
		{all[1].ID, 0, []string{"k2", "k3", "k4"}},
		{all[4].ID, 0, []string{}},
	} {
		got, err := s.Transitions(ctx, c.after, c.limit)
		must(t, err)
		equal(t, fmt.Sprintf("Transitions(%d, %d)", c.after, c.limit), keys(got), c.want)
	}
	got, err := s.Transitions(ctx, 0, 0)
	must(t, err)
	sameList(t, "Transitions", got, all)
}

// Transitions with limit 0 reads one page of 1000.
func transitionsPageOf1000(t *testing.T, s lifecycle.Store) {
	if testing.Short() {
		t.Skip("1001 transitions")
	}
	ctx := t.Context()
	for i := range 1001 {
		publish(t, s, 0, transition(fmt.Sprintf("k%04d", i), "jianghua", alert.KindHealthNotice, 0, hours(float64(i))), nil)
	}
	ts, err := s.Transitions(ctx, 0, 0)
	must(t, err)
	if len(ts) != 1000 || ts[999].Key != "k0999" {
		t.Fatalf("Transitions(0, 0) read %d", len(ts))
	}
	rest, err := s.Transitions(ctx, ts[999].ID, 0)
	must(t, err)
	equal(t, "the next page", keys(rest), []string{"k1000"})
	if ts, _ := s.Transitions(ctx, 0, 1001); len(ts) != 1001 {
		t.Errorf("Transitions(0, 1001) read %d", len(ts))
	}
}

// The audit log is append-only: entries keep their order and content
// whatever the store does next, ids only grow, and neither the caller's
// buffers nor what Audit returned can change a line. Audit(after, limit)
// reads oldest first; an empty read is an empty list, not nil (the API
// sends it as is).
func auditAppendOnly(t *testing.T, s lifecycle.Store) {
	ctx := t.Context()
	if es := allAudit(t, s); es == nil || len(es) != 0 {
		t.Errorf("the empty log reads %#v, want an empty list", es)
	}
	e1, e2, e3 := entry("one", 1), entry("two", 2), entry("three", 3)
	e3.Detail, e3.Role, e3.Comment = nil, "", ""
	for _, e := range []lifecycle.AuditEntry{e1, e2, e3} {
		must(t, s.AppendAudit(ctx, e))
	}
	es := allAudit(t, s)
	if len(es) != 3 {
		t.Fatalf("audit %v", actions(es))
	}
	for i, want := range []lifecycle.AuditEntry{e1, e2, e3} {
		sameEntry(t, fmt.Sprintf("entry %d", i), es[i], want)
		if i > 0 && es[i].ID <= es[i-1].ID {
			t.Errorf("ids %d then %d", es[i-1].ID, es[i].ID)
		}
	}
	for _, c := range []struct {
		after int64
		limit int
		want  []string
	}{
		{es[0].ID, 1, []string{"two"}},
		{0, 2, []string{"one", "two"}},
		{es[0].ID, 0, []string{"two", "three"}},
		{es[2].ID, 0, []string{}},
	} {
		got, err := s.Audit(ctx, c.after, c.limit)
		must(t, err)
		equal(t, fmt.Sprintf("Audit(%d, %d)", c.after, c.limit), actions(got), c.want)
		if got == nil {
			t.Errorf("Audit(%d, %d) is nil, want an empty list", c.after, c.limit)
		}
	}

	// The caller's buffer and what Audit returned are not the log.
	buf := []byte(`{"x":1}`)
	e4 := entry("four", 4)
	e4.Detail = buf
	must(t, s.AppendAudit(ctx, e4))
	buf[5] = '2'
	got := allAudit(t, s)
	got[3].Detail[5] = '3'
	e4.Detail = json.RawMessage(`{"x":1}`)

	// What the store does next does not touch the earlier lines.
	rec := addProposal(t, s, "k1", "jianghua")
	rec.Status = lifecycle.StatusApproved
	must(t, s.UpdateProposal(ctx, rec, entry("approve", 5)))
	publish(t, s, rec.ID, transition("k1", "jianghua", alert.KindIssue, rec.ID, hours(1)), warning("jianghua", hours(1)))
	if _, err := s.AddPrompt(ctx, alert.UpstreamPrompt{ID: "u1", End: hours(24)}, entry("upstream_prompt", 6)); err != nil {
		t.Fatal(err)
	}
	final := allAudit(t, s)
	equal(t, "audit", actions(final), []string{"one", "two", "three", "four", "propose", "approve", "publish", "upstream_prompt"})
	if len(final) != 8 {
		return
	}
	for i, want := range []lifecycle.AuditEntry{e1, e2, e3, e4} {
		sameEntry(t, fmt.Sprintf("entry %d at the end", i), final[i], want)
	}
	for i := range es {
		if final[i].ID != es[i].ID {
			t.Errorf("entry %d changed id: %d, was %d", i, final[i].ID, es[i].ID)
		}
	}
	for i := 1; i < len(final); i++ {
		if final[i].ID <= final[i-1].ID {
			t.Errorf("ids %d then %d", final[i-1].ID, final[i].ID)
		}
	}
}

// Audit reads at most 1000 entries at a time, also when limit is 0 or
// larger.
func auditPageOf1000(t *testing.T, s lifecycle.Store) {
	ctx := t.Context()
	rec := addProposal(t, s, "k1", "jianghua")
	many := make([]lifecycle.AuditEntry, 1001)
	for i := range many {
		many[i] = entry(fmt.Sprintf("sign-%04d", i), i)
	}
	must(t, s.UpdateProposal(ctx, rec, many...)) // 1002 lines with the proposal's
	for _, limit := range []int{0, 1000, 5000} {
		es, err := s.Audit(ctx, 0, limit)
		must(t, err)
		if len(es) != 1000 || es[999].Action != "sign-0998" {
			t.Fatalf("Audit(0, %d) read %d", limit, len(es))
		}
		if limit == 0 {
			rest, err := s.Audit(ctx, es[999].ID, 0)
			must(t, err)
			equal(t, "the next page", actions(rest), []string{"sign-0999", "sign-1000"})
		}
	}
}

// AddPrompt keeps a prompt once per id (a known id appends no audit line
// and changes nothing); Prompts(at) lists those not over at the instant
// (End after it, to the nanosecond), by id.
func promptsOncePerID(t *testing.T, s lifecycle.Store) {
	ctx := t.Context()
	u2 := alert.UpstreamPrompt{ID: "p2", Region: "jianghua", Level: 3, Start: t0, End: hours(48), Issuer: "city", Reference: "〔2026〕1号"}
	u1 := alert.UpstreamPrompt{ID: "p1", Level: 2, Start: hours(1), End: hours(24)} // every region, not started at t0
	u3 := alert.UpstreamPrompt{ID: "p3", Level: 2, Start: t0, End: hours(10).Add(500 * time.Millisecond)}
	for _, u := range []alert.UpstreamPrompt{u2, u1, u3} {
		created, err := s.AddPrompt(ctx, u, entry("upstream_prompt", 1))
		if err != nil || !created {
			t.Fatalf("AddPrompt(%s) = %v, %v", u.ID, created, err)
		}
	}
	changed := u2
	changed.End, changed.Level = hours(96), 4
	if created, err := s.AddPrompt(ctx, changed, entry("upstream_prompt", 2)); err != nil || created {
		t.Fatalf("AddPrompt of a known id = %v, %v; want false", created, err)
	}
	if n := len(allAudit(t, s)); n != 3 {
		t.Errorf("%d audit lines, want one per new prompt (3)", n)
	}
	for _, c := range []struct {
		at   time.Time
		want []alert.UpstreamPrompt
	}{
		{t0, []alert.UpstreamPrompt{u1, u2, u3}},
		{hours(10), []alert.UpstreamPrompt{u1, u2, u3}},
		{hours(10).Add(500 * time.Millisecond), []alert.UpstreamPrompt{u1, u2}},
		{hours(24), []alert.UpstreamPrompt{u2}},
		{hours(48), nil},
	} {
		got, err := s.Prompts(ctx, c.at)
		must(t, err)
		sameList(t, fmt.Sprintf("Prompts(%v)", c.at), got, c.want)
	}
}

// AddForecast gives growing ids; Forecasts(region, from, to) lists the
// region's (every region's when empty) issued in [from, to] to the
// nanosecond, oldest issue first (then by id).
func forecasts(t *testing.T, st lifecycle.Store) {
	s := st.(lifecycle.ForecastStore) // run only for stores that are
	ctx := t.Context()
	pm := 75.5
	f := func(region string, issued time.Time) alert.Forecast {
		return alert.Forecast{Region: region, Source: "centre", IssuedAt: issued, Received: issued.Add(time.Minute),
			Daily:  []alert.DailyForecast{{Date: "2026-12-02", AQI: 160, Primary: "pm25", PM25: &pm}},
			Hourly: []alert.HourlyForecast{{Time: issued.Add(time.Hour), PM25: &pm}}}
	}
	edge := hours(3).Add(300 * time.Microsecond)
	added := []alert.Forecast{f("jianghua", hours(2)), f("jianghua", t0), f("tuojiang", hours(1)), f("jianghua", hours(2)), f("jianghua", edge)}
	for i := range added {
		id, err := s.AddForecast(ctx, added[i])
		must(t, err)
		if id <= 0 || (i > 0 && id <= added[i-1].ID) {
			t.Fatalf("forecast %d got id %d", i, id)
		}
		added[i].ID = id
	}
	f1, f2, f3, f4, f5 := added[0], added[1], added[2], added[3], added[4]
	for _, c := range []struct {
		region   string
		from, to time.Time
		want     []alert.Forecast
	}{
		{"jianghua", t0, hours(3), []alert.Forecast{f2, f1, f4}},
		{"", t0, hours(2), []alert.Forecast{f2, f3, f1, f4}},
		{"jianghua", hours(1), hours(2), []alert.Forecast{f1, f4}},
		{"jianghua", hours(2), hours(2), []alert.Forecast{f1, f4}},
		{"jianghua", edge, hours(4), []alert.Forecast{f5}},
		{"jianghua", edge.Add(time.Microsecond), hours(4), nil},
		{"jianghua", hours(3), edge.Add(-time.Microsecond), nil},
		{"nowhere", t0, hours(4), nil},
	} {
		got, err := s.Forecasts(ctx, c.region, c.from, c.to)
		must(t, err)
		sameList(t, fmt.Sprintf("Forecasts(%q, %v, %v)", c.region, c.from, c.to), got, c.want)
	}
}

// After a restart everything is there, keys and ids stay unique and ids
// keep growing.
func restart(t *testing.T, s lifecycle.Store, reopen func(t *testing.T) lifecycle.Store) {
	ctx := t.Context()
	rec := addProposal(t, s, "k1", "jianghua")
	rec.Status = lifecycle.StatusApproved
	must(t, s.UpdateProposal(ctx, rec, entry("approve", 1)))
	w := warning("jianghua", hours(1))
	tr := publish(t, s, rec.ID, transition("k1", "jianghua", alert.KindIssue, rec.ID, hours(1)), w)
	u := alert.UpstreamPrompt{ID: "p1", Level: 2, Start: t0, End: hours(48)}
	if _, err := s.AddPrompt(ctx, u, entry("upstream_prompt", 2)); err != nil {
		t.Fatal(err)
	}
	must(t, s.AppendAudit(ctx, entry("note", 3)))
	var fc alert.Forecast
	if fs, ok := s.(lifecycle.ForecastStore); ok {
		fc = alert.Forecast{Region: "jianghua", Source: "centre", IssuedAt: t0, Daily: []alert.DailyForecast{{Date: "2026-12-02", AQI: 160}}}
		id, err := fs.AddForecast(ctx, fc)
		must(t, err)
		fc.ID = id
	}
	before := allAudit(t, s)
	published, err := s.Proposal(ctx, rec.ID)
	must(t, err)

	s = reopen(t)
	got, err := s.Proposal(ctx, rec.ID)
	must(t, err)
	same(t, "the proposal after the restart", got, published)
	if old, created, err := s.AddProposal(ctx, proposal("k1", "jianghua"), entry("propose", 4)); err != nil || created || old.ID != rec.ID {
		t.Errorf("AddProposal of a known key after the restart = %d, %v, %v", old.ID, created, err)
	}
	if next := addProposal(t, s, "k2", "jianghua"); next.ID <= rec.ID {
		t.Errorf("a proposal after the restart got id %d, after %d", next.ID, rec.ID)
	}
	if old, created, err := s.Publish(ctx, rec.ID, transition("k1", "jianghua", alert.KindIssue, rec.ID, hours(2)), warning("jianghua", hours(2)), entry("publish", 5)); err != nil || created {
		t.Errorf("Publish of a known key after the restart = %v, %v", created, err)
	} else {
		same(t, "the transition after the restart", old, tr)
	}
	act, err := s.ActiveWarnings(ctx)
	must(t, err)
	saved := *w
	sameList(t, "in force after the restart", act, []lifecycle.Warning{saved})
	tw, err := s.Warning(ctx, w.ID)
	must(t, err)
	equal(t, "the warning's transitions after the restart", keys(tw.Transitions), []string{"k1"})
	t2 := publish(t, s, 0, transition("k3", "jianghua", alert.KindHealthNotice, 0, hours(3)), nil)
	if t2.ID <= tr.ID {
		t.Errorf("a transition after the restart got id %d, after %d", t2.ID, tr.ID)
	}
	if created, err := s.AddPrompt(ctx, u, entry("upstream_prompt", 6)); err != nil || created {
		t.Errorf("AddPrompt of a known id after the restart = %v, %v", created, err)
	}
	ps, err := s.Prompts(ctx, t0)
	must(t, err)
	sameList(t, "prompts after the restart", ps, []alert.UpstreamPrompt{u})

	after := allAudit(t, s)
	if len(after) < len(before) {
		t.Fatalf("the restart lost audit lines: %v, was %v", actions(after), actions(before))
	}
	for i := range before {
		sameEntry(t, fmt.Sprintf("audit line %d after the restart", i), after[i], before[i])
		if after[i].ID != before[i].ID {
			t.Errorf("audit line %d has id %d, was %d", i, after[i].ID, before[i].ID)
		}
	}
	must(t, s.AppendAudit(ctx, entry("later", 7)))
	last := allAudit(t, s)
	if n := len(last); n == 0 || last[n-1].ID <= before[len(before)-1].ID {
		t.Errorf("an audit line after the restart did not get a later id")
	}
	if fs, ok := s.(lifecycle.ForecastStore); ok {
		got, err := fs.Forecasts(ctx, "jianghua", t0, t0)
		must(t, err)
		sameList(t, "forecasts after the restart", got, []alert.Forecast{fc})
		id, err := fs.AddForecast(ctx, fc)
		must(t, err)
		if id <= fc.ID {
			t.Errorf("a forecast after the restart got id %d, after %d", id, fc.ID)
		}
	}
}
