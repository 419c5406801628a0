package aqijob

import (
	"context"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
)

// A station that only sends 1-minute data gets an hourly AQI from the
// hour's mean when 45 minutes are valid; one that also sends its own hourly
// value keeps that value.
func TestJobAggregatesSubHourlyData(t *testing.T) {
	last := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC) // 13:00 CST
	var rs memReadings
	for i := range 60 {
		t := last.Add(-time.Hour + time.Duration(i+1)*time.Minute)
		one := func(st string, v float64) aqwarn.Reading {
			return aqwarn.Reading{Station: st, Time: t, Interval: time.Minute, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: v}}}
		}
		rs = append(rs, one("minutes", 80), one("both", 10))
		if i < 44 {
			rs = append(rs, one("short", 80)) // 44 minutes: not a valid hour
		}
	}
	rs = append(rs, pm("both", last, 120, "N"))
	j := &Job{Readings: rs, Writers: []AQIWriter{&memWriter{}},
		Stations: []aqwarn.Station{{ID: "minutes", Region: "r", Pollutants: []string{"pm25"}},
			{ID: "both", Region: "r", Pollutants: []string{"pm25"}}, {ID: "short", Region: "r", Pollutants: []string{"pm25"}}},
		Regions: []aqwarn.Region{{ID: "r"}}, Now: func() time.Time { return last.Add(5 * time.Minute) }, Recompute: 1}
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	snap := j.Current()
	if got := snap.Stations["minutes"].Conc["pm25"]; got != 80 {
		t.Errorf("minute-only station: hourly PM2.5 %v, want the mean 80", got)
	}
	if got := snap.Stations["both"].Conc["pm25"]; got != 120 {
		t.Errorf("station with its own hourly value: %v, want 120 (sent), not 10 (aggregated)", got)
	}
	if _, ok := snap.Stations["short"]; ok {
		t.Error("44 valid minutes made an hourly value")
	}
}
