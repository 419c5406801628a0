package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/ingest/hj212"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/simulate"
	"github.com/aqwarn/aqwarn/store/influx"
)

// The listed sources' power and emission data through the whole service,
// against a real Mosquitto and a real InfluxDB 1.8, on the demo reduction
// list: meter readings over MQTT are stored in the measurement power and
// read back by the store's reader; malformed ones are dead letters with
// their reason; an online monitor's HJ 212 frames over TCP (acknowledged
// once durable) and over MQTT are stored in emission.

const (
	powerMonitorMN = "43112900000101" // cem-a's stack monitor in the demo list
	powerMonitorPW = "tK4-monitorPW"
	powerNoticeKey = "e2e-notice-key-0123456789abcdef"
)

func powerConfig(t *testing.T, brokerURL, influxURL, bucket, storeDir string) string {
	t.Helper()
	conf := fmt.Sprintf(`http: {addr: "127.0.0.1:0"}
mqtt: {embedded: false, url: %q, client_id: aqwarn-power, topic_prefix: aq}
store: {dir: %q, readings: influx}
influx: {url: %q, bucket: %q}
aqi: {edition: auto, schedule: "5 * * * *", on_data: 0s}
ingest: {queue_size: 5000, batch_size: 500, batch_wait: 20ms}
hj212: {addr: "127.0.0.1:0", monitors: [{mn: %q, password: %q}]}
demo: {enabled: false}
reduction_list: embedded:reduction/jianghua-2026.yaml
auth: {tokens: [{user: duty, roles: [duty_officer], sha256: %s}]}
stations:
  - {id: s1, name_zh: 站, name_en: S, region: tuojiang, pollutants: [pm25]}
`, brokerURL, storeDir, influxURL, bucket, powerMonitorMN, powerMonitorPW, api.HashToken("tok-duty_officer"))
	path := filepath.Join(t.TempDir(), "aqwarn.yaml")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// powerReading is reading i of meter m of the demo list: i quarters before
// base, with a kWh that names it.
func powerReading(meters []simulate.PowerMeter, base time.Time, m, i int) aqwarn.PowerReading {
	pm := meters[m]
	return aqwarn.PowerReading{Enterprise: pm.Source, Unit: pm.Unit, Meter: pm.Meter, Time: base.Add(-time.Duration(i) * aqwarn.PowerInterval),
		KWh: float64(i%1000) + float64(m)/100, Flag: "N"}
}

func TestPowerAndEmissionsEndToEnd(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	ix := testenv.StartInflux(t)
	cfg := powerConfig(t, broker.URL(), ix.URL(), ix.Bucket(), t.TempDir())
	svc := startService(t, []string{"serve", "--config", cfg, "--log-level", "warn"}, map[string]string{"AQWARN_NOTICE_KEY": powerNoticeKey})
	dumpOnFailure(t, svc)
	ctx := context.Background()
	store := influx.Open(influx.Config{URL: ix.URL(), Bucket: ix.Bucket()})
	defer store.Close()

	pub, err := simulate.DialMQTT(ctx, broker.URL(), "power-gateway")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	base := time.Now().UTC().Truncate(aqwarn.PowerInterval)
	kw := 1650.0
	var sent []aqwarn.PowerReading
	for i := range 8 {
		for _, m := range []struct{ meter, unit string }{{"cem-a-m1", "kiln1"}, {"cem-a-m2", "bag1"}, {"cem-a-m3", "sncr1"}} {
			sent = append(sent, aqwarn.PowerReading{Enterprise: "cem-a", Unit: m.unit, Meter: m.meter, Time: base.Add(-time.Duration(i) * aqwarn.PowerInterval),
				KWh: 400 + float64(i), KW: &kw, Flag: "N"})
		}
	}
	read := func() map[string][]aqwarn.PowerReading {
		got, err := store.PowerReadings(ctx, "cem-a", base.Add(-2*time.Hour), base)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// The service subscribes once connected: publish until the first is in.
	eventually(t, "the first meter reading in InfluxDB", time.Minute, func() bool {
		pub.Publish(ctx, simulate.PowerTopic("aq", "cem-a", sent[0].Meter), simulate.EncodePower(sent[0]))
		return len(read()[sent[0].Meter]) == 1
	})
	for _, r := range sent {
		if err := pub.Publish(ctx, simulate.PowerTopic("aq", r.Enterprise, r.Meter), simulate.EncodePower(r)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "every meter reading in InfluxDB", time.Minute, func() bool {
		n := 0
		for _, ps := range read() {
			n += len(ps)
		}
		return n == len(sent)
	})
	got := read()
	for _, r := range sent {
		found := false
		for _, p := range got[r.Meter] {
			if p.Time.Equal(r.Time) {
				found = true
				if p.KWh != r.KWh || p.Unit != r.Unit || p.KW == nil || *p.KW != kw || p.Flag != "N" {
					t.Errorf("%s stored as %+v", r.Key(), p)
				}
			}
		}
		if !found {
			t.Errorf("%s not read back", r.Key())
		}
	}

	// Malformed: a kWh that cannot be, and a meter the list does not have.
	pub.Publish(ctx, "aq/power/cem-a/cem-a-m1", []byte(`{"time": "`+base.Format(time.RFC3339)+`", "kwh": -5}`))
	pub.Publish(ctx, "aq/power/cem-a/no-such-meter", simulate.EncodePower(sent[0]))
	type dlBody struct {
		DeadLetters []aqwarn.DeadLetter `json:"deadletters"`
	}
	for reason, topic := range map[string]string{"power_invalid": "aq/power/cem-a/cem-a-m1", "unknown_meter": "aq/power/cem-a/no-such-meter"} {
		eventually(t, "the "+reason+" dead letter", time.Minute, func() bool {
			var b dlBody
			call(t, "GET", svc.URL+"/api/v1/ingest/deadletters?reason="+reason, "duty_officer", "", nil, &b)
			return len(b.DeadLetters) == 1 && b.DeadLetters[0].Source == "mqtt:"+topic && b.DeadLetters[0].Message != ""
		})
	}
	for name, want := range map[string]float64{
		`aqwarn_ingest_source_readings_accepted_total{kind="power"}`:                        float64(len(sent) + 1), // the first one twice at least
		`aqwarn_ingest_source_readings_rejected_total{kind="power",reason="power_invalid"}`: 1,
		`aqwarn_ingest_source_readings_rejected_total{kind="power",reason="unknown_meter"}`: 1,
	} {
		if got := metric(t, svc.URL, name); got < want || (strings.Contains(name, "rejected") && got != want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}

	// cem-a's stack monitor over TCP: the ACK comes once the reading is durable.
	m := regexp.MustCompile(`HJ 212 listener on (\S+)`).FindStringSubmatch(svc.Stdout.String())
	if m == nil {
		t.Fatalf("no HJ 212 listener announced:\n%s", svc.Stdout.String())
	}
	hour := time.Now().Truncate(time.Hour).Add(-2 * time.Hour)
	frame := func(qn, pw string, at time.Time, so2 float64) []byte {
		return hj212.Encode(hj212.Frame{QN: qn, ST: "31", CN: hj212.CNHourly, PW: pw, MN: powerMonitorMN, Version: 2017, WantsAck: true,
			DataTime: at, Values: map[string]hj212.Value{"a21026": {Avg: &so2, Cou: new(0.8), Flag: "N"}, "a21002": {ZsAvg: new(160.0)}}})
	}
	conn, err := net.Dial("tcp", m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	conn.Write(frame("20260115110005001", powerMonitorPW, hour, 35))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("no ACK: %v", err)
	}
	if ack, err := hj212.Decode([]byte(line), hj212.DecodeOptions{}); err != nil || ack.CN != hj212.CNDataAck {
		t.Fatalf("ACK %q: %+v %v", line, ack, err)
	}
	es, err := store.EmissionReadings(ctx, "cem-a", hour, hour.Add(time.Hour))
	if err != nil || len(es) != 1 || len(es[0].Values) != 2 || es[0].Values[0].Pollutant != "so2" || *es[0].Values[0].Avg != 35 ||
		*es[0].Values[1].ZsAvg != 160 || !es[0].Time.Equal(hour.Add(time.Hour)) {
		t.Fatalf("the acknowledged emission reading in InfluxDB: %+v %v", es, err)
	}
	// The next hour over MQTT, as a gateway forwards it; a wrong password is kept.
	pub.Publish(ctx, "aq/emissions/cem-a/hj212", frame("20260115120005001", powerMonitorPW, hour.Add(time.Hour), 41))
	pub.Publish(ctx, "aq/emissions/cem-a/hj212", frame("20260115120005002", "123456", hour.Add(time.Hour), 99))
	eventually(t, "the MQTT emission reading in InfluxDB", time.Minute, func() bool {
		es, err := store.EmissionReadings(ctx, "cem-a", hour, hour.Add(2*time.Hour))
		return err == nil && len(es) == 2 && *es[1].Values[0].Avg == 41
	})
	eventually(t, "the wrong password kept", time.Minute, func() bool {
		var b dlBody
		call(t, "GET", svc.URL+"/api/v1/ingest/deadletters?reason=bad_password", "duty_officer", "", nil, &b)
		return len(b.DeadLetters) == 1 && !strings.Contains(b.DeadLetters[0].Payload, "123456")
	})
}

// The never-lose contract for meter readings (as for stations): 4,000
// readings of the demo list's 16 meters are published with QoS 1 while the
// service binary is SIGKILLed and restarted, while InfluxDB is down (the
// spool takes them) and while Mosquitto restarts; afterwards InfluxDB holds
// each exactly once, with its value.
func TestPowerNeverLose(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	ix := testenv.StartInflux(t)
	bin := buildAqwarn(t)
	t.Setenv("AQWARN_NOTICE_KEY", powerNoticeKey)
	cfg := powerConfig(t, broker.URL(), ix.URL(), ix.Bucket(), t.TempDir())
	meters := simulate.ListMeters(demoList(t))
	const perMeter = 250
	total := len(meters) * perMeter
	base := time.Now().UTC().Truncate(aqwarn.PowerInterval)
	gen := newLoadGen(t, broker.URL(), base)
	gen.msg = func(k int) (string, []byte) {
		r := powerReading(meters, base, k%len(meters), k/len(meters))
		return simulate.PowerTopic("aq", r.Enterprise, r.Meter), simulate.EncodePower(r)
	}
	count := func() int {
		n := 0
		for _, s := range influxQL(t, ix, `SELECT COUNT(kwh) FROM power`) {
			for _, v := range s.Values {
				c, _ := v[1].Int64()
				n += int(c)
			}
		}
		return n
	}

	svc := startBinary(t, bin, cfg)
	first := svc
	t.Cleanup(func() {
		if t.Failed() {
			b1, _ := os.ReadFile(first.log)
			b2, _ := os.ReadFile(svc.log)
			t.Logf("first run's log:\n%s\nlast run's log:\n%s\nmosquitto:\n%s", b1, b2, broker.Log())
		}
	})
	gen.publish(1000)
	eventually(t, "the first meter readings in InfluxDB", time.Minute, func() bool { return count() > 0 })
	gen.publish(500)
	svc.kill(t) // queue, batches and unacknowledged messages lost with the process
	atKill := count()
	gen.publish(500)
	gen.confirmed()
	svc = startBinary(t, bin, cfg)

	ix.Stop()
	gen.publish(1000)
	gen.confirmed()
	eventually(t, "meter readings spooled while InfluxDB is down", time.Minute, func() bool {
		return metric(t, svc.url, "aqwarn_ingest_spooled_total") > 0
	})
	spooled := metric(t, svc.url, "aqwarn_ingest_spooled_total")
	ix.Start()

	broker.Stop()
	gen.publish(500) // kept by the publisher until the broker is back
	broker.Start()
	gen.publish(total - gen.next)
	gen.confirmed()

	// Wait until everything is there, or nothing has arrived for a minute.
	last, lastChange := -1, time.Now()
	for n := count(); n < total && time.Since(lastChange) < time.Minute; n = count() {
		if n != last {
			last, lastChange = n, time.Now()
		}
		time.Sleep(100 * time.Millisecond)
	}
	stored := map[string]float64{}
	for _, s := range influxQL(t, ix, `SELECT kwh FROM power GROUP BY enterprise, meter`) {
		for _, v := range s.Values {
			sec, _ := v[0].Int64()
			kwh, _ := v[1].Float64()
			key := s.Tags["enterprise"] + "|" + s.Tags["meter"] + "|" + time.Unix(sec, 0).UTC().Format(time.RFC3339)
			if _, dup := stored[key]; dup {
				t.Errorf("%s stored twice", key)
			}
			stored[key] = kwh
		}
	}
	missing := 0
	for k := range total {
		r := powerReading(meters, base, k%len(meters), k/len(meters))
		v, ok := stored[r.Key()]
		switch {
		case !ok:
			missing++
		case v != r.KWh:
			t.Errorf("%s: stored %v, published %v", r.Key(), v, r.KWh)
		}
		delete(stored, r.Key())
	}
	if missing > 0 || len(stored) > 0 {
		t.Fatalf("%d of %d meter readings missing from InfluxDB; %d stored that were never published", missing, total, len(stored))
	}
	eventually(t, "the spool drained", time.Minute, func() bool { return metric(t, svc.url, "aqwarn_ingest_spooling") == 0 })
	t.Logf("%d of the first 1500 in InfluxDB at the kill; at least %v spooled while InfluxDB was down", atKill, spooled)
	svc.stop(t)
}
