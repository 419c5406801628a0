package statsvc_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/stats"
	"github.com/aqwarn/aqwarn/stats/statsvc"
	"github.com/aqwarn/aqwarn/store/influx"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// store is what the service reads and the test writes.
type store interface {
	WriteReadings(ctx context.Context, rs []aqwarn.Reading) error
	Readings(ctx context.Context, interval time.Duration, from, to time.Time) ([]aqwarn.Reading, error)
}

// The county (jianghua) has two towns: a (stations a1, a2) and b (b1).
var (
	regions = []aqwarn.Region{{ID: "jianghua"}, {ID: "a", Parent: "jianghua"}, {ID: "b", Parent: "jianghua"}}
	// b1 measures no CO: its days are complete without it.
	stations = []aqwarn.Station{{ID: "a1", Region: "a"}, {ID: "a2", Region: "a"},
		{ID: "b1", Region: "b", Pollutants: []string{"so2", "no2", "pm10", "o3", "pm25"}}}
	first = stats.Date(2026, time.February, 20) // 2026-03-01 changes the edition inside the data
	nDays = 20
)

// value is station k's value of pollutant p at the hour labelled t: a
// deterministic pattern with a heavy spell (days 6–8) so every category
// and the edition change occur.
func value(k int, p aqi.Pollutant, t time.Time) float64 {
	day := int(t.Sub(first) / (24 * time.Hour))
	h := t.In(aqi.CST).Hour()
	base := []float64{8, 30, 60, 0.6, 40, 35}[p] // aqi pollutant order: SO2, NO2, PM10, CO, O3, PM25
	if p == aqi.CO {
		return math.Round((base+0.1*float64(k)+0.05*float64((day*5+h)%9))*100) / 100
	}
	v := base + 7*float64(k) + float64((day*13+h*7)%30)
	if day >= 6 && day <= 8 && (p == aqi.PM25 || p == aqi.PM10) {
		v *= 5
	}
	if p == aqi.O3 {
		v += 60 * math.Max(0, math.Sin(float64(h-8)*math.Pi/12))
	}
	// Whole numbers: the means of b1's 5-minute data are exact.
	return math.Round(v)
}

// lost says which hours a station did not send: a2 nothing on day 3 from
// 08:00, b1 every third hour of day 10 (8 of 24 lost): invalid days.
func lost(k int, t time.Time) bool {
	day := int(t.Sub(first) / (24 * time.Hour))
	h := t.In(aqi.CST).Hour()
	return (k == 1 && day == 3 && h >= 8) || (k == 2 && day == 10 && h%3 == 0)
}

// flagged: a1's PM2.5 between 10:00 and 15:00 of day 12 is flagged H
// (kept, not valid).
func flagged(k int, p aqi.Pollutant, t time.Time) bool {
	day := int(t.Sub(first) / (24 * time.Hour))
	h := t.In(aqi.CST).Hour()
	return k == 0 && p == aqi.PM25 && day == 12 && h >= 10 && h <= 15
}

// readings are what the stations sent: hourly, except b1 on day 14, which
// sent 5-minute readings instead (the hourly means come from them).
func readings() []aqwarn.Reading {
	var out []aqwarn.Reading
	for k, st := range stations {
		for i := 1; i <= nDays*24; i++ {
			t := first.Add(time.Duration(i) * time.Hour)
			if lost(k, t) {
				continue
			}
			if k == 2 && stats.DayOf(t).Equal(first.AddDate(0, 0, 14)) {
				for m := 5; m <= 60; m += 5 {
					r := aqwarn.Reading{Station: st.ID, Time: t.Add(time.Duration(m-60) * time.Minute).UTC(), Interval: 5 * time.Minute}
					for p := range aqi.NumPollutants {
						if p != aqi.CO {
							r.Values = append(r.Values, aqwarn.Measure{Pollutant: p.String(), Value: value(k, p, t)})
						}
					}
					out = append(out, r)
				}
				continue
			}
			r := aqwarn.Reading{Station: st.ID, Time: t.UTC(), Interval: time.Hour}
			for p := range aqi.NumPollutants {
				if k == 2 && p == aqi.CO {
					continue
				}
				m := aqwarn.Measure{Pollutant: p.String(), Value: value(k, p, t)}
				if flagged(k, p, t) {
					m.Flag = "H"
				}
				r.Values = append(r.Values, m)
			}
			out = append(out, r)
		}
	}
	return out
}

// want computes the days straight from the pattern with package stats:
// the stations' hours, the regions' hours as the mean of their stations'.
func want(p stats.Period) map[stats.Scope][]stats.Day {
	hourly := make([]stats.Hourly, len(stations))
	for k := range stations {
		h := stats.Hourly{Start: first.Add(time.Hour), Hours: make([]aqi.Hour, nDays*24)}
		for i := range h.Hours {
			t := h.Start.Add(time.Duration(i) * time.Hour)
			h.Hours[i] = aqi.MissingHour()
			if lost(k, t) {
				continue
			}
			for p := range aqi.NumPollutants {
				if (k == 2 && p == aqi.CO) || flagged(k, p, t) {
					continue
				}
				h.Hours[i][p] = value(k, p, t)
			}
		}
		hourly[k] = h
	}
	notCO := aqi.Options{NotMeasured: aqi.PollutantsOf(aqi.CO)}
	out := map[stats.Scope][]stats.Day{
		{Kind: "station", ID: "a1"}: stats.Days(hourly[0], p, stats.Options{}),
		{Kind: "station", ID: "a2"}: stats.Days(hourly[1], p, stats.Options{}),
		{Kind: "station", ID: "b1"}: stats.Days(hourly[2], p, stats.Options{AQI: notCO}),
		{Kind: "region", ID: "a"}:   stats.Days(stats.RegionHourly(hourly[:2]), p, stats.Options{}),
		{Kind: "region", ID: "b"}:   stats.Days(stats.RegionHourly(hourly[2:]), p, stats.Options{}),
	}
	out[stats.Scope{Kind: "region", ID: "jianghua"}] = stats.Days(stats.RegionHourly(hourly), p, stats.Options{})
	return out
}

func same(t *testing.T, what string, got, want []stats.Day) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d days, want %d", what, len(got), len(want))
	}
	for i := range got {
		// %v prints NaN as NaN, so missing values compare too.
		if g, w := fmt.Sprintf("%+v", got[i]), fmt.Sprintf("%+v", want[i]); g != w {
			t.Errorf("%s %s:\n got %s\nwant %s", what, want[i].Date.Format(time.DateOnly), g, w)
		}
	}
}

// The days the service computes from each real store are those package
// stats computes from the same hours: stations (one without CO, one whose
// day of 5-minute data becomes hours), regions as the mean of their
// stations, flagged values and lost hours left out.
func TestDaysFromTheStores(t *testing.T) {
	for _, c := range []struct {
		name string
		open func(t *testing.T) store
	}{
		{"sqlite", func(t *testing.T) store {
			db, err := sqlite.Open(t.Context(), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}},
		{"influx", func(t *testing.T) store {
			srv := testenv.StartInflux(t)
			s := influx.Open(influx.Config{URL: srv.URL(), Bucket: srv.Bucket()})
			t.Cleanup(s.Close)
			return s
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := c.open(t)
			ctx := t.Context()
			if err := st.WriteReadings(ctx, readings()); err != nil {
				t.Fatal(err)
			}
			svc := &statsvc.Service{Readings: st, Stations: stations, Regions: regions}
			p := stats.Period{From: first, To: first.AddDate(0, 0, nDays)}
			now := p.To.Add(3 * 24 * time.Hour)
			exp := want(p)
			for _, sc := range svc.Scopes() {
				got, err := svc.Days(ctx, sc, p, now)
				if err != nil {
					t.Fatal(err)
				}
				same(t, sc.Kind+" "+sc.ID, got, exp[sc])
			}
			// The pattern does what it says: a heavy day, an invalid one,
			// both editions.
			county := exp[stats.Scope{Kind: "region", ID: "jianghua"}]
			sum := stats.Summarise(stats.Scope{Kind: "region", ID: "jianghua"}, county, p)
			a2 := stats.Summarise(stats.Scope{Kind: "station", ID: "a2"}, exp[stats.Scope{Kind: "station", ID: "a2"}], p)
			if sum.HeavyDays == 0 || a2.ValidDays != nDays-1 || len(sum.Editions) != 2 {
				t.Errorf("the pattern lost its point: %d heavy days, a2 %d valid days, editions %+v", sum.HeavyDays, a2.ValidDays, sum.Editions)
			}
		})
	}
}

// Finished days are read once; new readings for a day (Forget, as ingest
// calls it) have it computed again, and only it; the day in progress is
// never given; a write the service is not told of shows in a recent day
// once its copy is older than RecentTTL, and never in an older day.
func TestFinishedDaysAreKept(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.WriteReadings(ctx, readings()); err != nil {
		t.Fatal(err)
	}
	svc := &statsvc.Service{Readings: db, Stations: stations, Regions: regions, RecentTTL: time.Hour}
	county := stats.Scope{Kind: "region", ID: "jianghua"}
	a1 := stats.Scope{Kind: "station", ID: "a1"}
	p := stats.Period{From: first, To: first.AddDate(0, 0, nDays)}
	// Now is 10:00 of the last day: it is in progress.
	now := p.To.Add(-14 * time.Hour)
	days, err := svc.Days(ctx, county, p, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != nDays-1 {
		t.Fatalf("%d days at %s, want the %d complete ones", len(days), now, nDays-1)
	}
	reads := svc.Reads()
	if _, err := svc.Days(ctx, a1, p, now.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if svc.Reads() != reads {
		t.Errorf("asking again read the store %d more times", svc.Reads()-reads)
	}

	// A late reading for a1 on day 2 (an old day): Forget, and only that
	// day's week is read again, with the new value.
	day2 := first.AddDate(0, 0, 2)
	late := aqwarn.Reading{Station: "a1", Time: day2.Add(5 * time.Hour).UTC(), Interval: time.Hour,
		Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 900}}}
	if err := db.WriteReadings(ctx, []aqwarn.Reading{late}); err != nil {
		t.Fatal(err)
	}
	svc.Forget([]aqwarn.Reading{late})
	now = now.Add(40 * time.Minute) // the recent days' copies are younger than RecentTTL
	got, err := svc.Days(ctx, a1, p, now)
	if err != nil {
		t.Fatal(err)
	}
	if svc.Reads() != reads+1 {
		t.Errorf("the late day took %d reads, want 1", svc.Reads()-reads)
	}
	if v := got[2].Conc[aqi.TermPM25]; v < 50 {
		t.Errorf("day 2's PM2.5 is %v after a late 900", v)
	}

	// Written without telling the service: an old day keeps its copy, a
	// recent day (ended < 48 h ago) shows it once the copy is an hour old.
	day18 := first.AddDate(0, 0, 18)
	quiet := []aqwarn.Reading{
		{Station: "a1", Time: first.AddDate(0, 0, 4).Add(5 * time.Hour).UTC(), Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 900}}},
		{Station: "a1", Time: day18.Add(5 * time.Hour).UTC(), Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 900}}},
	}
	if err := db.WriteReadings(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	before, _ := svc.Days(ctx, a1, p, now)
	later, err := svc.Days(ctx, a1, p, now.Add(61*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if later[4].Conc[aqi.TermPM25] != before[4].Conc[aqi.TermPM25] {
		t.Errorf("an old day changed without Forget: %v → %v", before[4].Conc[aqi.TermPM25], later[4].Conc[aqi.TermPM25])
	}
	if before[18].Conc[aqi.TermPM25] == later[18].Conc[aqi.TermPM25] {
		t.Errorf("the recent day 18 kept its copy past RecentTTL: PM2.5 %v", later[18].Conc[aqi.TermPM25])
	}

	// An unknown scope is not found.
	if _, err := svc.Days(ctx, stats.Scope{Kind: "station", ID: "zz"}, p, now); aqwarn.ErrorCode(err) != aqwarn.ENOTFOUND {
		t.Errorf("unknown station: %v", err)
	}
}
