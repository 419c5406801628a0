package aqijob

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/aqi"
)

// memReadings is a hand-written fake of the store seam.
type memReadings []aqwarn.Reading

func (m memReadings) Readings(_ context.Context, iv time.Duration, from, to time.Time) ([]aqwarn.Reading, error) {
	var out []aqwarn.Reading
	for _, r := range m {
		if r.Interval == iv && r.Time.After(from) && !r.Time.After(to) {
			out = append(out, r)
		}
	}
	return out, nil
}

type memWriter struct{ recs []aqwarn.AQIRecord }

func (w *memWriter) WriteAQI(_ context.Context, recs []aqwarn.AQIRecord) error {
	w.recs = append(w.recs, recs...)
	return nil
}

func pm(st string, t time.Time, v float64, flag string) aqwarn.Reading {
	return aqwarn.Reading{Station: st, Time: t, Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: v, Flag: flag}}}
}

func TestJobStationsRegionsAndFlags(t *testing.T) {
	last := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC) // 13:00 CST
	var rs memReadings
	for i := range 30 {
		h := last.Add(-time.Duration(i) * time.Hour)
		rs = append(rs, pm("sa", h, 80, ""), pm("sb", h, 120, "N"))
	}
	rs = append(rs, pm("sc", last, 500, "D")) // a faulty station: only invalid data
	w := &memWriter{}
	j := &Job{Readings: rs, Writers: []AQIWriter{w},
		Stations: []aqwarn.Station{{ID: "sa", Region: "town-a", Pollutants: []string{"pm25"}},
			{ID: "sb", Region: "town-b", Pollutants: []string{"pm25"}},
			{ID: "sc", Region: "town-b", Pollutants: []string{"pm25"}}},
		Regions: []aqwarn.Region{{ID: "county"}, {ID: "town-a", Parent: "county"}, {ID: "town-b", Parent: "county"}},
		Now:     func() time.Time { return last.Add(5 * time.Minute) }, Recompute: 3}
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	snap := j.Current()
	cases := []struct {
		what string
		rec  aqwarn.AQIRecord
		aqi  int
	}{
		{"station A, PM2.5 80 (2026 table)", snap.Stations["sa"], 119},
		{"station B, PM2.5 120", snap.Stations["sb"], 158},
		{"town B: only station B has valid data", snap.Regions["town-b"], 158},
		{"county: mean concentration 100, not the mean of AQIs", snap.Regions["county"], 137},
	}
	for _, c := range cases {
		if c.rec.Hourly.AQI == nil || *c.rec.Hourly.AQI != c.aqi || !c.rec.Time.Equal(last) || c.rec.Edition != 2026 {
			t.Errorf("%s: got %+v at %v, want AQI %d at %v", c.what, c.rec.Hourly, c.rec.Time, c.aqi, last)
		}
	}
	if _, ok := snap.Stations["sc"]; ok {
		t.Error("a station with only flagged data has no AQI")
	}
	// Three recomputed hours × (2 stations + 3 regions).
	if len(w.recs) != 15 {
		t.Errorf("wrote %d records, want 15", len(w.recs))
	}
}

// Under 2012 (replayed history) the same concentrations give other values,
// and every record names its edition.
func TestJobEditionByDate(t *testing.T) {
	last := time.Date(2015, 12, 1, 5, 0, 0, 0, time.UTC)
	rs := memReadings{pm("sa", last, 100, "")}
	j := &Job{Readings: rs, Stations: []aqwarn.Station{{ID: "sa", Region: "r", Pollutants: []string{"pm25"}}},
		Regions: []aqwarn.Region{{ID: "r"}}, Now: func() time.Time { return last }}
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec := j.Current().Stations["sa"]
	// 2012: 75 → 100, 115 → 150: 100 + 50·25/40 = 131.25 → 132.
	if rec.Edition != 2012 || rec.Hourly.AQI == nil || *rec.Hourly.AQI != 132 {
		t.Errorf("got edition %d AQI %v, want 2012 and 132", rec.Edition, rec.Hourly.AQI)
	}
}

// A 24-hour window with too few hours for the PM means is not "优" from
// ozone alone: below 101 an incomplete AQI is not published, in either
// edition; above 100 it is (the pollution is real whatever is missing).
func TestJobIncompleteRollingIsNA(t *testing.T) {
	last := time.Date(2015, 11, 25, 12, 0, 0, 0, time.UTC)
	var rs memReadings
	for i := range 12 { // only 12 hours: no valid 24-hour PM mean
		h := last.Add(-time.Duration(i) * time.Hour)
		rs = append(rs, aqwarn.Reading{Station: "sa", Time: h, Interval: time.Hour, Values: []aqwarn.Measure{
			{Pollutant: "pm25", Value: 90}, {Pollutant: "o3", Value: 20}}})
	}
	j := &Job{Readings: rs, Stations: []aqwarn.Station{{ID: "sa", Region: "r", Pollutants: []string{"pm25", "o3"}}},
		Regions: []aqwarn.Region{{ID: "r"}}, Now: func() time.Time { return last }}
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec := j.Current().Stations["sa"]
	if rec.Rolling24h.AQI != nil || rec.Rolling24h.Level != 0 || len(rec.Rolling24h.Flags) == 0 || rec.Rolling24h.Flags[len(rec.Rolling24h.Flags)-1] != "incomplete" {
		t.Errorf("rolling 24 h = %+v, want NA flagged incomplete", rec.Rolling24h)
	}
	// The hour itself is complete: PM2.5 90 under 2012 → 100 + 50·15/40 = 118.75 → 119.
	if rec.Hourly.AQI == nil || *rec.Hourly.AQI != 119 {
		t.Errorf("hourly = %+v, want 119", rec.Hourly)
	}
}

// Record concentrations are rounded for showing (µg/m³ to 0.1, CO to 0.01),
// without the float noise of averaging stations; missing ones stay out.
func TestConcentrationsAreRoundedForShowing(t *testing.T) {
	var h aqi.Hour
	for p := range aqi.NumPollutants {
		h[p] = math.NaN()
	}
	h[aqi.CO] = (3.9 + 3.8) / 2 // 3.8499999999999996
	h[aqi.PM25] = (312 + 312.5) / 2
	h[aqi.NO2] = 110.54
	got := concOf(h)
	want := map[string]float64{"co": 3.85, "pm25": 312.3, "no2": 110.5}
	if len(got) != len(want) {
		t.Fatalf("concentrations %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

type failingWriter struct{}

func (failingWriter) WriteAQI(context.Context, []aqwarn.AQIRecord) error {
	return errors.New("database or disk is full")
}

// With the disk full the public still sees the AQI (audit M6): a run whose
// records cannot be written still serves what it computed, and a station
// with no new data keeps its last record (shown stale) instead of
// vanishing.
func TestSnapshotSurvivesAFullDiskAndSilence(t *testing.T) {
	last := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)
	var rs memReadings
	for i := range 30 {
		rs = append(rs, pm("sa", last.Add(-time.Duration(i)*time.Hour), 80, ""))
	}
	now := last.Add(5 * time.Minute)
	j := &Job{Readings: rs, Writers: []AQIWriter{failingWriter{}},
		Stations: []aqwarn.Station{{ID: "sa", Region: "county", Pollutants: []string{"pm25"}}},
		Regions:  []aqwarn.Region{{ID: "county"}}, Now: func() time.Time { return now }, Recompute: 3}
	if err := j.Run(context.Background()); err == nil {
		t.Fatal("the write failure was not reported")
	}
	if rec, ok := j.Current().Regions["county"]; !ok || rec.Hourly.AQI == nil || !rec.Time.Equal(last) {
		t.Fatalf("with the disk full the county AQI is %+v (present %v)", rec, ok)
	}
	j.Writers = nil
	now = last.Add(12 * time.Hour) // the station went silent for 12 h
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rec, ok := j.Current().Regions["county"]; !ok || !rec.Time.Equal(last) {
		t.Errorf("after 12 silent hours the county is %+v (present %v), want its last record of %v", rec, ok, last)
	}
}

// The job tells of each completed run (the warning evaluation listens),
// with the run's snapshot already current; a failed run tells nothing.
func TestJobTellsOfEachRun(t *testing.T) {
	last := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)
	rs := memReadings{pm("sa", last, 80, "")}
	var told []*aqwarn.AQISnapshot
	w := &switchWriter{}
	j := &Job{Readings: rs, Writers: []AQIWriter{w}, Stations: []aqwarn.Station{{ID: "sa", Region: "county", Pollutants: []string{"pm25"}}},
		Regions: []aqwarn.Region{{ID: "county"}}, Now: func() time.Time { return last.Add(5 * time.Minute) }, Recompute: 1}
	j.OnRun = func() { told = append(told, j.Current()) }
	for range 2 {
		if err := j.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(told) != 2 || told[0] == nil || told[1] == nil || told[1].Stations["sa"].Time != last {
		t.Fatalf("told %d times (%v), want 2 with the run's snapshot", len(told), told)
	}
	w.fail = true
	if err := j.Run(context.Background()); err == nil {
		t.Fatal("the writer's failure was not returned")
	}
	if len(told) != 2 {
		t.Errorf("a failed run told the evaluation (%d)", len(told))
	}
}

// switchWriter fails once told to.
type switchWriter struct{ fail bool }

func (w *switchWriter) WriteAQI(context.Context, []aqwarn.AQIRecord) error {
	if w.fail {
		return errors.New("store down")
	}
	return nil
}
