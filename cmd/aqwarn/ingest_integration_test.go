package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/ingest/hj212"
	ingestmqtt "github.com/aqwarn/aqwarn/ingest/mqtt"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/simulate"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// The "never lose, never double" contract of issue 4, against a real
// Mosquitto (persistence on) and a real InfluxDB 1.8: 10,000 readings from 10
// stations are published with QoS 1 while something breaks, and afterwards
// InfluxDB holds every one of them exactly once, with its value.

const (
	nlStations   = 10
	nlPerStation = 1000
)

// ingestConfig is the service configuration of these tests.
func ingestConfig(t *testing.T, brokerURL, influxURL, bucket, storeDir string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `http: {addr: "127.0.0.1:0"}
mqtt: {embedded: false, url: %q, client_id: aqwarn-never-lose, topic_prefix: aq}
store: {dir: %q, readings: influx}
influx: {url: %q, bucket: %q}
aqi: {edition: auto, schedule: "5 * * * *", on_data: 0s}
ingest: {queue_size: 5000, batch_size: 1000, batch_wait: 20ms}
hj212: {addr: "127.0.0.1:0"}
demo: {enabled: false}
stations:
`, brokerURL, storeDir, influxURL, bucket)
	for i := range nlStations {
		fmt.Fprintf(&b, "  - {id: s%02d, name_zh: 站%d, name_en: Station %d, region: jianghua, pollutants: [pm25, co], mn: %q, password: \"tK4-loggerPW\"}\n",
			i, i, i, fmt.Sprintf("0100000000000000000000%02d", i))
	}
	path := filepath.Join(t.TempDir(), "aqwarn.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// loadReading is reading i of station s: hourly, i hours before base, with
// a value that names it, so a stored point can be checked against its key.
func loadReading(base time.Time, s, i int) aqwarn.Reading {
	return aqwarn.Reading{Station: fmt.Sprintf("s%02d", s), Time: base.Add(-time.Duration(i) * time.Hour), Interval: time.Hour,
		Values: []aqwarn.Measure{{Pollutant: aqwarn.PM25, Value: float64(i%500) + float64(s)/100}, {Pollutant: aqwarn.CO, Value: 1}}}
}

// loadGen publishes the test's readings as a station gateway with a
// persistent session would: QoS 1, un-acknowledged publishes kept in paho's
// store and sent again after a reconnect. A publish whose token reports an
// error (the connection broke while writing it) is published again: the
// broker may have it already, and a second copy is harmless because writes
// are idempotent.
type loadGen struct {
	t       *testing.T
	c       *ingestmqtt.Client
	base    time.Time
	next    int
	pending []pendingPub
	// msg is message k (nil: station readings, loadReading round-robin).
	msg func(k int) (topic string, payload []byte)
}

type pendingPub struct {
	k int
	p ingestmqtt.Pending
}

func newLoadGen(t *testing.T, brokerURL string, base time.Time) *loadGen {
	t.Helper()
	c := ingestmqtt.New(ingestmqtt.Config{URL: brokerURL, ClientID: "loadgen-" + t.Name()}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return &loadGen{t: t, c: c, base: base}
}

func (g *loadGen) send(k int) {
	if g.msg != nil {
		topic, payload := g.msg(k)
		g.pending = append(g.pending, pendingPub{k, g.c.PublishAsync(topic, payload)})
		return
	}
	r := loadReading(g.base, k%nlStations, k/nlStations)
	g.pending = append(g.pending, pendingPub{k, g.c.PublishAsync("aq/stations/"+r.Station+"/readings", simulate.EncodeJSON(r))})
}

// publish sends the next n readings (round-robin over the stations) without
// waiting for the broker.
func (g *loadGen) publish(n int) {
	for range n {
		g.send(g.next)
		g.next++
	}
}

// confirmed waits until the broker acknowledged every publish so far,
// publishing again what failed.
func (g *loadGen) confirmed() {
	g.t.Helper()
	deadline := time.After(3 * time.Minute)
	for len(g.pending) > 0 {
		var failed []int
		for _, p := range g.pending {
			select {
			case <-p.p.Done():
				if p.p.Err() != nil {
					failed = append(failed, p.k)
				}
			case <-deadline:
				g.t.Fatal("publishes not acknowledged by the broker within 3 minutes")
			}
		}
		g.pending = g.pending[:0]
		if len(failed) > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			g.c.WaitConnected(ctx)
			cancel()
			for _, k := range failed {
				g.send(k)
			}
		}
	}
}

// influxQL runs a query against the 1.x API with epoch seconds.
func influxQL(t *testing.T, ix *testenv.Influx, q string) []struct {
	Tags   map[string]string `json:"tags"`
	Values [][]json.Number   `json:"values"`
} {
	t.Helper()
	resp, err := http.PostForm(ix.URL()+"/query", url.Values{"q": {q}, "db": {ix.Database}, "epoch": {"s"}})
	if err != nil {
		t.Fatalf("influx: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Results []struct {
			Series []struct {
				Tags   map[string]string `json:"tags"`
				Values [][]json.Number   `json:"values"`
			} `json:"series"`
			Error string `json:"error"`
		} `json:"results"`
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil || len(body.Results) != 1 || body.Results[0].Error != "" {
		t.Fatalf("influx %q: %v %+v", q, err, body)
	}
	return body.Results[0].Series
}

// storedCount is the number of hourly PM2.5 points in InfluxDB.
func storedCount(t *testing.T, ix *testenv.Influx) int {
	n := 0
	for _, s := range influxQL(t, ix, `SELECT COUNT(pm25) FROM reading WHERE "interval" = '1h0m0s'`) {
		for _, v := range s.Values {
			c, _ := v[1].Int64()
			n += int(c)
		}
	}
	return n
}

// checkExactlyOnce waits until InfluxDB holds total points and then checks
// them key by key: every published reading is there, with its value, and
// nothing else is.
func checkExactlyOnce(t *testing.T, ix *testenv.Influx, base time.Time, total int) {
	t.Helper()
	// Wait until everything is there, or nothing has arrived for a minute.
	last, lastChange := -1, time.Now()
	for {
		n := storedCount(t, ix)
		if n >= total || time.Since(lastChange) > time.Minute {
			break
		}
		if n != last {
			last, lastChange = n, time.Now()
		}
		time.Sleep(100 * time.Millisecond)
	}
	got := map[string]float64{}
	for _, s := range influxQL(t, ix, `SELECT pm25 FROM reading WHERE "interval" = '1h0m0s' GROUP BY station`) {
		for _, v := range s.Values {
			sec, _ := v[0].Int64()
			val, _ := v[1].Float64()
			key := s.Tags["station"] + "|" + time.Unix(sec, 0).UTC().Format(time.RFC3339)
			if _, dup := got[key]; dup {
				t.Errorf("%s stored twice", key)
			}
			got[key] = val
		}
	}
	var missing []int
	for k := range total {
		r := loadReading(base, k%nlStations, k/nlStations)
		key := r.Station + "|" + r.Time.Format(time.RFC3339)
		v, ok := got[key]
		if !ok {
			missing = append(missing, k)
			continue
		}
		if v != r.Values[0].Value {
			t.Errorf("%s: stored %v, published %v", key, v, r.Values[0].Value)
		}
		delete(got, key)
	}
	if len(missing) > 0 || len(got) > 0 {
		if len(missing) > 20 {
			missing = append(missing[:10], missing[len(missing)-10:]...)
		}
		t.Fatalf("readings missing from InfluxDB (in publishing order, first and last): %v; %d stored that were never published", missing, len(got))
	}
	perStation := influxQL(t, ix, `SELECT COUNT(pm25) FROM reading WHERE "interval" = '1h0m0s' GROUP BY station`)
	if len(perStation) != nlStations {
		t.Fatalf("%d stations in InfluxDB, want %d", len(perStation), nlStations)
	}
	for _, s := range perStation {
		if c, _ := s.Values[0][1].Int64(); int(c) != total/nlStations {
			t.Errorf("station %s: %d points, want %d", s.Tags["station"], c, total/nlStations)
		}
	}
}

func loadBase() time.Time { return time.Now().UTC().Truncate(time.Hour) }

// (a) The service is killed with SIGKILL mid-stream — queue, batch and
// un-acknowledged messages lost with the process — and started again; the
// broker's persistent session gives back what was not acknowledged.
func TestNeverLoseServiceKilled(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	ix := testenv.StartInflux(t)
	bin := buildAqwarn(t)
	store := t.TempDir()
	cfg := ingestConfig(t, broker.URL(), ix.URL(), ix.Bucket(), store)
	base := loadBase()

	svc := startBinary(t, bin, cfg)
	first := svc
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		// What the two runs, the broker and the dead letters say, for the next person.
		b1, _ := os.ReadFile(first.log)
		t.Logf("first run's log:\n%s", b1)
		b2, _ := os.ReadFile(svc.log)
		t.Logf("second run's log:\n%s", b2)
		if db, err := sqlite.Open(context.Background(), store); err == nil {
			dls, _ := db.ListDeadLetters(context.Background(), "", "", 0, 20)
			t.Logf("dead letters: %+v", dls)
			db.Close()
		}
		t.Logf("mosquitto log:\n%s", broker.Log())
	})
	gen := newLoadGen(t, broker.URL(), base)
	gen.publish(1000)
	eventually(t, "the first readings in InfluxDB", time.Minute, func() bool { return storedCount(t, ix) > 0 })
	// Kill it in the middle of a burst: some readings durable, others
	// queued, in a batch being written, or in flight from the broker.
	gen.publish(6000) // handed to paho: on its way to the broker and the service
	svc.kill(t)
	stored := storedCount(t, ix)
	gen.publish(2000) // while the service is down: the broker keeps them
	gen.confirmed()
	svc = startBinary(t, bin, cfg)
	gen.publish(1000)
	gen.confirmed()
	checkExactlyOnce(t, ix, base, nlStations*nlPerStation)
	t.Logf("killed with %d of the first 7000 readings in InfluxDB", stored)
	svc.stop(t)
}

// (b) InfluxDB is stopped for 30 seconds mid-stream: readings go to the
// local spool (and are acknowledged), then are replayed in order.
func TestNeverLoseInfluxDown(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	ix := testenv.StartInflux(t)
	cfg := ingestConfig(t, broker.URL(), ix.URL(), ix.Bucket(), t.TempDir())
	base := loadBase()
	svc := startService(t, []string{"serve", "--config", cfg, "--log-level", "warn"}, nil)
	dumpOnFailure(t, svc)

	gen := newLoadGen(t, broker.URL(), base)
	gen.publish(3000)
	eventually(t, "the first readings in InfluxDB", time.Minute, func() bool { return storedCount(t, ix) > 0 })
	ix.Stop()
	down := time.Now()
	gen.publish(4000)
	gen.confirmed()
	eventually(t, "readings spooled while InfluxDB is down", time.Minute, func() bool {
		return metric(t, svc.URL, "aqwarn_ingest_spooled_total") > 0
	})
	<-time.After(30*time.Second - time.Since(down)) // the outage lasts 30 s, whatever the test does meanwhile
	ix.Start()
	gen.publish(3000)
	gen.confirmed()
	checkExactlyOnce(t, ix, base, nlStations*nlPerStation)
	eventually(t, "the spool drained", time.Minute, func() bool { return metric(t, svc.URL, "aqwarn_ingest_spooling") == 0 })
}

// (c) Mosquitto is restarted mid-stream: publisher and service reconnect,
// the broker's persisted sessions hand over what was in flight.
func TestNeverLoseBrokerRestart(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	ix := testenv.StartInflux(t)
	cfg := ingestConfig(t, broker.URL(), ix.URL(), ix.Bucket(), t.TempDir())
	base := loadBase()
	svc := startService(t, []string{"serve", "--config", cfg, "--log-level", "warn"}, nil)
	dumpOnFailure(t, svc)

	gen := newLoadGen(t, broker.URL(), base)
	gen.publish(4000)
	eventually(t, "the first readings in InfluxDB", time.Minute, func() bool { return storedCount(t, ix) > 0 })
	broker.Stop()
	gen.publish(2000) // kept by the publisher until the broker is back
	broker.Start()
	gen.publish(4000)
	gen.confirmed()
	checkExactlyOnce(t, ix, base, nlStations*nlPerStation)
}

// HJ 212 end to end through run(): a frame on the MQTT topic of its station
// and one over TCP to the listener end up in InfluxDB, the TCP one is
// acknowledged with CN=9014, and a frame with a bad CRC becomes a dead letter.
func TestHJ212EndToEnd(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	ix := testenv.StartInflux(t)
	dir := t.TempDir()
	cfg := ingestConfig(t, broker.URL(), ix.URL(), ix.Bucket(), dir)
	svc := startService(t, []string{"serve", "--config", cfg, "--log-level", "error"}, nil)
	m := regexp.MustCompile(`HJ 212 listener on (\S+)`).FindStringSubmatch(svc.Stdout.String())
	if m == nil {
		t.Fatalf("no HJ 212 listener announced:\n%s", svc.Stdout.String())
	}
	hour := time.Now().Truncate(time.Hour).Add(-2 * time.Hour)
	frame := func(mn string, qn string, pm25 float64) []byte {
		return hj212.Encode(hj212.Frame{QN: qn, ST: "22", CN: hj212.CNHourly, PW: "tK4-loggerPW", MN: mn, Version: 2017, WantsAck: true,
			DataTime: hour, Values: map[string]hj212.Value{"a34004": {Avg: &pm25, Flag: "N"}}})
	}

	pub, err := simulate.DialMQTT(context.Background(), broker.URL(), "hj212-gateway")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	ctx := context.Background()
	viaMQTT := frame("010000000000000000000001", "20260115110005001", 41)
	eventually(t, "the MQTT frame in InfluxDB", time.Minute, func() bool {
		// Subscribing happens in OnConnect: publish until it is there (writes are idempotent).
		pub.Publish(ctx, "aq/stations/s01/hj212", viaMQTT)
		return len(influxQL(t, ix, `SELECT pm25 FROM reading WHERE station = 's01' AND "interval" = '1h0m0s'`)) == 1
	})
	bad := []byte(string(viaMQTT))
	if i := len(bad) - 3; bad[i] == '0' { // change the last CRC digit
		bad[i] = '1'
	} else {
		bad[i] = '0'
	}
	pub.Publish(ctx, "aq/stations/s01/hj212", bad)

	conn, err := net.Dial("tcp", m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	conn.Write(frame("010000000000000000000002", "20260115110005002", 52))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("no ACK: %v", err)
	}
	ack, err := hj212.Decode([]byte(line), hj212.DecodeOptions{})
	if err != nil || ack.CN != hj212.CNDataAck || ack.QN != "20260115110005002" {
		t.Fatalf("ACK %q: %+v %v", line, ack, err)
	}
	// The ACK promises durability: the reading is in InfluxDB now.
	s := influxQL(t, ix, `SELECT pm25 FROM reading WHERE station = 's02' AND "interval" = '1h0m0s'`)
	if len(s) != 1 || len(s[0].Values) != 1 || s[0].Values[0][1].String() != "52" {
		t.Fatalf("TCP reading in InfluxDB: %+v", s)
	}
	sec, _ := s[0].Values[0][0].Int64()
	if want := hour.Add(time.Hour).Unix(); sec != want {
		t.Errorf("hourly frame stored at %v, want the end of its hour %v", time.Unix(sec, 0), time.Unix(want, 0))
	}
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eventually(t, "the bad CRC kept as a dead letter", time.Minute, func() bool {
		dls, _ := db.ListDeadLetters(ctx, "bad_crc", "", 0, 10)
		return len(dls) == 1 && dls[0].Station == "s01"
	})
	if metric(t, svc.URL, `aqwarn_ingest_rejected_total{reason="bad_crc"}`) != 1 {
		t.Error("bad CRC not counted")
	}
}

// dumpOnFailure logs the service's ingest metrics and its log if the test fails.
func dumpOnFailure(t *testing.T, svc *service) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		resp, err := http.Get(svc.URL + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, line := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(line, "aqwarn_ingest") {
					t.Log(line)
				}
			}
		}
		t.Logf("service log:\n%s", svc.Stderr.String())
	})
}

// metric reads one sample from /metrics (0 when absent).
func metric(t *testing.T, base, name string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
	}
	return 0
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildAqwarn builds the service binary once per test run, so a test can
// kill it for real.
func buildAqwarn(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "aqwarn-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "aqwarn")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// binService is the built binary running as a child process.
type binService struct {
	cmd  *exec.Cmd
	done chan struct{}
	log  string
	url  string // where it listens, from its "listening on" line
}

func startBinary(t *testing.T, bin, cfg string) *binService {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "aqwarn.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--config", cfg, "--log-level", "warn")
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &binService{cmd: cmd, done: make(chan struct{}), log: logPath}
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		once := sync.Once{}
		for sc.Scan() {
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				once.Do(func() { s.url = m[1]; close(listening) })
			}
		}
	}()
	go func() { cmd.Wait(); logf.Close(); close(s.done) }()
	select {
	case <-listening:
	case <-s.done:
		b, _ := os.ReadFile(logPath)
		t.Fatalf("aqwarn exited at start:\n%s", b)
	case <-time.After(time.Minute):
		t.Fatal("aqwarn did not start within a minute")
	}
	t.Cleanup(func() { s.kill(t) })
	return s
}

// kill ends the process with SIGKILL, as a power cut or the OOM killer would.
func (s *binService) kill(t *testing.T) {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Kill()
	<-s.done
}

// stop ends the process with SIGTERM and waits for a clean exit.
func (s *binService) stop(t *testing.T) {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		if code := s.cmd.ProcessState.ExitCode(); code != 0 {
			b, _ := os.ReadFile(s.log)
			t.Errorf("aqwarn exited with %d on SIGTERM:\n%s", code, b)
		}
	case <-time.After(time.Minute):
		t.Error("aqwarn did not stop within a minute of SIGTERM")
	}
}
