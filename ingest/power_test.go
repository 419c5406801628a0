package ingest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	ingestmqtt "github.com/aqwarn/aqwarn/ingest/mqtt"
)

var testSources = NewSources([]ListedSource{
	{ID: "cem-a", Meters: map[string]string{"cem-a-m1": "kiln1", "cem-a-m2": "bag1", "cem-a-main": ""}, Monitors: []string{"43112900000101"}},
	{ID: "brick-c", Meters: map[string]string{"brick-c-m1": "kiln1"}, Monitors: []string{"43112900000199"}},
}, map[string]string{"43112900000101": "tK4-monitorPW"}) // brick-c's monitor has no password configured

// 13:02:10 China time, 1 December 2026.
var powerNow = time.Date(2026, 12, 1, 13, 2, 10, 0, time.FixedZone("CST", 8*3600))

func TestDecodePower(t *testing.T) {
	lim := Limits{MaxFuture: 5 * time.Minute, Retention: 30 * 24 * time.Hour}
	kw := 1650.0
	cases := []struct {
		name          string
		source, meter string
		payload       string
		reason        string // "" when accepted
		want          aqwarn.PowerReading
	}{
		// The documented payload: the interval 12:45–13:00 China time.
		{name: "full payload", source: "cem-a", meter: "cem-a-m1",
			payload: `{"time": "2026-12-01T13:00:00+08:00", "kwh": 412.5, "kw": 1650, "flag": "N"}`,
			want:    aqwarn.PowerReading{Enterprise: "cem-a", Unit: "kiln1", Meter: "cem-a-m1", Time: time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC), KWh: 412.5, KW: &kw, Flag: "N"}},
		// kw and flag are optional; a meter no unit lists has unit "".
		{name: "kwh only, meter of no unit", source: "cem-a", meter: "cem-a-main", payload: `{"time": "2026-12-01T12:45:00+08:00", "kwh": 0}`,
			want: aqwarn.PowerReading{Enterprise: "cem-a", Meter: "cem-a-main", Time: time.Date(2026, 12, 1, 4, 45, 0, 0, time.UTC)}},
		// UTC with Z is an offset too; the flag is upper-cased; unknown keys are ignored.
		{name: "Z time, lower-case flag, extra key", source: "cem-a", meter: "cem-a-m2", payload: `{"time": "2026-12-01T04:30:00Z", "kwh": 3.25, "flag": "m", "voltage": 380}`,
			want: aqwarn.PowerReading{Enterprise: "cem-a", Unit: "bag1", Meter: "cem-a-m2", Time: time.Date(2026, 12, 1, 4, 30, 0, 0, time.UTC), KWh: 3.25, Flag: "M"}},
		// The interval ending at 13:15 is 12 minutes ahead of the clock: beyond the 5-minute skew.
		{name: "future beyond the skew", source: "cem-a", meter: "cem-a-m1", payload: `{"time": "2026-12-01T13:15:00+08:00", "kwh": 1}`, reason: ReasonFutureTime},
		// A reading older than the retention is refused.
		{name: "too old", source: "cem-a", meter: "cem-a-m1", payload: `{"time": "2026-10-01T13:00:00+08:00", "kwh": 1}`, reason: ReasonTooOld},
		// A source the list does not have.
		{name: "unknown source", source: "nobody", meter: "cem-a-m1", payload: `{"time": "2026-12-01T13:00:00+08:00", "kwh": 1}`, reason: ReasonUnknownMeter},
		// Another firm's meter on this firm's topic.
		{name: "meter of another source", source: "cem-a", meter: "brick-c-m1", payload: `{"time": "2026-12-01T13:00:00+08:00", "kwh": 1}`, reason: ReasonUnknownMeter},
		// Not JSON.
		{name: "malformed", source: "cem-a", meter: "cem-a-m1", payload: `kwh=3`, reason: ReasonMalformedJSON},
		// kwh as a string is not the documented JSON.
		{name: "kwh as a string", source: "cem-a", meter: "cem-a-m1", payload: `{"time": "2026-12-01T13:00:00+08:00", "kwh": "3"}`, reason: ReasonMalformedJSON},
		// Local time without an offset is ambiguous.
		{name: "no offset", source: "cem-a", meter: "cem-a-m1", payload: `{"time": "2026-12-01T13:00:00", "kwh": 1}`, reason: ReasonBadTime},
		// The notes' "ts" instead of "time": no time.
		{name: "ts instead of time", source: "cem-a", meter: "cem-a-m1", payload: `{"ts": "2026-12-01T13:00:00+08:00", "kwh": 1}`, reason: ReasonBadTime},
		// 12:50 ends no 15-minute interval.
		{name: "not on a quarter hour", source: "cem-a", meter: "cem-a-m1", payload: `{"time": "2026-12-01T12:50:00+08:00", "kwh": 1}`, reason: ReasonPowerInvalid},
		// Seconds past the quarter hour are not its end either.
		{name: "seconds past the quarter", source: "cem-a", meter: "cem-a-m1", payload: `{"time": "2026-12-01T12:45:01+08:00", "kwh": 1}`, reason: ReasonPowerInvalid},
		// The energy is the point of the message.
		{name: "kwh missing", source: "cem-a", meter: "cem-a-m1", payload: `{"time": "2026-12-01T13:00:00+08:00", "kw": 5}`, reason: ReasonPowerInvalid},
		// A meter does not run backwards.
		{name: "negative kwh", source: "cem-a", meter: "cem-a-m1", payload: `{"time": "2026-12-01T13:00:00+08:00", "kwh": -0.5}`, reason: ReasonPowerInvalid},
		// 200,000 kWh in a quarter hour is 800 MW: a fault.
		{name: "implausible kwh", source: "cem-a", meter: "cem-a-m1", payload: `{"time": "2026-12-01T13:00:00+08:00", "kwh": 200000}`, reason: ReasonPowerInvalid},
		// kw, when sent, is checked too.
		{name: "negative kw", source: "cem-a", meter: "cem-a-m1", payload: `{"time": "2026-12-01T13:00:00+08:00", "kwh": 1, "kw": -3}`, reason: ReasonPowerInvalid},
		// A flag is one or two letters.
		{name: "bad flag", source: "cem-a", meter: "cem-a-m1", payload: `{"time": "2026-12-01T13:00:00+08:00", "kwh": 1, "flag": "ok!"}`, reason: ReasonPowerInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, rej := DecodePower([]byte(c.payload), c.source, c.meter, testSources, lim, powerNow)
			if c.reason != "" {
				if rej == nil || rej.Reason != c.reason || rej.Kind != KindPower {
					t.Fatalf("got %+v, %v; want rejection %s of kind power", got, rej, c.reason)
				}
				if !strings.Contains(rej.Message, c.source+"/"+c.meter) {
					t.Errorf("message %q does not name the meter", rej.Message)
				}
				return
			}
			if rej != nil {
				t.Fatalf("rejected: %v", rej)
			}
			if got.Key() != c.want.Key() || got.Unit != c.want.Unit || got.KWh != c.want.KWh || got.Flag != c.want.Flag ||
				(got.KW == nil) != (c.want.KW == nil) || (got.KW != nil && *got.KW != *c.want.KW) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// The routes: a reading on its meter's topic is queued and acknowledged
// only once durable; a topic of another shape under power/ and a bad
// payload are kept as dead letters, acknowledged, and counted by kind.
func TestSourceRoutesPower(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var durable []aqwarn.PowerReading // what OnDurablePower was told (the demo clock's watermark)
	db, p := sqlitePipelineWith(t, ctx, func(p *Pipeline) {
		p.OnDurablePower = func(ps []aqwarn.PowerReading) { mu.Lock(); durable = append(durable, ps...); mu.Unlock() }
	})
	rc := &Receiver{Pipeline: p, Registry: NewRegistry(nil), Sources: testSources, Now: func() time.Time { return powerNow }}
	routes := SourceRoutes("aq", rc)
	acks := map[string]int{}
	publish := func(topic, payload string) {
		for _, r := range routes {
			if ingestmqtt.TopicMatches(r.Filter, topic) {
				r.Handle(ctx, topic, []byte(payload), func() { mu.Lock(); acks[topic]++; mu.Unlock() })
				return
			}
		}
		t.Fatalf("no route for %s", topic)
	}
	acked := func(topic string) int { mu.Lock(); defer mu.Unlock(); return acks[topic] }
	good := `{"time": "2026-12-01T13:00:00+08:00", "kwh": 412.5}`
	publish("aq/power/cem-a/cem-a-m1", good)
	publish("aq/power/cem-a", good)
	publish("aq/power/cem-a/cem-a-m1/x", good)
	publish("aq/power/cem-a/cem-a-m2", `{"time": "2026-12-01T13:00:00+08:00", "kwh": -1}`)
	waitCond(t, "the reading acknowledged", func() bool { return acked("aq/power/cem-a/cem-a-m1") == 1 })
	got, err := db.PowerReadings(ctx, "cem-a", powerNow.Add(-time.Hour), powerNow)
	if err != nil || len(got["cem-a-m1"]) != 1 || got["cem-a-m1"][0].KWh != 412.5 || got["cem-a-m1"][0].Unit != "kiln1" {
		t.Fatalf("stored %+v %v", got, err)
	}
	waitCond(t, "told of the durable meter reading", func() bool { mu.Lock(); defer mu.Unlock(); return len(durable) > 0 })
	mu.Lock()
	if len(durable) != 1 || durable[0].Meter != "cem-a-m1" || !durable[0].Time.Equal(got["cem-a-m1"][0].Time) {
		t.Errorf("told of durable meter readings %+v, want the one stored", durable)
	}
	mu.Unlock()
	for _, topic := range []string{"aq/power/cem-a", "aq/power/cem-a/cem-a-m1/x", "aq/power/cem-a/cem-a-m2"} {
		if acked(topic) != 1 {
			t.Errorf("%s: acknowledged %d times, want once (kept as a dead letter)", topic, acked(topic))
		}
	}
	dls, err := db.ListDeadLetters(ctx, "", "", 0, 10)
	if err != nil || len(dls) != 3 {
		t.Fatalf("dead letters %+v %v", dls, err)
	}
	reasons := map[string]string{}
	for _, d := range dls {
		reasons[strings.TrimPrefix(d.Source, "mqtt:")] = d.Reason
	}
	if reasons["aq/power/cem-a"] != ReasonUnknownMeter || reasons["aq/power/cem-a/cem-a-m1/x"] != ReasonUnknownMeter ||
		reasons["aq/power/cem-a/cem-a-m2"] != ReasonPowerInvalid {
		t.Errorf("reasons %v", reasons)
	}
	m := p.Metrics
	if m.SourceAccepted(KindPower) != 1 || m.SourceRejected(KindPower, ReasonUnknownMeter) != 2 ||
		m.SourceRejected(KindPower, ReasonPowerInvalid) != 1 || m.Rejected(ReasonPowerInvalid) != 1 {
		t.Errorf("metrics: accepted %v, unknown_meter %v, power_invalid %v", m.SourceAccepted(KindPower),
			m.SourceRejected(KindPower, ReasonUnknownMeter), m.SourceRejected(KindPower, ReasonPowerInvalid))
	}
}

// sourceStore is a primary store of readings and source readings that can
// be made to fail, and a spool for all of them, in memory.
type sourceStore struct {
	mu        sync.Mutex
	down      bool
	readings  map[string]aqwarn.Reading
	power     map[string]aqwarn.PowerReading
	emissions map[string]aqwarn.EmissionReading
	spool     []any
	spoolID   int64
}

func newSourceStore() *sourceStore {
	return &sourceStore{readings: map[string]aqwarn.Reading{}, power: map[string]aqwarn.PowerReading{}, emissions: map[string]aqwarn.EmissionReading{}}
}

var errDown = errors.New("store down")

func (s *sourceStore) setDown(v bool) { s.mu.Lock(); s.down = v; s.mu.Unlock() }

// write runs f under the lock unless the store is down.
func (s *sourceStore) write(f func()) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return errDown
	}
	f()
	return nil
}

func (s *sourceStore) WriteReadings(_ context.Context, rs []aqwarn.Reading) error {
	return s.write(func() {
		for _, r := range rs {
			s.readings[r.Key()] = r
		}
	})
}

func (s *sourceStore) WritePower(_ context.Context, ps []aqwarn.PowerReading) error {
	return s.write(func() {
		for _, p := range ps {
			s.power[p.Key()] = p
		}
	})
}

func (s *sourceStore) WriteEmissions(_ context.Context, es []aqwarn.EmissionReading) error {
	return s.write(func() {
		for _, e := range es {
			s.emissions[e.MN+"|"+e.Time.String()] = e
		}
	})
}

func (s *sourceStore) Spool(_ context.Context, rs []aqwarn.Reading) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rs {
		s.spool = append(s.spool, r)
	}
	return nil
}

func (s *sourceStore) SpoolSources(_ context.Context, ps []aqwarn.PowerReading, es []aqwarn.EmissionReading) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range ps {
		s.spool = append(s.spool, p)
	}
	for _, e := range es {
		s.spool = append(s.spool, e)
	}
	return nil
}

func (s *sourceStore) PeekSpool(_ context.Context, n int) (aqwarn.SpoolBatch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b aqwarn.SpoolBatch
	for i, x := range s.spool[:min(n, len(s.spool))] {
		switch v := x.(type) {
		case aqwarn.Reading:
			b.Readings = append(b.Readings, v)
		case aqwarn.PowerReading:
			b.Power = append(b.Power, v)
		case aqwarn.EmissionReading:
			b.Emissions = append(b.Emissions, v)
		}
		b.LastID = s.spoolID + int64(i) + 1
	}
	return b, nil
}

func (s *sourceStore) DropSpool(_ context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := int(id - s.spoolID)
	s.spool, s.spoolID = s.spool[k:], id
	return nil
}

func (s *sourceStore) counts() (readings, power, emissions, spooled int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.readings), len(s.power), len(s.emissions), len(s.spool)
}

// Meter, emission and station readings in one batch are made durable
// together and each acknowledged only then; while the primary store is
// down all three go to the spool (acknowledged), and reach the store when
// it is back.
func TestPipelineCarriesSourceReadingsThroughTheSpool(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := newSourceStore()
	p := NewPipeline(st, 100)
	p.Spool = st
	p.BatchWait, p.Backoff, p.MaxBack = time.Millisecond, time.Millisecond, 5*time.Millisecond
	var onDurable [][]aqwarn.Reading
	var odMu sync.Mutex
	p.OnDurable = func(rs []aqwarn.Reading) { odMu.Lock(); onDurable = append(onDurable, rs); odMu.Unlock() }
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()

	var acks sync.WaitGroup
	submit := func(i int) {
		t0 := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC).Add(time.Duration(i) * aqwarn.PowerInterval)
		cou := 1.0
		items := []Item{
			{Power: &aqwarn.PowerReading{Enterprise: "cem-a", Meter: "cem-a-m1", Time: t0, KWh: float64(i)}},
			{Emission: &aqwarn.EmissionReading{Enterprise: "cem-a", MN: "mn1", Time: t0, Interval: time.Hour,
				Values: []aqwarn.EmissionValue{{Pollutant: aqwarn.EmissionSO2, Cou: &cou}}}},
			{Reading: aqwarn.Reading{Station: "s1", Time: t0, Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: aqwarn.PM25, Value: 1}}}},
		}
		for _, it := range items {
			acks.Add(1)
			it.Ack = acks.Done
			if err := p.Submit(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
	}
	submit(0)
	acks.Wait()
	if r, pw, e, sp := st.counts(); r != 1 || pw != 1 || e != 1 || sp != 0 {
		t.Fatalf("after the first batch: %d readings, %d power, %d emissions, %d spooled", r, pw, e, sp)
	}
	st.setDown(true)
	for i := 1; i <= 10; i++ {
		submit(i)
	}
	acks.Wait() // acknowledged: durable in the spool
	if _, pw, _, sp := st.counts(); pw != 1 || sp != 30 {
		t.Fatalf("while down: %d power stored, %d spooled; want 1 and 30", pw, sp)
	}
	if p.Metrics.SourceAccepted(KindPower) != 11 || p.Metrics.SourceAccepted(KindEmission) != 11 {
		t.Errorf("accepted power %v, emission %v; want 11 each", p.Metrics.SourceAccepted(KindPower), p.Metrics.SourceAccepted(KindEmission))
	}
	st.setDown(false)
	waitCond(t, "the spool replayed", func() bool {
		r, pw, e, sp := st.counts()
		return r == 11 && pw == 11 && e == 11 && sp == 0
	})
	cancel()
	<-done
	odMu.Lock()
	defer odMu.Unlock()
	for _, rs := range onDurable {
		for _, r := range rs {
			if r.Station != "s1" {
				t.Errorf("OnDurable was given %+v: only station readings", r)
			}
		}
	}
}
