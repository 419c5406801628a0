package alert

import (
	"strings"
	"testing"
	"time"
)

func TestParseForecastCSV(t *testing.T) {
	tests := []struct {
		name     string
		csv      string
		def      Forecast
		problems int // 0: valid
		issues   int
		daily    int
		hourly   int
	}{
		// Daily rows of two issues in one file make two forecasts.
		{name: "daily, two issues", csv: "region,source,issued_at,date,aqi,primary,pm25\n" +
			"jianghua,centre,2026-12-01T08:00:00+08:00,2026-12-01,120,pm25,90\n" +
			"jianghua,centre,2026-12-01T08:00:00+08:00,2026-12-02,210,pm25,NA\n" +
			"jianghua,centre,2026-12-01 20:00,2026-12-02,230,,\n",
			issues: 2, daily: 2},
		// Hourly rows, the issue given by the caller (query parameters).
		{name: "hourly with defaults", csv: "time,pm25,o3\n2026-12-01 01:00,80,20\n2026-12-01T02:00:00+08:00,85,\n",
			def: Forecast{Region: "jianghua", Source: "model", IssuedAt: now0}, issues: 1, hourly: 2},
		// Every problem at once: bad date column choice is refused up front.
		{name: "both date and time", csv: "date,time,aqi\n", def: Forecast{Region: "r", Source: "s", IssuedAt: now0}, problems: 1},
		// Missing columns that nobody supplies.
		{name: "no region, source, issue", csv: "date,aqi\n2026-12-01,100\n", problems: 3},
		// Bad cells are listed by line.
		{name: "bad cells", csv: "date,aqi,pm25\n2026-12-01,abc,1\n2026-12-02,100,x\n",
			def: Forecast{Region: "r", Source: "s", IssuedAt: now0}, problems: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, err := ParseForecastCSV(strings.NewReader(tc.csv), tc.def)
			if tc.problems > 0 {
				e, ok := err.(*Error)
				if !ok || e.Code != CodeForecastInvalid || len(e.Problems) != tc.problems {
					t.Fatalf("want %d problems, got %v", tc.problems, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != tc.issues || len(fs[0].Daily) != tc.daily || len(fs[0].Hourly) != tc.hourly {
				t.Fatalf("got %+v", fs)
			}
			if tc.hourly > 0 && !fs[0].Hourly[0].Time.Equal(now0.Add(time.Hour)) {
				t.Errorf("China time not applied: %v", fs[0].Hourly[0].Time)
			}
		})
	}
}

func TestForecastCheck(t *testing.T) {
	p := jianghua(t)
	f := Forecast{Region: "nowhere", Daily: []DailyForecast{{Date: "1 Dec", AQI: 600}}}
	e, ok := f.Check(p).(*Error)
	// region, source, issued_at, date, aqi: all listed at once.
	if !ok || len(e.Problems) != 5 {
		t.Fatalf("got %v", f.Check(p))
	}
}
