package statscli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/internal/testflags"

	"github.com/aqwarn/aqwarn/stats"
)

var update = testflags.Update

// files2015 are the twelve stations' calendar year 2015 (testdata/beijing-2015).
func files2015(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "beijing-2015", "PRSA_Data_*.csv.gz"))
	if err != nil || len(files) != 12 {
		tb.Fatalf("want the 12 station files of 2015: %v %v", files, err)
	}
	return files
}

func run(t *testing.T, cfg Config) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := Run(context.Background(), cfg, &out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// The year 2015 of the twelve stations as one region, with the shipped
// targets as of 30 June, against testdata/beijing-2015-region.golden.json
// (go test -update rewrites it). The key figures are checked against an
// independent computation in TestKeyFigures2015.
func TestGolden2015(t *testing.T) {
	got := run(t, Config{Files: files2015(t), Year: 2015, Format: "json",
		Targets: "../../configs/targets/jianghua-2026.yaml", AsOf: stats.Date(2015, time.July, 1)})
	path := filepath.Join("testdata", "beijing-2015-region.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update to accept):\n%s", path, firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return "line " + strconv.Itoa(i+1) + ":\n got  " + la[i] + "\n want " + lb[i]
		}
	}
	return "lengths differ"
}

// The key figures of 2015, worked out independently of packages aqi and
// stats: straight from the CSV text, with only the IAQI-100 and IAQI-200
// rows of the HJ 633—2012 table (spec/aqi.md). The sub-index is rounded up,
// so a day's AQI is ≤ 100 exactly when every daily value is at or below its
// 100 row, and > 200 exactly when any is above its 200 row.
//
// What they come to (the region of the twelve stations; Dongsi alone):
//   - valid days (all six pollutants valid): 363 (Dongsi 357). The files
//     end with the hour labelled 31 December 23:00, so 31 December has 23
//     hours — still ≥ 20, a valid day; the first row (1 January 00:00)
//     belongs to 31 December 2014 and is not counted.
//   - good days (AQI ≤ 100): 190 (Dongsi 186), 52.3 % (52.1 %);
//   - heavy days (AQI > 200): 49 (Dongsi 58);
//   - PM2.5 annual mean: 79.316 → 79.3 µg/m³ over 363 valid daily means
//     (Dongsi 87.017 → 87.0 over 360), valid: ≥ 324 days, ≥ 27 a month.
//
// December 2015 alone, the region: 31 valid days, 12 good, 13 heavy (the
// golden file's summary.heavy lists those 13 days).
func TestKeyFigures2015(t *testing.T) {
	files := files2015(t)
	for _, c := range []struct {
		station                    string // "" = the region
		valid, good, heavy, pmDays int
		pm25                       float64 // the exact annual mean, µg/m³
	}{
		{"", 363, 190, 49, 363, 79.32},
		{"Dongsi", 357, 186, 58, 360, 87.02},
	} {
		ind := independent(t, files, c.station)
		t.Logf("%q independently: %+v", c.station, ind)
		if ind.valid != c.valid || ind.good != c.good || ind.heavy != c.heavy || ind.pmDays != c.pmDays || math.Abs(ind.pm25-c.pm25) > 0.005 {
			t.Errorf("%q independently: %+v, the comment says %+v", c.station, ind, c)
		}
		var out bytes.Buffer
		if err := Run(context.Background(), Config{Files: files, Year: 2015, Format: "json", Station: c.station}, &out); err != nil {
			t.Fatal(err)
		}
		var rep struct { // what the check reads of the report
			GoodDays        int      `json:"good_days"`
			HeavyDays       int      `json:"heavy_days"`
			PM25Annual      *float64 `json:"pm25_annual"`
			PM25AnnualValid bool     `json:"pm25_annual_valid"`
			Summary         struct {
				ValidDays  int `json:"valid_days"`
				Pollutants struct {
					PM25 struct {
						ValidDays int `json:"valid_days"`
					} `json:"pm25"`
				} `json:"pollutants"`
			} `json:"summary"`
			Months []struct {
				ValidDays int `json:"valid_days"`
				GoodDays  int `json:"good_days"`
				HeavyDays int `json:"heavy_days"`
			} `json:"months"`
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Summary.ValidDays != ind.valid || rep.GoodDays != ind.good || rep.HeavyDays != ind.heavy ||
			rep.Summary.Pollutants.PM25.ValidDays != ind.pmDays || rep.PM25Annual == nil ||
			math.Abs(*rep.PM25Annual-ind.pm25) > 0.05 || !rep.PM25AnnualValid {
			t.Errorf("%q: aqwarn stats says valid %d good %d heavy %d pm25 %v over %d (valid %v); independently %+v", c.station,
				rep.Summary.ValidDays, rep.GoodDays, rep.HeavyDays, rep.PM25Annual, rep.Summary.Pollutants.PM25.ValidDays, rep.PM25AnnualValid, ind)
		}
		if c.station == "" {
			dec := rep.Months[11]
			if ind.december != [3]int{31, 12, 13} || [3]int{dec.ValidDays, dec.GoodDays, dec.HeavyDays} != ind.december {
				t.Errorf("December: aqwarn stats valid %d good %d heavy %d; independently %v", dec.ValidDays, dec.GoodDays, dec.HeavyDays, ind.december)
			}
		}
	}
}

type figures struct {
	valid, good, heavy, pmDays int
	pm25                       float64
	december                   [3]int // valid, good, heavy days of December
}

// independent computes the figures from the CSV text: each hour the
// per-pollutant mean of the stations' values (or one station's), natural
// days of the hours labelled 01:00 … 24:00, 24-hour means from ≥ 20 hours,
// the daily maximum 1-hour O3 and the maximum of the 8-hour O3 means ending
// 08:00 … 24:00 (each from ≥ 6 hours).
func independent(t *testing.T, files []string, station string) figures {
	t.Helper()
	cols := []string{"SO2", "NO2", "PM10", "CO", "O3", "PM2.5"}
	const so2, no2, pm10, co, o3, pm25 = 0, 1, 2, 3, 4, 5
	type acc struct{ sum, n [6]float64 }
	hours := map[time.Time]*acc{} // by hour label
	cst := time.FixedZone("CST", 8*3600)
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(fh)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(zr).ReadAll()
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		at := map[string]int{}
		for i, h := range recs[0] {
			at[h] = i
		}
		for _, r := range recs[1:] {
			if station != "" && r[at["station"]] != station {
				continue
			}
			num := func(k string) int { v, _ := strconv.Atoi(r[at[k]]); return v }
			label := time.Date(num("year"), time.Month(num("month")), num("day"), num("hour"), 0, 0, 0, cst)
			a := hours[label]
			if a == nil {
				a = &acc{}
				hours[label] = a
			}
			for p, c := range cols {
				v, err := strconv.ParseFloat(r[at[c]], 64)
				if err != nil {
					continue // NA
				}
				if p == co {
					v /= 1000
				}
				a.sum[p] += v
				a.n[p]++
			}
		}
	}
	value := func(label time.Time, p int) (float64, bool) {
		a := hours[label]
		if a == nil || a.n[p] == 0 {
			return 0, false
		}
		return a.sum[p] / a.n[p], true
	}
	bp100 := [6]float64{so2: 150, no2: 80, pm10: 150, co: 4, pm25: 75}
	bp200 := [6]float64{so2: 800, no2: 280, pm10: 350, co: 24, pm25: 150}
	var f figures
	pmSum := 0.0
	for d := time.Date(2015, 1, 1, 0, 0, 0, 0, cst); d.Year() == 2015; d = d.AddDate(0, 0, 1) {
		var mean [6]float64
		ok := true
		var o3hour [25]float64 // index = hour of the day 1..24
		var o3ok [25]bool
		o3max1h, o3any := 0.0, false
		for p := range 6 {
			s, n := 0.0, 0
			for h := 1; h <= 24; h++ {
				v, valid := value(d.Add(time.Duration(h)*time.Hour), p)
				if p == o3 {
					o3hour[h], o3ok[h] = v, valid
					if valid && (!o3any || v > o3max1h) {
						o3max1h, o3any = v, true
					}
				}
				if valid {
					s += v
					n++
				}
			}
			if p == o3 {
				continue
			}
			if n < 20 {
				ok = false
				continue
			}
			mean[p] = s / float64(n)
			if p == pm25 {
				pmSum += mean[p]
				f.pmDays++
			}
		}
		o3max8h, o8ok := 0.0, false
		for end := 8; end <= 24; end++ {
			s, n := 0.0, 0
			for h := end - 7; h <= end; h++ {
				if o3ok[h] {
					s += o3hour[h]
					n++
				}
			}
			if n >= 6 && (!o8ok || s/float64(n) > o3max8h) {
				o3max8h, o8ok = s/float64(n), true
			}
		}
		if !ok || !o3any || !o8ok {
			continue
		}
		f.valid++
		dec := d.Month() == time.December
		if dec {
			f.december[0]++
		}
		good := o3max1h <= 200 && o3max8h <= 160
		heavy := o3max1h > 400 || (o3max8h > 265 && o3max8h <= 800)
		for _, p := range []int{so2, no2, pm10, co, pm25} {
			good = good && mean[p] <= bp100[p]
			heavy = heavy || mean[p] > bp200[p]
		}
		if good {
			f.good++
			if dec {
				f.december[1]++
			}
		}
		if heavy {
			f.heavy++
			if dec {
				f.december[2]++
			}
		}
	}
	f.pm25 = pmSum / float64(f.pmDays)
	return f
}

// The text format leads with the headline figures.
func TestText2015(t *testing.T) {
	out := string(run(t, Config{Files: files2015(t), Year: 2015, Format: "text"}))
	for _, want := range []string{
		"good_days      190 of 363 valid days",
		"heavy_days     49 (AQI > 200)",
		"pm25_annual    79.3 µg/m³ valid",
		"edition        HJ 633—2012: 2015-01-01 … 2015-12-31 (365 days)",
		"partial year: the files cover 8759 of the 8760 hours of 2015",
		"last year      no data of 2014",
		"2015-winter",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
}

// --days lists every day of the year with its edition.
func TestDays(t *testing.T) {
	var rep struct {
		Days []struct {
			Date    string `json:"date"`
			Edition int    `json:"edition"`
		} `json:"days"`
	}
	if err := json.Unmarshal(run(t, Config{Files: files2015(t), Year: 2015, Format: "json", Days: true, Station: "Dongsi"}), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Days) != 365 || rep.Days[0].Date != "2015-01-01" || rep.Days[364].Date != "2015-12-31" || rep.Days[100].Edition != 2012 {
		t.Errorf("%d days, first %+v", len(rep.Days), rep.Days[0])
	}
}

// Mistakes in the command's input are refused with what is wrong.
func TestErrors(t *testing.T) {
	files := files2015(t)
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Year: 2015, Format: "json"}, "no --csv files"},
		{Config{Files: files, Format: "json"}, "--year 0"},
		{Config{Files: files, Year: 2015, Format: "xml"}, `--format "xml"`},
		{Config{Files: files, Year: 2015, Format: "json", Station: "Nowhere"}, `--station "Nowhere"`},
		{Config{Files: files, Year: 2015, Format: "json", Targets: "../../configs/targets/jianghua-2026.yaml", TargetScope: "x"}, `--target-scope "x"`},
		{Config{Files: []string{"missing.csv"}, Year: 2015, Format: "json"}, "missing.csv"},
	} {
		err := Run(context.Background(), c.cfg, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want %q", c.cfg, err, c.want)
		}
	}
}

// BenchmarkStatsYear12Stations reads the twelve stations' 2015 files and
// computes the year's statistics (region, seasons, months), as `aqwarn
// stats --year 2015` does. The target is well under a second.
func BenchmarkStatsYear12Stations(b *testing.B) {
	files := files2015(b)
	cfg := Config{Files: files, Year: 2015, Format: "json"}
	for b.Loop() {
		series, err := ReadFiles(context.Background(), files)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := Compute(series, cfg, nil)
		if err != nil || rep.GoodDays == 0 {
			b.Fatal(err)
		}
	}
}
