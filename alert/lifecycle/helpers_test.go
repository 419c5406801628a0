package lifecycle

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
)

var cst = time.FixedZone("CST", 8*3600)

// now0 is the common "now" of spec/warning-scenarios.md.
var now0 = time.Date(2026, 12, 1, 0, 0, 0, 0, cst)

// dec returns December d, 2026 at hour h, +08:00 (Nov 30 is dec(0, h)).
func dec(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, cst) }

func loadPlan(t testing.TB, name string) *alert.Plan {
	t.Helper()
	p, err := alert.LoadPlan(filepath.Join("..", "..", "configs", "plans", name))
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return p
}

func jianghua(t testing.TB) *alert.Plan { return loadPlan(t, "jianghua-2024.yaml") }

// daily returns forecast days D0, D1, ... starting Dec 1.
func daily(aqi ...int) []alert.Window {
	ws := make([]alert.Window, len(aqi))
	for i, a := range aqi {
		ws[i] = alert.Window{Start: now0.AddDate(0, 0, i), End: now0.AddDate(0, 0, i+1), AQI: a,
			Source: alert.SourceForecast, ForecastSource: "test-forecast"}
	}
	return ws
}

// rolling returns observed rolling windows ending at every hour in
// [now − 6 days, now], with the AQI aqi(end) gives (nil: clean, 50).
func rolling(aqi func(end time.Time) int) []alert.Window {
	var ws []alert.Window
	for end := now0.Add(-6 * 24 * time.Hour); !end.After(now0); end = end.Add(time.Hour) {
		a := 50
		if aqi != nil {
			a = aqi(end)
		}
		ws = append(ws, alert.Window{Start: end.Add(-24 * time.Hour), End: end, AQI: a, Source: alert.SourceObserved})
	}
	return ws
}

// endsIn returns aqi for windows ending in [from, to], else the fallback.
func endsIn(from, to time.Time, aqi, fallback int) func(time.Time) int {
	return func(end time.Time) int {
		if !end.Before(from) && !end.After(to) {
			return aqi
		}
		return fallback
	}
}

// span is one window of any length, for boundary tests.
func span(start time.Time, h int, aqi int) alert.Window {
	return alert.Window{Start: start, End: start.Add(time.Duration(h) * time.Hour), AQI: aqi, Source: alert.SourceForecast}
}

func mustLevel(t testing.TB, p *alert.Plan, id string) alert.Level {
	t.Helper()
	l, ok := p.LevelByID(id)
	if !ok {
		t.Fatalf("plan %s has no level %q", p.ID, id)
	}
	return l
}
