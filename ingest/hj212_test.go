package ingest

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
			rc := &Receiver{Pipeline: p, Registry: c.reg, Now: func() time.Time { return hjNow }, Ctx: ctx}
			acks := 0
			rc.HandleHJ212("mqtt:aq/stations/"+c.topic+"/hj212", c.topic, c.payload, func() { acks++ })
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
	rc := &Receiver{Pipeline: p, Registry: hjRegistry, Now: func() time.Time { return hjNow }, Ctx: ctx}
	srv := &hj212.Server{Addr: "127.0.0.1:0", Handler: &HJ212Handler{Receiver: rc}, Decode: hjRegistry.DecodeOptions()}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	conn, err := net.Dial("tcp", srv.Address())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	rd := bufio.NewReader(conn)

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
