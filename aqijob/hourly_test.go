package aqijob

import (
	"math"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
)

var h13 = time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC) // 13:00 in Beijing: the hour 12:00–13:00

// minutes returns readings of the interval iv ending at h13-60min+iv, …, up
// to n of them, with value val(i) and flag flag(i).
func series(station string, iv time.Duration, n int, val func(i int) float64, flag func(i int) string) []aqwarn.Reading {
	var rs []aqwarn.Reading
	for i := range n {
		m := aqwarn.Measure{Pollutant: "pm25", Value: val(i)}
		if flag != nil {
			m.Flag = flag(i)
		}
		rs = append(rs, aqwarn.Reading{Station: station, Time: h13.Add(-time.Hour + time.Duration(i+1)*iv), Interval: iv, Values: []aqwarn.Measure{m}})
	}
	return rs
}

func constant(v float64) func(int) float64 { return func(int) float64 { return v } }

func TestHourlyMeans(t *testing.T) {
	cases := []struct {
		name string
		in   []aqwarn.Reading
		want map[string]float64 // station → pm25 hourly mean ending h13; absent: no hourly value
	}{
		// A full hour of 1-minute data: the plain mean.
		{"60 one-minute values", series("s", time.Minute, 60, func(i int) float64 { return float64(i) }, nil),
			map[string]float64{"s": 29.5}},
		// Exactly 45 valid minutes is enough.
		{"45 minutes is valid", series("s", time.Minute, 45, constant(10), nil), map[string]float64{"s": 10}},
		// 44 is not.
		{"44 minutes is not", series("s", time.Minute, 44, constant(10), nil), map[string]float64{}},
		// Twelve 5-minute means cover the hour; nine (45 min) still do; eight (40 min) do not.
		{"twelve 5-minute values", series("s", 5*time.Minute, 12, constant(20), nil), map[string]float64{"s": 20}},
		{"nine 5-minute values", series("s", 5*time.Minute, 9, constant(20), nil), map[string]float64{"s": 20}},
		{"eight 5-minute values", series("s", 5*time.Minute, 8, constant(20), nil), map[string]float64{}},
		// Only flag N (or no flag) counts: 20 calibration minutes leave 40 valid ones.
		{"flagged minutes do not count", series("s", time.Minute, 60, constant(5), func(i int) string {
			if i < 20 {
				return "C"
			}
			return "N"
		}), map[string]float64{}},
		// Flagged values are also left out of the mean itself.
		{"flagged values are not averaged", series("s", time.Minute, 60, func(i int) float64 {
			if i < 10 {
				return 1000
			}
			return 10
		}, func(i int) string {
			if i < 10 {
				return "M"
			}
			return ""
		}), map[string]float64{"s": 10}},
		// NaN is never valid.
		{"NaN is not data", series("s", time.Minute, 60, func(i int) float64 {
			if i < 16 {
				return math.NaN()
			}
			return 3
		}, nil), map[string]float64{}},
		// The same minute sent twice counts once and is not double-weighted.
		{"duplicates count once", append(series("s", time.Minute, 45, constant(10), nil), series("s", time.Minute, 1, constant(10), nil)...),
			map[string]float64{"s": 10}},
		// A 1-minute and a 5-minute value covering the same minutes: each minute counts once, time-weighted.
		{"mixed intervals, time-weighted", append(series("s", 5*time.Minute, 12, constant(10), nil), series("s", time.Minute, 5, constant(40), nil)...),
			map[string]float64{"s": (55*10 + 5*25) / 60.0}},
		// The minute ending at 12:00 belongs to the hour ending 12:00, not this one.
		{"minute ending on the hour belongs to the earlier hour",
			append(series("s", time.Minute, 44, constant(10), nil), aqwarn.Reading{Station: "s", Time: h13.Add(-time.Hour), Interval: time.Minute,
				Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 10}}}),
			map[string]float64{}},
		// Real-time samples stamped inside a minute close that minute.
		{"real-time samples inside minutes", func() []aqwarn.Reading {
			rs := series("s", time.Minute, 45, constant(8), nil)
			for i := range rs {
				rs[i].Time = rs[i].Time.Add(-30 * time.Second)
			}
			return rs
		}(), map[string]float64{"s": 8}},
		// Stations are kept apart.
		{"two stations", append(series("a", time.Minute, 60, constant(1), nil), series("b", time.Minute, 30, constant(2), nil)...),
			map[string]float64{"a": 1}},
		// Hourly readings are not sub-hourly data.
		{"hourly input ignored", []aqwarn.Reading{{Station: "s", Time: h13, Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 1}}}},
			map[string]float64{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := HourlyMeans(c.in)
			seen := map[string]bool{}
			for _, r := range got {
				if !r.Time.Equal(h13) || r.Interval != time.Hour {
					t.Fatalf("reading %+v: want the hour ending %v", r, h13)
				}
				v, ok := r.Value("pm25")
				want, wantOK := c.want[r.Station]
				if !ok || !wantOK || math.Abs(v-want) > 1e-9 {
					t.Errorf("%s: pm25 = %v (%v); want %v (%v)", r.Station, v, ok, want, wantOK)
				}
				seen[r.Station] = true
			}
			for s := range c.want {
				if !seen[s] {
					t.Errorf("%s: no hourly value; want %v", s, c.want[s])
				}
			}
		})
	}
}

func TestHourlyMeansPerPollutant(t *testing.T) {
	// PM2.5 has the whole hour, CO only 30 minutes: the hour carries PM2.5 alone.
	var rs []aqwarn.Reading
	for i := range 60 {
		r := aqwarn.Reading{Station: "s", Time: h13.Add(-time.Hour + time.Duration(i+1)*time.Minute), Interval: time.Minute,
			Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 30}}}
		if i%2 == 0 {
			r.Values = append(r.Values, aqwarn.Measure{Pollutant: "co", Value: 1})
		}
		rs = append(rs, r)
	}
	got := HourlyMeans(rs)
	if len(got) != 1 || len(got[0].Values) != 1 || got[0].Values[0].Pollutant != "pm25" {
		t.Fatalf("got %+v", got)
	}
}

func TestMergeHourly(t *testing.T) {
	sent := []aqwarn.Reading{{Station: "a", Time: h13, Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 50}}}}
	agg := []aqwarn.Reading{
		// The station sent its own value for this hour: it wins.
		{Station: "a", Time: h13, Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 49}, {Pollutant: "co", Value: 1}}},
		// Another hour and another station come from the aggregation.
		{Station: "a", Time: h13.Add(-time.Hour), Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 40}}},
		{Station: "b", Time: h13, Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 30}}},
	}
	got := MergeHourly(sent, agg)
	want := []struct {
		station string
		t       time.Time
		pm25    float64
		n       int
	}{{"a", h13.Add(-time.Hour), 40, 1}, {"a", h13, 50, 1}, {"b", h13, 30, 1}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i, w := range want {
		v, _ := got[i].Value("pm25")
		if got[i].Station != w.station || !got[i].Time.Equal(w.t) || v != w.pm25 || len(got[i].Values) != w.n {
			t.Errorf("%d: got %+v, want %+v", i, got[i], w)
		}
	}
}
