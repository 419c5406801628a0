package api

import (
	"encoding/json"
	"net/http"
	"testing"
)

// GET /api/v1/plan is the contract the console's forms and outside readers
// rely on: pin it for the county plan in a golden file, and check what the
// forms need from it.
func TestPlanGolden(t *testing.T) {
	d, _ := unitDeps(t)
	w := get(t, NewHandler(d), "/api/v1/plan")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	checkGolden(t, "testdata/plan.golden.json", w.Body.Bytes())

	var v planView
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	var warned []string
	for _, r := range v.Regions {
		if r.Warned {
			warned = append(warned, r.ID)
		}
	}
	if len(warned) != 1 || warned[0] != "jianghua" {
		t.Errorf("warning regions %v, want the county only (towns are not warning areas)", warned)
	}
	if len(v.Levels) != 3 || v.Levels[0].ID != "yellow" || v.Levels[2].ID != "red" {
		t.Fatalf("levels %+v", v.Levels)
	}
	if got := v.Levels[0].When; len(got) != 2 || got[0] != "AQI>200 for ≥24h" {
		t.Errorf("yellow is triggered when %q, want the plan's 24 h above 200 first", got)
	}
}

func TestPlanWithoutEngineIsUnavailable(t *testing.T) {
	w := get(t, NewHandler(testDeps()), "/api/v1/plan")
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503 without the warning engine", w.Code)
	}
}
