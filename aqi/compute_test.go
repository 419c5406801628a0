package aqi

import (
	"math"
	"testing"
	"time"
)

// hourOf builds an hour from the given values; every other pollutant is missing.
func hourOf(vals map[Pollutant]float64) Hour {
	h := MissingHour()
	for p, v := range vals {
		h[p] = v
	}
	return h
}

// meansOf builds daily concentrations; every other term is missing.
func meansOf(vals map[Term]float64) Concentrations {
	m := MissingConcentrations()
	for t, v := range vals {
		m[t] = v
	}
	return m
}

// all measured but the given ones
func only(ps ...Pollutant) Options {
	return Options{NotMeasured: AllPollutants &^ PollutantsOf(ps...)}
}

// want is the part of a Result a case checks.
type want struct {
	aqi     int
	na      bool
	level   int
	primary TermSet
	beyond  bool
	flags   Flags
	iaqi    map[Term]int // only the listed terms are checked
	conc    map[Term]float64
	over    TermSet
	groups  GroupSet
	missing PollutantSet
}

func check(t *testing.T, name string, r Result, w want) {
	t.Helper()
	if r.NA != w.na || r.AQI != w.aqi || r.Level != w.level || r.Primary != w.primary ||
		r.BeyondIndex != w.beyond || r.Flags != w.flags || r.OverStandard != w.over ||
		r.SensitiveGroups != w.groups || r.Missing != w.missing {
		t.Errorf("%s: got %v over=%v groups=%v\nwant AQI %d NA %v L%d primary=%v beyond %v flags=%v over=%v groups=%v missing=%v",
			name, r, r.OverStandard, r.SensitiveGroups, w.aqi, w.na, w.level, w.primary, w.beyond, w.flags, w.over, w.groups, w.missing)
	}
	for term, v := range w.iaqi {
		if r.IAQI[term] != v {
			t.Errorf("%s: IAQI[%s] = %d, want %d", name, term, r.IAQI[term], v)
		}
	}
	for term, v := range w.conc {
		if r.Conc[term] != v && !(math.IsNaN(v) && math.IsNaN(r.Conc[term])) {
			t.Errorf("%s: Conc[%s] = %v, want %v", name, term, r.Conc[term], v)
		}
	}
}

func TestHourly(t *testing.T) {
	pm := PollutantsOf(PM25)
	cases := []struct {
		name string
		h    Hour
		ed   Edition
		opt  Options
		want want
	}{
		{
			// 2012 puts 1h PM2.5 on the 24h column: 50 + 50·(70−35)/40 = 93.75 → 94.
			name: "2012 PM2.5 70", h: hourOf(map[Pollutant]float64{PM25: 70}), ed: Edition2012, opt: only(PM25),
			want: want{aqi: 94, level: 2, primary: TermsOf(TermPM25), iaqi: map[Term]int{TermPM25: 94}},
		},
		{
			// 2026 lowers the 100 row to 60: 100 + 50·(70−60)/55 = 109.09 → 110; PM groups warned.
			name: "2026 PM2.5 70", h: hourOf(map[Pollutant]float64{PM25: 70}), ed: Edition2026, opt: only(PM25),
			want: want{aqi: 110, level: 3, primary: TermsOf(TermPM25), groups: SensitiveGroupsOf(PM25)},
		},
		{
			// PM10 130: 2012 50 + 50·80/100 = 90.
			name: "2012 PM10 130", h: hourOf(map[Pollutant]float64{PM10: 130}), ed: Edition2012, opt: only(PM10),
			want: want{aqi: 90, level: 2, primary: TermsOf(TermPM10)},
		},
		{
			// PM10 130: 2026 100 + 50·10/130 = 103.8 → 104.
			name: "2026 PM10 130", h: hourOf(map[Pollutant]float64{PM10: 130}), ed: Edition2026, opt: only(PM10),
			want: want{aqi: 104, level: 3, primary: TermsOf(TermPM10), groups: SensitiveGroupsOf(PM10)},
		},
		{
			// Ceiling, not rounding: 50 + 50·0.01/40 = 50.0125 → 51 (2012 keeps the decimals).
			name: "2012 ceiling just above 35", h: hourOf(map[Pollutant]float64{PM25: 35.01}), ed: Edition2012, opt: only(PM25),
			want: want{aqi: 51, level: 2, primary: TermsOf(TermPM25)},
		},
		{
			// 2026 rounds 35.01 to 35 first: exactly 50, level 1, no primary.
			name: "2026 rounds before the ceiling", h: hourOf(map[Pollutant]float64{PM25: 35.01}), ed: Edition2026, opt: only(PM25),
			want: want{aqi: 50, level: 1, conc: map[Term]float64{TermPM25: 35}},
		},
		{
			// AQI ≤ 50 has no primary pollutant: 50·30/35 = 42.9 → 43.
			name: "no primary at 43", h: hourOf(map[Pollutant]float64{PM25: 30}), ed: Edition2012, opt: only(PM25),
			want: want{aqi: 43, level: 1, iaqi: map[Term]int{TermPM25: 43}},
		},
		{
			// Ties: PM10 150 and PM2.5 75 are both 100 under 2012: both primary.
			name: "2012 tie", h: hourOf(map[Pollutant]float64{PM10: 150, PM25: 75}), ed: Edition2012, opt: only(PM10, PM25),
			want: want{aqi: 100, level: 2, primary: TermsOf(TermPM10, TermPM25)},
		},
		{
			// Ties under 2026 at the new 100 rows, PM10 120 and PM2.5 60.
			name: "2026 tie", h: hourOf(map[Pollutant]float64{PM10: 120, PM25: 60}), ed: Edition2026, opt: only(PM10, PM25),
			want: want{aqi: 100, level: 2, primary: TermsOf(TermPM10, TermPM25)},
		},
		{
			// Over-standard (2012): PM2.5 150 → 200, NO2 1h 300 → 100 + 50·100/500 = 110: both > 100.
			name: "2012 over-standard", h: hourOf(map[Pollutant]float64{PM25: 150, NO2: 300}), ed: Edition2012, opt: only(PM25, NO2),
			want: want{aqi: 200, level: 4, primary: TermsOf(TermPM25), over: TermsOf(TermPM25, TermNO2), iaqi: map[Term]int{TermNO2: 110}},
		},
		{
			// Sensitive groups (2026): O3 1h 250 → 100 + 50·50/100 = 125, CO 1h 12 → 100 + 50·2/25 = 104; SO2 10 → 4 adds none.
			name: "2026 sensitive groups", h: hourOf(map[Pollutant]float64{O3: 250, CO: 12, SO2: 10}), ed: Edition2026, opt: only(O3, CO, SO2),
			want: want{aqi: 125, level: 3, primary: TermsOf(TermO3), groups: SensitiveGroupsOf(O3) | SensitiveGroupsOf(CO),
				iaqi: map[Term]int{TermCO: 104, TermSO2: 4, TermO3: 125}},
		},
		{
			// Beyond the index: PM2.5 600 is above the 500 row (500 µg/m³): capped at 500.
			name: "2012 beyond index", h: hourOf(map[Pollutant]float64{PM25: 600}), ed: Edition2012, opt: only(PM25),
			want: want{aqi: 500, level: 6, primary: TermsOf(TermPM25), beyond: true, over: TermsOf(TermPM25)},
		},
		{
			// Exactly on the 500 row is inside the index.
			name: "2012 at the 500 row", h: hourOf(map[Pollutant]float64{PM25: 500}), ed: Edition2012, opt: only(PM25),
			want: want{aqi: 500, level: 6, primary: TermsOf(TermPM25), over: TermsOf(TermPM25)},
		},
		{
			// 2026: 500.5 rounds half to even, to 500: on the row, not beyond.
			name: "2026 500.5 rounds to the row", h: hourOf(map[Pollutant]float64{PM25: 500.5}), ed: Edition2026, opt: only(PM25),
			want: want{aqi: 500, level: 6, primary: TermsOf(TermPM25), groups: SensitiveGroupsOf(PM25)},
		},
		{
			// 2026: 501.5 rounds to 502: beyond.
			name: "2026 501.5 beyond", h: hourOf(map[Pollutant]float64{PM25: 501.5}), ed: Edition2026, opt: only(PM25),
			want: want{aqi: 500, level: 6, primary: TermsOf(TermPM25), beyond: true, groups: SensitiveGroupsOf(PM25)},
		},
		{
			// 2012 platform: SO2 1h at 800 is the 200 row.
			name: "2012 SO2 800", h: hourOf(map[Pollutant]float64{SO2: 800}), ed: Edition2012, opt: only(SO2),
			want: want{aqi: 200, level: 4, primary: TermsOf(TermSO2), over: TermsOf(TermSO2)},
		},
		{
			// 2012 platform: SO2 1h above 800 is left out; NO2 100 → 50 decides.
			name: "2012 SO2 801 left out", h: hourOf(map[Pollutant]float64{SO2: 801, NO2: 100}), ed: Edition2012, opt: only(SO2, NO2),
			want: want{aqi: 50, level: 1, flags: FlagSO2Above800, iaqi: map[Term]int{TermSO2: -1}},
		},
		{
			// 2012 platform: SO2 above 800 alone leaves nothing valid: NA.
			name: "2012 SO2 801 alone", h: hourOf(map[Pollutant]float64{SO2: 801}), ed: Edition2012, opt: only(SO2),
			want: want{na: true, flags: FlagSO2Above800},
		},
		{
			// 2026: SO2 1h above 800 has sub-index 200.
			name: "2026 SO2 801", h: hourOf(map[Pollutant]float64{SO2: 801}), ed: Edition2026, opt: only(SO2),
			want: want{aqi: 200, level: 4, primary: TermsOf(TermSO2), flags: FlagSO2Above800, groups: SensitiveGroupsOf(SO2)},
		},
		{
			// 2026: 800.5 rounds to even 800, which is the row itself: no edge rule.
			name: "2026 SO2 800.5", h: hourOf(map[Pollutant]float64{SO2: 800.5}), ed: Edition2026, opt: only(SO2),
			want: want{aqi: 200, level: 4, primary: TermsOf(TermSO2), groups: SensitiveGroupsOf(SO2)},
		},
		{
			// 2026 NA rule: PM2.5 60 → 100 with five measured pollutants missing: AQI ≤ 100 is withheld.
			name: "2026 NA at 100", h: hourOf(map[Pollutant]float64{PM25: 60}), ed: Edition2026,
			want: want{na: true, missing: allBut(PM25), iaqi: map[Term]int{TermPM25: 100}},
		},
		{
			// 2026 NA rule: 61 → 101 > 100 is published although data are missing.
			name: "2026 published at 101", h: hourOf(map[Pollutant]float64{PM25: 61}), ed: Edition2026,
			want: want{aqi: 101, level: 3, primary: TermsOf(TermPM25), groups: SensitiveGroupsOf(PM25), missing: allBut(PM25)},
		},
		{
			// Not measured ("/") is not missing: the same 100 is published.
			name: "2026 not measured is not missing", h: hourOf(map[Pollutant]float64{PM25: 60}), ed: Edition2026, opt: only(PM25),
			want: want{aqi: 100, level: 2, primary: TermsOf(TermPM25)},
		},
		{
			// 2012 has no NA rule: 50 + 50·25/40 = 81.25 → 82 from PM2.5 alone.
			name: "2012 partial data", h: hourOf(map[Pollutant]float64{PM25: 60}), ed: Edition2012,
			want: want{aqi: 82, level: 2, primary: TermsOf(TermPM25), missing: allBut(PM25)},
		},
		{
			// Nothing valid: NA in 2012 too.
			name: "2012 nothing", h: MissingHour(), ed: Edition2012,
			want: want{na: true, missing: allBut(PM25) | pm},
		},
		{
			// Negative and infinite values are not measurements: missing.
			name: "2012 junk values", h: hourOf(map[Pollutant]float64{PM25: -3, PM10: math.Inf(1), NO2: 40}), ed: Edition2012, opt: only(PM25, PM10, NO2),
			want: want{aqi: 20, level: 1, missing: PollutantsOf(PM10, PM25)},
		},
		{
			// A huge value is beyond the index, not an overflow.
			name: "2012 huge", h: hourOf(map[Pollutant]float64{CO: 1e300}), ed: Edition2012, opt: only(CO),
			want: want{aqi: 500, level: 6, primary: TermsOf(TermCO), beyond: true, over: TermsOf(TermCO)},
		},
		{
			// 2026 zero readings everywhere (CO 0.04 rounds to 0.0): the AQI is reported as 1, level 1.
			name: "2026 all zero", h: Hour{0, 0.4, 0, 0.04, 0, 0.49}, ed: Edition2026,
			want: want{aqi: 1, level: 1, iaqi: map[Term]int{TermSO2: 0, TermPM25: 0}},
		},
		{
			// 2012 has level 1 from 0: an all-zero hour is AQI 0.
			name: "2012 all zero", h: Hour{0, 0, 0, 0, 0, 0}, ed: Edition2012,
			want: want{aqi: 0, level: 1},
		},
		{
			// A complete 2026 hour; CO 1h 2.25 rounds half-even to 2.2 → 50·2.2/5 = 22.
			name: "2026 full hour", h: Hour{SO2: 9, NO2: 41, PM10: 88, CO: 2.25, O3: 20, PM25: 55}, ed: Edition2026,
			// SO2 50·9/150 = 3; NO2 50·41/100 = 20.5 → 21; PM10 50 + 50·38/70 = 77.1 → 78; O3 50·20/160 = 6.25 → 7;
			// PM2.5 50 + 50·20/25 = 90.
			want: want{aqi: 90, level: 2, primary: TermsOf(TermPM25),
				iaqi: map[Term]int{TermSO2: 3, TermNO2: 21, TermPM10: 78, TermCO: 22, TermO3: 7, TermPM25: 90, TermO3_8h: -1},
				conc: map[Term]float64{TermCO: 2.2, TermO3_8h: math.NaN()}},
		},
	}
	for _, c := range cases {
		check(t, c.name, HourlyAQIOpt(c.h, c.ed, c.opt), c.want)
		if c.opt == (Options{}) {
			check(t, c.name+" (HourlyAQI)", HourlyAQI(c.h, c.ed), c.want)
		}
	}
}

func TestHourlyLiteral2012(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name string
		h    Hour
		m    MovingMeans
		want want
	}{
		{
			// The 1h PM2.5 of 300 is ignored; its 24h mean 50 gives 50 + 50·15/40 = 68.75 → 69.
			// O3 1h 150 → 46.875 → 47; O3 8h 170 → 100 + 50·10/55 = 109.1 → 110 decides.
			name: "8h ozone decides",
			h:    Hour{SO2: 5, NO2: 20, PM10: 400, CO: 0.5, O3: 150, PM25: 300},
			m:    MovingMeans{PM10_24h: 60, PM25_24h: 50, O3_8h: 170, SO2_24h: 5},
			want: want{aqi: 110, level: 3, primary: TermsOf(TermO3_8h), over: TermsOf(TermO3_8h),
				iaqi: map[Term]int{TermPM25: 69, TermO3: 47, TermPM10: 55}},
		},
		{
			// SO2 1h 900 > 800: read the 24h mean 700 on the 24h column: 150 + 50·225/325 = 184.6 → 185.
			name: "SO2 above 800 falls back on 24h",
			h:    Hour{SO2: 900, NO2: 20, PM10: nan, CO: 0.5, O3: 10, PM25: nan},
			m:    MovingMeans{PM10_24h: 60, PM25_24h: 30, O3_8h: 10, SO2_24h: 700},
			want: want{aqi: 185, level: 4, primary: TermsOf(TermSO2), over: TermsOf(TermSO2), flags: FlagSO2Above800,
				conc: map[Term]float64{TermSO2: 700}},
		},
		{
			// Without a valid 24h SO2 the 1h value above 800 is left out; PM10 60 → 55 decides.
			name: "SO2 above 800 without 24h",
			h:    Hour{SO2: 900, NO2: 20, PM10: nan, CO: 0.5, O3: 10, PM25: nan},
			m:    MovingMeans{PM10_24h: 60, PM25_24h: 30, O3_8h: 10, SO2_24h: nan},
			want: want{aqi: 55, level: 2, primary: TermsOf(TermPM10), flags: FlagSO2Above800, iaqi: map[Term]int{TermSO2: -1}},
		},
		{
			// 8h O3 above 800: no 8h term; 1h O3 900 → 300 + 100·100/200 = 350 reports ozone.
			name: "O3 8h above 800",
			h:    Hour{SO2: 5, NO2: 20, PM10: nan, CO: 0.5, O3: 900, PM25: nan},
			m:    MovingMeans{PM10_24h: 60, PM25_24h: 30, O3_8h: 801, SO2_24h: 5},
			want: want{aqi: 350, level: 6, primary: TermsOf(TermO3), over: TermsOf(TermO3), flags: FlagO3_8hAbove800,
				iaqi: map[Term]int{TermO3_8h: -1}},
		},
	}
	for _, c := range cases {
		check(t, c.name, HourlyLiteral2012(c.h, c.m, Options{}), c.want)
	}
}

func TestDailyFromMeans(t *testing.T) {
	cases := []struct {
		name string
		m    Concentrations
		ed   Edition
		opt  Options
		want want
	}{
		{
			// 2012 daily: O3 max 1h 200 → 100 and max 8h 160 → 100 tie: both terms primary.
			name: "2012 ozone terms tie", m: meansOf(map[Term]float64{TermO3: 200, TermO3_8h: 160}), ed: Edition2012, opt: only(O3),
			want: want{aqi: 100, level: 2, primary: TermsOf(TermO3, TermO3_8h)},
		},
		{
			// 2026 daily has no 1h ozone term: the 1h value is ignored; 8h 160 → 100.
			name: "2026 ignores 1h ozone", m: meansOf(map[Term]float64{TermO3: 1000, TermO3_8h: 160}), ed: Edition2026, opt: only(O3),
			want: want{aqi: 100, level: 2, primary: TermsOf(TermO3_8h), iaqi: map[Term]int{TermO3: -1}},
		},
		{
			// 2012: 8h at 800 is the 300 row.
			name: "2012 O3 8h 800", m: meansOf(map[Term]float64{TermO3: 300, TermO3_8h: 800}), ed: Edition2012, opt: only(O3),
			want: want{aqi: 300, level: 5, primary: TermsOf(TermO3_8h), over: TermsOf(TermO3, TermO3_8h)},
		},
		{
			// 2012: 8h above 800 has no sub-index; the max 1h 900 → 350 reports ozone.
			name: "2012 O3 8h 801", m: meansOf(map[Term]float64{TermO3: 900, TermO3_8h: 801}), ed: Edition2012, opt: only(O3),
			want: want{aqi: 350, level: 6, primary: TermsOf(TermO3), over: TermsOf(TermO3), flags: FlagO3_8hAbove800,
				iaqi: map[Term]int{TermO3_8h: -1}},
		},
		{
			// 2026: 8h above 800 has sub-index 300.
			name: "2026 O3 8h 801", m: meansOf(map[Term]float64{TermO3_8h: 801}), ed: Edition2026, opt: only(O3),
			want: want{aqi: 300, level: 5, primary: TermsOf(TermO3_8h), flags: FlagO3_8hAbove800, groups: SensitiveGroupsOf(O3)},
		},
		{
			// 2026: 800.4 rounds to 800: the row itself, no edge rule.
			name: "2026 O3 8h 800.4", m: meansOf(map[Term]float64{TermO3_8h: 800.4}), ed: Edition2026, opt: only(O3),
			want: want{aqi: 300, level: 5, primary: TermsOf(TermO3_8h), groups: SensitiveGroupsOf(O3)},
		},
		{
			// CO 24h 2.05 rounds to even 2.0 (2026): exactly 50.
			name: "2026 CO 2.05", m: meansOf(map[Term]float64{TermCO: 2.05}), ed: Edition2026, opt: only(CO),
			want: want{aqi: 50, level: 1, conc: map[Term]float64{TermCO: 2.0}},
		},
		{
			// CO 24h 2.15 rounds to even 2.2: 50 + 50·0.2/2 = 55.
			name: "2026 CO 2.15", m: meansOf(map[Term]float64{TermCO: 2.15}), ed: Edition2026, opt: only(CO),
			want: want{aqi: 55, level: 2, primary: TermsOf(TermCO), conc: map[Term]float64{TermCO: 2.2}},
		},
		{
			// 2012 does not round: 2.05 → 50 + 50·0.05/2 = 51.25 → 52.
			name: "2012 CO 2.05", m: meansOf(map[Term]float64{TermCO: 2.05}), ed: Edition2012, opt: only(CO),
			want: want{aqi: 52, level: 2, primary: TermsOf(TermCO)},
		},
		{
			// 2026 daily NA: O3 8h missing while the rest gives ≤ 100.
			name: "2026 daily NA", m: Concentrations{TermSO2: 10, TermNO2: 30, TermPM10: 80, TermCO: 1, TermO3: math.NaN(), TermPM25: 40, TermO3_8h: math.NaN()},
			ed: Edition2026, want: want{na: true, missing: PollutantsOf(O3)},
		},
		{
			// A zero Edition is treated as the edition in force, 2026 (PM2.5 60 → 100).
			name: "zero edition", m: meansOf(map[Term]float64{TermPM25: 60}), ed: 0, opt: only(PM25),
			want: want{aqi: 100, level: 2, primary: TermsOf(TermPM25)},
		},
	}
	for _, c := range cases {
		check(t, c.name, DailyFromMeans(c.m, c.ed, c.opt), c.want)
	}
}

func TestRounding2026HalfToEven(t *testing.T) {
	// Every x.5 µg/m³ up to 5000 and every x.x5 mg/m³ of CO up to 500: the
	// rounded value must be the even neighbour, whatever float64 made of
	// the decimal (0.15, 2.05, 1234.5 …).
	for k := int64(0); k < 10000; k++ {
		even := k + k%2 // of k and k+1, the even one
		ug := float64(2*k+1) / 2
		r := HourlyAQIOpt(hourOf(map[Pollutant]float64{NO2: ug}), Edition2026, only(NO2))
		if r.Conc[TermNO2] != float64(even) && ug <= 3840 {
			t.Fatalf("NO2 %v rounded to %v, want %d", ug, r.Conc[TermNO2], even)
		}
		mg := float64(2*k+1) / 20
		if mg > 150 {
			continue
		}
		r = HourlyAQIOpt(hourOf(map[Pollutant]float64{CO: mg}), Edition2026, only(CO))
		if got, want := r.Conc[TermCO], float64(even)/10; got != want {
			t.Fatalf("CO %v rounded to %v, want %v", mg, got, want)
		}
	}
	// Values arrived at by arithmetic, not typed: the region mean of CO 2.0
	// and 2.1 is 2.05 up to float error and must round to 2.0 → 50·2.0/5 = 20.
	reg := RegionHour([]Hour{hourOf(map[Pollutant]float64{CO: 2.0}), hourOf(map[Pollutant]float64{CO: 2.1})})
	r := HourlyAQIOpt(reg, Edition2026, only(CO))
	if r.Conc[TermCO] != 2.0 || r.IAQI[TermCO] != 20 {
		t.Errorf("region CO 2.05: conc %v IAQI %d, want 2.0 and 20", r.Conc[TermCO], r.IAQI[TermCO])
	}
	// Just off the half: 60.5000001 rounds up to 61 (the 1e-6 quantum keeps it).
	r = HourlyAQIOpt(hourOf(map[Pollutant]float64{PM25: 60.500001}), Edition2026, only(PM25))
	if r.Conc[TermPM25] != 61 {
		t.Errorf("60.500001 rounded to %v, want 61", r.Conc[TermPM25])
	}
}

func TestLevelsAndCategories(t *testing.T) {
	cases := []struct {
		aqi, level int
		color, zh  string
	}{
		{0, 1, "#00E400", "优"},      // 2012 level 1 starts at 0
		{50, 1, "#00E400", "优"},     // top of level 1
		{51, 2, "#FFFF00", "良"},     // bottom of level 2
		{100, 2, "#FFFF00", "良"},    // top of level 2
		{101, 3, "#FF7E00", "轻度污染"}, // bottom of level 3
		{150, 3, "#FF7E00", "轻度污染"}, // top of level 3
		{151, 4, "#FF0000", "中度污染"}, // bottom of level 4
		{200, 4, "#FF0000", "中度污染"}, // top of level 4
		{201, 5, "#99004C", "重度污染"}, // bottom of level 5
		{300, 5, "#99004C", "重度污染"}, // top of level 5
		{301, 6, "#7E0023", "严重污染"}, // bottom of level 6
		{500, 6, "#7E0023", "严重污染"}, // the cap
	}
	for _, c := range cases {
		if got := LevelOf(c.aqi); got != c.level {
			t.Errorf("LevelOf(%d) = %d, want %d", c.aqi, got, c.level)
		}
		cat := CategoryOf(c.level)
		if cat.Color != c.color || cat.ZH != c.zh || cat.EN == "" || cat.AdviceZH == "" || cat.AdviceEN == "" {
			t.Errorf("CategoryOf(%d) = %+v", c.level, cat)
		}
	}
	// Levels outside 1..6 are the NA category.
	for _, l := range []int{0, -1, 7} {
		if c := CategoryOf(l); c.Level != 0 || c.Color != "" || c.EN != "NA" {
			t.Errorf("CategoryOf(%d) = %+v, want NA", l, c)
		}
	}
	// A Result's own category follows its level.
	if c := HourlyAQIOpt(hourOf(map[Pollutant]float64{PM25: 600}), Edition2012, only(PM25)).Category(); c.EN != "Severely Polluted" {
		t.Errorf("category of 500 = %+v", c)
	}
}

func TestEditions(t *testing.T) {
	utc := time.UTC
	cases := []struct {
		name string
		at   time.Time
		want Edition
		end  Edition // EditionForPeriodEnd(at)
	}{
		// A 2013 replay is 2012.
		{"2013", time.Date(2013, 3, 1, 0, 0, 0, 0, CST), Edition2012, Edition2012},
		// The last second before the cutover.
		{"cutover-1s", time.Date(2026, 2, 28, 23, 59, 59, 0, CST), Edition2012, Edition2012},
		// The cutover itself: in force from this instant, but the hour ending here is still February's.
		{"cutover", time.Date(2026, 3, 1, 0, 0, 0, 0, CST), Edition2026, Edition2012},
		// The same instant in UTC.
		{"cutover UTC", time.Date(2026, 2, 28, 16, 0, 0, 0, utc), Edition2026, Edition2012},
		// The first hour under 2026 is labelled 01:00.
		{"first 2026 hour", time.Date(2026, 3, 1, 1, 0, 0, 0, CST), Edition2026, Edition2026},
		// 16:00 UTC on 28 Feb minus one second is still 2012.
		{"UTC before", time.Date(2026, 2, 28, 15, 59, 59, 0, utc), Edition2012, Edition2012},
	}
	for _, c := range cases {
		if got := EditionAt(c.at); got != c.want {
			t.Errorf("%s: EditionAt = %d, want %d", c.name, got, c.want)
		}
		if got := EditionForPeriodEnd(c.at); got != c.end {
			t.Errorf("%s: EditionForPeriodEnd = %d, want %d", c.name, got, c.end)
		}
	}
	for s, want := range map[string]Edition{"2012": Edition2012, "2026": Edition2026, "HJ 633—2026": Edition2026, "HJ 633-2012": Edition2012, " 2026 ": Edition2026} {
		if got, ok := ParseEdition(s); !ok || got != want {
			t.Errorf("ParseEdition(%q) = %d, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "2019", "auto", "HJ 663-2013"} {
		if _, ok := ParseEdition(s); ok {
			t.Errorf("ParseEdition(%q) accepted", s)
		}
	}
	if s := Edition2026.String(); s != "HJ 633—2026" {
		t.Errorf("String = %q", s)
	}
}

func TestNames(t *testing.T) {
	for p := range NumPollutants {
		for _, s := range []string{p.String(), p.Label()} {
			if got, ok := ParsePollutant(s); !ok || got != p {
				t.Errorf("ParsePollutant(%q) = %v, %v", s, got, ok)
			}
		}
	}
	for tm := range NumTerms {
		for _, s := range []string{tm.String(), tm.Label()} {
			if got, ok := ParseTerm(s); !ok || got != tm {
				t.Errorf("ParseTerm(%q) = %v, %v", s, got, ok)
			}
		}
	}
	// Spellings met in feeds.
	for s, want := range map[string]Pollutant{"PM2_5": PM25, "pm2.5": PM25, "SO₂": SO2, " co ": CO} {
		if got, ok := ParsePollutant(s); !ok || got != want {
			t.Errorf("ParsePollutant(%q) = %v, %v", s, got, ok)
		}
	}
	if _, ok := ParsePollutant("o3_8h"); ok {
		t.Error("o3_8h is a term, not a pollutant")
	}
	if got, ok := ParseTerm("O3-8h"); !ok || got != TermO3_8h {
		t.Errorf("ParseTerm(O3-8h) = %v %v", got, ok)
	}
	if s := PM25.Label(); s != "PM2.5" {
		t.Errorf("PM25.Label() = %q", s)
	}
	b, _ := TermsOf(TermPM25, TermO3_8h).MarshalJSON()
	if string(b) != `["pm25","o3_8h"]` {
		t.Errorf("TermSet JSON = %s", b)
	}
	b, _ = TermSet(0).MarshalJSON()
	if string(b) != `[]` {
		t.Errorf("empty TermSet JSON = %s", b)
	}
	if g := SensitiveGroupsOf(CO); g != GroupsOf(CardiovascularDisease) {
		t.Errorf("CO groups = %v", g)
	}
	if g := SensitiveGroupsOf(O3); !g.Has(ActiveOutdoors) || g.Len() != 4 {
		t.Errorf("O3 groups = %v", g)
	}
	if s := (FlagSO2Above800 | FlagO3_8hAbove800).String(); s != "so2_1h_above_800,o3_8h_above_800" {
		t.Errorf("flags = %q", s)
	}
}
