package alert

import (
	"context"
	"github.com/aqwarn/aqwarn/aqi"
	"testing"
	"time"
)

// fixedObservations is a hand-written Observations fake.
type fixedObservations []Window

func (f fixedObservations) Observed(_ context.Context, _ string, from, to time.Time) ([]Window, error) {
	var out []Window
	for _, w := range f {
		if w.End.After(from) && !w.End.After(to) {
			out = append(out, w)
		}
	}
	return out, nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newTestService(t *testing.T, st *MemStore, obs []Window, c *clock) *Service {
	t.Helper()
	p := jianghua(t)
	p.Regions = p.Regions[:1] // the county only
	return &Service{Plan: p, Store: st, Observations: fixedObservations(obs), Forecasts: st, Now: c.now}
}

func addDaily(t *testing.T, st *MemStore, issued time.Time, aqi ...int) {
	t.Helper()
	f := Forecast{Region: "jianghua", Source: "centre", IssuedAt: issued}
	for i, a := range aqi {
		f.Daily = append(f.Daily, DailyForecast{Date: now0.AddDate(0, 0, i).Format(time.DateOnly), AQI: a})
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
	if ev.Proposal == nil || ev.Proposal.Action != ActionIssue {
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
	if _, err := s.Sign(ctx, id, "commander", "zhang", true, ""); ErrorCode(err) != CodeOutOfOrder {
		t.Fatalf("want %s, got %v", CodeOutOfOrder, err)
	}
	rec := signAll(t, s, id)
	if rec.Status != StatusPublished {
		t.Fatalf("status %s, want published", rec.Status)
	}
	// Signing a published proposal is refused.
	if _, err := s.Sign(ctx, id, "commander", "li", true, ""); ErrorCode(err) != CodeApprovalClosed {
		t.Fatalf("want %s, got %v", CodeApprovalClosed, err)
	}
	act, _ := st.ActiveWarnings(ctx)
	if len(act) != 1 || act[0].LevelID != "yellow" || !act[0].EpisodeStart.Equal(dec(2, 0)) {
		t.Fatalf("active %+v", act)
	}
	tr, _ := st.Transitions(ctx, 0, 0)
	if len(tr) != 1 || tr[0].Kind != KindIssue {
		t.Fatalf("transitions %+v", tr)
	}

	// Dec 3 10:00, a decision time: the episode is over, clean forecast for 3 days: lift.
	c.t = dec(3, 10)
	addDaily(t, st, dec(3, 7), 100, 100, 100, 60, 60, 60)
	ev, err = s.EvaluateRegion(ctx, "jianghua", c.t)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Proposal == nil || ev.Proposal.Action != ActionLift {
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
	if err != nil || w.Lifted == nil || len(w.Transitions) != 2 || w.Transitions[1].Kind != KindLift {
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
	if _, err := s.Sign(ctx, 1, "ecology_branch", "wang", false, ""); ErrorCode(err) != CodeReasonRequired {
		t.Fatalf("want %s, got %v", CodeReasonRequired, err)
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
	if ev.Proposal == nil || ev.Proposal.Action != ActionLift {
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
	if _, err := s.ProposeManual(ctx, "jianghua", ManualRequest{Level: 1, By: "duty"}, "duty_officer"); ErrorCode(err) != CodeReasonRequired {
		t.Fatalf("want %s, got %v", CodeReasonRequired, err)
	}
	rec, err := s.ProposeManual(ctx, "jianghua", ManualRequest{Level: 1, End: dec(2, 0), By: "duty", Reason: "会商"}, "duty_officer")
	if err != nil || rec.Proposal.Action != ActionManual || rec.Approval.ChainID != "yellow" {
		t.Fatalf("%+v %v", rec, err)
	}
	if _, err := s.ProposeManual(ctx, "nowhere", ManualRequest{Level: 1, By: "duty", Reason: "x"}, "duty_officer"); ErrorCode(err) != CodeUnknownRegion {
		t.Fatalf("want %s, got %v", CodeUnknownRegion, err)
	}
}

// An upstream prompt is evaluated at once.
func TestServiceUpstreamPrompt(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	c := &clock{t: now0}
	s := newTestService(t, st, rolling(nil), c)
	addDaily(t, st, now0.Add(-time.Hour), 100, 100, 100)
	err := s.AddPrompt(ctx, UpstreamPrompt{ID: "city-1", Level: 2, Start: dec(2, 0), End: dec(4, 0), Reference: "永环委〔2026〕1号"}, "duty", "duty_officer")
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := st.Proposals(ctx, ProposalFilter{})
	if len(ps) != 1 || ps[0].Proposal.Action != ActionUpstream || ps[0].LevelID != "orange" {
		t.Fatalf("proposals %+v", ps)
	}
}

func TestMergeForecastsNewestWins(t *testing.T) {
	old := Forecast{ID: 1, Source: "a", IssuedAt: now0.Add(-2 * time.Hour), Daily: []DailyForecast{
		{Date: "2026-12-01", AQI: 100}, {Date: "2026-12-02", AQI: 210}, {Date: "2026-12-03", AQI: 220}}}
	newer := Forecast{ID: 2, Source: "b", IssuedAt: now0.Add(-time.Hour), Daily: []DailyForecast{
		{Date: "2026-12-02", AQI: 120}}}
	m := MergeForecasts([]Forecast{old, newer})
	ws, end := m.Daily, m.End
	if !end.Equal(dec(4, 0)) {
		t.Fatalf("end %v", end)
	}
	want := []struct {
		src string
		aqi int
	}{{"a", 100}, {"b", 120}, {"a", 220}}
	if len(ws) != len(want) {
		t.Fatalf("windows %+v", ws)
	}
	for i, w := range want {
		if ws[i].ForecastSource != w.src || ws[i].AQI != w.aqi {
			t.Errorf("window %d: %+v, want %+v", i, ws[i], w)
		}
	}
}

// An hourly forecast is not made into windows of its own: its hours
// continue the observed hours in the blended series, so the window ending
// 24 h after now is all forecast and the ones before it straddle now.
func TestHourlyForecastBlends(t *testing.T) {
	p := jianghua(t)
	pm := 160.0 // PM2.5 160 µg/m³ → IAQI 210
	clean := 35.0
	f := Forecast{Source: "model"}
	for h := 1; h <= 30; h++ {
		f.Hourly = append(f.Hourly, HourlyForecast{Time: now0.Add(time.Duration(h) * time.Hour), PM25: &pm})
	}
	if ws, _ := f.Windows(); len(ws) != 0 {
		t.Fatalf("hourly forecast made daily windows: %+v", ws)
	}
	var obs []SeriesHour
	for h := -30; h <= 0; h++ {
		v := aqi.MissingHour()
		v[aqi.PM25] = clean
		obs = append(obs, SeriesHour{Time: now0.Add(time.Duration(h) * time.Hour), Values: v})
	}
	m := MergeForecasts([]Forecast{f})
	b := p.blend(now0, obs, m.Hours, m.Source)
	// Windows end after now only. The one ending now + 24 h holds 24
	// forecast hours (160 → AQI 210); those before it straddle now and
	// rise with the share of forecast hours (under HJ 633—2026 an AQI ≤ 100
	// from PM2.5 alone is NA, so the first few are left out).
	var last *Window
	for i, w := range b.windows {
		if !w.End.After(now0) || w.Source != SourceForecast || w.ForecastSource != "model" {
			t.Fatalf("window %+v", w)
		}
		if i > 0 && w.End.Before(now0.Add(24*time.Hour)) && w.AQI <= b.windows[i-1].AQI {
			t.Fatalf("straddling windows do not rise: %+v then %+v", b.windows[i-1], w)
		}
		if w.End.Equal(now0.Add(24 * time.Hour)) {
			last = &b.windows[i]
		}
	}
	if last == nil || last.AQI != 210 {
		t.Fatalf("window ending now + 24 h: %+v", last)
	}
	if n := len(b.conc); n == 0 || b.conc[n-1].Values[QuantityPM2_5_24h] != 160 {
		t.Fatalf("conc %+v", b.conc)
	}
}

// Verification pairs each source's forecast issued before a day with the
// observed window of that natural day.
func TestVerification(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	c := &clock{t: dec(4, 12)}
	// Observed: the window of Dec 1 (ending Dec 2 00:00) is 180, of Dec 2 is 250.
	obs := []Window{
		{Start: dec(1, 0), End: dec(2, 0), AQI: 180, Source: SourceObserved},
		{Start: dec(1, 1), End: dec(2, 1), AQI: 185, Source: SourceObserved},
		{Start: dec(2, 0), End: dec(3, 0), AQI: 250, Source: SourceObserved},
	}
	s := newTestService(t, st, obs, c)
	addDaily(t, st, now0.Add(-2*time.Hour), 150, 150) // older centre issue
	addDaily(t, st, now0.Add(-time.Hour), 170, 230)   // newest before Dec 1 wins
	st.AddForecast(ctx, Forecast{Region: "jianghua", Source: "late", IssuedAt: dec(1, 6),
		Daily: []DailyForecast{{Date: "2026-12-01", AQI: 999}, {Date: "2026-12-02", AQI: 260}}})
	rows, scores, err := s.Verification(ctx, dec(1, 0), dec(4, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := []VerificationRow{
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
	active := &ActiveWarning{Level: 1, Since: at10.Add(-time.Hour), EpisodeStart: start}
	ahead := []Window{span(at10, 43, 100), span(start, 24, 210), span(start.Add(24*time.Hour), 24, 100)}
	ev := Evaluate(p, Situation{Now: at10, Region: "r", Observed: rolling(nil), Forecast: ahead, Active: active})
	if ev.Proposal != nil {
		t.Fatalf("episode still ahead, got %+v", ev.Proposal)
	}
	clean := []Window{span(at10, 72, 100)}
	ev = Evaluate(p, Situation{Now: at10, Region: "r", Observed: rolling(nil), Forecast: clean, Active: active})
	if ev.Proposal == nil || ev.Proposal.Action != ActionLift {
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
	m, err := s.ProposeManual(ctx, "jianghua", ManualRequest{Level: 2, End: dec(3, 0), By: "duty", Reason: "会商"}, "duty_officer")
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
