package alert

import (
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

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
