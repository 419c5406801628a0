package aqijob

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/aqi"
)

// fakeHistory answers the region's records and notes what was asked.
type fakeHistory struct {
	recs  []aqwarn.AQIRecord
	asked []string
	err   error
}

func (f *fakeHistory) AQIHistory(_ context.Context, scope, id string, from, to time.Time) ([]aqwarn.AQIRecord, error) {
	f.asked = append(f.asked, scope+" "+id+" "+from.Format(time.RFC3339)+" "+to.Format(time.RFC3339))
	return f.recs, f.err
}

func ip(v int) *int { return &v }

var wt0 = time.Date(2015, 12, 1, 0, 0, 0, 0, time.UTC)

func TestObservedWindows(t *testing.T) {
	h := &fakeHistory{recs: []aqwarn.AQIRecord{
		{Time: wt0, Rolling24h: aqwarn.AQIValue{AQI: ip(180)}},
		{Time: wt0.Add(time.Hour)}, // no 24 h AQI yet: no window
		{Time: wt0.Add(2 * time.Hour), Rolling24h: aqwarn.AQIValue{AQI: ip(210)}, Hourly: aqwarn.AQIValue{AQI: ip(300)}},
	}}
	o := ObservedWindows{History: h, Window: 24 * time.Hour}
	ws, err := o.Observed(context.Background(), "jianghua", wt0.Add(-time.Hour), wt0.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []alert.Window{
		{Start: wt0.Add(-24 * time.Hour), End: wt0, AQI: 180, Source: alert.SourceObserved},
		{Start: wt0.Add(-22 * time.Hour), End: wt0.Add(2 * time.Hour), AQI: 210, Source: alert.SourceObserved},
	}
	if len(ws) != len(want) {
		t.Fatalf("windows %+v, want %+v", ws, want)
	}
	for i := range ws {
		if ws[i] != want[i] {
			t.Errorf("window %d: %+v, want %+v", i, ws[i], want[i])
		}
	}
	if want := "region jianghua 2015-11-30T23:00:00Z 2015-12-01T03:00:00Z"; len(h.asked) != 1 || h.asked[0] != want {
		t.Errorf("asked %q, want %q", h.asked, want)
	}
}

func TestObservedHours(t *testing.T) {
	h := &fakeHistory{recs: []aqwarn.AQIRecord{
		{Time: wt0, Conc: map[string]float64{"pm25": 151.5, "pm10": 200, "not_a_pollutant": 1}},
		{Time: wt0.Add(time.Hour)}, // nothing computed: every pollutant missing
	}}
	hs, err := ObservedWindows{History: h, Window: 24 * time.Hour}.ObservedHours(context.Background(), "jianghua", wt0, wt0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 2 || !hs[0].Time.Equal(wt0) || !hs[1].Time.Equal(wt0.Add(time.Hour)) {
		t.Fatalf("hours %+v", hs)
	}
	for p := range aqi.NumPollutants {
		v0, v1 := hs[0].Values[p], hs[1].Values[p]
		switch p {
		case aqi.PM25:
			if v0 != 151.5 {
				t.Errorf("pm25 %v", v0)
			}
		case aqi.PM10:
			if v0 != 200 {
				t.Errorf("pm10 %v", v0)
			}
		default:
			if !math.IsNaN(v0) {
				t.Errorf("%s %v, want missing", p, v0)
			}
		}
		if !math.IsNaN(v1) {
			t.Errorf("empty hour: %s %v, want missing", p, v1)
		}
	}
	if len(h.asked) != 1 || h.asked[0][:16] != "region jianghua " {
		t.Errorf("asked %q", h.asked)
	}
}

func TestObservedWindowsStoreError(t *testing.T) {
	o := ObservedWindows{History: &fakeHistory{err: errors.New("store down")}, Window: 24 * time.Hour}
	if _, err := o.Observed(context.Background(), "r", wt0, wt0); err == nil {
		t.Error("Observed: no error")
	}
	if _, err := o.ObservedHours(context.Background(), "r", wt0, wt0); err == nil {
		t.Error("ObservedHours: no error")
	}
}
