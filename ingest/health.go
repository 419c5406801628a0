package ingest

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aqwarn/aqwarn"
)

// Why a station is offline.
const (
	OfflineSilent  = "silent"       // nothing received for SilentAfter
	OfflineInvalid = "invalid_data" // only flagged or rejected data for InvalidAfter
)

// Kinds of station health events.
const (
	EventOffline   = "station_offline"
	EventRecovered = "station_recovered"
)

// StationStatus is a station's health as the duty console sees it (the
// root type, so that the API need not import ingest).
type StationStatus = aqwarn.StationStatus

// HealthEvent is a change of a station's state.
type HealthEvent struct {
	Kind    string    `json:"kind"` // EventOffline or EventRecovered
	Station string    `json:"station"`
	Reason  string    `json:"reason"` // the offline reason (for a recovery: the one that ended)
	Time    time.Time `json:"time"`
}

// Offline is the rule: a station is offline when nothing arrived for
// silentAfter, or when nothing valid arrived for invalidAfter. Times are
// those of the receiver's clock; a zero time means "since watch started".
func Offline(lastSeen, lastValid, now time.Time, silentAfter, invalidAfter time.Duration) (bool, string) {
	switch {
	case silentAfter > 0 && now.Sub(lastSeen) >= silentAfter:
		return true, OfflineSilent
	case invalidAfter > 0 && now.Sub(lastValid) >= invalidAfter:
		return true, OfflineInvalid
	}
	return false, ""
}

// Health watches every station of the registry. Readings that became
// durable and rejections naming a station feed it; Evaluate applies the
// rule at a given time and reports the changes.
type Health struct {
	SilentAfter  time.Duration
	InvalidAfter time.Duration
	Logger       *slog.Logger
	// OnEvent is told of every change (e.g. to publish it); optional.
	OnEvent func(HealthEvent)

	mu       sync.Mutex
	stations map[string]*stationState
	gauge    *prometheus.GaugeVec
}

type stationState struct {
	seen, valid time.Time // zero: not since start
	start       time.Time
	offline     bool
	reason      string
	since       time.Time
}

// NewHealth starts watching the stations at time start (no station is
// offline before a full SilentAfter has passed). The gauge
// aqwarn_station_offline{station} is registered with reg (nil: none).
func NewHealth(stations []aqwarn.Station, start time.Time, silentAfter, invalidAfter time.Duration, reg prometheus.Registerer) *Health {
	h := &Health{SilentAfter: silentAfter, InvalidAfter: invalidAfter, stations: map[string]*stationState{},
		gauge: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "aqwarn_station_offline",
			Help: "1 while a station is offline (silent, or sending only invalid data), else 0."}, []string{"station"})}
	if reg != nil {
		reg.MustRegister(h.gauge)
	}
	for _, s := range stations {
		h.stations[s.ID] = &stationState{start: start, since: start}
		h.gauge.WithLabelValues(s.ID).Set(0)
	}
	return h
}

// Readings records durable readings received at now.
func (h *Health) Readings(rs []aqwarn.Reading, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range rs {
		st := h.stations[r.Station]
		if st == nil {
			continue
		}
		st.seen = later(st.seen, now)
		for _, m := range r.Values {
			if m.Valid() {
				st.valid = later(st.valid, now)
				break
			}
		}
	}
}

// Rejected records a rejected message of station received at now: the
// station is alive but what it sends is not usable.
func (h *Health) Rejected(station string, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if st := h.stations[station]; st != nil {
		st.seen = later(st.seen, now)
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func orStart(t, start time.Time) time.Time {
	if t.IsZero() {
		return start
	}
	return t
}

// Evaluate applies the rule at now and returns the changes, logging each.
func (h *Health) Evaluate(now time.Time) []HealthEvent {
	h.mu.Lock()
	var events []HealthEvent
	for id, st := range h.stations {
		off, reason := Offline(orStart(st.seen, st.start), orStart(st.valid, st.start), now, h.SilentAfter, h.InvalidAfter)
		switch {
		case off && (!st.offline || reason != st.reason):
			if st.offline {
				events = append(events, HealthEvent{Kind: EventRecovered, Station: id, Reason: st.reason, Time: now})
			}
			st.offline, st.reason, st.since = true, reason, now
			events = append(events, HealthEvent{Kind: EventOffline, Station: id, Reason: reason, Time: now})
			h.gauge.WithLabelValues(id).Set(1)
		case !off && st.offline:
			events = append(events, HealthEvent{Kind: EventRecovered, Station: id, Reason: st.reason, Time: now})
			st.offline, st.reason, st.since = false, "", now
			h.gauge.WithLabelValues(id).Set(0)
		}
	}
	h.mu.Unlock()
	sort.Slice(events, func(i, j int) bool { return events[i].Station < events[j].Station })
	for _, e := range events {
		if h.Logger != nil {
			lvl := slog.LevelWarn
			if e.Kind == EventRecovered {
				lvl = slog.LevelInfo
			}
			h.Logger.Log(context.Background(), lvl, e.Kind, "station", e.Station, "reason", e.Reason, "at", e.Time)
		}
		if h.OnEvent != nil {
			h.OnEvent(e)
		}
	}
	return events
}

// Status returns every station's state as of the last Evaluate, by id.
func (h *Health) Status() []StationStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]StationStatus, 0, len(h.stations))
	for id, st := range h.stations {
		out = append(out, StationStatus{Station: id, Online: !st.offline, Reason: st.reason, Since: st.since,
			LastSeen: st.seen, LastValid: st.valid})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Station < out[j].Station })
	return out
}
