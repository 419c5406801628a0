package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/broker"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/compliance/inspect"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/internal/testenv"
)

// fakeEngine stands in for the compliance engine at the app's seam
// (App.events): its findings at any now, and when it was asked.
type fakeEngine struct {
	mu     sync.Mutex
	events []compliance.Event
	asked  int
}

func (f *fakeEngine) Events(context.Context, time.Time) ([]compliance.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked++
	return f.events, nil
}

// The service's inspection job asks the engine for its findings on its
// schedule and keeps them: an inspection task for cem-b's supervising
// unit, which the unit's own token then sees through the API; asked
// again, nothing is made twice.
func TestAppInspectionJob(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := filepath.Join(t.TempDir(), "store")
	text := fmt.Sprintf(testConfig, broker.HashPassword("station-secret"), store) + `reduction_list: embedded:reduction/jianghua-2026.yaml
inspection: {every: 50ms}
auth:
  tokens:
    - {user: insp, roles: ["unit:industry_it"], sha256: ` + api.HashToken("test-industry-token") + `}
`
	cfg, err := configs.Parse([]byte(text), func(k string) string {
		return map[string]string{"AQWARN_NOTICE_KEY": "test-notice-key-0123456789"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(ctx, cfg, Options{Stdout: &syncBuffer{}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	start := time.Date(2026, 12, 2, 22, 0, 0, 0, api.CST)
	ev := compliance.Event{ID: compliance.EventID(compliance.RuleStopNotExecuted, "cem-b", "kiln1", start), Rule: compliance.RuleStopNotExecuted,
		Enterprise: "cem-b", Unit: "kiln1", Warning: "1", Level: "orange", Start: start, End: start.Add(2 * time.Hour), Severity: compliance.SeverityCritical}
	engine := &fakeEngine{events: []compliance.Event{ev}}
	a.events = engine
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var ins []inspect.Inspection
	testenv.Eventually(t, "an inspection task from the engine's event", 20*time.Second, func() bool {
		ins, err = a.db.Inspections(ctx, inspect.InspectionFilter{})
		return err == nil && len(ins) == 1
	})
	if ins[0].Enterprise != "cem-b" || ins[0].Unit != "industry_it" || ins[0].Checklist != "industrial" {
		t.Errorf("the task: %+v", ins[0])
	}
	// Asked again (the job keeps running): still one task, one event.
	testenv.Eventually(t, "the engine asked three times", 20*time.Second, func() bool {
		engine.mu.Lock()
		defer engine.mu.Unlock()
		return engine.asked >= 3
	})
	if ins, _ := a.db.Inspections(ctx, inspect.InspectionFilter{}); len(ins) != 1 {
		t.Errorf("%d inspections after more polls", len(ins))
	}
	req, _ := http.NewRequest(http.MethodGet, a.URL()+"/api/v1/inspections", nil)
	req.Header.Set("Authorization", "Bearer test-industry-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Inspections []struct {
			Enterprise string `json:"enterprise"`
		} `json:"inspections"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 || len(got.Inspections) != 1 || got.Inspections[0].Enterprise != "cem-b" {
		t.Errorf("the unit's tasks through the API: %d %+v %v", resp.StatusCode, got, err)
	}
}
