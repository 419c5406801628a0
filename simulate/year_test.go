package simulate

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/internal/testflags"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/dataset"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/stats"
)

var update = testflags.Update

// The demo's stations and the Beijing stations they replay (configs/default.yaml).
var (
	yearSources  = map[string]string{"tuojiang-1": "Dongsi", "shuikou-1": "Tiantan", "baimangying-1": "Guanyuan", "taoxu-1": "Wanliu"}
	yearStations = []aqwarn.Station{{ID: "tuojiang-1"}, {ID: "shuikou-1"}, {ID: "baimangying-1"}, {ID: "taoxu-1"}}
)

// yearTableFrom computes the table from the Beijing files: per station
// and natural day of 2015 the 24-hour means (≥ 20 hours) and the daily
// maximum 8-hour O3, as package stats has them, to 0.1 (CO 0.001).
func yearTableFrom(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"station", "date", "so2", "no2", "pm10", "co", "o3_8h", "pm25"})
	terms := []aqi.Term{aqi.TermSO2, aqi.TermNO2, aqi.TermPM10, aqi.TermCO, aqi.TermO3_8h, aqi.TermPM25}
	for _, name := range []string{"Dongsi", "Tiantan", "Guanyuan", "Wanliu"} {
		path := filepath.Join(testenv.RepoRoot(), "testdata", "beijing-2015", "PRSA_Data_"+name+"_2015010100-2015123123.csv.gz")
		ss, err := dataset.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s := ss[0]
		days := stats.Days(stats.Hourly{Start: s.Start, Hours: s.Hours}, stats.YearPeriod(2015), stats.Options{Edition: aqi.Edition2012})
		for _, d := range days {
			row := []string{name, d.Date.Format(time.DateOnly)}
			for _, term := range terms {
				v := d.Conc[term]
				switch {
				case math.IsNaN(v):
					row = append(row, "")
				case term == aqi.TermCO:
					row = append(row, strconv.FormatFloat(v, 'f', 3, 64))
				default:
					row = append(row, strconv.FormatFloat(v, 'f', 1, 64))
				}
			}
			w.Write(row)
		}
	}
	w.Flush()
	return b.Bytes()
}

// The embedded table is what the Beijing data give (-update rewrites it).
func TestYearTableFromBeijing2015(t *testing.T) {
	want := yearTableFrom(t)
	if *update {
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		zw.Write(want)
		zw.Close()
		if err := os.WriteFile("year/beijing-2015-daily.csv.gz", z.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		yearTable = z.Bytes()
	}
	zr, err := gzip.NewReader(bytes.NewReader(yearTable))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if !bytes.Equal(got, want) {
		t.Errorf("year/beijing-2015-daily.csv.gz differs from testdata/beijing-2015 (go test ./simulate -run YearTable -update)")
	}
}

// The hours give back the scaled daily values: the 24-hour means (to the
// 0.05 the hours' rounding costs) and the daily maximum 8-hour O3; a day
// without a value has no hours of it. And the county of the four stations
// looks like a southern county's year: figures printed, ranges checked.
func TestYearReadingsKeepTheDays(t *testing.T) {
	from, to := stats.Date(2015, time.January, 1), stats.Date(2015, time.November, 20)
	rs, err := YearReadings(yearStations, yearSources, from, to)
	if err != nil {
		t.Fatal(err)
	}
	table, err := readYearTable()
	if err != nil {
		t.Fatal(err)
	}
	p := stats.Between(from, to)
	hourly := map[string]*stats.Hourly{}
	for _, st := range yearStations {
		h := &stats.Hourly{Start: from.Add(time.Hour), Hours: make([]aqi.Hour, p.Days()*24)}
		for i := range h.Hours {
			h.Hours[i] = aqi.MissingHour()
		}
		hourly[st.ID] = h
	}
	for _, r := range rs {
		if !r.Time.After(from) || r.Time.After(to) {
			t.Fatalf("a reading at %s outside (%s, %s]", r.Time, from, to)
		}
		h := hourly[r.Station]
		i := int(r.Time.Sub(h.Start) / time.Hour)
		for _, m := range r.Values {
			q, _ := aqi.ParsePollutant(m.Pollutant)
			h.Hours[i][q] = m.Value
		}
	}
	checked := 0
	var all []stats.Hourly
	for _, st := range yearStations {
		days := stats.Days(*hourly[st.ID], p, stats.Options{Edition: aqi.Edition2012})
		src := table[yearSources[st.ID]]
		for k, d := range days {
			want := src[k]
			if !want.date.Equal(d.Date) {
				t.Fatalf("%s: day %d is %s, table %s", st.ID, k, d.Date, want.date)
			}
			for q, term := range map[aqi.Pollutant]aqi.Term{aqi.SO2: aqi.TermSO2, aqi.NO2: aqi.TermNO2, aqi.PM10: aqi.TermPM10,
				aqi.CO: aqi.TermCO, aqi.PM25: aqi.TermPM25, aqi.O3: aqi.TermO3_8h} {
				w, g := want.v[q]*YearScale[q], d.Conc[term]
				tol := 0.06
				if q == aqi.CO {
					tol = 0.0006
				}
				switch {
				case math.IsNaN(w) != math.IsNaN(g):
					t.Errorf("%s %s %s: %v, want %v", st.ID, d.Date.Format(time.DateOnly), term, g, w)
				case !math.IsNaN(w) && math.Abs(g-w) > tol:
					t.Errorf("%s %s %s: %.3f, want %.3f", st.ID, d.Date.Format(time.DateOnly), term, g, w)
				default:
					checked++
				}
			}
		}
		all = append(all, *hourly[st.ID])
	}
	county := stats.Summarise(stats.Scope{Kind: "region", ID: "jianghua"}, stats.Days(stats.RegionHourly(all), p, stats.Options{}), p)
	t.Logf("simulated county, %s: %d valid days, good %d (%.1f %%), heavy %d, PM2.5 mean %.1f µg/m³, %d daily values checked",
		p.Label, county.ValidDays, county.GoodDays, *county.GoodRatio, county.HeavyDays, *county.Pollutants.PM25.Mean, checked)
	if r, pm := *county.GoodRatio, *county.Pollutants.PM25.Mean; r < 85 || r > 99 || pm < 20 || pm > 40 || county.HeavyDays > 3 {
		t.Errorf("not a southern county's year: good %.1f %%, PM2.5 %.1f, heavy %d", r, pm, county.HeavyDays)
	}
}
