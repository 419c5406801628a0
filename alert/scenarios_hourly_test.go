package alert

import (
	"math"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// pm25Hours returns PM2.5-only hours ending at every hour in [from, to]
// with the value v(t) gives (other pollutants missing).
func pm25Hours(from, to time.Time, v func(time.Time) float64) []SeriesHour {
	var out []SeriesHour
	for t := from; !t.After(to); t = t.Add(time.Hour) {
		h := aqi.MissingHour()
		h[aqi.PM25] = v(t)
		out = append(out, SeriesHour{Time: t, Values: h})
	}
	return out
}

// observedWindows computes the observed rolling windows ending at each hour
// of hs, as the AQI job stores them.
func observedWindows(hs []SeriesHour) []Window {
	var r aqi.Rolling
	var out []Window
	for _, h := range hs {
		r.Push(h.Values)
		if r.Len() < 24 {
			continue
		}
		if d := r.Daily(aqi.EditionAt(h.Time)); !d.NA {
			out = append(out, Window{Start: h.Time.Add(-24 * time.Hour), End: h.Time, AQI: d.AQI, Source: SourceObserved})
		}
	}
	return out
}

// hourlySituation: observed hours until now, an hourly forecast from now − 6 h.
func hourlySituation(now time.Time, obs, fc func(time.Time) float64, fcUntil time.Time) Situation {
	oh := pm25Hours(now.Add(-7*24*time.Hour), now, obs)
	return Situation{Now: now, Region: "jianghua", Observed: observedWindows(oh), ObservedHours: oh,
		ForecastHours: pm25Hours(now.Add(-5*time.Hour), fcUntil, fc), ForecastHoursSource: "test-hourly"}
}

// Case 24: observed PM2.5 60 until Nov 30 18:00 and 160 since; the hourly
// forecast keeps 160 until Dec 1 18:00, then 60. A window is > 200 when its
// mean is > 150 µg/m³: 22 or more of its hours at 160 (22×160 + 2×60 = 3640
// > 3600). Those windows end Dec 1 16:00 … 20:00 and start before now; they
// count whole: a run > 200 of Nov 30 16:00 → Dec 1 20:00 = 28 h ≥ 24 h →
// yellow at once (urgent), under way since Nov 30 16:00 (effective from the
// standard hour 12:00, short notice). Version 1 cut them at now: 20 h, no
// warning.
func TestScenario24WindowsStraddleNow(t *testing.T) {
	p := jianghua(t)
	obs := func(t time.Time) float64 {
		if t.After(dec(0, 18)) {
			return 160
		}
		return 60
	}
	fc := func(t time.Time) float64 {
		if t.After(dec(0, 18)) && !t.After(dec(1, 18)) {
			return 160
		}
		return 60
	}
	ev := Evaluate(p, hourlySituation(now0, obs, fc, dec(4, 0)))
	pr := ev.Proposal
	if pr == nil || pr.Action != ActionIssue || pr.LevelID != "yellow" || !pr.Urgent || !pr.ShortNotice {
		t.Fatalf("proposal %+v (waiting %+v)", pr, ev.Waiting)
	}
	r, ok := ev.Runs.Containing(200, now0)
	if !ok || !r.Start.Equal(dec(0, 16)) || !r.End.Equal(dec(1, 20)) {
		t.Fatalf("run > 200 = %+v, want Nov 30 16:00 – Dec 1 20:00", r)
	}
	if !pr.Start.Equal(dec(0, 12)) || !pr.ExpectedEnd.Equal(dec(2, 0)) {
		t.Errorf("period %s – %s, want Nov 30 12:00 – Dec 2 00:00", pr.Start, pr.ExpectedEnd)
	}
}

// Case 25: a perfect hourly forecast of 160 µg/m³ for Dec 2 00:00 – Dec 4
// 00:00 in clean air (35): the windows > 200 (≥ 23 hours at 160: 23×160 +
// 35 = 3715 > 3600) make a run of about 49 h → orange. Evaluated hour by hour
// from Nov 28, the issue comes at the first decision time with the episode
// within the 48 h look-ahead, ≥ 24 h ahead (not short notice), and only once.
func TestScenario25IssuedAtADecisionTime(t *testing.T) {
	p := jianghua(t)
	clean := func(time.Time) float64 { return 35 }
	fc := func(t time.Time) float64 {
		if t.After(dec(2, 0)) && !t.After(dec(4, 0)) {
			return 160
		}
		return 35
	}
	var first *Proposal
	var active *ActiveWarning
	for now := nov(28, 0); now.Before(dec(2, 0)); now = now.Add(time.Hour) {
		s := hourlySituation(now, clean, fc, dec(6, 0)) // the forecast covers the whole episode
		s.Active = active
		pr := Evaluate(p, s).Proposal
		if pr == nil {
			continue
		}
		if first != nil {
			t.Fatalf("%s: a second proposal %s %s after the issue", now, pr.Action, pr.LevelID)
		}
		first = pr
		active = apply(active, pr, now)
		if pr.Action != ActionIssue || pr.LevelID != "orange" || pr.Urgent || !p.IsDecisionTime(now) {
			t.Fatalf("%s: %s %s urgent=%v, want a scheduled orange issue", now, pr.Action, pr.LevelID, pr.Urgent)
		}
		if pr.LeadTime < 24*time.Hour || pr.ShortNotice {
			t.Errorf("lead %s short=%v, want ≥ 24 h", pr.LeadTime, pr.ShortNotice)
		}
		if pr.Start.Sub(now) > 48*time.Hour {
			t.Errorf("issued %s ahead, beyond the 48 h look-ahead", pr.Start.Sub(now))
		}
	}
	if first == nil {
		t.Fatal("no proposal")
	}
}

// Case 36: duty staff propose a lift with nothing in force, or a "change" to
// the level in force: refused with a clear error, nothing proposed.
func TestScenario36NonsenseRefused(t *testing.T) {
	p := jianghua(t)
	orange := mustLevel(t, p, "orange")
	for _, tc := range []struct {
		name   string
		active *ActiveWarning
		level  Level
	}{
		// A lift with no warning in force.
		{"lift nothing", nil, LevelNone},
		// Orange "to" orange.
		{"same level", &ActiveWarning{Level: orange, Since: dec(0, 8), EpisodeStart: dec(0, 0)}, orange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := Evaluate(p, Situation{Now: now0, Region: "jianghua", Forecast: daily(100, 100), Active: tc.active,
				Manual: &ManualRequest{ID: "r1", Level: tc.level, Start: now0, Reason: "会商", By: "duty"}})
			if ev.Proposal != nil || ev.Refused == nil || ev.Refused.Code != CodeTransitionInvalid || ev.Refused.MessageZH == "" {
				t.Fatalf("proposal %+v refused %+v", ev.Proposal, ev.Refused)
			}
		})
	}
	// Through the service: see lifecycle.TestScenario36ThroughTheService.
}

// Case 38: an hourly forecast that doubles the last 6 observed hours (100
// forecast for 50 observed) is scaled by r = 0.5 at +0 h, fading linearly to
// 1 at +24 h: hour k gets 100 × (0.5 + 0.5·k/24), so the window ending at
// +24 h averages 100 × (0.5 + 0.5 × 12.5/24) = 76.04 µg/m³ instead of 100.
func TestScenario38BiasCorrection(t *testing.T) {
	p := jianghua(t)
	obs := pm25Hours(now0.Add(-48*time.Hour), now0, func(time.Time) float64 { return 50 })
	fc := pm25Hours(now0.Add(-5*time.Hour), now0.Add(48*time.Hour), func(time.Time) float64 { return 100 })
	b := p.blend(now0, obs, fc, "model")
	if r := b.ratio[aqi.PM25]; r != 0.5 {
		t.Fatalf("ratio %v, want 0.5", r)
	}
	mean := func(b blended, end time.Time) float64 {
		for _, c := range b.conc {
			if c.End.Equal(end) {
				return c.Values[QuantityPM2_5_24h]
			}
		}
		return math.NaN()
	}
	if got := mean(b, now0.Add(24*time.Hour)); math.Abs(got-76.04) > 0.05 {
		t.Errorf("window ending +24 h: %.2f µg/m³, want 76.04", got)
	}
	// From +24 h on the forecast stands as issued: the window ending +48 h is 100.
	if got := mean(b, now0.Add(48*time.Hour)); got != 100 {
		t.Errorf("window ending +48 h: %.2f, want 100", got)
	}
	// Off in the plan, nothing is scaled.
	p.Decisions.BiasCorrection.Enabled = false
	if got := mean(p.blend(now0, obs, fc, "model"), now0.Add(24*time.Hour)); got != 100 {
		t.Errorf("without bias correction: %.2f, want 100", got)
	}
	// A forecast that does not cover the 6 past hours is not corrected.
	p.Decisions.BiasCorrection.Enabled = true
	if r := p.blend(now0, obs, fc[3:], "model").ratio[aqi.PM25]; r != 1 {
		t.Errorf("ratio with 3 past hours covered: %v, want 1", r)
	}
}
