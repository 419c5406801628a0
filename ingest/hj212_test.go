package ingest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/ingest/hj212"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

const (
	mnTuo    = "010000A8900016F000169DC0" // the MN of the hand-built frames in testdata/hj212
	mnModbus = "88888880000002"           // an old logger that sends MODBUS CRCs
	mn2025   = "020000B8900016F000169DC1"
)

var hjRegistry = NewRegistry([]aqwarn.Station{
	{ID: "tuo", MN: mnTuo, Password: "123456"},
	{ID: "old", MN: mnModbus, Password: "123456", ModbusCRC: true},
	{ID: "new", MN: mn2025, Password: "654321"},
	{ID: "open", MN: "99999999999999"}, // no password configured: any PW is taken
})

var hjNow = time.Date(2026, 1, 15, 11, 0, 30, 0, hj212.Beijing())

func bjt(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, hj212.Beijing())
}

func f64(x float64) *float64 { return &x }

func frameFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "hj212", name))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.TrimRight(string(b), "\n") + "\n")
}

func TestFromHJ212(t *testing.T) {
	lim := Limits{MaxFuture: 5 * time.Minute, Retention: 30 * 24 * time.Hour}
	base := hj212.Frame{ST: "22", PW: "123456", MN: mnTuo, Version: 2017, DataTime: bjt(2026, 1, 15, 10, 30)}
	with := func(cn string, vals map[string]hj212.Value, edit ...func(*hj212.Frame)) hj212.Frame {
		f := base
		f.CN, f.Values = cn, vals
		for _, e := range edit {
			e(&f)
		}
		return f
	}
	pm := map[string]hj212.Value{"a34004": {Rtd: f64(35.2), Avg: f64(33), Flag: "N"}}
	cases := []struct {
		name     string
		f        hj212.Frame
		topic    string
		opt      HJ212Options
		reason   string // "" when accepted
		wantTime time.Time
		wantIv   time.Duration
		want     []aqwarn.Measure
	}{
		// Real-time: -Rtd, a 1-minute reading ending at DataTime.
		{name: "2011 real-time takes Rtd", f: with(hj212.CNRealtime, pm),
			wantTime: bjt(2026, 1, 15, 10, 30), wantIv: time.Minute, want: []aqwarn.Measure{{Pollutant: "pm25", Value: 35.2, Flag: "N"}}},
		// Minute data: DataTime is the start of the minute.
		{name: "2051 minute takes Avg and ends a minute later", f: with(hj212.CNMinute, pm),
			wantTime: bjt(2026, 1, 15, 10, 31), wantIv: time.Minute, want: []aqwarn.Measure{{Pollutant: "pm25", Value: 33, Flag: "N"}}},
		// A logger set to 5-minute data.
		{name: "2051 with a 5-minute logger", f: with(hj212.CNMinute, pm), opt: HJ212Options{MinuteInterval: 5 * time.Minute},
			wantTime: bjt(2026, 1, 15, 10, 35), wantIv: 5 * time.Minute, want: []aqwarn.Measure{{Pollutant: "pm25", Value: 33, Flag: "N"}}},
		// Hourly data for 10:00–11:00 carry DataTime 10:00; our reading ends at 11:00.
		{name: "2061 hourly ends an hour after DataTime", f: with(hj212.CNHourly, pm, func(f *hj212.Frame) { f.DataTime = bjt(2026, 1, 15, 10, 0) }),
			wantTime: bjt(2026, 1, 15, 11, 0), wantIv: time.Hour, want: []aqwarn.Measure{{Pollutant: "pm25", Value: 33, Flag: "N"}}},
		// Every AQI pollutant code maps; CO stays in mg/m³; flags pass through upper-cased; weather is dropped.
		{name: "all six codes, flags, weather ignored", f: with(hj212.CNRealtime, map[string]hj212.Value{
			"a34004": {Rtd: f64(35)}, "a34002": {Rtd: f64(58), Flag: "N"}, "a21026": {Rtd: f64(7), Flag: "n"},
			"a21004": {Rtd: f64(31), Flag: "N"}, "a21005": {Rtd: f64(0.62), Flag: "C"}, "a05024": {Rtd: f64(88), Flag: "M"},
			"a01001": {Rtd: f64(-3.5), Flag: "N"}}),
			wantTime: bjt(2026, 1, 15, 10, 30), wantIv: time.Minute, want: []aqwarn.Measure{
				{Pollutant: "so2", Value: 7, Flag: "N"}, {Pollutant: "no2", Value: 31, Flag: "N"}, {Pollutant: "pm10", Value: 58, Flag: "N"},
				{Pollutant: "co", Value: 0.62, Flag: "C"}, {Pollutant: "o3", Value: 88, Flag: "M"}, {Pollutant: "pm25", Value: 35}}},
		// A pollutant with only Min/Max is skipped, not invented.
		{name: "value without the wanted suffix is skipped", f: with(hj212.CNMinute, map[string]hj212.Value{
			"a34004": {Avg: f64(12)}, "a34002": {Min: f64(1), Max: f64(3)}}),
			wantTime: bjt(2026, 1, 15, 10, 31), wantIv: time.Minute, want: []aqwarn.Measure{{Pollutant: "pm25", Value: 12}}},
		// The MQTT topic names the same station as the MN.
		{name: "topic agrees with MN", f: with(hj212.CNRealtime, pm), topic: "tuo",
			wantTime: bjt(2026, 1, 15, 10, 30), wantIv: time.Minute, want: []aqwarn.Measure{{Pollutant: "pm25", Value: 35.2, Flag: "N"}}},
		// No password configured: the station is identified by MN alone.
		{name: "station without password", f: with(hj212.CNRealtime, pm, func(f *hj212.Frame) { f.MN, f.PW = "99999999999999", "whatever" }),
			wantTime: bjt(2026, 1, 15, 10, 30), wantIv: time.Minute, want: []aqwarn.Measure{{Pollutant: "pm25", Value: 35.2, Flag: "N"}}},

		// Daily data are computed here, never taken from a logger.
		{name: "2031 daily is unsupported", f: with(hj212.CNDaily, pm), reason: ReasonUnsupported},
		{name: "reply command is not data", f: with(hj212.CNDataAck, nil), reason: ReasonUnsupported},
		{name: "unknown MN", f: with(hj212.CNRealtime, pm, func(f *hj212.Frame) { f.MN = "000000000000000000000000" }), reason: ReasonUnknownStation},
		{name: "wrong password", f: with(hj212.CNRealtime, pm, func(f *hj212.Frame) { f.PW = "111111" }), reason: ReasonBadPassword},
		{name: "topic names another station", f: with(hj212.CNRealtime, pm), topic: "new", reason: ReasonStationMismatch},
		{name: "negative value", f: with(hj212.CNRealtime, map[string]hj212.Value{"a34004": {Rtd: f64(-1)}}), reason: ReasonBadValue},
		{name: "impossible CO (mg/m³)", f: with(hj212.CNRealtime, map[string]hj212.Value{"a21005": {Rtd: f64(900)}}), reason: ReasonBadValue},
		{name: "weather only", f: with(hj212.CNRealtime, map[string]hj212.Value{"a01001": {Rtd: f64(3)}}), reason: ReasonNoValues},
		{name: "ten minutes ahead of our clock", f: with(hj212.CNRealtime, pm, func(f *hj212.Frame) { f.DataTime = bjt(2026, 1, 15, 11, 11) }), reason: ReasonFutureTime},
		{name: "older than retention", f: with(hj212.CNRealtime, pm, func(f *hj212.Frame) { f.DataTime = bjt(2025, 11, 1, 0, 0) }), reason: ReasonTooOld},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, rej := FromHJ212(c.f, c.topic, hjRegistry, lim, c.opt, hjNow)
			if c.reason != "" {
				if rej == nil || rej.Reason != c.reason {
					t.Fatalf("got %+v, %v; want rejection %s", r, rej, c.reason)
				}
				if rej.Message == "" {
					t.Error("a rejection must explain itself")
				}
				return
			}
			if rej != nil {
				t.Fatalf("rejected: %v", rej)
			}
			if !r.Time.Equal(c.wantTime) || r.Time.Location() != time.UTC || r.Interval != c.wantIv {
				t.Errorf("time %v interval %v; want %v %v (UTC)", r.Time, r.Interval, c.wantTime.UTC(), c.wantIv)
			}
			if len(r.Values) != len(c.want) {
				t.Fatalf("values %+v, want %+v", r.Values, c.want)
			}
			for i := range c.want {
				if r.Values[i] != c.want[i] {
					t.Errorf("value %d = %+v, want %+v", i, r.Values[i], c.want[i])
				}
			}
		})
	}
}

// Hand-built frames from the spec through the MQTT path: decode errors map
// onto our reasons, MODBUS CRCs only from the station configured for them.
func TestReceiverHJ212(t *testing.T) {
	good := frameFile(t, "2017_hourly_2061.hj212")
	badCRC := []byte(strings.Replace(string(good), "0500\r\n", "0501\r\n", 1))
	badLen := []byte(strings.Replace(string(good), "##0195", "##0194", 1))
	modbus := frameFile(t, "2017_realtime_modbus.hj212")
	cases := []struct {
		name, topic string
		payload     []byte
		reg         *Registry
		reason      string // "" when queued
	}{
		// The hourly frame of the spec, with its QN showing DataTime is the hour's start.
		{"hourly frame", "tuo", good, hjRegistry, ""},
		{"CRC off by one", "tuo", badCRC, hjRegistry, ReasonBadCRC},
		{"length one short", "tuo", badLen, hjRegistry, ReasonBadLength},
		{"not a frame", "tuo", []byte("hello"), hjRegistry, ReasonMalformedFrame},
		{"daily frame", "tuo", frameFile(t, "2017_daily_2031.hj212"), hjRegistry, ReasonUnsupported},
		{"MQTT topic of another station", "new", good, hjRegistry, ReasonStationMismatch},
		// The MODBUS logger is configured for it …
		{"MODBUS CRC from its station", "old", modbus, hjRegistry, ""},
		// … and the same frame is a bad CRC when the station is not.
		{"MODBUS CRC not configured", "old", modbus, NewRegistry([]aqwarn.Station{{ID: "old", MN: mnModbus}}), ReasonBadCRC},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			w := &memWriter{}
			p := NewPipeline(w, 10)
			var kept []aqwarn.DeadLetter
			p.OnDeadLetter = func(d aqwarn.DeadLetter) { kept = append(kept, d) }
			rc := &Receiver{Pipeline: p, Registry: c.reg, Now: func() time.Time { return hjNow }}
			acks := 0
			rc.HandleHJ212(ctx, "mqtt:aq/stations/"+c.topic+"/hj212", c.topic, c.payload, func() { acks++ })
			if c.reason == "" {
				if len(kept) != 0 || len(p.in) != 1 {
					t.Fatalf("not queued: dead letters %+v", kept)
				}
				if acks != 0 {
					t.Error("acknowledged before durable")
				}
				return
			}
			if len(kept) != 1 || kept[0].Reason != c.reason || acks != 1 {
				t.Fatalf("dead letters %+v, acks %d; want one %s, acknowledged", kept, acks, c.reason)
			}
			if p.Metrics.Rejected(c.reason) != 1 {
				t.Error("rejection not counted")
			}
		})
	}
}

type memWriter struct{ rs []aqwarn.Reading }

func (w *memWriter) WriteReadings(_ context.Context, rs []aqwarn.Reading) error {
	w.rs = append(w.rs, rs...)
	return nil
}

// Over a real TCP connection to the hj212 listener, with the pipeline
// writing to a real SQLite store: the ACK (CN=9014) arrives only once the
// reading is stored; a frame with a wrong password is kept as a dead letter
// and gets no ACK; garbage is kept too.
func TestHJ212OverTCP(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	gate := &gatedWriter{w: db, open: make(chan struct{})}
	p := NewPipeline(gate, 100)
	p.DeadLetters = db
	p.BatchWait = time.Millisecond
	go p.Run(ctx)
	rc := &Receiver{Pipeline: p, Registry: hjRegistry, Now: func() time.Time { return hjNow }}
	conn, rd := dialHJ212(t, ctx, &HJ212Handler{Receiver: rc}, hjRegistry.DecodeOptions())

	acked := make(chan hj212.Frame, 1)
	go func() {
		line, err := rd.ReadString('\n')
		if err != nil {
			close(acked)
			return
		}
		f, _ := hj212.Decode([]byte(line), hj212.DecodeOptions{})
		acked <- f
	}()
	io.WriteString(conn, string(frameFile(t, "2017_realtime_2011.hj212")))
	// The store holds the batch back: no ACK may come while it does.
	waitCond(t, "the reading to reach the store", func() bool { return gate.waiting.Load() })
	select {
	case f := <-acked:
		t.Fatalf("ACK %+v before the reading was durable", f)
	default:
	}
	close(gate.open)
	f, ok := <-acked
	if !ok || f.CN != hj212.CNDataAck || f.QN != "20260115103000123" {
		t.Fatalf("ACK = %+v, %v", f, ok)
	}
	rs, err := db.Readings(ctx, time.Minute, hjNow.Add(-time.Hour), hjNow)
	if err != nil || len(rs) != 1 || rs[0].Station != "tuo" || len(rs[0].Values) != 6 {
		t.Fatalf("stored %+v, %v", rs, err)
	}

	// Wrong password: kept, counted, not acknowledged.
	wrongPW := hj212.Encode(hj212.Frame{QN: "20260115103000124", ST: "22", CN: hj212.CNRealtime, PW: "000000", MN: mnTuo,
		Version: 2017, WantsAck: true, DataTime: bjt(2026, 1, 15, 10, 31), Values: map[string]hj212.Value{"a34004": {Rtd: f64(3)}}})
	conn.Write(wrongPW)
	waitCond(t, "the dead letter of the wrong password", func() bool {
		dls, _ := db.ListDeadLetters(ctx, "", "", 0, 10)
		return len(dls) == 1
	})
	// Garbage is cut off when the next frame starts.
	conn.Write([]byte("garbage between frames\r\n"))
	// The next good frame's ACK is the next line: nothing was sent for the others.
	go func() {
		line, err := rd.ReadString('\n')
		if err != nil {
			close(acked)
			return
		}
		f, _ := hj212.Decode([]byte(line), hj212.DecodeOptions{})
		acked <- f
	}()
	conn.Write(hj212.Encode(hj212.Frame{QN: "20260115103100125", ST: "22", CN: hj212.CNRealtime, PW: "123456", MN: mnTuo,
		Version: 2017, WantsAck: true, DataTime: bjt(2026, 1, 15, 10, 31), Values: map[string]hj212.Value{"a34004": {Rtd: f64(3)}}}))
	if f, ok := <-acked; !ok || f.QN != "20260115103100125" {
		t.Fatalf("second ACK = %+v", f)
	}
	dls, _ := db.ListDeadLetters(ctx, "", "", 0, 10)
	if len(dls) != 2 || dls[1].Reason != ReasonBadPassword || dls[1].Station != "tuo" || !strings.HasPrefix(dls[1].Source, "tcp:127.0.0.1:") ||
		dls[0].Reason != ReasonMalformedFrame {
		t.Errorf("dead letters %+v", dls)
	}
}

// The lockout rules, on a clock of their own. Each case is a sequence of
// failed or authenticated frames and checks, with what each must give.
func TestHJ212LockoutRules(t *testing.T) {
	type step struct {
		at       time.Duration // since the start
		op       string        // "fail" (wrong PW, or unknown MN when mn is ""), "ok" (authenticated), "check"
		peer, mn string
		want     string // fail: the blocks it starts ("", "peer", "mn", "peer+mn", "already blocked"); check: "pass", "refused", "refused+kept"
	}
	fails := func(n int, at time.Duration, peer, mn string) []step {
		var s []step
		for range n {
			s = append(s, step{at, "fail", peer, mn, ""})
		}
		return s
	}
	cat := func(parts ...[]step) []step {
		var s []step
		for _, p := range parts {
			s = append(s, p...)
		}
		return s
	}
	cases := []struct {
		name  string
		opt   HJ212Lockout
		steps []step
	}{
		// The fifth wrong PW within ten minutes blocks the peer and the MN;
		// blocks are scoped: another peer with another MN passes.
		{"five wrong PWs block peer and MN", HJ212Lockout{}, cat(fails(4, 0, "a", "X"), []step{
			{time.Minute, "fail", "a", "X", "peer+mn"},
			{time.Minute, "check", "a", "Y", "refused+kept"},
			{time.Minute, "check", "b", "X", "refused+kept"},
			{time.Minute, "check", "b", "Y", "pass"},
		})},
		// Failures further apart than the window never add up to a block.
		{"failures spread wider than the window", HJ212Lockout{}, []step{
			{0, "fail", "a", "X", ""}, {3 * time.Minute, "fail", "a", "X", ""}, {6 * time.Minute, "fail", "a", "X", ""},
			{9 * time.Minute, "fail", "a", "X", ""}, {10 * time.Minute, "fail", "a", "X", ""}, // the first has expired
			{10 * time.Minute, "check", "a", "X", "pass"},
		}},
		// The block ends after 15 minutes and counting starts afresh.
		{"block ends, counting afresh", HJ212Lockout{}, cat(fails(4, 0, "a", "X"), []step{
			{0, "fail", "a", "X", "peer+mn"},
			{15*time.Minute - time.Second, "check", "a", "X", "refused+kept"},
			{15 * time.Minute, "check", "a", "X", "pass"},
		}, fails(4, 15*time.Minute, "a", "X"), []step{{16 * time.Minute, "fail", "a", "X", "peer+mn"}})},
		// Unknown MNs are counted against the peer only.
		{"unknown MNs block the peer only", HJ212Lockout{}, cat(fails(4, 0, "a", ""), []step{
			{0, "fail", "a", "", "peer"},
			{0, "check", "a", "X", "refused+kept"},
			{0, "check", "b", "X", "pass"},
		})},
		// Guesses spread over many peers still block the MN, but not the
		// logger that authenticated as it: a stranger cannot cut it off.
		{"MN block spares its own logger", HJ212Lockout{}, []step{
			{0, "ok", "logger", "X", ""},
			{0, "fail", "a", "X", ""}, {0, "fail", "b", "X", ""}, {0, "fail", "c", "X", ""}, {0, "fail", "d", "X", ""},
			{0, "fail", "e", "X", "mn"},
			{0, "check", "logger", "X", "pass"},
			{0, "check", "f", "X", "refused+kept"},
			// A day later the exemption has lapsed (the block has too, so block again).
			{25 * time.Hour, "fail", "a", "X", ""}, {25 * time.Hour, "fail", "b", "X", ""}, {25 * time.Hour, "fail", "c", "X", ""},
			{25 * time.Hour, "fail", "d", "X", ""}, {25 * time.Hour, "fail", "e", "X", "mn"},
			{25 * time.Hour, "check", "logger", "X", "refused+kept"},
		}},
		// A failure checked while the block began (on another connection
		// of the peer) finds it blocked: that connection is closed too.
		{"failure after the block began", HJ212Lockout{}, cat(fails(4, 0, "a", ""), []step{
			{0, "fail", "a", "", "peer"}, {0, "fail", "a", "", "already blocked"},
		})},
		// … yet the logger's own address is blocked like any other when it fails.
		{"the peer block holds the logger too", HJ212Lockout{}, cat([]step{{0, "ok", "logger", "X", ""}}, fails(4, 0, "logger", "X"),
			[]step{{0, "fail", "logger", "X", "peer+mn"}, {0, "check", "logger", "X", "refused+kept"}})},
		// Refused frames: the first KeepRefused per block are kept, the rest only counted.
		{"a few refused frames kept", HJ212Lockout{MaxFailures: 2, KeepRefused: 2}, []step{
			{0, "fail", "a", "", ""}, {0, "fail", "a", "", "peer"},
			{0, "check", "a", "", "refused+kept"}, {0, "check", "a", "", "refused+kept"},
			{0, "check", "a", "", "refused"}, {0, "check", "a", "", "refused"},
		}},
		// Window and block as configured.
		{"configured window and block", HJ212Lockout{MaxFailures: 2, Window: time.Minute, Block: time.Hour}, []step{
			{0, "fail", "a", "", ""}, {time.Minute, "fail", "a", "", ""}, {time.Minute + time.Second, "fail", "a", "", "peer"},
			{time.Hour, "check", "a", "", "refused+kept"}, {time.Hour + time.Minute + time.Second, "check", "a", "", "pass"},
		}},
		// Lockout off: nothing is ever refused.
		{"off", HJ212Lockout{MaxFailures: -1}, cat(fails(20, 0, "a", "X"), []step{{0, "check", "a", "X", "pass"}})},
	}
	start := time.Date(2026, 1, 15, 3, 0, 0, 0, time.UTC)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newLockout(c.opt)
			for i, s := range c.steps {
				now := start.Add(s.at)
				var got string
				switch s.op {
				case "fail":
					var kinds []string
					started, blocked := l.fail(s.peer, s.mn, now)
					for _, b := range started {
						kinds = append(kinds, b.kind)
					}
					got = strings.Join(kinds, "+")
					if blocked && got == "" {
						got = "already blocked"
					}
				case "ok":
					l.succeed(s.peer, s.mn, now)
				case "check":
					switch blocked, keep := l.refuse(s.peer, s.mn, now); {
					case blocked && keep:
						got = "refused+kept"
					case blocked:
						got = "refused"
					default:
						got = "pass"
					}
				}
				if got != s.want {
					t.Errorf("step %d (%s %s/%s at %v): %q, want %q", i, s.op, s.peer, s.mn, s.at, got, s.want)
				}
			}
		})
	}
}

// fakeClock is the wall clock of the lockout, moved by the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// hjTCP is a listener with the ingest handler in front of a real SQLite
// store, for tests over real sockets.
type hjTCP struct {
	t     *testing.T
	srv   *hj212.Server
	h     *HJ212Handler
	p     *Pipeline
	db    *sqlite.DB
	clock *fakeClock
}

func startHJTCP(t *testing.T) *hjTCP {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p := NewPipeline(db, 100)
	p.DeadLetters = db
	p.BatchWait = time.Millisecond
	go p.Run(ctx)
	rc := &Receiver{Pipeline: p, Registry: hjRegistry, Now: func() time.Time { return hjNow }}
	clock := &fakeClock{t: time.Date(2026, 1, 15, 3, 0, 0, 0, time.UTC)}
	h := NewHJ212Handler(rc, HJ212Lockout{}, nil, prometheus.NewRegistry())
	h.Clock = clock.Now
	srv := &hj212.Server{Addr: "127.0.0.1:0", Handler: h, Decode: hjRegistry.DecodeOptions()}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return &hjTCP{t: t, srv: srv, h: h, p: p, db: db, clock: clock}
}

type hjConn struct {
	t    *testing.T
	conn net.Conn
	rd   *bufio.Reader
}

// dial connects from a loopback address of the test's choosing (Linux
// answers on all of 127.0.0.0/8), so one test can be several peers.
func (e *hjTCP) dial(from string) *hjConn {
	e.t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c, err := d.Dial("tcp", e.srv.Address())
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &hjConn{t: e.t, conn: c, rd: bufio.NewReader(c)}
}

func (c *hjConn) send(frames ...[]byte) {
	c.t.Helper()
	for _, f := range frames {
		if _, err := c.conn.Write(f); err != nil {
			c.t.Fatal(err)
		}
	}
}

// reply reads the next line from the listener: "" when it closed the
// connection instead.
func (c *hjConn) reply() string {
	c.t.Helper()
	line, err := c.rd.ReadString('\n')
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
			return ""
		}
		c.t.Fatalf("read: %v", err)
	}
	f, err := hj212.Decode([]byte(line), hj212.DecodeOptions{})
	if err != nil || f.CN != hj212.CNDataAck {
		c.t.Fatalf("reply %q is not an ACK: %v", line, err)
	}
	return f.QN
}

// tcpFrame is a real-time frame of station mn with password pw.
func tcpFrame(qn, mn, pw string) []byte {
	return hj212.Encode(hj212.Frame{QN: qn, ST: "22", CN: hj212.CNRealtime, PW: pw, MN: mn, Version: 2017, WantsAck: true,
		DataTime: bjt(2026, 1, 15, 10, 31), Values: map[string]hj212.Value{"a34004": {Rtd: f64(3)}}})
}

func (e *hjTCP) deadLetters() map[string]int {
	e.t.Helper()
	dls, err := e.db.ListDeadLetters(context.Background(), "", "", 0, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	n := map[string]int{}
	for _, d := range dls {
		n[d.Reason]++
		if d.Reason == ReasonBlocked && d.Source == "" {
			e.t.Errorf("dead letter without source: %+v", d)
		}
	}
	return n
}

// Every failure looks the same to the peer: no reply at all, whether the
// MN is unknown, the PW wrong or the CRC bad, for data and replies alike;
// the next good frame's ACK is the next thing on the line.
func TestHJ212FailuresLookAlike(t *testing.T) {
	e := startHJTCP(t)
	good := func(qn string) []byte { return tcpFrame(qn, mnTuo, "123456") }
	badCRC := good("20260115103000900")
	badCRC[len(badCRC)-3] ^= 1 // one hex digit to another
	replyWrongPW := []byte(hj212.Encode(hj212.Frame{QN: "20260115103000901", ST: "91", CN: hj212.CNDataAck, PW: "999999", MN: mnTuo,
		Version: 2017, WantsAck: true}))
	cases := []struct {
		name   string
		frame  []byte
		reason string
	}{
		{"unknown MN", tcpFrame("20260115103000902", "000000000000000000000000", "123456"), ReasonUnknownStation},
		{"wrong PW", tcpFrame("20260115103000903", mnTuo, "654321"), ReasonBadPassword},
		{"bad CRC", badCRC, ReasonBadCRC},
		// A reply frame proves nothing either without the station's PW.
		{"reply with wrong PW", replyWrongPW, ReasonBadPassword},
	}
	c := e.dial("127.0.0.1")
	for i, tc := range cases {
		qn := fmt.Sprintf("2026011510300%04d", i)
		c.send(tc.frame, good(qn))
		if got := c.reply(); got != qn {
			t.Errorf("%s: next reply %q, want only the ACK of the good frame %s", tc.name, got, qn)
		}
	}
	dl := e.deadLetters()
	if dl[ReasonUnknownStation] != 1 || dl[ReasonBadPassword] != 2 || dl[ReasonBadCRC] != 1 {
		t.Errorf("dead letters %v", dl)
	}
	if e.h.AuthFailures(ReasonBadPassword) != 2 || e.h.AuthFailures(ReasonUnknownStation) != 1 || e.h.AuthFailures(ReasonBlocked) != 0 {
		t.Errorf("auth failures: bad_password %v, unknown_station %v, blocked %v", e.h.AuthFailures(ReasonBadPassword),
			e.h.AuthFailures(ReasonUnknownStation), e.h.AuthFailures(ReasonBlocked))
	}
}

// Password guessing over real sockets: five wrong PWs lock the peer and
// the MN out; the right PW from that peer is then refused unchecked and
// its connection closed; the counters count every frame while only a few
// refused ones are kept; the lockout ends on its own.
func TestHJ212LockoutOverTCP(t *testing.T) {
	e := startHJTCP(t)
	guess := func(i int) []byte {
		return tcpFrame(fmt.Sprintf("202601151030%05d", i), mnTuo, fmt.Sprintf("%06d", 200000+i))
	}

	// Four wrong guesses get nothing, the connection stays: the right PW
	// after them is the first thing acknowledged.
	c := e.dial("127.0.0.1")
	c.send(guess(1), guess(2), guess(3), guess(4), tcpFrame("20260115103000100", mnTuo, "123456"))
	if got := c.reply(); got != "20260115103000100" {
		t.Fatalf("first reply %q, want the ACK of the right PW", got)
	}
	// The fifth closes the connection, still without a reply.
	c.send(guess(5))
	if got := c.reply(); got != "" {
		t.Fatalf("reply %q to the fifth wrong PW, want the connection closed", got)
	}

	// While blocked, the right PW from the same peer is refused unchecked.
	const tries = 20
	for i := range tries {
		c := e.dial("127.0.0.1")
		c.send(tcpFrame(fmt.Sprintf("202601151031%05d", i), mnTuo, "123456"))
		if got := c.reply(); got != "" {
			t.Fatalf("try %d: reply %q while blocked", i, got)
		}
	}
	// The MN is blocked for other peers too; other stations are not.
	other := e.dial("127.0.0.2")
	other.send(tcpFrame("20260115103200001", mnTuo, "123456"))
	if got := other.reply(); got != "" {
		t.Errorf("reply %q for the blocked MN from another peer", got)
	}
	other = e.dial("127.0.0.2")
	other.send(tcpFrame("20260115103200002", mn2025, "654321"))
	if got := other.reply(); got != "20260115103200002" {
		t.Errorf("reply %q for another station, want its ACK", got)
	}

	// Every frame counted; five failures and only the first three refused
	// frames per block kept (three for the peer, one for the MN's block).
	if got := e.h.AuthFailures(ReasonBadPassword); got != 5 {
		t.Errorf("bad_password failures %v, want 5", got)
	}
	if got := e.h.AuthFailures(ReasonBlocked); got != tries+1 {
		t.Errorf("blocked %v, want %d", got, tries+1)
	}
	if dl := e.deadLetters(); dl[ReasonBadPassword] != 5 || dl[ReasonBlocked] != 4 || len(dl) != 2 {
		t.Errorf("dead letters %v, want 5 bad_password and 4 blocked", dl)
	}
	if got := e.p.Metrics.Rejected(ReasonBlocked); got != 4 {
		t.Errorf("rejected{blocked} %v, want the 4 kept", got)
	}

	// The block lapses: the right PW is taken again.
	e.clock.Add(15 * time.Minute)
	c = e.dial("127.0.0.1")
	c.send(tcpFrame("20260115103300001", mnTuo, "123456"))
	if got := c.reply(); got != "20260115103300001" {
		t.Errorf("reply %q after the block, want the ACK", got)
	}
}
