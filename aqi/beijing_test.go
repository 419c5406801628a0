package aqi_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/internal/testflags"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/dataset"
)

var update = testflags.Update

// The two real weeks in testdata/beijing (see SOURCE.md there).
const (
	winter = "2015112501-2015120300"
	summer = "2013081201-2013082000"
)

// loadWeek reads the excerpt of every station for one week, by station name.
func loadWeek(tb testing.TB, week string) []dataset.Series {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "beijing", "PRSA_Data_*_"+week+".csv.gz"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no excerpt for %s: %v", week, err)
	}
	var out []dataset.Series
	for _, f := range files {
		ss, err := dataset.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, ss...)
	}
	slices.SortFunc(out, func(a, b dataset.Series) int { return strings.Compare(a.Station, b.Station) })
	return out
}

// region builds the series of hourly per-pollutant station means.
func region(ss []dataset.Series) dataset.Series {
	r := dataset.Series{Station: "region", Start: ss[0].Start, Hours: make([]aqi.Hour, len(ss[0].Hours))}
	row := make([]aqi.Hour, len(ss))
	for i := range r.Hours {
		for k := range ss {
			row[k] = ss[k].Hours[i]
		}
		r.Hours[i] = aqi.RegionHour(row)
	}
	return r
}

func find(tb testing.TB, ss []dataset.Series, station string) dataset.Series {
	for _, s := range ss {
		if s.Station == station {
			return s
		}
	}
	tb.Fatalf("no station %s", station)
	return dataset.Series{}
}

// at runs a Rolling over s up to the hour labelled label and returns the
// hourly (platform), literal 2012 hourly and 24-hour results ending there.
func at(tb testing.TB, s dataset.Series, label time.Time, ed aqi.Edition) (hourly, literal, daily aqi.Result) {
	tb.Helper()
	end, ok := s.Index(label)
	if !ok {
		tb.Fatalf("%s has no hour %v", s.Station, label)
	}
	plat, lit := aqi.NewRolling(aqi.Options{}), aqi.NewRolling(aqi.Options{Method: aqi.Literal2012})
	for i := 0; i <= end; i++ {
		plat.Push(s.Hours[i])
		lit.Push(s.Hours[i])
	}
	return plat.Hourly(ed), lit.Hourly(ed), plat.Daily(ed)
}

func cst(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, aqi.CST) }

// TestBeijingHandChecked compares a few real hours and days with values
// worked out by hand from the rows of testdata/beijing (hour labels are the
// ends of the hours; a natural day D is the 24 rows D 01:00 … D+1 00:00).
func TestBeijingHandChecked(t *testing.T) {
	win, sum := loadWeek(t, winter), loadWeek(t, summer)

	check := func(name string, r aqi.Result, aqiWant int, primary aqi.TermSet, iaqi map[aqi.Term]int) {
		t.Helper()
		if r.NA || r.AQI != aqiWant || r.Primary != primary {
			t.Errorf("%s: %v, want AQI %d primary %v", name, r, aqiWant, primary)
		}
		for term, v := range iaqi {
			if r.IAQI[term] != v {
				t.Errorf("%s: IAQI[%s] = %d, want %d (%v)", name, term, r.IAQI[term], v, r)
			}
		}
	}

	// Dongsi, hour labelled 2015-11-25 01:00 (row 23978):
	// PM2.5 75, PM10 75, SO2 11, NO2 71, CO 1400 µg/m³ = 1.4 mg/m³, O3 2.
	//   2012 platform: PM2.5 75 is the 100 row → 100; PM10 50 + 50·25/100 = 62.5 → 63;
	//   SO2 1h 50·11/150 = 3.7 → 4; NO2 1h 50·71/100 = 35.5 → 36; CO 1h 50·1.4/5 = 14;
	//   O3 1h 50·2/160 = 0.6 → 1. AQI 100, primary PM2.5.
	//   2026: PM2.5 100 + 50·(75−60)/55 = 113.6 → 114; PM10 50 + 50·(75−50)/70 = 67.9 → 68. AQI 114.
	dongsi := find(t, win, "Dongsi")
	h, _, _ := at(t, dongsi, cst(2015, 11, 25, 1), aqi.Edition2012)
	check("Dongsi 2015-11-25 01:00 2012", h, 100, aqi.TermsOf(aqi.TermPM25),
		map[aqi.Term]int{aqi.TermPM10: 63, aqi.TermSO2: 4, aqi.TermNO2: 36, aqi.TermCO: 14, aqi.TermO3: 1})
	h, _, _ = at(t, dongsi, cst(2015, 11, 25, 1), aqi.Edition2026)
	check("Dongsi 2015-11-25 01:00 2026", h, 114, aqi.TermsOf(aqi.TermPM25), map[aqi.Term]int{aqi.TermPM10: 68})

	// Dongsi, 2015-12-01 09:00 (row 24130): PM2.5 640 and PM10 640, both above
	// their 500 rows (500 and 600): capped at 500, both primary. CO is NA; 2026
	// still publishes because the AQI is above 100.
	for _, ed := range []aqi.Edition{aqi.Edition2012, aqi.Edition2026} {
		h, _, _ = at(t, dongsi, cst(2015, 12, 1, 9), ed)
		check(fmt.Sprintf("Dongsi 2015-12-01 09:00 %d", ed), h, 500, aqi.TermsOf(aqi.TermPM10, aqi.TermPM25), nil)
		if !h.BeyondIndex || !h.Missing.Has(aqi.CO) {
			t.Errorf("Dongsi 2015-12-01 09:00 %d: want beyond index and CO missing: %v", ed, h)
		}
	}

	// Dongsi, natural day 2015-12-01 (24 rows to 2015-12-02 00:00):
	//   PM2.5 and PM10 both sum 11734 over 24 hours → 488.92;
	//   SO2 1034/24 = 43.08; NO2 2835/24 = 118.125; CO 20 valid hours (just
	//   enough) sum 143.2 mg → 7.16; O3 max 1h 32; O3 8h means are tiny, the
	//   largest the window ending 24:00: (3+4+3+4+3+3+3+32)/8 = 55/8 = 6.875.
	//   2012: PM2.5 400 + 100·(488.92−350)/150 = 492.6 → 493; PM10 300 + 100·68.92/80 = 386.1 → 387;
	//         SO2 24h 43.08 → 44; NO2 24h 100 + 50·38.125/100 = 119.06 → 120;
	//         CO 24h 100 + 50·3.16/10 = 115.8 → 116; O3 1h 50·32/160 = 10; O3 8h 50·6.875/100 = 3.4 → 4.
	//         AQI 493, primary PM2.5, level 6.
	//   2026 rounds first: PM2.5 489 → 400 + 100·139/150 = 492.7 → 493; PM10 489 → 387;
	//         NO2 118 → 119; CO 7.2 → 116; SO2 43 → 43; O3 8h 7 → 3.5 → 4. AQI 493.
	dayEnd := cst(2015, 12, 2, 0)
	_, _, d := at(t, dongsi, dayEnd, aqi.Edition2012)
	check("Dongsi day 2015-12-01 2012", d, 493, aqi.TermsOf(aqi.TermPM25), map[aqi.Term]int{
		aqi.TermPM10: 387, aqi.TermSO2: 44, aqi.TermNO2: 120, aqi.TermCO: 116, aqi.TermO3: 10, aqi.TermO3_8h: 4})
	if d.OverStandard != aqi.TermsOf(aqi.TermPM25, aqi.TermPM10, aqi.TermNO2, aqi.TermCO) {
		t.Errorf("over-standard %v", d.OverStandard)
	}
	_, _, d = at(t, dongsi, dayEnd, aqi.Edition2026)
	check("Dongsi day 2015-12-01 2026", d, 493, aqi.TermsOf(aqi.TermPM25), map[aqi.Term]int{
		aqi.TermPM10: 387, aqi.TermSO2: 43, aqi.TermNO2: 119, aqi.TermCO: 116, aqi.TermO3: -1, aqi.TermO3_8h: 4})
	// The natural day through DailyAQI gives the same.
	i, _ := dongsi.Index(dayEnd)
	if r := aqi.DailyAQI([24]aqi.Hour(dongsi.Hours[i-23:i+1]), aqi.Edition2026, aqi.Options{}); r.AQI != 493 {
		t.Errorf("DailyAQI: %v", r)
	}

	// Dongsi, natural day 2013-08-16 (the station reports O3 1071 for hours):
	//   O3 1h: 413, 1050, NA, 74, 66, 52, 30, 44, 21, 2, 89, 92, 178, 146, 221,
	//   1026, then 1071 for the last eight hours: the 8h mean ending 24:00 is 1071.
	//   PM2.5 3333/24 = 138.875; PM10 3959/24 = 164.96.
	//   2012: 8h O3 above 800 → no 8h term; O3 1h max 1071 → 400 + 100·71/200 = 435.5 → 436;
	//         PM2.5 150 + 50·23.875/35 = 184.1 → 185; PM10 100 + 50·14.96/100 = 107.5 → 108. AQI 436 (O3).
	//   2026: 8h O3 above 800 → 300; no 1h term; PM2.5 139 → 150 + 50·24/35 = 184.3 → 185. AQI 300 (O3_8h).
	dongsiS := find(t, sum, "Dongsi")
	dayEnd = cst(2013, 8, 17, 0)
	_, _, d = at(t, dongsiS, dayEnd, aqi.Edition2012)
	check("Dongsi day 2013-08-16 2012", d, 436, aqi.TermsOf(aqi.TermO3), map[aqi.Term]int{aqi.TermO3_8h: -1, aqi.TermPM25: 185, aqi.TermPM10: 108})
	if d.Flags != aqi.FlagO3_8hAbove800 {
		t.Errorf("flags %v", d.Flags)
	}
	_, _, d = at(t, dongsiS, dayEnd, aqi.Edition2026)
	check("Dongsi day 2013-08-16 2026", d, 300, aqi.TermsOf(aqi.TermO3_8h), map[aqi.Term]int{aqi.TermO3: -1, aqi.TermPM25: 185})

	// Dongsi, hour 2013-08-16 17:00: O3 1h 1071 → 436 on the platform. The
	// literal 2012 table adds the 8h mean of the hours 10:00 … 17:00,
	// (2+89+92+178+146+221+1026+1071)/8 = 353.125 → 200 + 100·88.125/535 = 216.5 → 217.
	h, lit, _ := at(t, dongsiS, cst(2013, 8, 16, 17), aqi.Edition2012)
	check("Dongsi 2013-08-16 17:00 platform", h, 436, aqi.TermsOf(aqi.TermO3), map[aqi.Term]int{aqi.TermO3_8h: -1})
	check("Dongsi 2013-08-16 17:00 literal", lit, 436, aqi.TermsOf(aqi.TermO3), map[aqi.Term]int{aqi.TermO3_8h: 217})

	// Dingling, natural day 2013-08-14: O3 1h 78, 61, NA, 31, 32, 6, 12, 21, 18,
	// 63, 100, 125, 156, 181, 228, 282, 278, 234, 184, 158, 116, 80, 63, 55.
	//   Max 8h: the window ending 20:00 (hours 13:00 … 20:00),
	//   (156+181+228+282+278+234+184+158)/8 = 1701/8 = 212.625.
	//   PM2.5 1813/24 = 75.54.
	//   2012: O3 8h 100 + 50·52.625/55 = 147.8 → 148; O3 1h 282 → 100 + 50·82/100 = 141;
	//         PM2.5 100 + 50·0.54/40 = 100.7 → 101. AQI 148 (O3_8h).
	//   2026: O3 8h 213 → 100 + 50·53/55 = 148.2 → 149; PM2.5 76 → 100 + 50·16/55 = 114.5 → 115. AQI 149.
	dingling := find(t, sum, "Dingling")
	dayEnd = cst(2013, 8, 15, 0)
	_, _, d = at(t, dingling, dayEnd, aqi.Edition2012)
	check("Dingling day 2013-08-14 2012", d, 148, aqi.TermsOf(aqi.TermO3_8h), map[aqi.Term]int{aqi.TermO3: 141, aqi.TermPM25: 101})
	if d.Conc[aqi.TermO3_8h] != 212.625 {
		t.Errorf("Dingling max 8h O3 %v, want 212.625", d.Conc[aqi.TermO3_8h])
	}
	_, _, d = at(t, dingling, dayEnd, aqi.Edition2026)
	check("Dingling day 2013-08-14 2026", d, 149, aqi.TermsOf(aqi.TermO3_8h), map[aqi.Term]int{aqi.TermPM25: 115})
}

// TestBeijingGolden replays both weeks for every station and the region of
// the three, under both editions, and compares with testdata/golden.
// Regenerate with: go test ./aqi -run Golden -update
func TestBeijingGolden(t *testing.T) {
	for _, week := range []string{winter, summer} {
		ss := loadWeek(t, week)
		ss = append(ss, region(ss))
		var b bytes.Buffer
		b.WriteString("series,time,h2012,h2012_primary,lit2012,lit2012_primary,d2012,d2012_primary,d2012_flags,h2026,h2026_primary,d2026,d2026_primary,d2026_flags\n")
		for _, s := range ss {
			plat, lit := aqi.NewRolling(aqi.Options{}), aqi.NewRolling(aqi.Options{Method: aqi.Literal2012})
			for i, h := range s.Hours {
				plat.Push(h)
				lit.Push(h)
				b.WriteString(strings.Join([]string{s.Station, s.Label(i).Format(time.RFC3339),
					aqiPrimary(plat.Hourly(aqi.Edition2012)), aqiPrimary(lit.Hourly(aqi.Edition2012)),
					aqiPrimaryFlags(plat.Daily(aqi.Edition2012)),
					aqiPrimary(plat.Hourly(aqi.Edition2026)), aqiPrimaryFlags(plat.Daily(aqi.Edition2026))}, ","))
				b.WriteByte('\n')
			}
		}
		got := b.Bytes()
		path := filepath.Join("testdata", "golden", "beijing-"+week+".csv")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
			for i := range min(len(gl), len(wl)) {
				if gl[i] != wl[i] {
					t.Fatalf("%s line %d:\n got %s\nwant %s", path, i+1, gl[i], wl[i])
				}
			}
			t.Fatalf("%s: %d lines, want %d", path, len(gl), len(wl))
		}
	}
}

func aqiPrimary(r aqi.Result) string {
	if r.NA {
		return "NA," + strings.Join(r.Primary.Names(), ";")
	}
	return strconv.Itoa(r.AQI) + "," + strings.Join(r.Primary.Names(), ";")
}

func aqiPrimaryFlags(r aqi.Result) string {
	flags := r.Flags.Names()
	if r.BeyondIndex {
		flags = append(flags, "beyond_index")
	}
	for p := range r.Missing.All() {
		flags = append(flags, "missing_"+p.String())
	}
	return aqiPrimary(r) + "," + strings.Join(flags, ";")
}

// BenchmarkBeijingAll computes the hourly AQI and the rolling 24-hour AQI
// for every one of the 420,768 station-hours of the full data set (12
// stations, 2013-03 … 2017-02), choosing the edition per hour. Parsing is
// outside the timer (see dataset.BenchmarkReadBeijing). The data live
// outside the repository: $AQWARN_BEIJING_DIR or ../shared/data/beijing
// from the repository root.
func BenchmarkBeijingAll(b *testing.B) {
	dir := beijingDir(b)
	files, _ := filepath.Glob(filepath.Join(dir, "PRSA_Data_*.csv.gz"))
	if len(files) == 0 {
		b.Skipf("Beijing data set not found in %s; set AQWARN_BEIJING_DIR", dir)
	}
	var all []dataset.Series
	for _, f := range files {
		ss, err := dataset.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, ss...)
	}
	n := 0
	for _, s := range all {
		n = max(n, len(s.Hours))
	}
	hourly, daily := make([]aqi.Result, n), make([]aqi.Result, n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		total := 0
		for _, s := range all {
			r := aqi.NewRolling(aqi.Options{})
			for i, h := range s.Hours {
				ed := aqi.EditionForPeriodEnd(s.Label(i))
				r.Push(h)
				hourly[i] = r.Hourly(ed)
				daily[i] = r.Daily(ed)
			}
			total += len(s.Hours)
		}
		if total != 420768 {
			b.Fatalf("%d station-hours, want 420768", total)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/420768, "ns/station-hour")
}

func beijingDir(tb testing.TB) string {
	if d := os.Getenv("AQWARN_BEIJING_DIR"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data", "beijing")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}
