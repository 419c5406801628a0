package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/ingest"
	ingestmqtt "github.com/aqwarn/aqwarn/ingest/mqtt"
)

// fakeReceiver notes each call as "kind source station payload" (or
// "reject source reason" for a rejection).
type fakeReceiver struct{ calls []string }

func (f *fakeReceiver) HandleJSON(_ context.Context, source, station string, payload []byte, ack func()) {
	f.calls = append(f.calls, "json "+source+" "+station+" "+string(payload))
	ack()
}

func (f *fakeReceiver) HandleHJ212(_ context.Context, source, station string, payload []byte, ack func()) {
	f.calls = append(f.calls, "hj212 "+source+" "+station+" "+string(payload))
	ack()
}

func (f *fakeReceiver) RejectRaw(_ context.Context, source string, payload []byte, rej *ingest.Rejection, ack func()) {
	f.calls = append(f.calls, "reject "+source+" "+rej.Reason+" "+string(payload)+" "+rej.Message)
	ack()
}

// deliver hands a message to the route whose filter matches the topic, as
// the MQTT client does, and returns how often it was acknowledged.
func deliver(t *testing.T, routes []ingestmqtt.Route, topic string, payload []byte) int {
	t.Helper()
	acks := 0
	for _, r := range routes {
		if ingestmqtt.TopicMatches(r.Filter, topic) {
			r.Handle(context.Background(), topic, payload, func() { acks++ })
			return acks
		}
	}
	t.Fatalf("no route for %s", topic)
	return 0
}

func TestStationRoutes(t *testing.T) {
	recv := &fakeReceiver{}
	routes := ingest.StationRoutes("aq", recv)
	var filters []string
	for _, r := range routes {
		filters = append(filters, r.Filter)
	}
	if want := []string{"aq/stations/+/readings", "aq/stations/+/hj212"}; !slices.Equal(filters, want) {
		t.Fatalf("filters %v, want %v", filters, want)
	}
	for _, m := range []struct{ topic, payload string }{
		{"aq/stations/s1/readings", `{"pm25":1}`},
		{"aq/stations/s2/hj212", "##0101QN=..."},
	} {
		if n := deliver(t, routes, m.topic, []byte(m.payload)); n != 1 {
			t.Errorf("%s acknowledged %d times", m.topic, n)
		}
	}
	// A topic that names no station (the filter's + matches an empty level).
	routes[0].Handle(context.Background(), "aq/stations//readings", []byte("x"), func() {})
	want := []string{
		`json mqtt:aq/stations/s1/readings s1 {"pm25":1}`,
		"hj212 mqtt:aq/stations/s2/hj212 s2 ##0101QN=...",
		"reject mqtt:aq/stations//readings unknown_station x topic aq/stations//readings is not aq/stations/{station}/{kind}",
	}
	if !slices.Equal(recv.calls, want) {
		t.Errorf("calls\n%q\nwant\n%q", recv.calls, want)
	}
}

func TestOversize(t *testing.T) {
	recv := &fakeReceiver{}
	acks := 0
	ingest.Oversize(recv, 1024)(context.Background(), "aq/stations/s1/readings", 5000, []byte("head"), func() { acks++ })
	want := "reject mqtt:aq/stations/s1/readings too_large head 5000 bytes, more than mqtt.max_message_bytes (1024); the first 4 kept"
	if len(recv.calls) != 1 || recv.calls[0] != want || acks != 1 {
		t.Errorf("calls %q (acks %d), want %q", recv.calls, acks, want)
	}
}

// fakeAdder keeps forecasts, or answers err.
type fakeAdder struct {
	mu   sync.Mutex
	got  []alert.Forecast
	by   []string
	err  error
	seen int
}

func (a *fakeAdder) AddForecast(_ context.Context, f alert.Forecast, by, role string) (alert.Forecast, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seen++
	if a.err != nil {
		return f, a.err
	}
	a.got = append(a.got, f)
	a.by = append(a.by, by+"|"+role)
	return f, nil
}

// fakeReject is the rejection path: it notes each rejection, or fails.
type fakeReject struct {
	rejs []string
	err  error
}

func (r *fakeReject) reject(_ context.Context, source string, payload []byte, rej *ingest.Rejection) error {
	if r.err != nil {
		return r.err
	}
	r.rejs = append(r.rejs, source+" "+rej.Reason+" "+rej.Message)
	return nil
}

func TestForecastRouteKeepsAForecast(t *testing.T) {
	add, rej := &fakeAdder{}, &fakeReject{}
	route := ingest.ForecastRoute("aq", add, rej.reject, nil)
	if route.Filter != "aq/forecasts/+" {
		t.Errorf("filter %q", route.Filter)
	}
	issued := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	// The sender's id and received time are not taken; the region comes from the topic.
	b, _ := json.Marshal(alert.Forecast{ID: 99, Source: "city", IssuedAt: issued, Received: issued.Add(time.Hour),
		Daily: []alert.DailyForecast{{Date: "2026-12-02", AQI: 180}}})
	if n := deliver(t, []ingestmqtt.Route{route}, "aq/forecasts/jianghua", b); n != 1 {
		t.Errorf("acknowledged %d times, want 1", n)
	}
	if len(add.got) != 1 {
		t.Fatalf("kept %d forecasts", len(add.got))
	}
	f := add.got[0]
	if f.Region != "jianghua" || f.ID != 0 || !f.Received.IsZero() || f.Source != "city" || !f.IssuedAt.Equal(issued) || len(f.Daily) != 1 {
		t.Errorf("kept %+v", f)
	}
	if add.by[0] != "mqtt:aq/forecasts/jianghua|" || len(rej.rejs) != 0 {
		t.Errorf("by %q, rejections %q", add.by, rej.rejs)
	}
}

// Refused for good (unreadable, another region, the engine's own refusal):
// through the rejection path, then acknowledged.
func TestForecastRouteRejectsForGood(t *testing.T) {
	for _, tc := range []struct {
		name, payload string
		addErr        error
		want          string
	}{
		{"unreadable", "{not json", nil, "invalid character"},
		{"other region", `{"region":"daxu","source":"city"}`, nil, `the payload names region "daxu" but the topic "jianghua"`},
		{"refused", `{"source":"city"}`, &alert.Error{Code: alert.CodeForecastInvalid, Message: "no days"}, "no days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			add, rej := &fakeAdder{err: tc.addErr}, &fakeReject{}
			route := ingest.ForecastRoute("aq", add, rej.reject, nil)
			if n := deliver(t, []ingestmqtt.Route{route}, "aq/forecasts/jianghua", []byte(tc.payload)); n != 1 {
				t.Errorf("acknowledged %d times, want 1", n)
			}
			if len(rej.rejs) != 1 || !strings.HasPrefix(rej.rejs[0], "mqtt:aq/forecasts/jianghua forecast_invalid ") || !strings.Contains(rej.rejs[0], tc.want) {
				t.Errorf("rejections %q, want one naming %q", rej.rejs, tc.want)
			}
		})
	}
}

// The store failing (a plain error), or the rejection not kept: not
// acknowledged, so the broker delivers it again.
func TestForecastRouteLeavesUnacknowledged(t *testing.T) {
	add, rej := &fakeAdder{err: errors.New("database is locked")}, &fakeReject{}
	route := ingest.ForecastRoute("aq", add, rej.reject, nil)
	if n := deliver(t, []ingestmqtt.Route{route}, "aq/forecasts/jianghua", []byte(`{"source":"city"}`)); n != 0 || len(rej.rejs) != 0 {
		t.Errorf("store down: acknowledged %d times, rejections %q; want neither", n, rej.rejs)
	}
	add, rej = &fakeAdder{}, &fakeReject{err: errors.New("disk full")}
	route = ingest.ForecastRoute("aq", add, rej.reject, nil)
	if n := deliver(t, []ingestmqtt.Route{route}, "aq/forecasts/jianghua", []byte("{not json")); n != 0 {
		t.Errorf("rejection not kept: acknowledged %d times", n)
	}
	if add.seen != 0 {
		t.Error("an unreadable forecast reached the engine")
	}
}

// Through the real pipeline: a refused forecast is counted with ingest's
// rejections and kept as a dead letter, which is announced.
func TestForecastRouteThroughThePipeline(t *testing.T) {
	p := ingest.NewPipeline(nil, 10)
	dl := &memDeadLetters{}
	p.DeadLetters = dl
	var announced []byte
	p.OnDeadLetter = func(d aqwarn.DeadLetter) { announced = ingest.DeadLetterJSON(d) }
	route := ingest.ForecastRoute("aq", &fakeAdder{}, p.Reject, nil)
	if n := deliver(t, []ingestmqtt.Route{route}, "aq/forecasts/jianghua", []byte("{not json")); n != 1 {
		t.Errorf("acknowledged %d times", n)
	}
	if got := p.Metrics.Rejected(alert.CodeForecastInvalid); got != 1 {
		t.Errorf("rejected counter %v, want 1", got)
	}
	if len(dl.ds) != 1 || dl.ds[0].Source != "mqtt:aq/forecasts/jianghua" || dl.ds[0].Payload != "{not json" {
		t.Fatalf("dead letters %+v", dl.ds)
	}
	var msg map[string]any
	if err := json.Unmarshal(announced, &msg); err != nil {
		t.Fatal(err)
	}
	if msg["id"] != float64(1) || msg["reason"] != alert.CodeForecastInvalid || msg["source"] != "mqtt:aq/forecasts/jianghua" || msg["payload"] != nil {
		t.Errorf("announced %s", announced)
	}
}

type memDeadLetters struct{ ds []aqwarn.DeadLetter }

func (m *memDeadLetters) AddDeadLetter(_ context.Context, d aqwarn.DeadLetter) (int64, error) {
	m.ds = append(m.ds, d)
	return int64(len(m.ds)), nil
}

func TestDeadLetterJSONLeavesThePayloadOut(t *testing.T) {
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	b := ingest.DeadLetterJSON(aqwarn.DeadLetter{ID: 3, Received: at, Source: "mqtt:aq/stations/s1/readings", Reason: "bad_value",
		Message: "pm25 -1", Station: "s1", Size: 42, Payload: "secret"})
	want := `{"id":3,"received":"2026-12-01T08:00:00Z","source":"mqtt:aq/stations/s1/readings","reason":"bad_value","message":"pm25 -1","station":"s1","size":42}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
