package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/internal/testflags"

	"github.com/aqwarn/aqwarn"
)

var update = testflags.Update

type fixedSnapshot struct{ s *aqwarn.AQISnapshot }

func (f fixedSnapshot) Current() *aqwarn.AQISnapshot { return f.s }

func ip(i int) *int { return &i }

var hourEnd = time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC) // 13:00 CST

func testDeps() Deps {
	val := aqwarn.AQIValue{AQI: ip(137), Level: 3, CategoryZH: "轻度污染", CategoryEN: "Lightly Polluted", Color: "#FF7E00",
		Primary: []string{"pm25"}, IAQI: map[string]int{"pm25": 137}, AdviceZH: "少动", AdviceEN: "Less"}
	na := aqwarn.AQIValue{Primary: []string{}, IAQI: map[string]int{}}
	return Deps{
		AQI: fixedSnapshot{&aqwarn.AQISnapshot{Computed: hourEnd.Add(5 * time.Minute),
			Regions: map[string]aqwarn.AQIRecord{
				"county": {Scope: "region", ID: "county", Time: hourEnd, Edition: 2026, Conc: map[string]float64{"pm25": 100}, Hourly: val, Rolling24h: val},
			},
			Stations: map[string]aqwarn.AQIRecord{
				"sa": {Scope: "station", ID: "sa", Time: hourEnd, Edition: 2026, Conc: map[string]float64{"pm25": 100}, Hourly: val, Rolling24h: na},
				"sb": {Scope: "station", ID: "sb", Time: hourEnd.Add(-3 * time.Hour), Edition: 2026, Conc: map[string]float64{}, Hourly: na, Rolling24h: na},
			}}},
		Regions:  []aqwarn.Region{{ID: "county", NameZH: "县", NameEN: "County"}, {ID: "town", NameZH: "镇", NameEN: "Town", Parent: "county"}},
		Stations: []aqwarn.Station{{ID: "sa", NameZH: "甲", NameEN: "A", Region: "town"}, {ID: "sb", NameZH: "乙", NameEN: "B", Region: "town"}},
		Now:      func() time.Time { return hourEnd.Add(10 * time.Minute) },
	}
}

func get(t *testing.T, h http.Handler, url string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// The JSON of /api/v1/aqi/current is a contract with the public page and
// with outside users: pin it in a golden file.
func TestCurrentAQIGolden(t *testing.T) {
	w := get(t, NewHandler(testDeps()), "/api/v1/aqi/current")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	checkGolden(t, "testdata/aqi_current.golden.json", w.Body.Bytes())
}

// checkGolden compares indented JSON with a golden file (-update rewrites it).
func checkGolden(t *testing.T, golden string, body []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		t.Fatal(err)
	}
	if *update {
		os.WriteFile(golden, pretty.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("response differs from %s (run with -update if intended):\n%s", golden, pretty.String())
	}
}

func TestCurrentAQIFiltersAndErrors(t *testing.T) {
	h := NewHandler(testDeps())
	cases := []struct {
		name, url string
		status    int
		code      string
		stations  int
	}{
		{"one station", "/api/v1/aqi/current?station=sa", 200, "", 1},
		{"stations of a town", "/api/v1/aqi/current?region=town", 200, "", 2},
		{"unknown station", "/api/v1/aqi/current?station=zz", 404, aqwarn.ENOTFOUND, 0},
		{"unknown region", "/api/v1/aqi/current?region=zz", 404, aqwarn.ENOTFOUND, 0},
		{"no such endpoint", "/api/v1/nothing", 404, aqwarn.ENOTFOUND, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := get(t, h, c.url)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			var body struct {
				Stations []json.RawMessage `json:"stations"`
				Error    struct{ Code, Message string }
			}
			json.Unmarshal(w.Body.Bytes(), &body)
			if body.Error.Code != c.code || (c.code != "" && body.Error.Message == "") {
				t.Errorf("error %+v, want code %q with a message", body.Error, c.code)
			}
			if c.status == 200 && len(body.Stations) != c.stations {
				t.Errorf("%d stations, want %d", len(body.Stations), c.stations)
			}
		})
	}
}

func TestCurrentAQIBeforeFirstRun(t *testing.T) {
	d := testDeps()
	d.AQI = fixedSnapshot{nil}
	w := get(t, NewHandler(d), "/api/v1/aqi/current")
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503 before the first AQI run", w.Code)
	}
}
