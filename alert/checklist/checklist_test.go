package checklist

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/notify"
)

func plan(t *testing.T) *alert.Plan {
	p, err := alert.LoadPlan(filepath.Join("..", "..", "configs", "plans", "jianghua-2024.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ids(ts []notify.Task) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

func TestChange(t *testing.T) {
	p := plan(t)
	lv := func(id string) alert.Level { l, _ := p.LevelByID(id); return l }
	yellow, orange, red := lv("yellow"), lv("orange"), lv("red")
	tests := []struct {
		name         string
		from, to     alert.Level
		lift         bool
		unit         string
		wantTasks    []string
		wantReleased []string
	}{
		// Issue yellow: education gets its Ⅲ task, nothing is released.
		{"issue yellow", alert.LevelNone, yellow, false, "education", []string{"r3-schools-reduce-outdoor"}, nil},
		// Upgrade to orange: the Ⅱ task is added, Ⅲ stays (cumulative).
		{"upgrade orange", yellow, orange, false, "education",
			[]string{"r3-schools-reduce-outdoor", "r2-schools-stop-outdoor"}, nil},
		// Downgrade red → orange releases suspending classes only.
		{"downgrade red to orange", red, orange, false, "education",
			[]string{"r3-schools-reduce-outdoor", "r2-schools-stop-outdoor"}, []string{"r1-schools-suspend"}},
		// Downgrade orange → yellow releases the Ⅱ restriction of the police.
		{"downgrade police", orange, yellow, false, "public_security",
			[]string{"r3-mobile-sources", "r3-burning-fireworks"}, []string{"r2-no-outdoor-events", "r2-diesel-restrictions"}},
		// Lift closes every task.
		{"lift", orange, alert.LevelNone, true, "education", nil,
			[]string{"r3-schools-reduce-outdoor", "r2-schools-stop-outdoor"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tasks, released := Change(p, tc.from, tc.to, tc.lift)
			if got := ids(tasks[tc.unit]); !slices.Equal(got, tc.wantTasks) {
				t.Errorf("tasks = %v, want %v", got, tc.wantTasks)
			}
			if got := ids(released[tc.unit]); !slices.Equal(got, tc.wantReleased) {
				t.Errorf("released = %v, want %v", got, tc.wantReleased)
			}
		})
	}
	// After a lift no unit has a task left.
	tasks, _ := Change(p, red, alert.LevelNone, true)
	if len(tasks) != 0 {
		t.Errorf("tasks after lift: %v", tasks)
	}
}

func TestPublic(t *testing.T) {
	p := plan(t)
	l, _ := p.LevelByID("yellow")
	zh, en := Public(p, l)
	if len(zh) == 0 || len(zh) != len(en) || len(PublicMeasures(p, l)) != len(zh) {
		t.Fatalf("public advice zh %d en %d", len(zh), len(en))
	}
	for _, m := range PublicMeasures(p, l) {
		if m.ID == "r3-medical-services" {
			t.Error("an internal measure is in the public text")
		}
	}
}
