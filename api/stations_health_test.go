package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/ingest"
)

var _ StationHealthLister = (*ingest.Health)(nil)

// The staff endpoint lists every station with its state, offline ones
// with the reason; without a token it refuses.
func TestStationsHealth(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	h := ingest.NewHealth([]aqwarn.Station{{ID: "sa"}, {ID: "sb"}}, t0, time.Hour, 3*time.Hour, nil)
	h.Readings([]aqwarn.Reading{{Station: "sa", Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 1}}}}, t0.Add(50*time.Minute))
	h.Evaluate(t0.Add(70 * time.Minute)) // sb silent for 70 min
	d := testDeps()
	d.StationHealth = h
	d.Staff = []StaffToken{{SHA256: HashToken("duty"), User: "duty officer", Roles: []string{"duty_officer"}}}
	srv := httptest.NewServer(NewHandler(d))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/api/v1/stations/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without token: %d, want 401", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/stations/health", nil)
	req.Header.Set("Authorization", "Bearer duty")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Offline  int                    `json:"offline"`
		Stations []aqwarn.StationStatus `json:"stations"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	if body.Offline != 1 || len(body.Stations) != 2 || !body.Stations[0].Online ||
		body.Stations[1].Online || body.Stations[1].Reason != ingest.OfflineSilent {
		t.Errorf("got %+v", body)
	}
}
