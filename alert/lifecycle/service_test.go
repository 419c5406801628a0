package lifecycle

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
)

// fixedObservations is a hand-written Observations fake.
type fixedObservations []alert.Window

func (f fixedObservations) Observed(_ context.Context, _ string, from, to time.Time) ([]alert.Window, error) {
	var out []alert.Window
	for _, w := range f {
		if w.End.After(from) && !w.End.After(to) {
			out = append(out, w)
		}
	}
	return out, nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newTestService(t *testing.T, st *MemStore, obs []alert.Window, c *clock) *Service {
	t.Helper()
	p := jianghua(t)
	p.Regions = p.Regions[:1] // the county only
	return &Service{Plan: p, Store: st, Observations: fixedObservations(obs), Forecasts: st, Now: c.now}
}

func addDaily(t *testing.T, st *MemStore, issued time.Time, aqi ...int) {
	t.Helper()
	f := alert.Forecast{Region: "jianghua", Source: "centre", IssuedAt: issued}
	for i, a := range aqi {
		f.Daily = append(f.Daily, alert.DailyForecast{Date: now0.AddDate(0, 0, i).Format(time.DateOnly), AQI: a})
	}
	if _, err := st.AddForecast(context.Background(), f); err != nil {
		t.Fatal(err)
	}
}

func signAll(t *testing.T, s *Service, id int64) ProposalRecord {
	t.Helper()
	var rec ProposalRecord
	for i := 0; i < 10; i++ {
		r, err := s.Store.Proposal(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		next := r.Approval.NextRoles()
		if r.Status != StatusPending || len(next) == 0 {
			return r
		}
		if rec, err = s.Sign(context.Background(), id, next[0], "user-"+next[0], true, "ok"); err != nil {
			t.Fatalf("sign as %s: %v", next[0], err)
		}
	}
	return rec
}

// The lifecycle of one yellow episode: proposed once, approved through
// the chain, published once, lifted when the forecast clears.
func TestServiceLifecycle(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	c := &clock{t: now0}
	s := newTestService(t, st, rolling(nil), c)
	addDaily(t, st, now0.Add(-time.Hour), 100, 210, 100)

	ev, err := s.EvaluateRegion(ctx, "jianghua", now0)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Proposal == nil || ev.Proposal.Action != alert.ActionIssue {
		t.Fatalf("want an issue proposal, got %+v", ev.Proposal)
	}
	// The same situation again (and an hour later: the key is the episode's) adds nothing.
	s.EvaluateRegion(ctx, "jianghua", now0)
	c.t = now0.Add(time.Hour)
	s.EvaluateRegion(ctx, "jianghua", c.t)
	ps, _ := st.Proposals(ctx, ProposalFilter{})
	if len(ps) != 1 {
		t.Fatalf("want 1 proposal, got %d", len(ps))
	}
	id := ps[0].ID

	// The commander cannot sign before the consultation.
	if _, err := s.Sign(ctx, id, "commander", "zhang", true, ""); alert.ErrorCode(err) != alert.CodeOutOfOrder {
		t.Fatalf("want %s, got %v", alert.CodeOutOfOrder, err)
	}
	rec := signAll(t, s, id)
	if rec.Status != StatusPublished {
		t.Fatalf("status %s, want published", rec.Status)
	}
	// Signing a published proposal is refused.
	if _, err := s.Sign(ctx, id, "commander", "li", true, ""); alert.ErrorCode(err) != alert.CodeApprovalClosed {
		t.Fatalf("want %s, got %v", alert.CodeApprovalClosed, err)
	}
	act, _ := st.ActiveWarnings(ctx)
	if len(act) != 1 || act[0].LevelID != "yellow" || !act[0].EpisodeStart.Equal(dec(2, 0)) {
		t.Fatalf("active %+v", act)
	}
	tr, _ := st.Transitions(ctx, 0, 0)
	if len(tr) != 1 || tr[0].Kind != alert.KindIssue {
		t.Fatalf("transitions %+v", tr)
	}

	// Dec 3 10:00, a decision time: the episode is over, clean forecast for 3 days: lift.
	c.t = dec(3, 10)
	addDaily(t, st, dec(3, 7), 100, 100, 100, 60, 60, 60)
	ev, err = s.EvaluateRegion(ctx, "jianghua", c.t)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Proposal == nil || ev.Proposal.Action != alert.ActionLift {
		t.Fatalf("want lift, got %+v (need %+v)", ev.Proposal, ev.NeedForecast)
	}
	lift, _, _ := st.ProposalByKey(ctx, ev.Proposal.Key)
	if got := signAll(t, s, lift.ID); got.Status != StatusPublished {
		t.Fatalf("lift status %s", got.Status)
	}
	if act, _ := st.ActiveWarnings(ctx); len(act) != 0 {
		t.Fatalf("still active: %+v", act)
	}
	w, err := st.Warning(ctx, 1)
	if err != nil || w.Lifted == nil || len(w.Transitions) != 2 || w.Transitions[1].Kind != alert.KindLift {
		t.Fatalf("warning %+v, %v", w, err)
	}
	// Recover after everything is published does nothing more.
	if err := s.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if tr, _ := st.Transitions(ctx, 0, 0); len(tr) != 2 {
		t.Fatalf("want 2 transitions, got %d", len(tr))
	}
}

// A rejection closes the proposal with its reason, and the same data do
// not propose it again.
func TestServiceReject(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	c := &clock{t: now0}
	s := newTestService(t, st, rolling(nil), c)
	addDaily(t, st, now0.Add(-time.Hour), 100, 210, 100)
	s.EvaluateRegion(ctx, "jianghua", now0)
	if _, err := s.Sign(ctx, 1, "ecology_branch", "wang", false, ""); alert.ErrorCode(err) != alert.CodeReasonRequired {
		t.Fatalf("want %s, got %v", alert.CodeReasonRequired, err)
	}
	rec, err := s.Sign(ctx, 1, "ecology_branch", "wang", false, "the forecast centre disagrees")
	if err != nil || rec.Status != StatusRejected {
		t.Fatalf("%+v %v", rec.Status, err)
	}
	s.EvaluateRegion(ctx, "jianghua", now0)
	if ps, _ := st.Proposals(ctx, ProposalFilter{}); len(ps) != 1 {
		t.Fatalf("want 1 proposal, got %d", len(ps))
	}
	audit, _ := st.Audit(ctx, 0, 0)
	if n := len(audit); n != 2 || audit[1].Action != "reject" || audit[1].Comment == "" || audit[1].Role != "ecology_branch" {
		t.Fatalf("audit %+v", audit)
	}
}

// A newer forecast wins and a different episode supersedes the pending
// proposal; when the earlier forecast comes back, so does its proposal.
func TestServiceSupersede(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	c := &clock{t: now0}
	s := newTestService(t, st, rolling(nil), c)
	addDaily(t, st, now0.Add(-2*time.Hour), 100, 210, 100)
	s.EvaluateRegion(ctx, "jianghua", now0)
	addDaily(t, st, now0.Add(-time.Hour), 100, 210, 205) // orange now
	s.EvaluateRegion(ctx, "jianghua", now0)
	ps, _ := st.Proposals(ctx, ProposalFilter{})
	if len(ps) != 2 || ps[0].LevelID != "orange" || ps[0].Status != StatusPending || ps[1].Status != StatusSuperseded {
		t.Fatalf("proposals %+v", ps)
	}
	pending, _ := st.Proposals(ctx, ProposalFilter{Status: StatusPending})
	if len(pending) != 1 {
		t.Fatalf("pending %d", len(pending))
	}
}

// Auto-approve signs the whole chain as the plan's roles, each step audited.
func TestServiceAutoApprove(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	c := &clock{t: now0}
	s := newTestService(t, st, rolling(nil), c)
	s.AutoApprove = true
	var published []Transition
	s.OnPublish = func(tr Transition) { published = append(published, tr) }
	addDaily(t, st, now0.Add(-time.Hour), 210, 220, 230)
	s.EvaluateRegion(ctx, "jianghua", now0)
	if len(published) != 1 || published[0].ToID != "orange" {
		t.Fatalf("published %+v", published)
	}
	audit, _ := st.Audit(ctx, 0, 0)
	signs := 0
	for _, a := range audit {
		if a.Action == "approve" {
			signs++
			if a.Comment != autoApproveComment {
				t.Errorf("comment %q", a.Comment)
			}
		}
	}
	if signs != 3 {
		t.Fatalf("want 3 signatures (orange chain), got %d", signs)
	}
}

// Without a forecast, a lift is not guessed: the persistence baseline
// stands in and the need is reported.
func TestServicePersistenceBaseline(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	c := &clock{t: now0}
	s := newTestService(t, st, rolling(nil), c)
	// A warning in force, clean observations, no forecast at all.
	// At the 10:00 decision time, clean for the 36 h the baseline needs observed.
	c.t = dec(1, 10)
	st.warnings = []Warning{{ID: 1, Region: "jianghua", LevelID: "yellow", Since: now0.Add(-72 * time.Hour), EpisodeStart: now0.Add(-96 * time.Hour)}}
	ev, err := s.EvaluateRegion(ctx, "jianghua", c.t)
	if err != nil {
		t.Fatal(err)
	}
	if ev.NeedForecast == nil || ev.NeedForecast.Reason != "coverage" {
		t.Fatalf("need %+v", ev.NeedForecast)
	}
	if ev.Proposal == nil || ev.Proposal.Action != alert.ActionLift {
		t.Fatalf("want a lift on the baseline, got %+v", ev.Proposal)
	}
	if _, ok := s.NeedForecast()["jianghua"]; !ok {
		t.Fatal("the need is not reported")
	}
}

// The manual path: a reason is required, then the plan's chain applies.
func TestServiceManual(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	c := &clock{t: now0}
	s := newTestService(t, st, rolling(nil), c)
	if _, err := s.ProposeManual(ctx, "jianghua", alert.ManualRequest{Level: 1, By: "duty"}, "duty_officer"); alert.ErrorCode(err) != alert.CodeReasonRequired {
		t.Fatalf("want %s, got %v", alert.CodeReasonRequired, err)
	}
	rec, err := s.ProposeManual(ctx, "jianghua", alert.ManualRequest{Level: 1, End: dec(2, 0), By: "duty", Reason: "会商"}, "duty_officer")
	if err != nil || rec.Proposal.Action != alert.ActionManual || rec.Approval.ChainID != "yellow" {
		t.Fatalf("%+v %v", rec, err)
	}
	if _, err := s.ProposeManual(ctx, "nowhere", alert.ManualRequest{Level: 1, By: "duty", Reason: "x"}, "duty_officer"); alert.ErrorCode(err) != alert.CodeUnknownRegion {
		t.Fatalf("want %s, got %v", alert.CodeUnknownRegion, err)
	}
}

// An upstream prompt is evaluated at once.
func TestServiceUpstreamPrompt(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	c := &clock{t: now0}
	s := newTestService(t, st, rolling(nil), c)
	addDaily(t, st, now0.Add(-time.Hour), 100, 100, 100)
	err := s.AddPrompt(ctx, alert.UpstreamPrompt{ID: "city-1", Level: 2, Start: dec(2, 0), End: dec(4, 0), Reference: "永环委〔2026〕1号"}, "duty", "duty_officer")
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := st.Proposals(ctx, ProposalFilter{})
	if len(ps) != 1 || ps[0].Proposal.Action != alert.ActionUpstream || ps[0].LevelID != "orange" {
		t.Fatalf("proposals %+v", ps)
	}
}

// Verification pairs each source's forecast issued before a day with the
// observed window of that natural day.
func TestVerification(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	c := &clock{t: dec(4, 12)}
	// Observed: the window of Dec 1 (ending Dec 2 00:00) is 180, of Dec 2 is 250.
	obs := []alert.Window{
		{Start: dec(1, 0), End: dec(2, 0), AQI: 180, Source: alert.SourceObserved},
		{Start: dec(1, 1), End: dec(2, 1), AQI: 185, Source: alert.SourceObserved},
		{Start: dec(2, 0), End: dec(3, 0), AQI: 250, Source: alert.SourceObserved},
	}
	s := newTestService(t, st, obs, c)
	addDaily(t, st, now0.Add(-2*time.Hour), 150, 150) // older centre issue
	addDaily(t, st, now0.Add(-time.Hour), 170, 230)   // newest before Dec 1 wins
	st.AddForecast(ctx, alert.Forecast{Region: "jianghua", Source: "late", IssuedAt: dec(1, 6),
		Daily: []alert.DailyForecast{{Date: "2026-12-01", AQI: 999}, {Date: "2026-12-02", AQI: 260}}})
	rows, scores, err := s.Verification(ctx, dec(1, 0), dec(4, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := []alert.VerificationRow{
		{Date: "2026-12-01", Source: "centre", ForecastAQI: 170, ObservedAQI: 180, Error: -10},
		{Date: "2026-12-02", Source: "centre", ForecastAQI: 230, ObservedAQI: 250, Error: -20},
		{Date: "2026-12-02", Source: "late", ForecastAQI: 260, ObservedAQI: 250, Error: 10},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v", rows)
	}
	for i, w := range want {
		r := rows[i]
		if r.Date != w.Date || r.Source != w.Source || r.ForecastAQI != w.ForecastAQI || r.ObservedAQI != w.ObservedAQI || r.Error != w.Error {
			t.Errorf("row %d: %+v, want %+v", i, r, w)
		}
	}
	if len(scores) != 2 || scores[0].Source != "centre" || scores[0].MeanAbsError != 15 || scores[0].LevelHitRate != 1 {
		t.Fatalf("scores %+v", scores)
	}
}

// A warning issued ahead of its episode (here 43 h, more than the 36 h
// persistence) is not lifted while the forecast still shows the episode,
// and is lifted when the forecast drops it.
func TestWarningWaitsForItsEpisode(t *testing.T) {
	p := jianghua(t)
	at10 := dec(1, 10) // lifts are decided at decision times
	start := at10.Add(43 * time.Hour)
	active := &alert.ActiveWarning{Level: 1, Since: at10.Add(-time.Hour), EpisodeStart: start}
	ahead := []alert.Window{span(at10, 43, 100), span(start, 24, 210), span(start.Add(24*time.Hour), 24, 100)}
	ev := alert.Evaluate(p, alert.Situation{Now: at10, Region: "r", Observed: rolling(nil), Forecast: ahead, Active: active})
	if ev.Proposal != nil {
		t.Fatalf("episode still ahead, got %+v", ev.Proposal)
	}
	clean := []alert.Window{span(at10, 72, 100)}
	ev = alert.Evaluate(p, alert.Situation{Now: at10, Region: "r", Observed: rolling(nil), Forecast: clean, Active: active})
	if ev.Proposal == nil || ev.Proposal.Action != alert.ActionLift {
		t.Fatalf("episode gone, want lift, got %+v", ev.Proposal)
	}
}

// A staff proposal and the engine's wait side by side; once one is
// published, the other (made against the old level) is superseded.
func TestServicePublishSupersedesStale(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	c := &clock{t: now0}
	s := newTestService(t, st, rolling(nil), c)
	addDaily(t, st, now0.Add(-time.Hour), 100, 210, 100)
	s.EvaluateRegion(ctx, "jianghua", now0) // engine: yellow
	m, err := s.ProposeManual(ctx, "jianghua", alert.ManualRequest{Level: 2, End: dec(3, 0), By: "duty", Reason: "会商"}, "duty_officer")
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := st.Proposals(ctx, ProposalFilter{Status: StatusPending}); len(p) != 2 {
		t.Fatalf("want both pending, got %d", len(p))
	}
	if got := signAll(t, s, m.ID); got.Status != StatusPublished {
		t.Fatalf("manual status %s", got.Status)
	}
	engine, _ := st.Proposal(ctx, 1)
	if engine.Status != StatusSuperseded {
		t.Fatalf("engine proposal %s, want superseded", engine.Status)
	}
	// The data still say yellow, but a downgrade is prudent (降级审慎): it
	// waits for a decision time, observed improvement and 24 h at the
	// level, so the engine proposes nothing now.
	s.EvaluateRegion(ctx, "jianghua", now0)
	p, _ := st.Proposals(ctx, ProposalFilter{Status: StatusPending})
	if len(p) != 0 {
		t.Fatalf("pending after publication: %+v", p)
	}
}

// Every row of the transition table, carried out by the service: the
// region is put in the row's state (nothing; orange in force; orange
// paused), an approved proposal of the row's action and target level is
// published, and what happened is checked: the transition published and
// the state it left, or a refusal recorded in the audit log with nothing
// published. The chain each allowed row needs is the plan's (checked
// through NewApproval).
func TestTransitionTableEveryRow(t *testing.T) {
	p := jianghua(t)
	orange, red, yellow := mustLevel(t, p, "orange"), mustLevel(t, p, "red"), mustLevel(t, p, "yellow")
	for _, tc := range []struct {
		name   string
		from   alert.State
		action alert.Action
		to     alert.Level
		kind   string // "" = refused
		after  alert.State
		chain  string // the plan's chain that approves it
	}{
		// Nothing in force: the engine issues orange.
		{"none/issue", alert.StateNone, alert.ActionIssue, orange, alert.KindIssue, alert.StateActive, "orange-red"},
		// Nothing in force: the city's prompt issues red.
		{"none/upstream", alert.StateNone, alert.ActionUpstream, red, alert.KindIssue, alert.StateActive, "orange-red"},
		// Nothing in force: duty staff issue yellow after a consultation.
		{"none/manual issue", alert.StateNone, alert.ActionManual, yellow, alert.KindIssue, alert.StateActive, "yellow"},
		// Nothing in force: a manual lift (the nil-warning crash) is refused.
		{"none/manual lift", alert.StateNone, alert.ActionManual, alert.LevelNone, "", alert.StateNone, ""},
		// Nothing in force: the health notice goes out, nothing opens.
		{"none/health notice", alert.StateNone, alert.ActionHealthNotice, alert.LevelNone, alert.KindHealthNotice, alert.StateNone, "health-notice"},
		// Nothing in force: no upgrade, downgrade, lift, extension, pause or resume.
		{"none/upgrade", alert.StateNone, alert.ActionUpgrade, red, "", alert.StateNone, ""},
		{"none/downgrade", alert.StateNone, alert.ActionDowngrade, yellow, "", alert.StateNone, ""},
		{"none/lift", alert.StateNone, alert.ActionLift, alert.LevelNone, "", alert.StateNone, ""},
		{"none/extend", alert.StateNone, alert.ActionExtend, orange, "", alert.StateNone, ""},
		{"none/pause", alert.StateNone, alert.ActionPause, orange, "", alert.StateNone, ""},
		{"none/resume", alert.StateNone, alert.ActionResume, orange, "", alert.StateNone, ""},

		// Orange in force: upgrade to red.
		{"active/upgrade", alert.StateActive, alert.ActionUpgrade, red, alert.KindUpgrade, alert.StateActive, "orange-red"},
		// Orange in force: an "upgrade" to yellow is refused.
		{"active/upgrade down", alert.StateActive, alert.ActionUpgrade, yellow, "", alert.StateActive, ""},
		// Orange in force: downgrade to yellow.
		{"active/downgrade", alert.StateActive, alert.ActionDowngrade, yellow, alert.KindDowngrade, alert.StateActive, "yellow"},
		// Orange in force: a "downgrade" to orange is refused.
		{"active/downgrade same", alert.StateActive, alert.ActionDowngrade, orange, "", alert.StateActive, ""},
		// Orange in force: the city's prompt raises it to red.
		{"active/upstream up", alert.StateActive, alert.ActionUpstream, red, alert.KindUpgrade, alert.StateActive, "orange-red"},
		// Orange in force: manual change to yellow.
		{"active/manual down", alert.StateActive, alert.ActionManual, yellow, alert.KindDowngrade, alert.StateActive, "yellow"},
		// Orange in force: manual lift.
		{"active/manual lift", alert.StateActive, alert.ActionManual, alert.LevelNone, alert.KindLift, alert.StateNone, "lift"},
		// Orange in force: manual "orange → orange" (published as a downgrade before) is refused.
		{"active/manual same", alert.StateActive, alert.ActionManual, orange, "", alert.StateActive, ""},
		// Orange in force: lift.
		{"active/lift", alert.StateActive, alert.ActionLift, alert.LevelNone, alert.KindLift, alert.StateNone, "lift"},
		// Orange in force: extension at the same level.
		{"active/extend", alert.StateActive, alert.ActionExtend, orange, alert.KindExtend, alert.StateActive, "extend"},
		// Orange in force: pause (the lift chain).
		{"active/pause", alert.StateActive, alert.ActionPause, orange, alert.KindPause, alert.StatePaused, "lift"},
		// Orange in force: a second issue, a resume, a health notice are refused.
		{"active/issue", alert.StateActive, alert.ActionIssue, red, "", alert.StateActive, ""},
		{"active/resume", alert.StateActive, alert.ActionResume, orange, "", alert.StateActive, ""},
		{"active/health notice", alert.StateActive, alert.ActionHealthNotice, alert.LevelNone, "", alert.StateActive, ""},

		// Orange paused: resume at red (the new episode is worse).
		{"paused/resume", alert.StatePaused, alert.ActionResume, red, alert.KindResume, alert.StateActive, "orange-red"},
		// Orange paused: the city's prompt resumes it at orange.
		{"paused/upstream", alert.StatePaused, alert.ActionUpstream, orange, alert.KindResume, alert.StateActive, "orange-red"},
		// Orange paused: duty staff resume it at yellow.
		{"paused/manual", alert.StatePaused, alert.ActionManual, yellow, alert.KindResume, alert.StateActive, "yellow"},
		// Orange paused: duty staff lift it.
		{"paused/manual lift", alert.StatePaused, alert.ActionManual, alert.LevelNone, alert.KindLift, alert.StateNone, "lift"},
		// Orange paused: lift (the veto cleared).
		{"paused/lift", alert.StatePaused, alert.ActionLift, alert.LevelNone, alert.KindLift, alert.StateNone, "lift"},
		// Orange paused: no issue, upgrade, downgrade, extension, second pause, health notice.
		{"paused/issue", alert.StatePaused, alert.ActionIssue, red, "", alert.StatePaused, ""},
		{"paused/upgrade", alert.StatePaused, alert.ActionUpgrade, red, "", alert.StatePaused, ""},
		{"paused/downgrade", alert.StatePaused, alert.ActionDowngrade, yellow, "", alert.StatePaused, ""},
		{"paused/extend", alert.StatePaused, alert.ActionExtend, orange, "", alert.StatePaused, ""},
		{"paused/pause", alert.StatePaused, alert.ActionPause, orange, "", alert.StatePaused, ""},
		{"paused/health notice", alert.StatePaused, alert.ActionHealthNotice, alert.LevelNone, "", alert.StatePaused, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := NewMemStore()
			s := newTestService(t, st, rolling(nil), &clock{t: now0})
			fromID := alert.LevelNoneID
			if tc.from != alert.StateNone {
				fromID = "orange"
				w := &Warning{Region: "jianghua", PlanID: p.ID, LevelID: "orange", Since: now0.Add(-30 * time.Hour),
					Issued: now0.Add(-30 * time.Hour), EpisodeStart: now0.Add(-24 * time.Hour), ExpectedEnd: now0.Add(24 * time.Hour)}
				if tc.from == alert.StatePaused {
					restart := now0.Add(12 * time.Hour)
					w.Paused, w.RestartAt = true, &restart
				}
				if _, _, err := st.Publish(ctx, 0, Transition{Key: "setup", Region: "jianghua", Kind: alert.KindIssue, FromID: alert.LevelNoneID, ToID: "orange", At: w.Issued}, w, AuditEntry{}); err != nil {
					t.Fatal(err)
				}
			}
			pr := alert.Proposal{Action: tc.action, Level: tc.to, LevelID: p.LevelID(tc.to), Region: "jianghua", PlanID: p.ID,
				Start: now0.Add(6 * time.Hour), ExpectedEnd: now0.Add(48 * time.Hour), RestartAt: now0.Add(30 * time.Hour),
				Key: "row:" + tc.name}
			if tc.action == alert.ActionHealthNotice {
				pr.LevelID = p.HealthNotice.ID
			}
			if tc.kind != "" {
				a, err := alert.NewApproval(p, pr)
				if err != nil {
					t.Fatalf("chain: %v", err)
				}
				if a.ChainID != tc.chain {
					t.Errorf("chain %s, want %s", a.ChainID, tc.chain)
				}
			}
			rec, _, err := st.AddProposal(ctx, ProposalRecord{Key: pr.Key, Region: "jianghua", Status: StatusApproved,
				Proposal: pr, FromID: fromID, LevelID: pr.LevelID, Created: now0}, AuditEntry{})
			if err != nil {
				t.Fatal(err)
			}
			before, _ := st.Transitions(ctx, 0, 100)
			if err := s.Recover(ctx); err != nil { // publishes what is approved
				t.Fatalf("publish: %v", err)
			}
			after, _ := st.Transitions(ctx, 0, 100)
			got, _ := st.Proposal(ctx, rec.ID)
			ws, _ := st.ActiveWarnings(ctx)
			var cur *Warning
			if len(ws) > 0 {
				cur = &ws[0]
			}
			if state := StateOf(cur); state != tc.after {
				t.Errorf("state after: %s, want %s", state, tc.after)
			}
			if tc.kind == "" {
				if len(after) != len(before) || got.Status != StatusSuperseded {
					t.Fatalf("refused row published: status %s, %d → %d transitions", got.Status, len(before), len(after))
				}
				audit, _ := st.Audit(ctx, 0, 100)
				last := audit[len(audit)-1]
				if last.Action != "refuse" || !strings.Contains(last.Comment, " / ") {
					t.Errorf("refusal not audited with its reason (en / zh): %+v", last)
				}
				return
			}
			if len(after) != len(before)+1 || got.Status != StatusPublished {
				t.Fatalf("status %s, %d → %d transitions", got.Status, len(before), len(after))
			}
			if k := after[len(after)-1].Kind; k != tc.kind {
				t.Errorf("published %s, want %s", k, tc.kind)
			}
			if tc.kind == alert.KindPause && (cur == nil || cur.RestartAt == nil || !cur.RestartAt.Equal(pr.RestartAt)) {
				t.Errorf("pause without its planned restart: %+v", cur)
			}
			if tc.kind == alert.KindExtend && !cur.ExpectedEnd.Equal(pr.ExpectedEnd) {
				t.Errorf("extension: expected end %v, want %v", cur.ExpectedEnd, pr.ExpectedEnd)
			}
		})
	}
}

// Duty staff extend or pause by hand through the same table: an extension
// of the orange in force goes to the extend chain with its new end; a pause
// with nothing in force is refused with the table's reason; a pause without
// its restart time is refused before the table is asked.
func TestManualExtendAndPause(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	s := newTestService(t, st, rolling(nil), &clock{t: now0})
	_, err := s.ProposeManual(ctx, "jianghua", alert.ManualRequest{Action: alert.ActionPause, Start: now0, End: now0.Add(24 * time.Hour), By: "duty", Reason: "会商"}, "duty_officer")
	if alert.ErrorCode(err) != alert.CodeTransitionInvalid || !strings.Contains(err.Error(), "pause") {
		t.Fatalf("pause with nothing in force: %v", err)
	}
	w := &Warning{Region: "jianghua", PlanID: s.Plan.ID, LevelID: "orange", Since: now0.Add(-30 * time.Hour),
		Issued: now0.Add(-30 * time.Hour), EpisodeStart: now0.Add(-24 * time.Hour), ExpectedEnd: now0.Add(24 * time.Hour)}
	if _, _, err := st.Publish(ctx, 0, Transition{Key: "setup", Region: "jianghua", Kind: alert.KindIssue, FromID: alert.LevelNoneID, ToID: "orange"}, w, AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ProposeManual(ctx, "jianghua", alert.ManualRequest{Action: alert.ActionPause, By: "duty", Reason: "会商"}, "duty_officer"); alert.ErrorCode(err) != alert.CodeProposalIncomplete {
		t.Fatalf("pause without a restart: %v", err)
	}
	end := now0.Add(60 * time.Hour)
	rec, err := s.ProposeManual(ctx, "jianghua", alert.ManualRequest{Action: alert.ActionExtend, Start: now0, End: end, By: "duty", Reason: "会商：过程延长"}, "duty_officer")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Proposal.Action != alert.ActionExtend || rec.LevelID != "orange" || rec.Approval.ChainID != "extend" || !rec.Proposal.ExpectedEnd.Equal(end) {
		t.Errorf("extension proposed as %s %s (chain %s, end %v)", rec.Proposal.Action, rec.LevelID, rec.Approval.ChainID, rec.Proposal.ExpectedEnd)
	}
}

// Case 36 through the service: a manual lift with nothing in force is
// refused, the error reaches the caller and nothing is stored.
func TestScenario36ThroughTheService(t *testing.T) {
	st := NewMemStore()
	s := newTestService(t, st, rolling(nil), &clock{t: now0})
	_, err := s.ProposeManual(context.Background(), "jianghua", alert.ManualRequest{Level: alert.LevelNone, By: "duty", Reason: "会商"}, "duty_officer")
	if alert.ErrorCode(err) != alert.CodeTransitionInvalid {
		t.Fatalf("err = %v", err)
	}
	if ps, _ := st.Proposals(context.Background(), ProposalFilter{}); len(ps) != 0 {
		t.Fatalf("stored %+v", ps)
	}
}

// Who signs as which role is the lifecycle's rule, not a handler's: a
// person with several roles signs as the one the chain waits for; a role
// they do not carry, or none of the plan's, is refused with its reason.
func TestSignAsChoosesTheRoleTheChainWaitsFor(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	s := newTestService(t, st, rolling(nil), &clock{t: now0})
	rec, err := s.ProposeManual(ctx, "jianghua", alert.ManualRequest{Level: mustLevel(t, s.Plan, "yellow"), Start: now0.Add(24 * time.Hour),
		End: now0.Add(72 * time.Hour), By: "duty", Reason: "会商"}, "duty_officer")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		roles []string
		role  string
		code  string // "" = signed
		as    string
	}{
		// A role the token does not carry: refused.
		{"not carried", []string{"meteorology"}, "commander", alert.CodeUnknownRole, ""},
		// No role of the plan at all: refused.
		{"no plan role", []string{"janitor"}, "", alert.CodeUnknownRole, ""},
		// Commander and ecology branch: the consultation comes first, so ecology branch.
		{"two roles", []string{"commander", "ecology_branch"}, "", "", "ecology_branch"},
	} {
		got, err := s.SignAs(ctx, rec.ID, "user-"+tc.name, tc.roles, tc.role, true, "")
		if alert.ErrorCode(err) != tc.code {
			t.Errorf("%s: err %v, want code %q", tc.name, err, tc.code)
			continue
		}
		if tc.as != "" {
			sigs := got.Approval.Signatures
			if len(sigs) == 0 || sigs[len(sigs)-1].Role != tc.as {
				t.Errorf("%s: signed as %+v, want %s", tc.name, sigs, tc.as)
			}
		}
	}
}
