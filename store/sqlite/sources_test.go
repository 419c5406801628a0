package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/ingest"
	"github.com/aqwarn/aqwarn/store/sourcestest"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

var (
	_ ingest.SourceWriter = (*sqlite.DB)(nil)
	_ ingest.SourceSpool  = (*sqlite.DB)(nil)
)

// The SQLite store keeps the contract of the listed sources' readings, also
// across a reopen of its file (a restart).
func TestSqliteSourcesContract(t *testing.T) {
	sourcestest.Run(t, func(t *testing.T) (sourcestest.Store, func(*testing.T) sourcestest.Store) {
		dir := t.TempDir()
		db := open(t, dir)
		t.Cleanup(func() { db.Close() })
		return db, func(t *testing.T) sourcestest.Store {
			db.Close()
			db = open(t, dir)
			return db
		}
	})
}

// Meter and emission readings share the spool with the stations' readings:
// handed back in the order they were spooled, across a reopen, dropped
// once replayed.
func TestSpoolKeepsEveryKindInOrder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := open(t, dir)
	kw := 1200.0
	r := aqwarn.Reading{Station: "s1", Time: t0, Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: aqwarn.PM25, Value: 35}}}
	p := aqwarn.PowerReading{Enterprise: "cem-a", Unit: "kiln1", Meter: "cem-a-m1", Time: t0, KWh: 300, KW: &kw}
	cou := 0.8
	e := aqwarn.EmissionReading{Enterprise: "cem-a", MN: "43112900000101", Time: t0, Interval: time.Hour,
		Values: []aqwarn.EmissionValue{{Pollutant: aqwarn.EmissionSO2, Cou: &cou, Flag: "N"}}}
	if err := db.Spool(ctx, []aqwarn.Reading{r}); err != nil {
		t.Fatal(err)
	}
	if err := db.SpoolSources(ctx, []aqwarn.PowerReading{p}, []aqwarn.EmissionReading{e}); err != nil {
		t.Fatal(err)
	}
	if err := db.Spool(ctx, []aqwarn.Reading{r}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = open(t, dir)
	defer db.Close()
	b, err := db.PeekSpool(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 3 || len(b.Readings) != 1 || len(b.Power) != 1 || len(b.Emissions) != 1 {
		t.Fatalf("first three spooled: %+v", b)
	}
	if got := b.Power[0]; got.Key() != p.Key() || got.Unit != "kiln1" || got.KWh != 300 || got.KW == nil || *got.KW != kw {
		t.Errorf("power back from the spool: %+v", got)
	}
	if got := b.Emissions[0]; got.MN != e.MN || !got.Time.Equal(t0) || got.Interval != time.Hour || len(got.Values) != 1 || *got.Values[0].Cou != cou {
		t.Errorf("emission back from the spool: %+v", got)
	}
	if err := db.DropSpool(ctx, b.LastID); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.SpoolLen(ctx); n != 1 {
		t.Errorf("%d rows left in the spool, want the last station reading", n)
	}
}

// Change 7: a file at version 6 with station readings and a spooled
// reading (rows of the old shape) opens at the new schema and keeps both.
func TestSqliteVersion6KeepsReadingsAndSpool(t *testing.T) {
	ctx := context.Background()
	fresh := freshSchema(t)
	dir := t.TempDir()
	open(t, dir).Close()
	db := raw(t, dir)
	exec(t, db, `DROP TABLE power_readings`, `DROP TABLE emission_readings`,
		`INSERT INTO readings (station, t, interval_s, measures) VALUES ('s1', 1764565200, 3600, '[{"pollutant":"pm25","value":35}]')`,
		`INSERT INTO spool (reading) VALUES ('{"s":"s1","t":"2026-12-01T05:00:00Z","i":3600,"v":[{"pollutant":"pm25","value":35}]}')`,
		`PRAGMA user_version = 6`)
	db.Close()

	s := open(t, dir)
	if n, err := s.CountReadings(ctx); err != nil || n != 1 {
		t.Errorf("readings after the upgrade: %d %v", n, err)
	}
	b, err := s.PeekSpool(ctx, 10)
	if err != nil || len(b.Readings) != 1 || b.Readings[0].Station != "s1" || !b.Readings[0].Time.Equal(t0) {
		t.Errorf("spool after the upgrade: %+v %v", b, err)
	}
	if err := s.WritePower(ctx, []aqwarn.PowerReading{{Enterprise: "e", Meter: "m", Time: t0, KWh: 1}}); err != nil {
		t.Errorf("power after the upgrade: %v", err)
	}
	s.Close()
	checkUpgraded(t, dir, fresh)
}
