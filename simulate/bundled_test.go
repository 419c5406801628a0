package simulate

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/aqi"
)

var demoSources = map[string]string{"tuojiang-1": "Dongsi", "shuikou-1": "Tiantan", "baimangying-1": "Guanyuan", "taoxu-1": "Wanliu"}

// The bundled excerpt, renamed to the demo's stations, bounded to (from, to].
func TestBundledReadings(t *testing.T) {
	var stations []aqwarn.Station
	for id := range demoSources {
		stations = append(stations, aqwarn.Station{ID: id})
	}
	from := time.Date(2015, 11, 25, 0, 0, 0, 0, aqi.CST)
	to := from.Add(24 * time.Hour)
	rs, err := BundledReadings(stations, demoSources, from, to)
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, r := range rs {
		if _, ok := demoSources[r.Station]; !ok {
			t.Fatalf("a reading of %q, not a demo station", r.Station)
		}
		if !r.Time.After(from) || r.Time.After(to) || r.Interval != time.Hour || len(r.Values) == 0 {
			t.Fatalf("reading %+v outside (from, to] or empty", r)
		}
		per[r.Station]++
	}
	for id := range demoSources {
		if per[id] < 20 || per[id] > 24 {
			t.Errorf("%s: %d hours in a day", id, per[id])
		}
	}
	// A station without a source gets nothing.
	if rs, _ := BundledReadings([]aqwarn.Station{{ID: "elsewhere"}}, demoSources, from, to); len(rs) != 0 {
		t.Errorf("%d readings for an unmapped station", len(rs))
	}
}

func TestMapReadings(t *testing.T) {
	t0 := time.Date(2015, 12, 1, 0, 0, 0, 0, time.UTC)
	rows := []aqwarn.Reading{
		{Station: "Dongsi", Time: t0},
		{Station: "Dongsi", Time: t0.Add(time.Hour)},
		{Station: "Tiantan", Time: t0.Add(2 * time.Hour)},
		{Station: "Dongsi", Time: t0.Add(3 * time.Hour)},
	}
	stations := []aqwarn.Station{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	got := MapReadings(rows, stations, map[string]string{"a": "Dongsi", "b": "Dongsi", "c": "Tiantan"}, t0, t0.Add(2*time.Hour))
	var names []string
	for _, r := range got {
		names = append(names, r.Station+"@"+r.Time.Sub(t0).String())
	}
	if want := []string{"a@1h0m0s", "b@1h0m0s", "c@2h0m0s"}; !slices.Equal(names, want) {
		t.Errorf("mapped %v, want %v", names, want)
	}
}

func TestStationsIn(t *testing.T) {
	regions := []aqwarn.Region{{ID: "county"}, {ID: "town", Parent: "county"}, {ID: "village", Parent: "town"}, {ID: "other"}}
	stations := []aqwarn.Station{{ID: "s1", Region: "town"}, {ID: "s2", Region: "village"}, {ID: "s3", Region: "other"}, {ID: "s4", Region: "county"}}
	for region, want := range map[string][]string{"county": {"s1", "s2", "s4"}, "town": {"s1", "s2"}, "other": {"s3"}, "nowhere": nil} {
		var got []string
		for id := range StationsIn(regions, stations, region) {
			got = append(got, id)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", region, got, want)
		}
	}
}

// The region's hour is the stations' mean per pollutant; flagged values,
// other stations and hours without data do not count.
func TestRegionTruth(t *testing.T) {
	t0 := time.Date(2015, 12, 1, 0, 0, 0, 0, time.UTC)
	m := func(p string, v float64) aqwarn.Measure { return aqwarn.Measure{Pollutant: p, Value: v} }
	rs := []aqwarn.Reading{
		{Station: "s1", Time: t0, Values: []aqwarn.Measure{m("pm25", 100), m("pm10", 150)}},
		{Station: "s2", Time: t0, Values: []aqwarn.Measure{m("pm25", 200)}},
		{Station: "s9", Time: t0, Values: []aqwarn.Measure{m("pm25", 900)}},                                           // not in the region
		{Station: "s1", Time: t0.Add(time.Hour), Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 50, Flag: "X"}}}, // flagged: nothing valid
		{Station: "s2", Time: t0.Add(2 * time.Hour), Values: []aqwarn.Measure{m("o3", 80)}},
	}
	got := RegionTruth(rs, map[string]bool{"s1": true, "s2": true})
	if len(got) != 2 || !got[0].Time.Equal(t0) || !got[1].Time.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("hours %+v, want t0 and t0+2h", got)
	}
	if v := got[0].Values[aqi.PM25]; v != 150 {
		t.Errorf("pm25 at t0 = %v, want the mean 150", v)
	}
	if v := got[0].Values[aqi.PM10]; v != 150 {
		t.Errorf("pm10 at t0 = %v, want 150 (one station)", v)
	}
	if v := got[0].Values[aqi.O3]; !math.IsNaN(v) {
		t.Errorf("o3 at t0 = %v, want missing", v)
	}
	if v := got[1].Values[aqi.O3]; v != 80 {
		t.Errorf("o3 at t0+2h = %v", v)
	}
}
