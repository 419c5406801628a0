package statsvc_test

import (
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/stats"
	"github.com/aqwarn/aqwarn/stats/statsvc"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// A year of the demo county's shape on real SQLite: four stations in four
// towns under the county, every hour of 2026 stored. Cold: every day of
// every scope computed from the store (what the first visitor of /stats
// costs); warm: the same year served from the kept days. Figures only.
func BenchmarkYear(b *testing.B) {
	ctx := b.Context()
	db, err := sqlite.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	regs := []aqwarn.Region{{ID: "county"}, {ID: "t1", Parent: "county"}, {ID: "t2", Parent: "county"}, {ID: "t3", Parent: "county"}, {ID: "t4", Parent: "county"}}
	sts := []aqwarn.Station{{ID: "s1", Region: "t1"}, {ID: "s2", Region: "t2"}, {ID: "s3", Region: "t3"}, {ID: "s4", Region: "t4"}}
	year := stats.YearPeriod(2026)
	var rs []aqwarn.Reading
	for t := year.From.Add(time.Hour); !t.After(year.To); t = t.Add(time.Hour) {
		for k, st := range sts {
			r := aqwarn.Reading{Station: st.ID, Time: t.UTC(), Interval: time.Hour}
			for p := range aqi.NumPollutants {
				r.Values = append(r.Values, aqwarn.Measure{Pollutant: p.String(), Value: value(k, p, t)})
			}
			rs = append(rs, r)
		}
	}
	if err := db.WriteReadings(ctx, rs); err != nil {
		b.Fatal(err)
	}
	now := year.To.Add(time.Hour)
	county := stats.Scope{Kind: aqwarn.ScopeRegion, ID: "county"}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			svc := &statsvc.Service{Readings: db, Stations: sts, Regions: regs}
			if _, err := svc.Days(ctx, county, year, now); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(rs)), "station-hours")
	})
	b.Run("warm", func(b *testing.B) {
		svc := &statsvc.Service{Readings: db, Stations: sts, Regions: regs}
		if _, err := svc.Days(ctx, county, year, now); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := svc.Days(ctx, county, year, now); err != nil {
				b.Fatal(err)
			}
		}
	})
}
