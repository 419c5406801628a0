package ingest

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/ingest/hj212"
)

const (
	mnCemA    = "43112900000101" // cem-a's stack monitor, password tK4-monitorPW
	mnBrickC  = "43112900000199" // brick-c's, no password configured
	monitorPW = "tK4-monitorPW"
)

func TestFromHJ212Emission(t *testing.T) {
	lim := Limits{MaxFuture: 5 * time.Minute, Retention: 30 * 24 * time.Hour}
	base := hj212.Frame{ST: "31", CN: hj212.CNHourly, PW: monitorPW, MN: mnCemA, Version: 2017, DataTime: bjt(2026, 1, 15, 10, 0)}
	stack := map[string]hj212.Value{
		"a21026": {Avg: f64(35.5), ZsAvg: f64(41), Cou: f64(0.92), Flag: "N"},
		"a21002": {Avg: f64(180), Cou: f64(4.1), Flag: "n"},
		"a34013": {ZsAvg: f64(8.2), Flag: "D"},
		"a24088": {Avg: f64(12)},
		"a00000": {Avg: f64(25000), Cou: f64(25000)}, // flue-gas flow: not kept
		"a19001": {Avg: f64(10.5)},                   // O2: not kept
	}
	with := func(edit ...func(*hj212.Frame)) hj212.Frame {
		f := base
		f.Values = stack
		for _, e := range edit {
			e(&f)
		}
		return f
	}
	cases := []struct {
		name     string
		f        hj212.Frame
		topic    string
		opt      HJ212Options
		reason   string // "" when accepted
		wantTime time.Time
		wantIv   time.Duration
		want     string
	}{
		// Hourly data for 10:00–11:00 end at 11:00; the list's four pollutants, in their order, with what was sent.
		{name: "hourly stack data", f: with(), wantTime: bjt(2026, 1, 15, 11, 0), wantIv: time.Hour,
			want: "so2 avg=35.5 zs=41 cou=0.92 N|nox avg=180 zs=- cou=4.1 N|pm avg=- zs=8.2 cou=- D|vocs avg=12 zs=- cou=- "},
		// Minute data end one interval (hj212.minute_interval) after DataTime.
		{name: "minute data", f: with(func(f *hj212.Frame) { f.CN, f.DataTime = hj212.CNMinute, bjt(2026, 1, 15, 10, 55) }),
			opt: HJ212Options{MinuteInterval: 5 * time.Minute}, wantTime: bjt(2026, 1, 15, 11, 0), wantIv: 5 * time.Minute,
			want: "so2 avg=35.5 zs=41 cou=0.92 N|nox avg=180 zs=- cou=4.1 N|pm avg=- zs=8.2 cou=- D|vocs avg=12 zs=- cou=- "},
		// Over MQTT the topic names the monitor's own source.
		{name: "topic of its source", f: with(), topic: "cem-a", wantTime: bjt(2026, 1, 15, 11, 0), wantIv: time.Hour,
			want: "so2 avg=35.5 zs=41 cou=0.92 N|nox avg=180 zs=- cou=4.1 N|pm avg=- zs=8.2 cou=- D|vocs avg=12 zs=- cou=- "},

		// An MN of no listed source's monitor.
		{name: "unknown MN", f: with(func(f *hj212.Frame) { f.MN = "43112900009999" }), reason: ReasonUnknownMonitor},
		// Another firm's topic: a source cannot send in another's name.
		{name: "topic of another source", f: with(), topic: "brick-c", reason: ReasonSourceMismatch},
		{name: "wrong password", f: with(func(f *hj212.Frame) { f.PW = "123456" }), reason: ReasonBadPassword},
		// A monitor without a configured password is never taken unauthenticated.
		{name: "no password configured", f: with(func(f *hj212.Frame) { f.MN, f.PW = mnBrickC, "" }), reason: ReasonBadPassword},
		// An emission monitor's data are ST=31.
		{name: "ambient-air system", f: with(func(f *hj212.Frame) { f.ST = "22" }), reason: ReasonUnsupported},
		// Real-time samples and daily data are not taken.
		{name: "real-time 2011", f: with(func(f *hj212.Frame) { f.CN = hj212.CNRealtime }), reason: ReasonUnsupported},
		{name: "daily 2031", f: with(func(f *hj212.Frame) { f.CN = hj212.CNDaily }), reason: ReasonUnsupported},
		{name: "negative amount", f: with(func(f *hj212.Frame) { f.Values = map[string]hj212.Value{"a21026": {Cou: f64(-1)}} }), reason: ReasonBadValue},
		{name: "impossible concentration", f: with(func(f *hj212.Frame) { f.Values = map[string]hj212.Value{"a21002": {ZsAvg: f64(2e5)}} }), reason: ReasonBadValue},
		// Flow and O2 only: nothing of the four pollutants.
		{name: "no pollutant", f: with(func(f *hj212.Frame) {
			f.Values = map[string]hj212.Value{"a00000": {Avg: f64(1)}, "a21026": {Min: f64(1), Max: f64(2)}}
		}), reason: ReasonNoValues},
		{name: "ahead of our clock", f: with(func(f *hj212.Frame) { f.DataTime = bjt(2026, 1, 15, 11, 0) }), reason: ReasonFutureTime},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, rej := FromHJ212Emission(c.f, c.topic, testSources, lim, c.opt, hjNow)
			if c.reason != "" {
				if rej == nil || rej.Reason != c.reason || rej.Kind != KindEmission || rej.Message == "" {
					t.Fatalf("got %+v, %v; want rejection %s of kind emission", e, rej, c.reason)
				}
				return
			}
			if rej != nil {
				t.Fatalf("rejected: %v", rej)
			}
			if e.Enterprise != "cem-a" || e.MN != mnCemA || !e.Time.Equal(c.wantTime) || e.Time.Location() != time.UTC || e.Interval != c.wantIv {
				t.Errorf("%s %s %v %v; want cem-a %s %v %v", e.Enterprise, e.MN, e.Time, e.Interval, mnCemA, c.wantTime.UTC(), c.wantIv)
			}
			var parts []string
			for _, v := range e.Values {
				parts = append(parts, v.Pollutant+" avg="+ptrS(v.Avg)+" zs="+ptrS(v.ZsAvg)+" cou="+ptrS(v.Cou)+" "+v.Flag)
			}
			if got := strings.Join(parts, "|"); got != c.want {
				t.Errorf("values\n %s\nwant\n %s", got, c.want)
			}
		})
	}
}

func ptrS(p *float64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

// The rate is the amount over the interval, only for valid values.
func TestEmissionRate(t *testing.T) {
	e := aqwarn.EmissionReading{Interval: 15 * time.Minute, Values: []aqwarn.EmissionValue{
		{Pollutant: aqwarn.EmissionSO2, Cou: f64(0.5)}, {Pollutant: aqwarn.EmissionNOx, Cou: f64(2), Flag: "D"}, {Pollutant: aqwarn.EmissionPM, Avg: f64(3)}}}
	if r, ok := e.Rate(aqwarn.EmissionSO2); !ok || r != 2 {
		t.Errorf("SO2 rate %v %v, want 2 kg/h", r, ok)
	}
	if _, ok := e.Rate(aqwarn.EmissionNOx); ok {
		t.Error("a rate from a flagged value")
	}
	if _, ok := e.Rate(aqwarn.EmissionPM); ok {
		t.Error("a rate without an amount")
	}
}

// A monitor's frame on its source's MQTT topic, through the codec: ST=31
// decodes only for a listed monitor; the reading is queued; another
// source's topic, a wrong password and an unknown MN become dead letters
// counted under emission.
func TestReceiverEmissionHJ212(t *testing.T) {
	frame := func(mn, pw string) []byte {
		return hj212.Encode(hj212.Frame{QN: "20260115110005001", ST: "31", CN: hj212.CNHourly, PW: pw, MN: mn, Version: 2017,
			DataTime: bjt(2026, 1, 15, 10, 0), Values: map[string]hj212.Value{"a21026": {Avg: f64(30), Cou: f64(0.5), Flag: "N"}}})
	}
	cases := []struct {
		name, topic string
		payload     []byte
		reason      string // "" when queued
	}{
		{"its own monitor", "cem-a", frame(mnCemA, monitorPW), ""},
		{"another source's topic", "brick-c", frame(mnCemA, monitorPW), ReasonSourceMismatch},
		{"wrong password", "cem-a", frame(mnCemA, "000000"), ReasonBadPassword},
		// An unlisted MN's ST=31 frame does not even decode: a pollution-source logger pointed at the wrong server.
		{"unlisted MN", "cem-a", frame("43112900009999", monitorPW), ReasonUnsupported},
		{"not a frame", "cem-a", []byte("##garbage"), ReasonMalformedFrame},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			p := NewPipeline(&memWriter{}, 10)
			var kept []aqwarn.DeadLetter
			p.OnDeadLetter = func(d aqwarn.DeadLetter) { kept = append(kept, d) }
			rc := &Receiver{Pipeline: p, Registry: hjRegistry, Sources: testSources, Now: func() time.Time { return hjNow }}
			acks := 0
			rc.HandleEmissionHJ212(ctx, "mqtt:aq/emissions/"+c.topic+"/hj212", c.topic, c.payload, func() { acks++ })
			if c.reason == "" {
				if len(kept) != 0 || len(p.in) != 1 || acks != 0 {
					t.Fatalf("not queued (dead letters %+v) or acknowledged before durable (%d)", kept, acks)
				}
				if it := <-p.in; it.Emission == nil || it.Emission.Enterprise != "cem-a" || !it.Emission.Time.Equal(bjt(2026, 1, 15, 11, 0)) {
					t.Errorf("queued %+v", it)
				}
				return
			}
			if len(kept) != 1 || kept[0].Reason != c.reason || acks != 1 {
				t.Fatalf("dead letters %+v, acks %d; want one %s, acknowledged", kept, acks, c.reason)
			}
			if p.Metrics.SourceRejected(KindEmission, c.reason) != 1 {
				t.Error("rejection not counted under emission")
			}
			if strings.Contains(kept[0].Payload, monitorPW) {
				t.Error("the monitor's password is in the dead letter")
			}
		})
	}
}

// Over a real TCP connection to the listener, with a real SQLite store: a
// listed monitor's frame is acknowledged (CN=9014) once stored; a wrong
// password is an authentication failure like a station's (counted, no
// ACK, and after MaxFailures the MN is locked out).
func TestEmissionHJ212OverTCP(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, p := sqlitePipeline(t, ctx)
	rc := &Receiver{Pipeline: p, Registry: hjRegistry, Sources: testSources, Now: func() time.Time { return hjNow }}
	h := &HJ212Handler{Receiver: rc, Lockout: HJ212Lockout{MaxFailures: 2}}
	conn, rd := dialHJ212(t, ctx, h, rc.DecodeOptions())
	frame := func(qn, pw string, so2 float64) []byte {
		return hj212.Encode(hj212.Frame{QN: qn, ST: "31", CN: hj212.CNHourly, PW: pw, MN: mnCemA, Version: 2017, WantsAck: true,
			DataTime: bjt(2026, 1, 15, 9, 0), Values: map[string]hj212.Value{"a21026": {Avg: f64(so2), Cou: f64(0.7), Flag: "N"}}})
	}
	conn.Write(frame("20260115100005001", monitorPW, 33))
	line, err := rd.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	if ack, err := hj212.Decode([]byte(line), hj212.DecodeOptions{}); err != nil || ack.CN != hj212.CNDataAck || ack.QN != "20260115100005001" {
		t.Fatalf("ACK %q: %+v %v", line, ack, err)
	}
	es, err := db.EmissionReadings(ctx, "cem-a", hjNow.Add(-3*time.Hour), hjNow)
	if err != nil || len(es) != 1 || es[0].MN != mnCemA || *es[0].Values[0].Avg != 33 || !es[0].Time.Equal(bjt(2026, 1, 15, 10, 0)) {
		t.Fatalf("stored %+v %v", es, err)
	}

	// Two wrong passwords lock the MN out (MaxFailures 2); the connection is closed.
	conn.Write(frame("20260115100005002", "guess1", 1))
	conn.Write(frame("20260115100005003", "guess2", 1))
	if _, err := rd.ReadString('\n'); err == nil {
		t.Fatal("an ACK for a wrong password")
	}
	if n := h.AuthFailures(ReasonBadPassword); n != 2 {
		t.Errorf("bad_password failures %v, want 2", n)
	}
	dls, err := db.ListDeadLetters(ctx, ReasonBadPassword, "", 0, 10)
	if err != nil || len(dls) != 2 || strings.Contains(dls[0].Payload, "guess") {
		t.Errorf("dead letters %+v %v (PW must be masked)", dls, err)
	}
	if p.Metrics.SourceRejected(KindEmission, ReasonBadPassword) != 2 {
		t.Error("the failures are not counted under emission")
	}
}
