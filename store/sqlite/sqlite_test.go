package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

func open(t *testing.T, dir string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

var t0 = time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)

func TestReadingsAreIdempotentAndSurviveReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := open(t, dir)
	r := aqwarn.Reading{Station: "s1", Time: t0, Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 80}}}
	for range 3 {
		if err := db.WriteReadings(ctx, []aqwarn.Reading{r}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db = open(t, dir) // as after a restart
	defer db.Close()
	got, err := db.Readings(ctx, time.Hour, t0.Add(-time.Hour), t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Station != "s1" || !got[0].Time.Equal(t0) || got[0].Values[0].Value != 80 {
		t.Fatalf("got %+v, want the one reading", got)
	}
	// (from, to]: a reading at from is excluded.
	if got, _ := db.Readings(ctx, time.Hour, t0, t0.Add(time.Hour)); len(got) != 0 {
		t.Errorf("range is (from, to], got %d readings", len(got))
	}
	if got, _ := db.Readings(ctx, time.Minute, t0.Add(-time.Hour), t0); len(got) != 0 {
		t.Errorf("interval filter ignored: %d", len(got))
	}
}

func TestSpoolIsFIFOAndDurable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := open(t, dir)
	var rs []aqwarn.Reading
	for i := range 5 {
		rs = append(rs, aqwarn.Reading{Station: "s1", Time: t0.Add(time.Duration(i) * time.Minute), Interval: time.Minute,
			Values: []aqwarn.Measure{{Pollutant: "co", Value: float64(i), Flag: "M"}}})
	}
	if err := db.Spool(ctx, rs[:3]); err != nil {
		t.Fatal(err)
	}
	if err := db.Spool(ctx, rs[3:]); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = open(t, dir)
	defer db.Close()
	b, err := db.PeekSpool(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Readings) != 4 || !b.Readings[0].Time.Equal(t0) || !b.Readings[3].Time.Equal(t0.Add(3*time.Minute)) ||
		b.Readings[2].Values[0].Flag != "M" || b.Readings[2].Interval != time.Minute {
		t.Fatalf("peek = %+v", b.Readings)
	}
	if err := db.DropSpool(ctx, b.LastID); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.SpoolLen(ctx); n != 1 {
		t.Errorf("after drop %d left, want 1", n)
	}
}

func TestDeadLettersNewestFirstAndFiltered(t *testing.T) {
	ctx := context.Background()
	db := open(t, t.TempDir())
	defer db.Close()
	for i, reason := range []string{"bad_crc", "malformed_json", "bad_crc"} {
		if _, err := db.AddDeadLetter(ctx, aqwarn.DeadLetter{Received: t0.Add(time.Duration(i) * time.Second),
			Source: "tcp", Reason: reason, Message: "m", Station: "s1", Payload: "p"}); err != nil {
			t.Fatal(err)
		}
	}
	all, _ := db.ListDeadLetters(ctx, "", "", 0, 10)
	if len(all) != 3 || all[0].ID < all[2].ID {
		t.Fatalf("want 3 newest first, got %+v", all)
	}
	crc, _ := db.ListDeadLetters(ctx, "bad_crc", "", 0, 10)
	if len(crc) != 2 {
		t.Errorf("reason filter: %d, want 2", len(crc))
	}
	page, _ := db.ListDeadLetters(ctx, "", "", all[0].ID, 1)
	if len(page) != 1 || page[0].ID != all[1].ID {
		t.Errorf("paging by before: %+v", page)
	}
}

func TestAQIHistoryUpserts(t *testing.T) {
	ctx := context.Background()
	db := open(t, t.TempDir())
	defer db.Close()
	a, b := 80, 95
	rec := aqwarn.AQIRecord{Scope: aqwarn.ScopeStation, ID: "s1", Time: t0, Edition: 2026, Hourly: aqwarn.AQIValue{AQI: &a}}
	db.WriteAQI(ctx, []aqwarn.AQIRecord{rec})
	rec.Hourly.AQI = &b // recomputed after late data
	db.WriteAQI(ctx, []aqwarn.AQIRecord{rec})
	h, err := db.AQIHistory(ctx, aqwarn.ScopeStation, "s1", t0.Add(-time.Hour), t0)
	if err != nil || len(h) != 1 || *h[0].Hourly.AQI != 95 {
		t.Fatalf("history %+v %v", h, err)
	}
}
