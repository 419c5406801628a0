package stats

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// The evaluation percentiles at their rank edges (HJ 663 Appendix A as
// spec/aqi.md gives it: sorted ascending, k = 1 + (n−1)·p/100, interpolated
// between the k-th and (k+1)-th values), through Summarise.
func TestEvaluationPercentiles(t *testing.T) {
	seq := func(n int, step float64) []float64 {
		var v []float64
		for i := n; i >= 1; i-- { // descending: Summarise must sort
			v = append(v, float64(i)*step)
		}
		return v
	}
	cases := []struct {
		name   string
		term   aqi.Term
		values []float64 // daily values; NaN = not valid
		p      float64
		want   float64
	}{
		// One value: every percentile is that value.
		{"CO n=1", aqi.TermCO, []float64{1.7}, 95, 1.7},
		// n=20 (1 … 20 mg/m³): k = 1 + 19·0.95 = 19.05, between the 19th and 20th: 19 + 0.05·1.
		{"CO n=20", aqi.TermCO, seq(20, 1), 95, 19.05},
		// n=21: k = 1 + 20·0.95 = 20 exactly: the 20th value, no interpolation.
		{"CO n=21", aqi.TermCO, seq(21, 1), 95, 20},
		// Invalid days are left out: n is still 21.
		{"CO n=21 with gaps", aqi.TermCO, append(seq(21, 1), math.NaN(), math.NaN()), 95, 20},
		// O3 8h P90, n=11: k = 1 + 10·0.9 = 10: the 10th value.
		{"O3_8h n=11", aqi.TermO3_8h, seq(11, 10), 90, 100},
		// n=10: k = 1 + 9·0.9 = 9.1: 90 + 0.1·(100 − 90).
		{"O3_8h n=10", aqi.TermO3_8h, seq(10, 10), 90, 91},
		// n=2: k = 1.9: 10 + 0.9·(20 − 10).
		{"O3_8h n=2", aqi.TermO3_8h, []float64{20, 10}, 90, 19},
		// SO2 P98, n=51: k = 1 + 50·0.98 = 50: the 50th value.
		{"SO2 n=51", aqi.TermSO2, seq(51, 1), 98, 50},
		// PM2.5 P95, n=365: k = 1 + 364·0.95 = 346.8: 346 + 0.8·1.
		{"PM2.5 n=365", aqi.TermPM25, seq(365, 1), 95, 346.8},
	}
	for _, c := range cases {
		var days []Day
		for i, v := range c.values {
			conc := clean()
			conc[c.term] = v
			days = append(days, dayOf(Date(2015, 1, 1).AddDate(0, 0, i), conc))
		}
		s := Summarise(Scope{"station", "s"}, days, YearPeriod(2015))
		st := s.Pollutants.Of(c.term)
		if st.Percentile != c.p {
			t.Errorf("%s: percentile %v, want %v", c.name, st.Percentile, c.p)
		}
		if st.PercentileValue == nil || !near(*st.PercentileValue, roundFor(c.term, c.want)) {
			t.Errorf("%s: P%v = %v, want %v", c.name, c.p, st.PercentileValue, c.want)
		}
	}
}

// Categories, ratios, heavy days and their primary pollutants over a
// hand-made month.
func TestSummariseCategories(t *testing.T) {
	p := MonthPeriod(2015, time.April)
	days := year(p, func(i int, d time.Time) Day {
		switch {
		case i < 10: // 10 excellent days
			return pm25Day(d, pmExcellent)
		case i < 20: // 10 good: PM2.5 50 → AQI 69
			return pm25Day(d, 50)
		case i < 25: // 5 light
			return pm25Day(d, pmLight)
		case i < 27: // 2 heavy, PM2.5 primary
			return pm25Day(d, pmHeavy)
		case i == 27: // 1 heavy day with O3 8h primary (8h 300 → 200 + 100·35/535 → AQI 207; 1h 350 → 175)
			c := clean()
			c[aqi.TermO3], c[aqi.TermO3_8h] = 350, 300
			return dayOf(d, c)
		case i == 28: // 1 severe day: PM2.5 300 → AQI 350
			return pm25Day(d, 300)
		}
		return invalidDay(d) // 1 day without data
	})
	s := Summarise(Scope{"region", "r"}, days, p)
	if s.Days != 30 || s.ValidDays != 29 {
		t.Fatalf("days %d valid %d, want 30 and 29", s.Days, s.ValidDays)
	}
	got := []int{s.Categories.Excellent.Days, s.Categories.Good.Days, s.Categories.Light.Days,
		s.Categories.Moderate.Days, s.Categories.Heavy.Days, s.Categories.Severe.Days}
	if !slices.Equal(got, []int{10, 10, 5, 0, 3, 1}) {
		t.Errorf("categories %v", got)
	}
	// 20 good of 29 valid = 68.97 %; 4 heavy of 29 = 13.79 %.
	if s.GoodDays != 20 || s.NonGoodDays != 9 || *s.GoodRatio != 69.0 {
		t.Errorf("good %d non-good %d ratio %v", s.GoodDays, s.NonGoodDays, *s.GoodRatio)
	}
	if s.HeavyDays != 4 || *s.HeavyRatio != 13.8 || len(s.Heavy) != 4 {
		t.Errorf("heavy %d ratio %v list %v", s.HeavyDays, *s.HeavyRatio, s.Heavy)
	}
	if s.HeavyPrimary["pm25"] != 3 || s.HeavyPrimary["o3_8h"] != 1 || len(s.HeavyPrimary) != 2 {
		t.Errorf("heavy primary %v", s.HeavyPrimary)
	}
	if s.Heavy[2].Date != "2015-04-28" || s.Heavy[2].AQI != 207 {
		t.Errorf("third heavy day %+v", s.Heavy[2])
	}
}

// A year of one-hourly data around the 2026 cutover: each day says its
// edition, the natural day is the hours labelled 01:00 … 24:00, and the
// region's day is computed from the stations' hourly means.
func TestDaysEditionAndNaturalDay(t *testing.T) {
	flat := func(pm25 float64) aqi.Hour {
		return aqi.Hour{aqi.SO2: 5, aqi.NO2: 10, aqi.PM10: 20, aqi.CO: 0.5, aqi.O3: 50, aqi.PM25: pm25}
	}
	start := Date(2026, time.February, 27) // label of the first hour: 00:00 of 27 February
	var a, b Hourly
	a.Start, b.Start = start, start
	for i := range 5 * 24 {
		label := start.Add(time.Duration(i) * time.Hour)
		pa, pb := 60.0, 80.0 // region mean 70
		if DayOf(label).Equal(Date(2026, time.February, 28)) {
			pa, pb = 90, 110 // 28 February's hours only: mean 100
		}
		a.Hours = append(a.Hours, flat(pa))
		b.Hours = append(b.Hours, flat(pb))
	}
	region := RegionHourly([]Hourly{a, b})
	days := Days(region, Between(Date(2026, 2, 27), Date(2026, 3, 3)), Options{})
	want := []struct {
		date    string
		edition aqi.Edition
		pm25    float64
		aqi     int
	}{
		// 27 Feb: its 00:00 hour belongs to 26 Feb, so only 23 hours, still ≥ 20. 2012: 70 → 94.
		{"2026-02-27", aqi.Edition2012, 70, 94},
		// 28 Feb: exactly its own 24 hours (01:00 … 1 March 00:00) at 100 → 2012 AQI 132.
		{"2026-02-28", aqi.Edition2012, 100, 132},
		// 1 March: HJ 633—2026, where 70 is above the new 60 row: 100 + 50·10/55 → 110.
		{"2026-03-01", aqi.Edition2026, 70, 110},
		{"2026-03-02", aqi.Edition2026, 70, 110},
	}
	if len(days) != len(want) {
		t.Fatalf("%d days", len(days))
	}
	for i, w := range want {
		d := days[i]
		if got := d.Date.Format(time.DateOnly); got != w.date || d.Edition != w.edition ||
			!near(d.Conc[aqi.TermPM25], w.pm25) || d.Result.AQI != w.aqi || !d.Valid() {
			t.Errorf("day %d: %s %v pm25 %v AQI %d valid %v, want %+v", i, got, d.Edition, d.Conc[aqi.TermPM25], d.Result.AQI, d.Valid(), w)
		}
	}
	s := Summarise(Scope{"region", "r"}, days, Between(Date(2026, 2, 27), Date(2026, 3, 3)))
	b2, _ := json.Marshal(s.Editions)
	if string(b2) != `[{"edition":2012,"name":"HJ 633—2012","from":"2026-02-27","to":"2026-02-28","days":2},{"edition":2026,"name":"HJ 633—2026","from":"2026-03-01","to":"2026-03-02","days":2}]` {
		t.Errorf("editions %s", b2)
	}
	// A day's JSON names its edition and date.
	j, _ := json.Marshal(days[2])
	if !strings.Contains(string(j), `"date":"2026-03-01","edition":2026,"aqi":110,"level":3,"category":"light"`) {
		t.Errorf("day JSON %s", j)
	}
	// The edition can be forced.
	forced := Days(region, DayPeriod(Date(2026, 3, 1)), Options{Edition: aqi.Edition2012})
	if forced[0].Edition != aqi.Edition2012 || forced[0].Result.AQI != 94 {
		t.Errorf("forced 2012: %v", forced[0].Result)
	}
}

// Under 2012 a daily maximum 8-hour O3 above 800 has no sub-index, but the
// day keeps its O3 value for the statistics.
func TestDayO3Above800KeepsValue(t *testing.T) {
	var hours [24]aqi.Hour
	for i := range hours {
		hours[i] = aqi.Hour{aqi.SO2: 5, aqi.NO2: 10, aqi.PM10: 20, aqi.CO: 0.5, aqi.O3: 1000, aqi.PM25: 20}
	}
	d := DayFrom(Date(2013, 8, 16), hours, Options{})
	if d.Edition != aqi.Edition2012 || d.Result.Flags&aqi.FlagO3_8hAbove800 == 0 {
		t.Fatalf("%v", d.Result)
	}
	if d.Conc[aqi.TermO3_8h] != 1000 {
		t.Errorf("O3 8h value %v, want 1000", d.Conc[aqi.TermO3_8h])
	}
}

// Periods: parsing, seasons, last year.
func TestPeriods(t *testing.T) {
	cases := []struct {
		in, from, to, last string // last: LastYear as from/to
	}{
		// A year, and its predecessor.
		{"2016", "2016-01-01", "2017-01-01", "2015-01-01/2016-01-01"},
		// A leap February: last year's is 28 days.
		{"2016-02", "2016-02-01", "2016-03-01", "2015-02-01/2015-03-01"},
		// Winter of 2016 is December 2015 to February 2016.
		{"2016-winter", "2015-12-01", "2016-03-01", "2014-12-01/2015-03-01"},
		{"2016-summer", "2016-06-01", "2016-09-01", "2015-06-01/2015-09-01"},
		// 29 February alone: last year's 28 February (to 1 March).
		{"2016-02-29", "2016-02-29", "2016-03-01", "2015-02-28/2015-03-01"},
		// Any span, the end exclusive.
		{"2015-03-01/2015-06-01", "2015-03-01", "2015-06-01", "2014-03-01/2014-06-01"},
	}
	for _, c := range cases {
		p, err := ParsePeriod(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if p.Label != c.in || p.From.Format(time.DateOnly) != c.from || p.To.Format(time.DateOnly) != c.to {
			t.Errorf("%s: %s %v..%v", c.in, p.Label, p.From, p.To)
		}
		l := p.LastYear()
		if got := l.From.Format(time.DateOnly) + "/" + l.To.Format(time.DateOnly); got != c.last {
			t.Errorf("%s: last year %s, want %s", c.in, got, c.last)
		}
	}
	for _, bad := range []string{"", "15", "2015-13", "2015-fall", "2015-03-01/2015-03-01", "x/y"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	// The label 2015-01-02 00:00 ends the natural day 1 January.
	if d := DayOf(Date(2015, 1, 2)); !d.Equal(Date(2015, 1, 1)) {
		t.Errorf("DayOf = %v", d)
	}
}

// Compare: counts, ratio points, means valid only when both are.
func TestCompare(t *testing.T) {
	now := year(YearPeriod(2015), func(i int, d time.Time) Day {
		if i < 5 {
			return pm25Day(d, pmHeavy)
		}
		return pm25Day(d, pmExcellent)
	})
	last := year(YearPeriod(2014), func(i int, d time.Time) Day {
		if i < 10 {
			return pm25Day(d, pmHeavy)
		}
		return pm25Day(d, pmExcellent)
	})
	c := Compare(Summarise(Scope{}, now, YearPeriod(2015)), Summarise(Scope{}, last, YearPeriod(2015).LastYear()))
	if *c.HeavyDays.Diff != -5 || *c.HeavyDays.DiffPct != -50 || !c.HeavyDays.Valid {
		t.Errorf("heavy %+v", c.HeavyDays)
	}
	// 360/365 = 98.6 % against 355/365 = 97.3 %: +1.3 points, no relative change.
	if *c.GoodRatio.Diff != 1.3 || c.GoodRatio.DiffPct != nil {
		t.Errorf("ratio %+v", c.GoodRatio)
	}
	// PM2.5 means (5·200 + 360·20)/365 = 22.47 → 22.5 and (10·200 + 355·20)/365 = 24.93 → 24.9.
	if *c.Means.PM25.Now != 22.5 || *c.Means.PM25.LastYear != 24.9 || *c.Means.PM25.Diff != -2.4 || !c.Means.PM25.Valid {
		t.Errorf("pm25 %+v", c.Means.PM25)
	}
	// Against a partial year the counts do not compare (the means neither).
	partial := last[:200]
	c = Compare(Summarise(Scope{}, now, YearPeriod(2015)), Summarise(Scope{}, partial, YearPeriod(2014)))
	if c.HeavyDays.Valid || c.GoodRatio.Valid || c.Means.PM25.Valid || *c.HeavyDays.Diff != -5 {
		t.Errorf("against a partial year: %+v %+v", c.HeavyDays, c.Means.PM25)
	}
	// Against a year without data nothing compares.
	c = Compare(Summarise(Scope{}, now, YearPeriod(2015)), Summarise(Scope{}, nil, YearPeriod(2014)))
	if c.Means.PM25.Valid || c.Means.PM25.Diff != nil || c.GoodDays.Valid {
		t.Errorf("against nothing: %+v %+v", c.Means.PM25, c.GoodDays)
	}
}
