package statsreport

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/stats"
)

func plan(t *testing.T) *alert.Plan {
	t.Helper()
	b, err := os.ReadFile("../../configs/plans/jianghua-2024.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := alert.ParsePlan(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func at(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, aqi.CST) }

// A warning issued on the 14th at 16:00, yellow from the 15th 00:00,
// orange from the 16th 06:00, lifted effective the 18th 12:00.
func sample(p *alert.Plan) Warning {
	lifted, eff := at(18, 9), at(18, 12)
	w := lifecycle.Warning{ID: 7, Region: "jianghua", LevelID: "orange", Issued: at(14, 16), EffectiveStart: at(15, 0),
		Lifted: &lifted, LiftEffective: &eff, Transitions: []lifecycle.Transition{
			{Kind: alert.KindIssue, ToID: "yellow", At: at(14, 16), Start: at(15, 0)},
			{Kind: alert.KindExtend, ToID: "yellow", At: at(15, 10), Start: at(15, 10)},
			{Kind: alert.KindUpgrade, ToID: "orange", At: at(16, 4), Start: at(16, 6)},
			{Kind: alert.KindLift, ToID: "none", At: lifted, Start: eff}}}
	return WarningOf(p, w)
}

// WarningOf names the region and the levels, each from its effective
// start; an extension is no new level; the lift ends the last one.
func TestWarningOf(t *testing.T) {
	w := sample(plan(t))
	if w.RegionZH == "" || w.End == nil || !w.End.Equal(at(18, 12)) || !w.Start.Equal(at(15, 0)) {
		t.Errorf("warning %+v", w)
	}
	var got []string
	for _, l := range w.Levels {
		to := "open"
		if l.To != nil {
			to = l.To.In(aqi.CST).Format("02 15h")
		}
		got = append(got, fmt.Sprintf("%s %s–%s rank %d %s", l.ID, l.From.In(aqi.CST).Format("02 15h"), to, l.Rank, l.Color))
	}
	want := []string{"yellow 15 00h–16 06h rank 1 #FFFF00", "orange 16 06h–open rank 2 #FF7E00"}
	if !slices.Equal(got, want) {
		t.Errorf("levels %q, want %q", got, want)
	}
}

// Beside: each heavy day with the warnings in force some time of it, at
// the highest level of that day, and whether it was issued ahead.
func TestBeside(t *testing.T) {
	w := sample(plan(t))
	for _, c := range []struct {
		date  string
		want  string // "" none, else level and ahead
		about string
	}{
		{"2026-11-14", "", "issued that afternoon, in force only from the next midnight: no level that day"},
		{"2026-11-15", "yellow ahead", "yellow all day, issued the day before"},
		{"2026-11-16", "orange ahead", "yellow until 06:00, then orange: the highest counts"},
		{"2026-11-18", "orange ahead", "in force until its lift takes effect at 12:00"},
		{"2026-11-19", "", "lifted the day before"},
		{"2026-11-13", "", "before its issue"},
	} {
		got := Beside([]stats.HeavyDay{{Date: c.date, AQI: 250, Level: 5}}, []Warning{w})[0]
		s := ""
		if len(got.Warnings) > 0 {
			cv := got.Warnings[0]
			s = cv.Level.ID + map[bool]string{true: " ahead", false: " late"}[cv.IssuedBefore]
		}
		if s != c.want {
			t.Errorf("%s (%s): %q, want %q", c.date, c.about, s, c.want)
		}
	}
}

// Related: a region's warnings are its own, those above and below it; a
// station's those of its region and above.
func TestRelated(t *testing.T) {
	regions := []aqwarn.Region{{ID: "county"}, {ID: "a", Parent: "county"}, {ID: "a1", Parent: "a"}, {ID: "b", Parent: "county"}}
	stations := []aqwarn.Station{{ID: "s", Region: "a"}}
	for _, c := range []struct {
		sc   stats.Scope
		want []string
	}{
		{stats.Scope{Kind: "region", ID: "county"}, []string{"a", "a1", "b", "county"}}, // the county's year has its towns' warnings
		{stats.Scope{Kind: "region", ID: "a"}, []string{"a", "a1", "county"}},           // a town: its own, its sub-town's, the county's
		{stats.Scope{Kind: "station", ID: "s"}, []string{"a", "county"}},                // a station: its town and the county
		{stats.Scope{Kind: "station", ID: "gone"}, []string{}},                          // not configured: nothing
	} {
		var got []string
		for r := range Related(regions, stations, c.sc) {
			got = append(got, r)
		}
		slices.Sort(got)
		if got == nil {
			got = []string{}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%v: %v, want %v", c.sc, got, c.want)
		}
	}
}

// Bands are package aqi's categories, their colours and ranges.
func TestBands(t *testing.T) {
	bs := Bands()
	if len(bs) != 6 {
		t.Fatalf("%d bands", len(bs))
	}
	for _, b := range bs {
		c := aqi.CategoryOf(b.Level)
		if b.Color != c.Color || b.CategoryZH != c.ZH || aqi.LevelOf(b.AQIMin) != b.Level || (b.AQIMax != nil && aqi.LevelOf(*b.AQIMax+1) == b.Level) {
			t.Errorf("band %+v", b)
		}
	}
	if bs[0].AQIMin != 0 || *bs[1].AQIMax != 100 || bs[5].AQIMin != 301 || bs[5].AQIMax != nil {
		t.Errorf("ranges: %+v", bs)
	}
}
