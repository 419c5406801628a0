package influx_test

import (
	"context"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/store/influx"
)

// Against a real InfluxDB 1.8 with flux enabled: the v2 write API stores
// readings, writing the same reading twice leaves one point, and the Flux
// query returns them with their flags.
func TestWriteReadIdempotent(t *testing.T) {
	srv := testenv.StartInflux(t)
	ctx := context.Background()
	s := influx.Open(influx.Config{URL: srv.URL(), Bucket: srv.Bucket()})
	defer s.Close()
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)
	rs := []aqwarn.Reading{
		{Station: "s1", Time: t0, Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 80.5}, {Pollutant: "co", Value: 1.2, Flag: "M"}}},
		{Station: "s 2,x", Time: t0, Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 12}}},
		{Station: "s1", Time: t0.Add(time.Hour), Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 90}}},
		{Station: "s1", Time: t0.Add(time.Hour), Interval: time.Minute, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 1}}},
	}
	for range 2 {
		if err := s.WriteReadings(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Readings(ctx, time.Hour, t0.Add(-time.Hour), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d hourly readings, want 3: %+v", len(got), got)
	}
	// Sorted by station then time: "s 2,x" < "s1".
	if got[0].Station != "s 2,x" || got[1].Station != "s1" || !got[1].Time.Equal(t0) || !got[2].Time.Equal(t0.Add(time.Hour)) {
		t.Fatalf("order/keys wrong: %+v", got)
	}
	var co aqwarn.Measure
	for _, m := range got[1].Values {
		if m.Pollutant == "co" {
			co = m
		}
	}
	if co.Value != 1.2 || co.Flag != "M" || co.Valid() {
		t.Errorf("flagged CO came back as %+v", co)
	}
	counts, err := s.CountReadings(ctx, t0.Add(-time.Hour), t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if counts["s1"] != 3 || counts["s 2,x"] != 1 {
		t.Errorf("counts after writing twice = %v, want s1:3 (2 hourly + 1 minute), s 2,x:1", counts)
	}
}

// With the server down, writes fail with an "unavailable" error (the
// pipeline then spools); after a restart the same client works again.
func TestWriteFailsWhileDownThenRecovers(t *testing.T) {
	srv := testenv.StartInflux(t)
	ctx := context.Background()
	s := influx.Open(influx.Config{URL: srv.URL(), Bucket: srv.Bucket(), Timeout: 2 * time.Second})
	defer s.Close()
	r := []aqwarn.Reading{{Station: "s1", Time: time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC), Interval: time.Hour,
		Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 1}}}}
	srv.Stop()
	err := s.WriteReadings(ctx, r)
	if aqwarn.ErrorCode(err) != aqwarn.EUNAVAILABLE {
		t.Fatalf("write while down: %v, want code %s", err, aqwarn.EUNAVAILABLE)
	}
	srv.Start()
	if err := s.WriteReadings(ctx, r); err != nil {
		t.Fatalf("write after restart: %v", err)
	}
}

// A station that sends a reading again with other flags (a data logger's
// correction) is taken at its latest word, as the SQLite store does: a value
// flagged invalid and then resent as valid counts, and the other way round.
func TestResentReadingTakesItsNewFlags(t *testing.T) {
	srv := testenv.StartInflux(t)
	ctx := context.Background()
	s := influx.Open(influx.Config{URL: srv.URL(), Bucket: srv.Bucket()})
	defer s.Close()
	t0 := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)
	reading := func(pm25Flag, coFlag string) []aqwarn.Reading {
		return []aqwarn.Reading{{Station: "s1", Time: t0, Interval: time.Hour, Values: []aqwarn.Measure{
			{Pollutant: "pm25", Value: 80, Flag: pm25Flag}, {Pollutant: "co", Value: 1.2, Flag: coFlag}}}}
	}
	flags := func() map[string]string {
		t.Helper()
		got, err := s.Readings(ctx, time.Hour, t0.Add(-time.Hour), t0)
		if err != nil || len(got) != 1 {
			t.Fatalf("readings: %v %+v", err, got)
		}
		out := map[string]string{}
		for _, m := range got[0].Values {
			out[m.Pollutant] = m.Flag
		}
		return out
	}
	for _, step := range []struct {
		pm25, co  string // flags sent
		wantValid [2]bool
		wantFlags [2]string
	}{
		{"H", "", [2]bool{false, true}, [2]string{"H", ""}},
		{"N", "", [2]bool{true, true}, [2]string{"", ""}}, // the correction: pm25 valid again
		{"", "D", [2]bool{true, false}, [2]string{"", "D"}},
	} {
		if err := s.WriteReadings(ctx, reading(step.pm25, step.co)); err != nil {
			t.Fatal(err)
		}
		got := flags()
		for i, p := range []string{"pm25", "co"} {
			valid := aqwarn.Measure{Flag: got[p]}.Valid()
			if valid != step.wantValid[i] || got[p] != step.wantFlags[i] {
				t.Errorf("after sending pm25 %q, co %q: %s has flag %q (valid %v), want %q", step.pm25, step.co, p, got[p], valid, step.wantFlags[i])
			}
		}
	}
}
