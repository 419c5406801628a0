package api

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/stats"
	"github.com/aqwarn/aqwarn/stats/statsreport"
	"github.com/aqwarn/aqwarn/stats/statsvc"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

var _ WarningHistory = (*sqlite.DB)(nil)

// statsHeavy are the days of the test data with PM2.5 at 200 µg/m³ all
// day (AQI 250): three under a warning (issued ahead of the first, upgraded
// on the second), one without any.
var statsHeavy = map[string]bool{"2026-11-15": true, "2026-11-16": true, "2026-11-17": true, "2026-11-25": true,
	"2025-11-10": true, "2025-11-11": true, "2025-11-12": true}

// statsReadings are the hours of stations sa and sb from 1 October to
// 1 December 2026 13:00 (now), and of November 2025: every value a whole
// number, the same pattern at both stations but for sb's PM2.5 (+6).
func statsReadings() []aqwarn.Reading {
	var out []aqwarn.Reading
	add := func(from, to time.Time) {
		for t := from.Add(time.Hour); !t.After(to); t = t.Add(time.Hour) {
			day := stats.DayOf(t)
			di := day.YearDay()
			h := t.In(CST).Hour()
			pm25 := 18 + float64(di*11%30) + float64(h%5)
			if statsHeavy[day.Format(time.DateOnly)] {
				pm25 = 200
			}
			o3 := math.Round(50 + 40*math.Max(0, math.Sin(float64(h-8)*math.Pi/12)))
			for k, st := range []string{"sa", "sb"} {
				p := pm25 + 6*float64(k)
				out = append(out, aqwarn.Reading{Station: st, Time: t.UTC(), Interval: time.Hour, Values: []aqwarn.Measure{
					{Pollutant: "so2", Value: 8}, {Pollutant: "no2", Value: 20 + float64(h%3)}, {Pollutant: "pm10", Value: math.Round(p * 1.4)},
					{Pollutant: "co", Value: 0.6}, {Pollutant: "o3", Value: o3}, {Pollutant: "pm25", Value: p}}})
			}
		}
	}
	add(stats.Date(2026, time.October, 1), hourEnd)
	add(stats.Date(2025, time.November, 1), stats.Date(2025, time.December, 1))
	return out
}

func statsTargets(t *testing.T) *stats.Targets {
	t.Helper()
	ts, err := stats.ParseTargets([]byte(`
id: test-2026
year: 2026
name_zh: 测试目标
name_en: Test targets
source: made up for the test
illustrative: true
scopes:
  - {scope: region, id: county, name_zh: 县, name_en: County, good_day_ratio_pct: 90, pm25_annual_max: 35, heavy_days_max: 5, heavy_days_reduction: {by: 1}}
  - {scope: region, id: town, name_zh: 镇, name_en: Town, pm25_annual_max: 30}
`), stats.Refs{})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// statsPlan is a plan with the test's regions and the county's levels.
func statsPlan(t *testing.T) *alert.Plan {
	t.Helper()
	b, err := os.ReadFile("../configs/plans/jianghua-2024.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := alert.ParsePlan(b)
	if err != nil {
		t.Fatal(err)
	}
	p.Regions = testDeps().Regions
	return p
}

// statsDeps serves testDeps with statistics on a real SQLite store: the
// readings above and the county's warning of 14–18 November 2026.
func statsDeps(t *testing.T) Deps {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.WriteReadings(ctx, statsReadings()); err != nil {
		t.Fatal(err)
	}
	at := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, CST) }
	w := &lifecycle.Warning{Region: "county", PlanID: "p", LevelID: "yellow", Since: at(14, 16), EpisodeStart: at(15, 0),
		ExpectedEnd: at(18, 12), EffectiveStart: at(15, 0), Issued: at(14, 16)}
	step := func(key, kind, from, to string, when, start time.Time) {
		tr := lifecycle.Transition{Key: key, WarningID: w.ID, Region: "county", Kind: kind, FromID: from, ToID: to, At: when, Start: start, ExpectedEnd: at(18, 12)}
		if _, _, err := db.Publish(ctx, 0, tr, w, lifecycle.AuditEntry{At: when, Actor: "test", Action: kind}); err != nil {
			t.Fatal(err)
		}
	}
	step("w1", alert.KindIssue, "none", "yellow", at(14, 16), at(15, 0))
	w.LevelID = "orange"
	step("w2", alert.KindUpgrade, "yellow", "orange", at(16, 4), at(16, 6))
	lifted, eff := at(18, 9), at(18, 12)
	w.Lifted, w.LiftEffective = &lifted, &eff
	step("w3", alert.KindLift, "orange", "none", lifted, eff)

	d := testDeps()
	svc := &statsvc.Service{Readings: db, Stations: d.Stations, Regions: d.Regions}
	d.Stats = &StatsDeps{Days: svc, Warnings: db, Plan: statsPlan(t), Targets: statsTargets(t)}
	d.Staff = []StaffToken{{SHA256: HashToken("staff-secret"), User: "duty", Roles: []string{"duty_officer"}}}
	return d
}

// The figures of a month, a station's quarter and the targets are a
// contract with the page and outside users: golden files. What they say,
// worked out from the data: November 2026 has 30 days, all valid; 4 heavy
// (15–17 under warning 1, issued the 14th at 16:00, ahead; the 25th
// without); November 2025 had 3.
func TestStatsGolden(t *testing.T) {
	h := NewHandler(statsDeps(t))
	for _, c := range []struct{ url, golden string }{
		{"/api/v1/stats?period=2026-11", "testdata/stats_county_2026-11.golden.json"},
		{"/api/v1/stats?scope=station&id=sb&period=2026-Q4", "testdata/stats_sb_2026-Q4.golden.json"},
		{"/api/v1/targets", "testdata/targets.golden.json"},
	} {
		w := get(t, h, c.url)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", c.url, w.Code, w.Body)
		}
		if cc := w.Header().Get("Cache-Control"); cc != cacheHistory {
			t.Errorf("%s: Cache-Control %q, want %q", c.url, cc, cacheHistory)
		}
		checkGolden(t, c.golden, w.Body.Bytes())
	}
	var s statsAnswer
	if err := json.Unmarshal(get(t, h, "/api/v1/stats?period=2026-11").Body.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Summary.ValidDays != 30 || s.Summary.HeavyDays != 4 || len(s.Heavy) != 4 || s.LastYear == nil || *s.LastYear.HeavyDays.LastYear != 3 {
		t.Fatalf("November: %d valid, %d heavy, last year %+v", s.Summary.ValidDays, s.Summary.HeavyDays, s.LastYear)
	}
	for _, hd := range s.Heavy {
		switch hd.Date {
		case "2026-11-15", "2026-11-16", "2026-11-17":
			if len(hd.Warnings) != 1 || hd.Warnings[0].ID != 1 || !hd.Warnings[0].IssuedBefore {
				t.Errorf("%s: warnings %+v, want warning 1 issued ahead", hd.Date, hd.Warnings)
			}
			if want := map[string]string{"2026-11-15": "yellow", "2026-11-16": "orange", "2026-11-17": "orange"}[hd.Date]; hd.Warnings[0].Level.ID != want {
				t.Errorf("%s: level %s, want %s", hd.Date, hd.Warnings[0].Level.ID, want)
			}
		case "2026-11-25":
			if len(hd.Warnings) != 0 {
				t.Errorf("the 25th had no warning, got %+v", hd.Warnings)
			}
		}
	}
}

// statsAnswer is what the tests read of a StatsResponse.
type statsAnswer struct {
	Period struct {
		Days int `json:"days"`
	} `json:"period"`
	Summary struct {
		ValidDays int `json:"valid_days"`
		HeavyDays int `json:"heavy_days"`
	} `json:"summary"`
	LastYear *struct {
		HeavyDays stats.Change `json:"heavy_days"`
	} `json:"last_year"`
	Heavy []struct {
		Date     string              `json:"date"`
		Warnings []statsreport.Cover `json:"warnings"`
	} `json:"heavy"`
}

// Without targets the API says there are none.
func TestTargetsNotConfigured(t *testing.T) {
	d := statsDeps(t)
	d.Stats.Targets = nil
	w := get(t, NewHandler(d), "/api/v1/targets")
	var r TargetsResponse
	if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil || w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if r.Configured || len(r.Targets) != 0 || r.MessageEN == "" || r.MessageZH == "" {
		t.Errorf("got %+v", r)
	}
}

// Bad parameters are refused with 400 and a message in English and
// Chinese; unknown scopes are 404; no statistics at all, 503.
func TestStatsRefusesBadParameters(t *testing.T) {
	h := NewHandler(statsDeps(t))
	for _, c := range []struct {
		url    string
		status int
	}{
		{"/api/v1/stats?period=2026-13", 400},                // no 13th month
		{"/api/v1/stats?period=last-year", 400},              // not a period
		{"/api/v1/stats?period=2025-01-01..2026-03-31", 400}, // more than a year
		{"/api/v1/stats?period=2026-03-31..2026-01-01", 400}, // backwards
		{"/api/v1/stats?period=2026-Q5", 400},                // no fifth quarter
		{"/api/v1/stats?period=1999", 400},                   // before HJ 633
		{"/api/v1/stats?scope=town", 400},                    // not a kind of scope
		{"/api/v1/stats?scope=station", 400},                 // a station needs its id
		{"/api/v1/stats?scope=station&id=nope", 404},         // no such station
		{"/api/v1/stats?id=mars", 404},                       // no such region
		{"/api/v1/reports/monthly?month=2026-11", 401},       // staff only
		{"/api/v1/stats?period=2026-01-01..2026-03-31", 200}, // both ends included: 90 days
		{"/api/v1/stats?scope=region&id=town&period=2026-autumn", 200},
	} {
		w := get(t, h, c.url)
		if w.Code != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.url, w.Code, c.status, w.Body)
			continue
		}
		if c.status == 400 {
			var e errorBody
			json.Unmarshal(w.Body.Bytes(), &e)
			if e.Error.Code != "bad_request" || !strings.Contains(e.Error.Message, " / ") {
				t.Errorf("%s: error %+v, want bad_request with English / 中文", c.url, e.Error)
			}
		}
	}
	var q statsAnswer
	json.Unmarshal(get(t, h, "/api/v1/stats?period=2026-01-01..2026-03-31").Body.Bytes(), &q)
	if q.Period.Days != 90 {
		t.Errorf("2026-01-01..2026-03-31 is %d days, want 90", q.Period.Days)
	}
	d := testDeps()
	if w := get(t, NewHandler(d), "/api/v1/stats"); w.Code != 503 {
		t.Errorf("without statistics: %d", w.Code)
	}
}

// The answers match the OpenAPI document.
func TestStatsOpenAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	srv := httptest.NewServer(NewHandler(statsDeps(t)))
	defer srv.Close()
	doc.Servers = openapi3.Servers{{URL: srv.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/api/v1/stats?period=2026-11", 200},
		{"/api/v1/stats?scope=station&id=sa&period=2026", 200},
		{"/api/v1/stats?period=2026-Q7", 400},
		{"/api/v1/targets", 200},
		{"/api/v1/reports/monthly?month=2026-11", 200},
		{"/api/v1/reports/annual?year=2026&format=csv", 200},
		{"/api/v1/reports/annual?year=26", 400},
		{"/api/v1/reports/monthly?month=2026-11&region=county&station=sa", 400}, // one scope only
		{"/api/v1/reports/monthly?month=2026-11&station=sa", 200},
		{"/stats", 200},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+c.path, nil)
		if strings.Contains(c.path, "/reports/") {
			req.Header.Set("Authorization", "Bearer staff-secret")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d: %.300s", c.path, resp.StatusCode, c.status, body)
			continue
		}
		validateResponse(t, router, req, resp, body)
	}
}

// The reports handed in: golden HTML and CSV of November 2026 and of the
// year 2026 so far (to 30 November).
func TestStatsReportsGolden(t *testing.T) {
	h := NewHandler(statsDeps(t))
	auth := []string{"Authorization", "Bearer staff-secret"}
	for _, c := range []struct{ url, golden, ctype string }{
		{"/api/v1/reports/monthly?month=2026-11", "testdata/report_monthly_2026-11.golden.html", "text/html"},
		{"/api/v1/reports/monthly?month=2026-11&format=csv", "testdata/report_monthly_2026-11.golden.csv", "text/csv"},
		{"/api/v1/reports/annual?year=2026", "testdata/report_annual_2026.golden.html", "text/html"},
		{"/api/v1/reports/annual?year=2026&format=csv&region=town", "testdata/report_annual_2026_town.golden.csv", "text/csv"},
	} {
		w := get(t, h, c.url, auth...)
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), c.ctype) {
			t.Fatalf("%s: %d %s: %.300s", c.url, w.Code, w.Header().Get("Content-Type"), w.Body)
		}
		if *update {
			os.WriteFile(c.golden, w.Body.Bytes(), 0o644)
		}
		want, err := os.ReadFile(c.golden)
		if err != nil {
			t.Fatal(err)
		}
		if w.Body.String() != string(want) {
			t.Errorf("%s differs from %s (run with -update if intended)", c.url, c.golden)
		}
	}
	w := get(t, h, "/api/v1/reports/monthly?month=2026-11", auth...)
	for _, want := range []string{"一、主要指标", "二、六项污染物", "三、空气质量类别", "四、与上年同期比较", "五、年度目标", "六、污染过程与预警", "<svg", "#99004C"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("the monthly report lacks %q", want)
		}
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("report CSP %q", csp)
	}
}
