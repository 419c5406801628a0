package stats

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// perMonth builds MeanValidity's counts: valid days per month of year y
// (index 0 = January).
func perMonth(y int, valid [12]int) map[int]int {
	m := map[int]int{}
	for i, n := range valid {
		m[y*12+i] = n
	}
	return m
}

// full is every day of 2015 valid.
var full2015 = [12]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func with(base [12]int, month time.Month, n int) [12]int {
	base[month-1] = n
	return base
}

// The validity rule of GB 3095—2012 Table 4 at its edges.
func TestMeanValidityEdges(t *testing.T) {
	// 324 valid days in 2015 spread so that every month is allowed: take
	// days off full months, keeping each at or above its minimum.
	exactly := func(total int) [12]int {
		v := full2015
		off := 365 - total
		for i := range v {
			need := 27
			if i == 1 {
				need = 25
			}
			d := min(off, v[i]-need)
			v[i] -= d
			off -= d
		}
		return v
	}
	jan10 := Between(Date(2015, 1, 1), Date(2015, 1, 11))
	cases := []struct {
		name   string
		p      Period
		valid  map[int]int
		ok     bool
		reason string // a substring of one reason, when not ok
	}{
		// Every day valid: a valid year.
		{"full year", YearPeriod(2015), perMonth(2015, full2015), true, ""},
		// 324 valid days, each month at or above its minimum: valid.
		{"324 days", YearPeriod(2015), perMonth(2015, exactly(324)), true, ""},
		// 323 days, months still all allowed: only the 324 rule fails.
		{"323 days", YearPeriod(2015), perMonth(2015, exactly(323)), false, "323 valid days, the year needs 324"},
		// A 31-day month with exactly 27 valid days is allowed…
		{"month 27", MonthPeriod(2015, time.March), perMonth(2015, with(full2015, time.March, 27)), true, ""},
		// …26 is not, even when the year has enough days overall.
		{"month 26", MonthPeriod(2015, time.March), perMonth(2015, with(full2015, time.March, 26)), false, "2015-03: 26 valid days, the month needs 27"},
		{"year with a 26-day month", YearPeriod(2015), perMonth(2015, with(full2015, time.March, 26)), false, "2015-03: 26 valid days"},
		// A 30-day month: 27 is the minimum there too.
		{"30-day month 27", MonthPeriod(2015, time.April), perMonth(2015, with(full2015, time.April, 27)), true, ""},
		{"30-day month 26", MonthPeriod(2015, time.April), perMonth(2015, with(full2015, time.April, 26)), false, "needs 27"},
		// February needs 25, in a common and in a leap year.
		{"February 25", MonthPeriod(2015, time.February), perMonth(2015, with(full2015, time.February, 25)), true, ""},
		{"February 24", MonthPeriod(2015, time.February), perMonth(2015, with(full2015, time.February, 24)), false, "2015-02: 24 valid days, the month needs 25"},
		{"leap February 25", MonthPeriod(2016, time.February), perMonth(2016, with(full2015, time.February, 25)), true, ""},
		// A season is judged month by month: one month short fails it.
		{"season full", SeasonPeriod(2015, Summer), perMonth(2015, full2015), true, ""},
		{"season short month", SeasonPeriod(2015, Summer), perMonth(2015, with(full2015, time.July, 26)), false, "2015-07"},
		// Winter 2015 is December 2014 to February 2015: December 2014 has no data here.
		{"winter without December", SeasonPeriod(2015, Winter), perMonth(2015, full2015), false, "2014-12: 0 valid days"},
		// 1–10 January may lack as many days as the whole month may (4)…
		{"part month 4 missing", jan10, perMonth(2015, with(full2015, time.January, 6)), true, ""},
		// …but not 5.
		{"part month 5 missing", jan10, perMonth(2015, with(full2015, time.January, 5)), false, "5 of 10 days not valid, the month allows 4"},
		// A day: its value is the mean when valid.
		{"day valid", DayPeriod(Date(2015, 5, 1)), perMonth(2015, with(full2015, time.May, 1)), true, ""},
		{"day not valid", DayPeriod(Date(2015, 5, 1)), map[int]int{}, false, "no valid day"},
		// An empty period has no mean.
		{"empty", Period{From: Date(2015, 5, 1), To: Date(2015, 5, 1)}, map[int]int{}, false, "empty period"},
	}
	for _, c := range cases {
		ok, why := MeanValidity(c.p, c.valid)
		if ok != c.ok {
			t.Errorf("%s: ok = %v, want %v (%v)", c.name, ok, c.ok, why)
			continue
		}
		if !ok && !strings.Contains(strings.Join(why, "; "), c.reason) {
			t.Errorf("%s: reasons %q, want one with %q", c.name, why, c.reason)
		}
	}
}

// The same rule through Summarise: 323 against 324 valid PM2.5 days in a
// year, every other value present; the mean is reported either way.
func TestSummariseAnnualValidity(t *testing.T) {
	for _, valid := range []int{323, 324} {
		// Days to drop: 42 or 41, the first days of each month up to what
		// the month may lack (4 of 31, 3 of 30 or of February's 28), so no
		// month falls below its minimum.
		drop := 365 - valid
		days := year(YearPeriod(2015), func(i int, d time.Time) Day {
			day := pm25Day(d, 30)
			if d.Day() <= daysIn(2015, d.Month())-monthMinimum(d.Month()) && drop > 0 {
				drop--
				day = pm25Day(d, math.NaN())
			}
			return day
		})
		s := Summarise(Scope{"region", "r"}, days, YearPeriod(2015))
		pm := s.Pollutants.PM25
		if pm.ValidDays != valid {
			t.Fatalf("%d: %d valid PM2.5 days", valid, pm.ValidDays)
		}
		if want := valid == 324; pm.Valid != want {
			t.Errorf("%d valid days: valid = %v, want %v (%v)", valid, pm.Valid, want, pm.Invalid)
		}
		if pm.Mean == nil || *pm.Mean != 30 {
			t.Errorf("%d valid days: mean %v, want 30 reported even when not valid", valid, pm.Mean)
		}
		// A missing PM2.5 makes the day's report incomplete too, so the
		// categories count the same days.
		if s.ValidDays != valid {
			t.Errorf("%d: %d valid days for categories", valid, s.ValidDays)
		}
	}
}

// MeanValidity over calendar years agrees with aqi.AnnualMean, the rule's
// other implementation, on many random patterns of missing days.
func TestMeanValidityAgreesWithAnnualMean(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 663))
	for n := range 3000 {
		y := 2013 + n%5
		p := YearPeriod(y)
		daily := make([]float64, p.Days())
		counts := map[int]int{}
		missRate := r.Float64() * 0.2
		for i := range daily {
			d := p.From.AddDate(0, 0, i)
			if r.Float64() < missRate {
				daily[i] = math.NaN()
				continue
			}
			daily[i] = 1
			counts[monthKey(d)]++
		}
		_, want := aqi.AnnualMean(y, daily)
		got, why := MeanValidity(p, counts)
		if got != want {
			t.Fatalf("year %d case %d: MeanValidity %v (%v), aqi.AnnualMean %v", y, n, got, why, want)
		}
	}
}
