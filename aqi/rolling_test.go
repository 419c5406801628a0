package aqi

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// refDaily is a plain re-implementation of the daily rules over a slice of
// at least 24 hours ending at end (inclusive), for cross-checking Rolling.
func refDaily(hours []Hour, end int, ed Edition, opt Options) Result {
	at := func(i int) Hour {
		if i < 0 {
			return MissingHour()
		}
		return hours[i]
	}
	m := MissingConcentrations()
	for _, p := range []Pollutant{SO2, NO2, PM10, CO, PM25} {
		sum, n := 0.0, 0
		for i := end - 23; i <= end; i++ {
			if v := at(i)[p]; !math.IsNaN(v) {
				sum += v
				n++
			}
		}
		if n >= 20 {
			m[p] = sum / float64(n)
		}
	}
	for i := end - 23; i <= end; i++ {
		if v := at(i)[O3]; !math.IsNaN(v) && (math.IsNaN(m[TermO3]) || v > m[TermO3]) {
			m[TermO3] = v
		}
	}
	for e := end - 16; e <= end; e++ { // 8h windows inside the 24 hours
		if mean := ref8h(at, e); !math.IsNaN(mean) && (math.IsNaN(m[TermO3_8h]) || mean > m[TermO3_8h]) {
			m[TermO3_8h] = mean
		}
	}
	return DailyFromMeans(m, ed, opt)
}

func ref8h(at func(int) Hour, e int) float64 {
	sum, n := 0.0, 0
	for i := e - 7; i <= e; i++ {
		if v := at(i)[O3]; !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n < 6 {
		return math.NaN()
	}
	return sum / float64(n)
}

func refMean24(hours []Hour, end int, p Pollutant) float64 {
	sum, n := 0.0, 0
	for i := max(0, end-23); i <= end; i++ {
		if v := hours[i][p]; !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n < 20 {
		return math.NaN()
	}
	return sum / float64(n)
}

// sameResult compares results, NaN concentrations being equal.
func sameResult(a, b Result) bool {
	for t := range NumTerms {
		if math.IsNaN(a.Conc[t]) && math.IsNaN(b.Conc[t]) {
			a.Conc[t], b.Conc[t] = 0, 0
		}
	}
	return a == b
}

// randomSeries makes hours with one-decimal values, scattered gaps and
// occasional long outages so that the 20-of-24 and 6-of-8 rules are hit
// from both sides.
func randomSeries(rng *rand.Rand, n int) []Hour {
	hours := make([]Hour, n)
	outage := 0
	scale := [NumPollutants]float64{SO2: 1000, NO2: 400, PM10: 700, CO: 20, O3: 1100, PM25: 600}
	for i := range hours {
		if outage == 0 && rng.IntN(40) == 0 {
			outage = 1 + rng.IntN(8)
		}
		for p := range NumPollutants {
			switch {
			case outage > 0 || rng.IntN(8) == 0:
				hours[i][p] = math.NaN()
			case p == CO:
				hours[i][p] = float64(rng.IntN(int(scale[p]*100))) / 100
			default:
				hours[i][p] = float64(rng.IntN(int(scale[p]*10))) / 10
			}
		}
		if outage > 0 {
			outage--
		}
	}
	return hours
}

func TestRollingMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 633))
	hours := randomSeries(rng, 3000)
	var seen struct{ na, pmMissing, pmValid, o3Missing, o3Valid int }
	for _, ed := range []Edition{Edition2012, Edition2026} {
		for _, method := range []HourlyMethod{PlatformPractice, Literal2012} {
			opt := Options{Method: method}
			r := NewRolling(opt)
			for i, h := range hours {
				r.Push(h)
				got, want := r.Daily(ed), refDaily(hours, i, ed, opt)
				if !sameResult(got, want) {
					t.Fatalf("%d daily at %d: got %v, want %v", ed, i, got, want)
				}
				seen.na += b2i(got.NA)
				seen.pmMissing += b2i(got.Missing.Has(PM25))
				seen.pmValid += b2i(!got.Missing.Has(PM25))
				seen.o3Missing += b2i(got.IAQI[TermO3_8h] < 0)
				seen.o3Valid += b2i(got.IAQI[TermO3_8h] >= 0)
				if ed == Edition2012 && method == Literal2012 {
					want = HourlyLiteral2012(h, MovingMeans{
						PM10_24h: refMean24(hours, i, PM10),
						PM25_24h: refMean24(hours, i, PM25),
						SO2_24h:  refMean24(hours, i, SO2),
						O3_8h:    ref8h(func(j int) Hour { return hoursAt(hours, j) }, i),
					}, opt)
				} else {
					want = HourlyAQIOpt(h, ed, opt)
				}
				if got := r.Hourly(ed); !sameResult(got, want) {
					t.Fatalf("%d %s hourly at %d: got %v, want %v", ed, method, i, got, want)
				}
			}
		}
	}
	// The series must reach both sides of the validity rules.
	if seen.na == 0 || seen.pmMissing < 100 || seen.pmValid < 100 || seen.o3Missing < 100 || seen.o3Valid < 100 {
		t.Fatalf("random series too tame: %+v", seen)
	}
	// RollingDaily and DailyAQI agree with the streaming form.
	out := RollingDaily(hours, Edition2026, Options{}, nil)
	for i := 23; i < len(hours); i += 97 {
		if got := DailyAQI([24]Hour(hours[i-23:i+1]), Edition2026, Options{}); !sameResult(got, out[i]) {
			t.Fatalf("DailyAQI at %d = %v, RollingDaily %v", i, got, out[i])
		}
	}
}

func hoursAt(hours []Hour, i int) Hour {
	if i < 0 {
		return MissingHour()
	}
	return hours[i]
}

func TestDailyValidity(t *testing.T) {
	day := func(f func(i int) Hour) [24]Hour {
		var d [24]Hour
		for i := range d {
			d[i] = f(i)
		}
		return d
	}
	pmValid := func(n int) [24]Hour {
		return day(func(i int) Hour {
			if i < n {
				return hourOf(map[Pollutant]float64{PM25: 100})
			}
			return MissingHour()
		})
	}
	// 20 valid hours make a 24h mean: PM2.5 100 → 2012 100 + 50·25/40 = 131.25 → 132.
	if r := DailyAQI(pmValid(20), Edition2012, only(PM25)); r.IAQI[TermPM25] != 132 || r.AQI != 132 {
		t.Errorf("20 valid hours: %v", r)
	}
	// 19 are not enough: PM2.5 missing, nothing else valid: NA.
	if r := DailyAQI(pmValid(19), Edition2012, only(PM25)); !r.NA || !r.Missing.Has(PM25) {
		t.Errorf("19 valid hours: %v", r)
	}
	o3 := func(valid int) [24]Hour {
		// O3 valid only in the last `valid` hours of the day, at 200.
		return day(func(i int) Hour {
			if i >= 24-valid {
				return hourOf(map[Pollutant]float64{O3: 200})
			}
			return MissingHour()
		})
	}
	// 6 valid hours in the last 8h window: 8h mean 200 → 2026 100 + 50·40/55 = 136.4 → 137.
	if r := DailyAQI(o3(6), Edition2026, only(O3)); r.IAQI[TermO3_8h] != 137 {
		t.Errorf("6 of 8: %v", r)
	}
	// 5 valid hours: no 8h mean at all; 2026 daily has no 1h term: NA.
	if r := DailyAQI(o3(5), Edition2026, only(O3)); !r.NA || r.IAQI[TermO3_8h] != -1 {
		t.Errorf("5 of 8: %v", r)
	}
	// 2012 keeps the daily max 1h term: O3 200 → 100, level 2, from 5 hours.
	if r := DailyAQI(o3(5), Edition2012, only(O3)); r.AQI != 100 || r.IAQI[TermO3] != 100 || !r.Missing.Has(O3) {
		t.Errorf("2012 5 of 8: %v", r)
	}

	// The maximum 8h mean only uses windows inside the 24 hours. The day has
	// O3 400 in its first 7 hours and 0 after; the day before is 400 all day.
	// Inside windows: the best ends at the 8th hour, (7·400 + 0)/8 = 350 →
	// 2026 200 + 100·85/535 = 215.9 → 216. Windows reaching into the day
	// before would have given 400.
	today := day(func(i int) Hour {
		if i < 7 {
			return hourOf(map[Pollutant]float64{O3: 400})
		}
		return hourOf(map[Pollutant]float64{O3: 0})
	})
	r := NewRolling(only(O3))
	for range 24 {
		r.Push(hourOf(map[Pollutant]float64{O3: 400}))
	}
	for _, h := range today {
		r.Push(h)
	}
	for name, res := range map[string]Result{"rolling": r.Daily(Edition2026), "DailyAQI": DailyAQI(today, Edition2026, only(O3))} {
		if res.Conc[TermO3_8h] != 350 || res.AQI != 216 {
			t.Errorf("%s: max 8h %v AQI %d, want 350 and 216", name, res.Conc[TermO3_8h], res.AQI)
		}
	}
	// An empty Rolling reports NA for both kinds.
	var empty Rolling
	if h, d := empty.Hourly(Edition2012), empty.Daily(Edition2026); !h.NA || !d.NA {
		t.Errorf("empty Rolling: %v / %v", h, d)
	}
}

func TestRegionHour(t *testing.T) {
	nan := math.NaN()
	got := RegionHour([]Hour{
		{SO2: 10, NO2: 20, PM10: nan, CO: 1.0, O3: -1, PM25: 35},
		{SO2: 20, NO2: nan, PM10: nan, CO: 2.0, O3: 50, PM25: 36},
	})
	// Means of the valid values only; a negative is not valid; PM10 has none.
	want := Hour{SO2: 15, NO2: 20, PM10: nan, CO: 1.5, O3: 50, PM25: 35.5}
	for p := range NumPollutants {
		if got[p] != want[p] && !(math.IsNaN(got[p]) && math.IsNaN(want[p])) {
			t.Errorf("%s: got %v, want %v", p, got[p], want[p])
		}
	}
	// The region AQI comes from the means, not from averaging AQIs:
	// PM2.5 35.5 → 2012 50 + 50·0.5/40 = 50.6 → 51, whereas the stations' AQIs are 50 and 52.
	if r := HourlyAQIOpt(got, Edition2012, only(PM25)); r.AQI != 51 {
		t.Errorf("region AQI %v", r)
	}
}

func TestProperties(t *testing.T) {
	// Seeded random hours: every AQI lies in 0..500, equals the largest
	// sub-index, and never falls when one concentration rises — except across
	// the two 2012 edge rules that drop a term (SO2 1h and O3 8h above 800),
	// which are kept out of range here and tested on their own.
	rng := rand.New(rand.NewPCG(1, 2))
	draw := func(p Pollutant, top float64) float64 {
		if rng.IntN(10) == 0 {
			return math.NaN()
		}
		if p == CO {
			return rng.Float64() * top / 40
		}
		return rng.Float64() * top
	}
	consistent := func(r Result) {
		t.Helper()
		if r.NA {
			if r.AQI != 0 || r.Level != 0 || r.Primary != 0 {
				t.Fatalf("NA result with values: %v", r)
			}
			return
		}
		top := -1
		for _, v := range r.IAQI {
			top = max(top, v)
		}
		if r.AQI < 0 || r.AQI > 500 || (r.AQI != top && !(r.Edition == Edition2026 && top == 0 && r.AQI == 1)) {
			t.Fatalf("AQI %d outside 0..500 or not the max sub-index %d: %v", r.AQI, top, r)
		}
		if r.Level != LevelOf(r.AQI) || (r.Primary == 0) != (r.AQI <= 50) {
			t.Fatalf("level or primary inconsistent: %v", r)
		}
	}
	for range 20000 {
		var h Hour
		for p := range NumPollutants {
			h[p] = draw(p, 3000)
		}
		p := Pollutant(rng.IntN(int(NumPollutants)))
		up := h
		if math.IsNaN(up[p]) {
			continue
		}
		up[p] += rng.Float64() * 200
		for _, ed := range []Edition{Edition2012, Edition2026} {
			if ed == Edition2012 && up[SO2] > 800 {
				continue
			}
			a, b := HourlyAQI(h, ed), HourlyAQI(up, ed)
			consistent(a)
			consistent(b)
			if !a.NA && !b.NA && b.AQI < a.AQI {
				t.Fatalf("%d: raising %s from %v to %v lowered the AQI %d → %d", ed, p, h[p], up[p], a.AQI, b.AQI)
			}
		}

		var m Concentrations
		for tm := range NumTerms {
			m[tm] = draw(tm.Pollutant(), 2000)
		}
		tm := Term(rng.IntN(int(NumTerms)))
		mu := m
		if math.IsNaN(mu[tm]) {
			continue
		}
		mu[tm] += rng.Float64() * 100
		for _, ed := range []Edition{Edition2012, Edition2026} {
			if ed == Edition2012 && mu[TermO3_8h] > 800 {
				continue
			}
			a, b := DailyFromMeans(m, ed, Options{}), DailyFromMeans(mu, ed, Options{})
			consistent(a)
			consistent(b)
			if !a.NA && !b.NA && b.AQI < a.AQI {
				t.Fatalf("%d daily: raising %s lowered the AQI %d → %d", ed, tm, a.AQI, b.AQI)
			}
		}
	}
}

func TestStatistics(t *testing.T) {
	xs := []float64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5, math.NaN()}
	cases := []struct {
		p, want float64
	}{
		{90, 9.1},  // k = 1 + 9·0.9 = 9.1: 9 + 0.1·(10 − 9)
		{50, 5.5},  // k = 5.5
		{98, 9.82}, // k = 9.82
		{0, 1},     // k = 1
		{100, 10},  // k = 10: the maximum
	}
	for _, c := range cases {
		if got, ok := Percentile(xs, c.p); !ok || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("P%v = %v, %v; want %v", c.p, got, ok, c.want)
		}
	}
	if _, ok := Percentile([]float64{math.NaN()}, 50); ok {
		t.Error("percentile of nothing")
	}
	if v, ok := Percentile([]float64{42}, 95); !ok || v != 42 {
		t.Errorf("single value: %v", v)
	}
	for tm, want := range map[Term]float64{TermSO2: 98, TermNO2: 98, TermPM10: 95, TermPM25: 95, TermCO: 95, TermO3_8h: 90} {
		if p, ok := EvaluationPercentile(tm); !ok || p != want {
			t.Errorf("EvaluationPercentile(%s) = %v", tm, p)
		}
	}
	if _, ok := EvaluationPercentile(TermO3); ok {
		t.Error("1h O3 has no evaluation percentile")
	}

	year := func(y int, drop func(day int) bool) []float64 {
		n := daysIn(y)
		d := make([]float64, n)
		for i := range d {
			d[i] = float64(i % 7)
			if drop(i) {
				d[i] = math.NaN()
			}
		}
		return d
	}
	// A full 2023: mean of i%7 over 365 days.
	full := year(2023, func(int) bool { return false })
	if m, ok := AnnualMean(2023, full); !ok || math.Abs(m-float64(52*21+0)/365) > 1e-12 {
		t.Errorf("full year: %v %v", m, ok)
	}
	// February (days 31..58) with only 25 valid days is still valid.
	if _, ok := AnnualMean(2023, year(2023, func(i int) bool { return i >= 31 && i < 34 })); !ok {
		t.Error("February with 25 days should be valid")
	}
	// 24 in February is not.
	if _, ok := AnnualMean(2023, year(2023, func(i int) bool { return i >= 31 && i < 35 })); ok {
		t.Error("February with 24 days should be invalid")
	}
	// March with 26 is not.
	if _, ok := AnnualMean(2023, year(2023, func(i int) bool { return i >= 59 && i < 64 })); ok {
		t.Error("March with 26 days should be invalid")
	}
	// Every month at its minimum (27, February 25) gives 322 < 324 days: invalid.
	minimal := year(2023, func(int) bool { return false })
	perMonth := map[int]int{}
	for i := range minimal {
		mo := int(dateOf(2023, i).Month())
		need := 27
		if mo == 2 {
			need = 25
		}
		if perMonth[mo] >= need {
			minimal[i] = math.NaN()
		}
		perMonth[mo]++
	}
	if _, ok := AnnualMean(2023, minimal); ok {
		t.Error("322 days should be invalid")
	}
	// A leap year needs 366 values.
	if _, ok := AnnualMean(2024, full); ok {
		t.Error("2024 with 365 values accepted")
	}

	good := Result{AQI: 80, Level: 2}
	heavy := Result{AQI: 250, Level: 5}
	severe := Result{AQI: 320, Level: 6}
	partial := Result{AQI: 120, Level: 3, Missing: PollutantsOf(O3)}
	na := Result{NA: true}
	s := SummariseDays([]Result{good, good, heavy, severe, partial, na})
	if s.Days != 6 || s.Valid != 4 || s.Good() != 2 || s.HeavyOrWorse() != 2 || s.Severe() != 1 {
		t.Errorf("summary %+v", s)
	}
	if r, ok := s.GoodRatio(); !ok || r != 0.5 {
		t.Errorf("good ratio %v", r)
	}
	if _, ok := (DaySummary{}).GoodRatio(); ok {
		t.Error("ratio without days")
	}
}

func dateOf(year, i int) time.Time {
	return time.Date(year, time.January, 1+i, 0, 0, 0, 0, time.UTC)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
