package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

var _ AQIHistory = (*sqlite.DB)(nil)

// historyDeps serves testDeps with a real SQLite store holding 96 hours of
// county AQI (hour ends hourEnd-95h .. hourEnd), AQI = the hour's index.
func historyDeps(t *testing.T) Deps {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var recs []aqwarn.AQIRecord
	for i := range 96 {
		v := i
		val := aqwarn.AQIValue{AQI: &v, Level: 1, CategoryZH: "优", CategoryEN: "Excellent", Color: "#00E400",
			Primary: []string{}, IAQI: map[string]int{"pm25": v}}
		recs = append(recs, aqwarn.AQIRecord{Scope: aqwarn.ScopeRegion, ID: "county", Edition: 2026,
			Time: hourEnd.Add(time.Duration(i-95) * time.Hour), Conc: map[string]float64{"pm25": float64(v)},
			Hourly: val, Rolling24h: val})
	}
	if err := db.WriteAQI(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	d := testDeps()
	d.History = db
	return d
}

func historyURL(kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return "/api/v1/aqi/history?" + q.Encode()
}

func TestHistoryRequests(t *testing.T) {
	h := NewHandler(historyDeps(t))
	iso := func(d time.Duration) string { return hourEnd.Add(d).Format(time.RFC3339) }
	for _, tc := range []struct {
		name       string
		url        string
		wantStatus int
		wantCode   string
		wantPoints int
		wantNext   bool
	}{
		{"default: the 72 hours before now", historyURL("region", "county"), 200, "", 72, false},
		{"explicit range, from exclusive and to inclusive", historyURL("region", "county", "from", iso(-10*time.Hour), "to", iso(0)), 200, "", 10, false},
		{"a page of 50 with the next one announced", historyURL("region", "county", "limit", "50"), 200, "", 50, true},
		{"a station with no stored AQI: empty, not an error", historyURL("station", "sa"), 200, "", 0, false},
		{"days: one point per local midnight", historyURL("region", "county", "granularity", "day", "from", iso(-95*time.Hour)), 200, "", 4, false},
		{"dates are local days", historyURL("region", "county", "from", "2026-11-30", "to", "2026-12-01"), 200, "", 24, false},
		{"neither station nor region", historyURL(), 422, aqwarn.EINVALID, 0, false},
		{"both station and region", historyURL("station", "sa", "region", "county"), 422, aqwarn.EINVALID, 0, false},
		{"unknown station", historyURL("station", "nope"), 404, aqwarn.ENOTFOUND, 0, false},
		{"unknown region", historyURL("region", "nope"), 404, aqwarn.ENOTFOUND, 0, false},
		{"unknown granularity", historyURL("region", "county", "granularity", "week"), 422, aqwarn.EINVALID, 0, false},
		{"hours over more than 31 days", historyURL("region", "county", "from", iso(-32*24*time.Hour)), 422, aqwarn.EINVALID, 0, false},
		{"days over more than 366 days", historyURL("region", "county", "granularity", "day", "from", iso(-400*24*time.Hour)), 422, aqwarn.EINVALID, 0, false},
		{"from after to", historyURL("region", "county", "from", iso(0), "to", iso(-time.Hour)), 422, aqwarn.EINVALID, 0, false},
		{"not a time", historyURL("region", "county", "from", "yesterday"), 422, aqwarn.EINVALID, 0, false},
		{"limit out of range", historyURL("region", "county", "limit", "0"), 422, aqwarn.EINVALID, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := get(t, h, tc.url)
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.wantStatus, w.Body)
			}
			if tc.wantCode != "" {
				if e := decodeError(t, w.Body.Bytes()); e.Error.Code != tc.wantCode {
					t.Errorf("code %q, want %q", e.Error.Code, tc.wantCode)
				}
				return
			}
			var resp HistoryResponse
			if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
				t.Fatal(err)
			}
			if len(resp.Points) != tc.wantPoints || (resp.NextFrom != nil) != tc.wantNext {
				t.Errorf("%d points, next %v; want %d, %v", len(resp.Points), resp.NextFrom, tc.wantPoints, tc.wantNext)
			}
		})
	}
}

// Following next_from walks the range once, in order, with no gap or repeat.
func TestHistoryPaging(t *testing.T) {
	h := NewHandler(historyDeps(t))
	from := hourEnd.Add(-72 * time.Hour)
	var seen []time.Time
	for page := 0; page < 10; page++ {
		w := get(t, h, historyURL("region", "county", "from", from.Format(time.RFC3339), "to", hourEnd.Format(time.RFC3339), "limit", "25"))
		var resp HistoryResponse
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &resp) != nil {
			t.Fatalf("page %d: %d %s", page, w.Code, w.Body)
		}
		for _, p := range resp.Points {
			seen = append(seen, p.Time)
		}
		if resp.NextFrom == nil {
			break
		}
		from = *resp.NextFrom
	}
	if len(seen) != 72 {
		t.Fatalf("%d hours, want 72", len(seen))
	}
	for i, ts := range seen {
		if want := hourEnd.Add(time.Duration(i-71) * time.Hour); !ts.Equal(want) {
			t.Fatalf("point %d at %v, want %v", i, ts, want)
		}
	}
}

// A day is the 24-hour AQI of the hour ending at local midnight, labelled
// with the day it covers.
func TestHistoryDays(t *testing.T) {
	h := NewHandler(historyDeps(t))
	w := get(t, h, historyURL("region", "county", "granularity", "day", "from", "2026-11-28", "to", "2026-12-01"))
	var resp HistoryResponse
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	want := []string{"2026-11-28", "2026-11-29", "2026-11-30"}
	if len(resp.Points) != len(want) {
		t.Fatalf("points %+v", resp.Points)
	}
	for i, p := range resp.Points {
		if p.Date != want[i] || p.Daily == nil || p.Hourly != nil || p.Time.In(CST).Hour() != 0 {
			t.Errorf("point %d: %+v", i, p)
		}
	}
	// The hour ending 2026-12-01 00:00 CST is i = 95-13 = 82 in historyDeps.
	if last := resp.Points[2]; *last.Daily.AQI != 82 {
		t.Errorf("daily AQI of 2026-11-30: %d, want 82", *last.Daily.AQI)
	}
}

func TestHistoryUnavailable(t *testing.T) {
	w := get(t, NewHandler(testDeps()), historyURL("region", "county"))
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d", w.Code)
	}
	decodeError(t, w.Body.Bytes())
}
