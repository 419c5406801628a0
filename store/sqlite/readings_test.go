package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// The parts of a split HJ 212 packet carry different pollutants of one
// reading: stored one after the other (also replayed) they add up, as
// fields of one InfluxDB point do; a value sent again replaces the old one.
func TestReadingPartsMerge(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)
	part := func(ms ...aqwarn.Measure) []aqwarn.Reading {
		return []aqwarn.Reading{{Station: "s1", Time: t0, Interval: time.Hour, Values: ms}}
	}
	steps := [][]aqwarn.Reading{
		part(aqwarn.Measure{Pollutant: "pm25", Value: 58, Flag: "N"}),
		part(aqwarn.Measure{Pollutant: "so2", Value: 9, Flag: "N"}),
		part(aqwarn.Measure{Pollutant: "pm25", Value: 58, Flag: "N"}), // replayed
		part(aqwarn.Measure{Pollutant: "so2", Value: 10, Flag: "N"}),  // corrected
	}
	for _, rs := range steps {
		if err := db.WriteReadings(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Readings(ctx, time.Hour, t0.Add(-time.Hour), t0)
	if err != nil {
		t.Fatal(err)
	}
	want := []aqwarn.Measure{{Pollutant: "so2", Value: 10, Flag: "N"}, {Pollutant: "pm25", Value: 58, Flag: "N"}}
	if len(got) != 1 || len(got[0].Values) != 2 || got[0].Values[0] != want[0] || got[0].Values[1] != want[1] {
		t.Fatalf("got %+v, want one reading with %+v", got, want)
	}
}
