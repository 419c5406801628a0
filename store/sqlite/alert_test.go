package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

var cst = time.FixedZone("CST", 8*3600)

var now0 = time.Date(2026, 12, 1, 0, 0, 0, 0, cst)

func jianghua(t *testing.T) *alert.Plan {
	t.Helper()
	p, err := alert.LoadPlan(filepath.Join("..", "..", "configs", "plans", "jianghua-2024.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p.Regions = p.Regions[:1]
	return p
}

// cleanAir is observed rolling windows of AQI 50 for the six days before now0.
type cleanAir struct{}

func (cleanAir) Observed(_ context.Context, _ string, from, to time.Time) ([]alert.Window, error) {
	var out []alert.Window
	for end := from.Truncate(time.Hour).Add(time.Hour); !end.After(to); end = end.Add(time.Hour) {
		out = append(out, alert.Window{Start: end.Add(-24 * time.Hour), End: end, AQI: 50, Source: alert.SourceObserved})
	}
	return out, nil
}

// failPublish is the store of a service that dies after the last signature
// is saved and before the transition is recorded.
type failPublish struct{ *sqlite.DB }

func (failPublish) Publish(context.Context, int64, lifecycle.Transition, *lifecycle.Warning, lifecycle.AuditEntry) (lifecycle.Transition, bool, error) {
	return lifecycle.Transition{}, false, errors.New("killed")
}

func service(p *alert.Plan, st lifecycle.Store, fs lifecycle.ForecastStore) *lifecycle.Service {
	return &lifecycle.Service{Plan: p, Store: st, Forecasts: fs, Observations: cleanAir{}, Now: func() time.Time { return now0 }}
}

func forecast(t *testing.T, db *sqlite.DB, aqi ...int) {
	t.Helper()
	f := alert.Forecast{Region: "jianghua", Source: "centre", IssuedAt: now0.Add(-time.Hour)}
	for i, a := range aqi {
		f.Daily = append(f.Daily, alert.DailyForecast{Date: now0.AddDate(0, 0, i).Format(time.DateOnly), AQI: a})
	}
	if _, err := db.AddForecast(context.Background(), f); err != nil {
		t.Fatal(err)
	}
}

// Scenario 23 and the restart cases: the service stops between proposal
// and approval, and between approval and publication; after each restart
// nothing is proposed or published twice and nothing is lost.
func TestAlertLifecycleSurvivesRestarts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := jianghua(t)

	db := open(t, dir)
	forecast(t, db, 100, 210, 100)
	s := service(p, db, db)
	if _, err := s.EvaluateRegion(ctx, "jianghua", now0); err != nil {
		t.Fatal(err)
	}
	db.Close() // killed between proposal and approval

	db = open(t, dir)
	s = service(p, db, db)
	if err := s.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EvaluateRegion(ctx, "jianghua", now0); err != nil { // scenario 23: the same situation again
		t.Fatal(err)
	}
	ps, err := db.Proposals(ctx, lifecycle.ProposalFilter{})
	if err != nil || len(ps) != 1 || ps[0].Status != lifecycle.StatusPending {
		t.Fatalf("after restart: %+v %v", ps, err)
	}
	id := ps[0].ID
	if _, err := s.Sign(ctx, id, "ecology_branch", "wang", true, "agree"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sign(ctx, id, "meteorology", "zhao", true, ""); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// The commander's signature is saved, then the service dies before publishing.
	db = open(t, dir)
	s = service(p, failPublish{db}, db)
	if _, err := s.Sign(ctx, id, "commander", "zhang", true, "approved"); err == nil {
		t.Fatal("publish did not fail")
	}
	db.Close()

	db = open(t, dir)
	defer db.Close()
	rec, err := db.Proposal(ctx, id)
	if err != nil || rec.Status != lifecycle.StatusApproved || len(rec.Approval.Signatures) != 3 {
		t.Fatalf("the approval was lost: %+v %v", rec, err)
	}
	s = service(p, db, db)
	for range 2 { // recovering twice publishes once
		if err := s.Recover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.EvaluateRegion(ctx, "jianghua", now0); err != nil {
		t.Fatal(err)
	}
	tr, err := db.Transitions(ctx, 0, 0)
	if err != nil || len(tr) != 1 || tr[0].Kind != alert.KindIssue || tr[0].ToID != "yellow" {
		t.Fatalf("transitions %+v %v", tr, err)
	}
	act, _ := db.ActiveWarnings(ctx)
	if len(act) != 1 || act[0].ID != tr[0].WarningID {
		t.Fatalf("active %+v", act)
	}
	w, err := db.Warning(ctx, act[0].ID)
	if err != nil || len(w.Transitions) != 1 {
		t.Fatalf("warning %+v %v", w, err)
	}
	if ps, _ := db.Proposals(ctx, lifecycle.ProposalFilter{}); len(ps) != 1 || ps[0].Status != lifecycle.StatusPublished {
		t.Fatalf("proposals %+v", ps)
	}
	audit, err := db.Audit(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range audit {
		actions = append(actions, a.Action)
	}
	want := []string{"propose", "approve", "approve", "approve", "publish"}
	if len(actions) != len(want) {
		t.Fatalf("audit %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("audit %v, want %v", actions, want)
		}
	}
}

func TestAuditIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	db := open(t, t.TempDir())
	defer db.Close()
	if err := db.AppendAudit(ctx, lifecycle.AuditEntry{At: now0, Actor: "a", Action: "x", Subject: "y"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `UPDATE alert_audit SET actor = 'b'`); err == nil {
		t.Fatal("update allowed")
	}
	if _, err := db.SQL().ExecContext(ctx, `DELETE FROM alert_audit`); err == nil {
		t.Fatal("delete allowed")
	}
}

func TestForecastsAndPrompts(t *testing.T) {
	ctx := context.Background()
	db := open(t, t.TempDir())
	defer db.Close()
	forecast(t, db, 100, 200)
	fs, err := db.Forecasts(ctx, "jianghua", now0.Add(-24*time.Hour), now0)
	if err != nil || len(fs) != 1 || fs[0].ID != 1 || len(fs[0].Daily) != 2 {
		t.Fatalf("%+v %v", fs, err)
	}
	u := alert.UpstreamPrompt{ID: "p1", Level: 1, Start: now0, End: now0.Add(48 * time.Hour)}
	for range 2 {
		if _, err := db.AddPrompt(ctx, u, lifecycle.AuditEntry{At: now0, Actor: "a", Action: "upstream_prompt", Subject: "p1"}); err != nil {
			t.Fatal(err)
		}
	}
	if ps, _ := db.Prompts(ctx, now0.Add(47*time.Hour)); len(ps) != 1 {
		t.Fatalf("prompts %+v", ps)
	}
	if ps, _ := db.Prompts(ctx, now0.Add(48*time.Hour)); len(ps) != 0 {
		t.Fatalf("prompt over but listed: %+v", ps)
	}
}

// signAll signs every step of a proposal, one user per role, with a
// service that dies right after the last signature is saved (before the
// transition is recorded): it reports that the last signature failed.
func signAllThenDie(t *testing.T, p *alert.Plan, db *sqlite.DB, id int64) {
	t.Helper()
	ctx := context.Background()
	s := service(p, failPublish{db}, db)
	for range 10 {
		rec, err := db.Proposal(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Status != lifecycle.StatusPending {
			t.Fatalf("proposal %d is %s before its last signature failed", id, rec.Status)
		}
		roles := rec.Approval.NextRoles()
		if len(roles) == 0 {
			t.Fatalf("proposal %d: pending with nobody to sign", id)
		}
		role := roles[0]
		if _, err := s.Sign(ctx, id, role, "u-"+role, true, ""); err != nil {
			if got, _ := db.Proposal(ctx, id); got.Status != lifecycle.StatusApproved {
				t.Fatalf("sign %s: %v (status %s)", role, err, got.Status)
			}
			return // killed between signature and publication
		}
	}
	t.Fatalf("proposal %d: the chain never completed", id)
}

// A pause, an extension and a resume, each killed between its last
// signature and its publication: after the restart each is published
// exactly once (recovering twice), and a paused warning survives a
// restart paused, with its planned restart.
func TestPauseExtendResumeSurviveRestarts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := jianghua(t)
	orange, _ := p.LevelByID("orange")
	db := open(t, dir)
	s := service(p, db, db)
	issue, err := s.ProposeManual(ctx, "jianghua", alert.ManualRequest{Level: orange, Start: now0, End: now0.Add(48 * time.Hour),
		Reason: "会商：重污染过程", By: "duty"}, "duty_officer")
	if err != nil {
		t.Fatal(err)
	}
	signAllThenDie(t, p, db, issue.ID)
	db.Close()

	steps := []struct {
		req  alert.ManualRequest
		kind string
	}{
		{alert.ManualRequest{Action: alert.ActionExtend, Start: now0, End: now0.Add(72 * time.Hour), Reason: "过程延长"}, alert.KindExtend},
		{alert.ManualRequest{Action: alert.ActionPause, Start: now0, End: now0.Add(60 * time.Hour), Reason: "间歇"}, alert.KindPause},
		{alert.ManualRequest{Action: alert.ActionResume, Level: orange, Start: now0, End: now0.Add(96 * time.Hour), Reason: "再次污染"}, alert.KindResume},
	}
	want := []string{alert.KindIssue}
	for _, st := range steps {
		db = open(t, dir)
		s = service(p, db, db)
		for range 2 { // recovering twice publishes once
			if err := s.Recover(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if st.kind == alert.KindResume {
			// The pause survived the restart, paused, with its restart time.
			act, _ := db.ActiveWarnings(ctx)
			if len(act) != 1 || !act[0].Paused || act[0].RestartAt == nil || !act[0].RestartAt.Equal(now0.Add(60*time.Hour)) {
				t.Fatalf("after a restart the paused warning is %+v", act)
			}
		}
		st.req.By = "duty"
		rec, err := s.ProposeManual(ctx, "jianghua", st.req, "duty_officer")
		if err != nil {
			t.Fatalf("%s: %v", st.kind, err)
		}
		signAllThenDie(t, p, db, rec.ID)
		db.Close()
		want = append(want, st.kind)
	}
	db = open(t, dir)
	defer db.Close()
	s = service(p, db, db)
	for range 2 {
		if err := s.Recover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := db.Transitions(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, x := range tr {
		kinds = append(kinds, x.Kind)
	}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Fatalf("transitions %v, want each once: %v", kinds, want)
	}
	act, _ := db.ActiveWarnings(ctx)
	if len(act) != 1 || act[0].Paused || act[0].LevelID != "orange" || !act[0].ExpectedEnd.Equal(now0.Add(96*time.Hour)) {
		t.Fatalf("after the resume: %+v", act)
	}
}
