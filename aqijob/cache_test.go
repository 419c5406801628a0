package aqijob

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
)

// spanReadings records how many hours each query of the fake store covers.
type spanReadings struct {
	memReadings
	hours []int
}

func (s *spanReadings) Readings(ctx context.Context, iv time.Duration, from, to time.Time) ([]aqwarn.Reading, error) {
	s.hours = append(s.hours, int(to.Sub(from)/time.Hour))
	return s.memReadings.Readings(ctx, iv, from, to)
}

// minuteData is 40 hours of 1-minute PM2.5 and NO2 from two stations, with
// missing minutes, and a third station's own hourly values, with gaps every
// 7 hours (hours 3, 10, 17, … before last).
func minuteData(last time.Time) memReadings {
	rnd := rand.New(rand.NewPCG(1, 2))
	var rs memReadings
	for m := range 40 * 60 {
		t := last.Add(-time.Duration(m) * time.Minute)
		for _, st := range []string{"m1", "m2"} {
			if rnd.IntN(10) == 0 {
				continue
			}
			rs = append(rs, aqwarn.Reading{Station: st, Time: t, Interval: time.Minute, Values: []aqwarn.Measure{
				{Pollutant: "pm25", Value: float64(20 + rnd.IntN(300))}, {Pollutant: "no2", Value: float64(10 + rnd.IntN(80))}}})
		}
	}
	for h := range 40 {
		if h%7 != 3 {
			rs = append(rs, pm("h1", last.Add(-time.Duration(h)*time.Hour), float64(30+rnd.IntN(250)), ""))
		}
	}
	return rs
}

func cacheJob(rs Readings, now *time.Time) *Job {
	return &Job{Readings: rs, Writers: []AQIWriter{&memWriter{}},
		Stations: []aqwarn.Station{{ID: "m1", Region: "a", Pollutants: []string{"pm25", "no2"}},
			{ID: "m2", Region: "a", Pollutants: []string{"pm25", "no2"}}, {ID: "h1", Region: "b", Pollutants: []string{"pm25"}}},
		Regions: []aqwarn.Region{{ID: "county"}, {ID: "a", Parent: "county"}, {ID: "b", Parent: "county"}},
		Now:     func() time.Time { return *now }, Recompute: 6}
}

func snapshotAt(t *testing.T, j *Job) *aqwarn.AQISnapshot {
	t.Helper()
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := *j.Current()
	s.Computed = time.Time{}
	return &s
}

// Keeping the settled hours changes what a run reads, not what it computes:
// run after run over ten hours the job equals a fresh job that reads the
// whole window, and after its first run it reads the recent hours only.
func TestSettledHoursAreReadOnce(t *testing.T) {
	last := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	data := minuteData(last)
	store := &spanReadings{memReadings: data}
	first := last.Add(-10 * time.Hour)
	now := first
	kept := cacheJob(store, &now)
	for ; !now.After(last); now = now.Add(20 * time.Minute) {
		store.hours = nil
		got := snapshotAt(t, kept)
		if want := snapshotAt(t, cacheJob(data, &now)); !reflect.DeepEqual(got, want) {
			t.Fatalf("at %s the job with kept hours computes\n%+v\nwant\n%+v", now, got, want)
		}
		for _, h := range store.hours {
			if now.After(first) && h > 7 {
				t.Fatalf("at %s a query covered %d hours; after the first run: the 6 recomputed hours and one newly settled", now, h)
			}
		}
	}
}

// Late readings are seen: for an hour the job recomputes, at once; for a
// settled hour (a logger resending old data, the spool replayed), once
// ingest has told the job with Forget.
func TestLateReadingsAreSeen(t *testing.T) {
	last := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	now := last.Add(5 * time.Minute)
	store := &spanReadings{memReadings: minuteData(last)}
	j := cacheJob(store, &now)
	rolling := func() int {
		t.Helper()
		v := snapshotAt(t, j).Stations["h1"].Rolling24h.AQI
		if v == nil {
			t.Fatal("h1 has no 24-hour AQI")
		}
		return *v
	}
	base := rolling()
	// h1's value for three hours ago (a gap in the data) arrives late.
	store.memReadings = append(store.memReadings, pm("h1", last.Add(-3*time.Hour), 480, ""))
	recent := rolling()
	if recent <= base {
		t.Fatalf("h1's 24-hour AQI %d → %d: a late 480 µg/m³ in a recomputed hour was not seen", base, recent)
	}
	// Ten hours ago is settled: a reading there is not read again…
	old := pm("h1", last.Add(-10*time.Hour), 490, "")
	store.memReadings = append(store.memReadings, old)
	if got := rolling(); got != recent {
		t.Fatalf("h1's 24-hour AQI moved to %d before ingest said anything", got)
	}
	// …until ingest says the hour has new readings.
	j.Forget([]aqwarn.Reading{old})
	if got := rolling(); got <= recent {
		t.Errorf("h1's 24-hour AQI %d → %d: a reading stored for a settled hour was not seen after Forget", recent, got)
	}
	// A 1-minute reading ending 12:01 belongs to the hour ending 13:00.
	j.Forget([]aqwarn.Reading{{Time: time.Date(2026, 12, 1, 12, 1, 0, 0, time.UTC)}})
	j.forgetMu.Lock()
	marked := j.forget[time.Date(2026, 12, 1, 21, 0, 0, 0, time.FixedZone("CST", 8*3600)).Unix()]
	j.forgetMu.Unlock()
	if !marked {
		t.Error("a reading ending 12:01 did not mark the hour ending 13:00")
	}
}

// A job that started before any data (every settled hour kept, empty) sees
// a backfill of the last 30 hours once ingest names the readings — also when
// its clock is in another zone than the readings (hours are the same
// instants, not the same time.Time values).
func TestBackfillAfterAnEmptyStart(t *testing.T) {
	last := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	now := last.Add(5 * time.Minute).In(time.FixedZone("CST", 8*3600))
	store := &spanReadings{}
	j := cacheJob(store, &now)
	snapshotAt(t, j)
	data := minuteData(last)
	store.memReadings = data
	j.Forget(data)
	got := snapshotAt(t, j)
	if want := snapshotAt(t, cacheJob(data, &now)); !reflect.DeepEqual(got, want) {
		t.Fatalf("after the backfill the job computes\n%+v\nwant\n%+v", got, want)
	}
}
