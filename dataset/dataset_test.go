package dataset

import (
	"bytes"
	"compress/gzip"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

const header = `"No","year","month","day","hour","PM2.5","PM10","SO2","NO2","CO","O3","TEMP","PRES","DEWP","RAIN","wd","WSPM","station"` + "\n"

func TestReadExcerpt(t *testing.T) {
	ss, err := ReadFile("../testdata/beijing/PRSA_Data_Dongsi_2015112501-2015120300.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 1 {
		t.Fatalf("%d series", len(ss))
	}
	s := ss[0]
	if s.Station != "Dongsi" || len(s.Hours) != 192 {
		t.Fatalf("station %q, %d hours", s.Station, len(s.Hours))
	}
	// The first row, 2015-11-25 hour 1, is the hour labelled 01:00 +08:00.
	if want := time.Date(2015, 11, 25, 1, 0, 0, 0, aqi.CST); !s.Start.Equal(want) {
		t.Errorf("start %v, want %v", s.Start, want)
	}
	if want := time.Date(2015, 12, 3, 0, 0, 0, 0, aqi.CST); !s.End().Equal(want) {
		t.Errorf("end %v, want %v", s.End(), want)
	}
	// Row 23978: 2015,11,25,1, PM2.5 75, PM10 75, SO2 11, NO2 71, CO 1400, O3 2.
	want := aqi.Hour{aqi.SO2: 11, aqi.NO2: 71, aqi.PM10: 75, aqi.CO: 1.4, aqi.O3: 2, aqi.PM25: 75}
	if s.Hours[0] != want {
		t.Errorf("first hour %v, want %v", s.Hours[0], want)
	}
	// Row 24130 (2015-12-01 hour 9) has PM2.5 640 and CO NA.
	i, ok := s.Index(time.Date(2015, 12, 1, 9, 0, 0, 0, aqi.CST))
	if !ok || !math.IsNaN(s.Hours[i][aqi.CO]) || s.Hours[i][aqi.PM25] != 640 {
		t.Errorf("2015-12-01 09:00: %v (index %d %v)", s.Hours[i], i, ok)
	}
}

func TestRead(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name    string
		csv     string
		gz      bool
		want    map[string][]aqi.Hour // per station
		start   time.Time
		wantErr string
	}{
		{
			// Plain CSV, NA and empty cells are missing, CO in µg/m³ becomes mg/m³.
			name: "plain",
			csv: header +
				`1,2013,3,1,0,9,9,3,17,300,89,-0.5,1024.5,-21.4,0,"NNW",5.7,"A"` + "\n" +
				`2,2013,3,1,1,NA,4,,16,1250.5,88,-0.7,1025.1,-22.1,0,"NW",3.9,"A"` + "\n",
			want: map[string][]aqi.Hour{"A": {
				{aqi.SO2: 3, aqi.NO2: 17, aqi.PM10: 9, aqi.CO: 0.3, aqi.O3: 89, aqi.PM25: 9},
				{aqi.SO2: nan, aqi.NO2: 16, aqi.PM10: 4, aqi.CO: 1.2505, aqi.O3: 88, aqi.PM25: nan},
			}},
			start: time.Date(2013, 3, 1, 0, 0, 0, 0, aqi.CST),
		},
		{
			// The same gzipped; a gap of two hours is filled with missing hours.
			name: "gzip with gap", gz: true,
			csv: header +
				`1,2013,3,1,22,1,1,1,1,1000,1,0,0,0,0,"N",1,"A"` + "\n" +
				`2,2013,3,2,1,2,2,2,2,2000,2,0,0,0,0,"N",1,"A"` + "\n",
			want: map[string][]aqi.Hour{"A": {
				{1, 1, 1, 1, 1, 1}, aqi.MissingHour(), aqi.MissingHour(), {2, 2, 2, 2, 2, 2},
			}},
			start: time.Date(2013, 3, 1, 22, 0, 0, 0, aqi.CST),
		},
		{
			// Interleaved stations are separated; hour 24 is the next day's 00:00.
			name: "two stations",
			csv: header +
				`1,2013,3,1,23,1,1,1,1,1000,1,0,0,0,0,"N",1,"A"` + "\n" +
				`1,2013,3,1,23,5,5,5,5,5000,5,0,0,0,0,"N",1,"B"` + "\n" +
				`2,2013,3,1,24,2,2,2,2,2000,2,0,0,0,0,"N",1,"A"` + "\n",
			want:  map[string][]aqi.Hour{"A": {{1, 1, 1, 1, 1, 1}, {2, 2, 2, 2, 2, 2}}, "B": {{5, 5, 5, 5, 5, 5}}},
			start: time.Date(2013, 3, 1, 23, 0, 0, 0, aqi.CST),
		},
		{
			// Columns are found by name, in any order; weather columns are optional.
			name:  "reordered",
			csv:   "station,PM2.5,PM10,SO2,NO2,CO,O3,year,month,day,hour\nA,1,2,3,4,5000,6,2014,1,1,0\n",
			want:  map[string][]aqi.Hour{"A": {{aqi.SO2: 3, aqi.NO2: 4, aqi.PM10: 2, aqi.CO: 5, aqi.O3: 6, aqi.PM25: 1}}},
			start: time.Date(2014, 1, 1, 0, 0, 0, 0, aqi.CST),
		},
		{
			// Going back in time is an error naming the line.
			name: "out of order",
			csv: header +
				`1,2013,3,1,5,1,1,1,1,1000,1,0,0,0,0,"N",1,"A"` + "\n" +
				`2,2013,3,1,5,2,2,2,2,2000,2,0,0,0,0,"N",1,"A"` + "\n",
			wantErr: "line 3",
		},
		{
			// A value that is not a number.
			name:    "bad value",
			csv:     header + `1,2013,3,1,5,x,1,1,1,1000,1,0,0,0,0,"N",1,"A"` + "\n",
			wantErr: `line 2: bad PM2.5 value "x"`,
		},
		{
			// A date that does not exist.
			name:    "bad date",
			csv:     header + `1,2013,2,30,5,1,1,1,1,1000,1,0,0,0,0,"N",1,"A"` + "\n",
			wantErr: "line 2: no such hour",
		},
		{
			// A header without the pollutant columns.
			name:    "bad header",
			csv:     "No,year,month,day,hour,station\n",
			wantErr: "lacks column(s) SO2, NO2, PM10, CO, O3, PM2.5",
		},
		{
			// Nothing at all.
			name:    "empty",
			csv:     "",
			wantErr: "empty input",
		},
	}
	for _, c := range cases {
		data := []byte(c.csv)
		if c.gz {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write(data)
			zw.Close()
			data = b.Bytes()
		}
		ss, err := Read(bytes.NewReader(data))
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: error %v, want %q", c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if len(ss) != len(c.want) {
			t.Errorf("%s: %d series, want %d", c.name, len(ss), len(c.want))
		}
		for _, s := range ss {
			if !s.Start.Equal(c.start) {
				t.Errorf("%s: %s starts %v, want %v", c.name, s.Station, s.Start, c.start)
			}
			w := c.want[s.Station]
			if len(s.Hours) != len(w) {
				t.Errorf("%s: %s has %d hours, want %d", c.name, s.Station, len(s.Hours), len(w))
				continue
			}
			for i := range w {
				for p := range aqi.NumPollutants {
					g, e := s.Hours[i][p], w[i][p]
					if g != e && !(math.IsNaN(g) && math.IsNaN(e)) {
						t.Errorf("%s: %s hour %d %s = %v, want %v", c.name, s.Station, i, p, g, e)
					}
				}
			}
		}
	}
}

// beijingDir is where the full data set lives: $AQWARN_BEIJING_DIR, or
// ../shared/data/beijing relative to the repository root.
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

// BenchmarkReadBeijing parses all twelve station files (gzip included).
func BenchmarkReadBeijing(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(beijingDir(b), "PRSA_Data_*.csv.gz"))
	if len(files) == 0 {
		b.Skipf("Beijing data set not found in %s; set AQWARN_BEIJING_DIR", beijingDir(b))
	}
	b.ReportAllocs()
	for b.Loop() {
		hours := 0
		for _, f := range files {
			ss, err := ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range ss {
				hours += len(s.Hours)
			}
		}
		if hours != 420768 {
			b.Fatalf("%d station-hours, want 420768", hours)
		}
	}
}
