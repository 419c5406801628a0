package ingest

import (
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestOffline(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	silent, invalid := 2*time.Hour, 3*time.Hour
	cases := []struct {
		name            string
		seen, valid, at time.Duration // offsets from t0
		off             bool
		reason          string
	}{
		// Data an hour ago, valid: fine.
		{"recent valid data", 0, 0, time.Hour, false, ""},
		// Exactly SilentAfter without a message: offline.
		{"silent for the limit", 0, 0, 2 * time.Hour, true, OfflineSilent},
		// Still talking, but nothing valid for three hours.
		{"only invalid data for hours", 3 * time.Hour, 0, 3 * time.Hour, true, OfflineInvalid},
		// Invalid data for two hours is not yet long enough.
		{"invalid data, not long enough", 2 * time.Hour, 0, 2*time.Hour + time.Minute, false, ""},
		// Silence is reported before invalid data when both hold.
		{"silent and invalid", 0, 0, 4 * time.Hour, true, OfflineSilent},
	}
	for _, c := range cases {
		off, reason := Offline(t0.Add(c.seen), t0.Add(c.valid), t0.Add(c.at), silent, invalid)
		if off != c.off || reason != c.reason {
			t.Errorf("%s: got %v %q, want %v %q", c.name, off, reason, c.off, c.reason)
		}
	}
}

func TestHealthEvents(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	reg := prometheus.NewRegistry()
	h := NewHealth([]aqwarn.Station{{ID: "a"}, {ID: "b"}}, t0, 2*time.Hour, 3*time.Hour, reg)
	valid := func(st string) []aqwarn.Reading {
		return []aqwarn.Reading{{Station: st, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 1, Flag: "N"}}}}
	}
	flagged := func(st string) []aqwarn.Reading {
		return []aqwarn.Reading{{Station: st, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 1, Flag: "D"}}}}
	}
	offline := func(st string) float64 { return testutil.ToFloat64(h.gauge.WithLabelValues(st)) }
	step := func(at time.Duration, want ...HealthEvent) {
		t.Helper()
		got := h.Evaluate(t0.Add(at))
		if len(got) != len(want) {
			t.Fatalf("at +%v: events %+v, want %+v", at, got, want)
		}
		for i := range want {
			want[i].Time = t0.Add(at)
			if got[i] != want[i] {
				t.Errorf("at +%v: event %+v, want %+v", at, got[i], want[i])
			}
		}
	}
	h.Readings(valid("a"), t0.Add(30*time.Minute))
	h.Readings(flagged("b"), t0.Add(30*time.Minute))
	step(time.Hour) // nothing yet
	// b sent data but none valid; a is fine. At +2h b has been silent 1.5 h only.
	h.Readings(valid("a"), t0.Add(119*time.Minute))
	h.Rejected("b", t0.Add(2*time.Hour)) // b's data now fail validation
	step(2*time.Hour + time.Minute)
	h.Readings(flagged("b"), t0.Add(3*time.Hour))
	step(3*time.Hour, HealthEvent{Kind: EventOffline, Station: "b", Reason: OfflineInvalid})
	if offline("b") != 1 || offline("a") != 0 {
		t.Errorf("gauge a=%v b=%v", offline("a"), offline("b"))
	}
	// a falls silent; b goes silent too, which changes its reason.
	step(5*time.Hour,
		HealthEvent{Kind: EventOffline, Station: "a", Reason: OfflineSilent},
		HealthEvent{Kind: EventRecovered, Station: "b", Reason: OfflineInvalid},
		HealthEvent{Kind: EventOffline, Station: "b", Reason: OfflineSilent})
	// a comes back with valid data: recovery.
	h.Readings(valid("a"), t0.Add(6*time.Hour))
	step(6*time.Hour, HealthEvent{Kind: EventRecovered, Station: "a", Reason: OfflineSilent})
	if offline("a") != 0 || offline("b") != 1 {
		t.Errorf("gauge a=%v b=%v", offline("a"), offline("b"))
	}
	st := h.Status()
	if len(st) != 2 || !st[0].Online || st[1].Online || st[1].Reason != OfflineSilent || !st[0].LastValid.Equal(t0.Add(6*time.Hour)) {
		t.Errorf("status %+v", st)
	}
	// Readings of an unknown station are ignored.
	h.Readings(valid("zz"), t0)
}
