package api

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/configs"
)

// A lift is effective at its announced hour: published at 13:10 for
// 16:00, the warning is still listed as in force (lifting, with its public
// measures and the hour) until then, and gone after. A paused warning says
// until when.
func TestActiveWarningsLiftingAndPaused(t *testing.T) {
	ctx := context.Background()
	b, err := configs.Plans.ReadFile("plans/jianghua-2024.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := alert.ParsePlan(b)
	if err != nil {
		t.Fatal(err)
	}
	mem := lifecycle.NewMemStore()
	now := hourEnd.Add(10 * time.Minute) // 13:10 China time
	lifted, eff := now.Add(-time.Minute), hourEnd.Add(3*time.Hour)
	w := &lifecycle.Warning{Region: "jianghua", PlanID: plan.ID, LevelID: "orange", Since: now.Add(-48 * time.Hour),
		Issued: now.Add(-48 * time.Hour), EffectiveStart: now.Add(-42 * time.Hour), Lifted: &lifted, LiftEffective: &eff}
	if _, _, err := mem.Publish(ctx, 0, lifecycle.Transition{Key: "t1", Region: "jianghua", Kind: alert.KindLift, At: lifted}, w, lifecycle.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	restart := now.Add(30 * time.Hour)
	p := &lifecycle.Warning{Region: "tuojiang", PlanID: plan.ID, LevelID: "yellow", Since: now.Add(-5 * time.Hour), Issued: now.Add(-5 * time.Hour),
		Paused: true, RestartAt: &restart}
	if _, _, err := mem.Publish(ctx, 0, lifecycle.Transition{Key: "t2", Region: "tuojiang", Kind: alert.KindPause, At: now}, p, lifecycle.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	clock := now
	d := testDeps()
	d.Alert = &AlertDeps{Service: &lifecycle.Service{Plan: plan, Store: mem, Now: func() time.Time { return clock }}}
	h := NewHandler(d)
	type view struct {
		Region         string           `json:"region"`
		Lifting        bool             `json:"lifting"`
		LiftEffective  *time.Time       `json:"lift_effective"`
		EffectiveStart time.Time        `json:"effective_start"`
		Paused         bool             `json:"paused"`
		RestartAt      *time.Time       `json:"restart_at"`
		Measures       []map[string]any `json:"public_measures"`
	}
	list := func() map[string]view {
		w := get(t, h, "/api/v1/warnings/active")
		if w.Code != http.StatusOK {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		var body struct{ Warnings []view }
		json.Unmarshal(w.Body.Bytes(), &body)
		out := map[string]view{}
		for _, v := range body.Warnings {
			out[v.Region] = v
		}
		return out
	}
	got := list()
	if v, ok := got["jianghua"]; !ok || !v.Lifting || v.LiftEffective == nil || !v.LiftEffective.Equal(eff) || len(v.Measures) == 0 || v.EffectiveStart.IsZero() {
		t.Errorf("before the lift takes effect: %+v (present %v), want lifting at %v with its measures", v, ok, eff)
	}
	if v := got["tuojiang"]; !v.Paused || v.RestartAt == nil || !v.RestartAt.Equal(restart) {
		t.Errorf("paused warning: %+v", v)
	}
	clock = eff
	if v, ok := list()["jianghua"]; ok {
		t.Errorf("after the lift took effect it is still listed: %+v", v)
	}
}
