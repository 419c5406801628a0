package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/simulate"
	"github.com/aqwarn/aqwarn/store/influx"
)

// syncBuffer collects a running service's output safely.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var listeningRE = regexp.MustCompile(`listening on (https?://\S+)`)

// service is an aqwarn started through run(), as main would.
type service struct {
	URL    string
	Stdout *syncBuffer
	Stderr *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

func startService(t *testing.T, args []string, env map[string]string) *service {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &service{Stdout: &syncBuffer{}, Stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	getenv := func(k string) string { return env[k] }
	go func() { s.done <- run(ctx, args, getenv, nil, s.Stdout, s.Stderr) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(s.Stdout.String()); m != nil {
			s.URL = m[1]
			break
		}
		select {
		case err := <-s.done:
			t.Fatalf("service exited at start: %v\n%s", err, s.Stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("service did not start:\n%s", s.Stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// Stop cancels the service as Ctrl-C would and waits for a clean return.
func (s *service) Stop(t *testing.T) {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("service returned %v on shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("service did not shut down within 30 s")
	}
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	testenv.Eventually(t, what, timeout, cond)
}

const e2eConfig = `
http: {addr: "127.0.0.1:0"}
mqtt: {embedded: false, url: %q, client_id: aqwarn-e2e, topic_prefix: aq}
store: {dir: %q, readings: influx}
influx: {url: %q, bucket: %q}
aqi: {edition: auto, schedule: "5 * * * *", on_data: 100ms}
demo: {enabled: false}
stations:
  - {id: sa, name_zh: 甲站, name_en: Station A, region: tuojiang, pollutants: [pm25]}
  - {id: sb, name_zh: 乙站, name_en: Station B, region: shuikou, pollutants: [pm25]}
`

// The walking skeleton end to end, against a real Mosquitto and a real
// InfluxDB: JSON readings published as stations do → ingest → InfluxDB →
// hourly AQI → GET /api/v1/aqi/current, then a clean shutdown.
func TestEndToEndReadingToCurrentAQI(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	ix := testenv.StartInflux(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "aqwarn.yaml")
	os.WriteFile(cfgPath, fmt.Appendf(nil, e2eConfig, broker.URL(), filepath.Join(dir, "store"), ix.URL(), ix.Bucket()), 0o644)
	svc := startService(t, []string{"serve", "--config", cfgPath}, nil)

	var ready map[string]any
	eventually(t, "/readyz to report ready", 20*time.Second, func() bool { return getJSON(t, svc.URL+"/readyz", &ready) == 200 })

	// 30 hours of PM2.5 for both stations, the newest hour ending now.
	ctx := context.Background()
	pub, err := simulate.DialMQTT(ctx, broker.URL(), "e2e-stations")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	last := time.Now().Truncate(time.Hour)
	for i := 29; i >= 0; i-- {
		hour := last.Add(-time.Duration(i) * time.Hour)
		for st, v := range map[string]float64{"sa": 80, "sb": 120} {
			r := aqwarn.Reading{Station: st, Time: hour, Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: v}}}
			if err := pub.Publish(ctx, "aq/stations/"+st+"/readings", simulate.EncodeJSON(r)); err != nil {
				t.Fatal(err)
			}
		}
	}

	type entry struct {
		ID      string    `json:"id"`
		Time    time.Time `json:"time"`
		Edition string    `json:"edition"`
		Stale   bool      `json:"stale"`
		Hourly  struct {
			AQI        *int     `json:"aqi"`
			Level      int      `json:"level"`
			CategoryZH string   `json:"category_zh"`
			Color      string   `json:"color"`
			Primary    []string `json:"primary"`
		} `json:"hourly"`
		Rolling struct {
			AQI *int `json:"aqi"`
		} `json:"rolling_24h"`
	}
	var cur struct {
		County   *entry  `json:"county"`
		Stations []entry `json:"stations"`
	}
	eventually(t, "the current AQI of the newest hour", 30*time.Second, func() bool {
		cur.County = nil
		return getJSON(t, svc.URL+"/api/v1/aqi/current", &cur) == 200 && cur.County != nil &&
			cur.County.Time.Equal(last) && cur.County.Rolling.AQI != nil
	})
	// Worked by hand, HJ 633—2026 (data of 2026 onwards), 1-hour PM2.5 on
	// the 24-hour column, 60 → IAQI 100, 115 → 150:
	//   station A  80: 100 + 50·(80−60)/(115−60)  = 118.2 → 119
	//   station B 120: 150 + 50·(120−115)/(150−115) = 157.1 → 158
	//   county mean 100: 100 + 50·40/55 = 136.4 → 137 (not the mean of the AQIs)
	// The test only runs in the 2026 edition's era, which today's clock is in.
	want := map[string]int{"sa": 119, "sb": 158}
	if got := cur.County; *got.Hourly.AQI != 137 || got.Hourly.Level != 3 || got.Hourly.CategoryZH != "轻度污染" ||
		got.Hourly.Color != "#FF7E00" || len(got.Hourly.Primary) != 1 || got.Hourly.Primary[0] != "pm25" ||
		got.Edition != "HJ 633—2026" || got.Stale || *got.Rolling.AQI != 137 {
		t.Errorf("county = %+v, want AQI 137, level 3, 轻度污染, #FF7E00, primary pm25, HJ 633—2026", got)
	}
	if len(cur.Stations) != 2 {
		t.Fatalf("stations = %+v", cur.Stations)
	}
	for _, st := range cur.Stations {
		if st.Hourly.AQI == nil || *st.Hourly.AQI != want[st.ID] {
			t.Errorf("station %s AQI %v, want %d", st.ID, st.Hourly.AQI, want[st.ID])
		}
	}

	// The readings are in InfluxDB, once each.
	store := influx.Open(influx.Config{URL: ix.URL(), Bucket: ix.Bucket()})
	defer store.Close()
	counts, err := store.CountReadings(ctx, last.Add(-31*time.Hour), last.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if counts["sa"] != 30 || counts["sb"] != 30 {
		t.Errorf("InfluxDB holds %v readings, want 30 per station", counts)
	}

	// Filters and errors.
	var one struct{ Stations []entry }
	if code := getJSON(t, svc.URL+"/api/v1/aqi/current?station=sb", &one); code != 200 || len(one.Stations) != 1 {
		t.Errorf("?station=sb → %d %+v", code, one)
	}
	var e struct{ Error struct{ Code string } }
	if code := getJSON(t, svc.URL+"/api/v1/aqi/current?station=nope", &e); code != 404 || e.Error.Code != aqwarn.ENOTFOUND {
		t.Errorf("unknown station → %d %+v", code, e)
	}

	svc.Stop(t)
}

// Without a reachable broker the service still starts, but is not ready.
func TestNotReadyWithoutBroker(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "aqwarn.yaml")
	cfg := fmt.Sprintf(e2eConfig, fmt.Sprintf("tcp://127.0.0.1:%d", testenv.FreePort(t)), filepath.Join(dir, "store"), "http://127.0.0.1:1", "x/autogen")
	os.WriteFile(cfgPath, []byte(cfg), 0o644)
	svc := startService(t, []string{"serve", "--config", cfgPath}, map[string]string{"AQWARN_STORE_READINGS": "embedded"})
	var body struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	if code := getJSON(t, svc.URL+"/readyz", &body); code != 503 || body.Checks["mqtt"] == "ok" || body.Checks["store"] != "ok" {
		t.Errorf("/readyz = %d %+v, want 503 with mqtt failing and store ok", code, body)
	}
	if code := getJSON(t, svc.URL+"/healthz", nil); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
}

// A configuration with problems is refused with every problem listed.
func TestBadConfigListsProblems(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"serve"}, func(k string) string {
		return map[string]string{"AQWARN_AQI_EDITION": "1999", "AQWARN_STORE_READINGS": "mongo"}[k]
	}, nil, &out, &errb)
	if err == nil {
		t.Fatal("a bad configuration was accepted")
	}
	for _, want := range []string{"aqi.edition", "store.readings"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

// `make run` in a test: the embedded defaults (in-process broker, SQLite,
// demo stations replaying the bundled episode over MQTT) serve the county's
// AQI well within the promised minute.
func TestDemoServesAQIWithinAMinute(t *testing.T) {
	start := time.Now()
	svc := startService(t, []string{"serve", "--demo"}, map[string]string{
		"AQWARN_HTTP_ADDR":          "127.0.0.1:0",
		"AQWARN_MQTT_EMBEDDED_ADDR": "127.0.0.1:0",
		"AQWARN_STORE_DIR":          t.TempDir(),
	})
	var cur struct {
		County *struct {
			Time    time.Time `json:"time"`
			Edition string    `json:"edition"`
			Hourly  struct {
				AQI *int `json:"aqi"`
			} `json:"hourly"`
		} `json:"county"`
		Stations []json.RawMessage `json:"stations"`
	}
	eventually(t, "the demo county AQI", 60*time.Second, func() bool {
		return getJSON(t, svc.URL+"/api/v1/aqi/current", &cur) == 200 && cur.County != nil && cur.County.Hourly.AQI != nil
	})
	if len(cur.Stations) != 4 || cur.County.Edition != "HJ 633—2012" || cur.County.Time.Year() != 2015 {
		t.Errorf("demo: %d stations, edition %s, time %v; want 4 stations replaying 2015 under HJ 633—2012",
			len(cur.Stations), cur.County.Edition, cur.County.Time)
	}
	t.Logf("demo county AQI after %s: %d at %s", time.Since(start).Round(time.Millisecond), *cur.County.Hourly.AQI, cur.County.Time)
}

// A system Mosquitto already on the embedded broker's port (Debian starts
// one with the package) must not stop `make run`: the embedded broker takes
// a free port and the demo still works.
func TestDemoStartsWhenBrokerPortIsTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	svc := startService(t, []string{"serve", "--demo"}, map[string]string{
		"AQWARN_HTTP_ADDR":          "127.0.0.1:0",
		"AQWARN_MQTT_EMBEDDED_ADDR": taken.Addr().String(),
		"AQWARN_STORE_DIR":          t.TempDir(),
	})
	if strings.Contains(svc.Stdout.String(), taken.Addr().String()) {
		t.Fatalf("the embedded broker claims the taken address:\n%s", svc.Stdout.String())
	}
	var cur struct {
		County *struct{} `json:"county"`
	}
	eventually(t, "the demo county AQI", 60*time.Second, func() bool {
		return getJSON(t, svc.URL+"/api/v1/aqi/current", &cur) == 200 && cur.County != nil
	})
}

// Something else on the HTTP port: the demo takes a free port and says so;
// the service proper refuses to start and says what to do.
func TestHTTPPortTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	env := map[string]string{
		"AQWARN_HTTP_ADDR":          taken.Addr().String(),
		"AQWARN_MQTT_EMBEDDED_ADDR": "127.0.0.1:0",
		"AQWARN_STORE_DIR":          t.TempDir(),
	}
	svc := startService(t, []string{"serve", "--demo"}, env)
	if strings.HasSuffix(svc.URL, taken.Addr().String()) {
		t.Fatalf("the demo claims the taken address %s", svc.URL)
	}
	if !strings.Contains(svc.Stderr.String(), "is in use; the demo takes a free port") {
		t.Errorf("the demo did not say it moved:\n%s", svc.Stderr.String())
	}
	if code := getJSON(t, svc.URL+"/healthz", nil); code != 200 {
		t.Errorf("healthz on the new port: %d", code)
	}

	// The service proper (no demo, so none of the demo's tokens).
	var stdout, stderr bytes.Buffer
	cfgPath := filepath.Join(t.TempDir(), "aqwarn.yaml")
	os.WriteFile(cfgPath, []byte(`
demo: {enabled: false}
mqtt: {embedded: true, embedded_addr: "127.0.0.1:0"}

stations: [{id: s1, name_zh: 站, name_en: S, region: jianghua, pollutants: [pm25]}]
auth: {tokens: []}
`), 0o644)
	env["AQWARN_STORE_DIR"] = t.TempDir()
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // should it start after all
	defer cancel()
	err = run(ctx, []string{"serve", "--config", cfgPath}, getenv, strings.NewReader(""), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "in use by another program") || !strings.Contains(err.Error(), "AQWARN_HTTP_ADDR") {
		t.Errorf("serve on a taken port: %v", err)
	}
}

// Links in what is published (the CAP message's web address, the units'
// acknowledgement pages) name the port the service really listens on,
// also when the demo moved off a taken one. (They were built from the
// configured address before the port was bound.)
func TestNoticeLinksUseTheBoundPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	svc := startService(t, []string{"serve", "--demo", "--demo-auto-approve"}, map[string]string{
		"AQWARN_HTTP_ADDR":          taken.Addr().String(),
		"AQWARN_MQTT_EMBEDDED_ADDR": "127.0.0.1:0",
		"AQWARN_STORE_DIR":          t.TempDir(),
		"AQWARN_DEMO_SPEED":         "72000",
	})
	var capXML string
	eventually(t, "the first warning's CAP message", 180*time.Second, func() bool {
		resp, err := http.Get(svc.URL + "/api/v1/warnings/1/cap.xml")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		capXML = string(b)
		return resp.StatusCode == 200
	})
	if !strings.Contains(capXML, "<web>"+svc.URL+"/</web>") {
		t.Errorf("the CAP message does not link to %s:\n%s", svc.URL, capXML)
	}
	if strings.Contains(capXML, taken.Addr().String()) {
		t.Errorf("the CAP message links to the taken address %s", taken.Addr())
	}
}

// Profiling is unauthenticated: it is refused beyond loopback, and a
// taken address is an error, not a silent miss (audit L7).
func TestPprofOnLoopbackOnly(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	env := func(string) string { return "" }
	for addr, want := range map[string]string{"0.0.0.0:6060": "loopback only", "192.0.2.1:6060": "loopback only", taken.Addr().String(): "address already in use"} {
		var out, errb bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := run(ctx, []string{"serve", "--pprof", addr, "--http", "127.0.0.1:0", "--mqtt-embedded-addr", "127.0.0.1:0", "--store-dir", t.TempDir()}, env, nil, &out, &errb)
		cancel()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--pprof %s: %v, want an error saying %q", addr, err, want)
		}
	}
}

// --demo=false is honoured (it was ignored: the flag could only switch the
// demo on), and a refused configuration creates no store (audit L5).
func TestDemoFlagOffAndNoStoreOnBadConfig(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := run(ctx, []string{"serve", "--demo=false", "--store-dir", dir, "--http", "127.0.0.1:0"}, func(string) string { return "" }, nil, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "is a demo token") {
		t.Fatalf("the demo configuration with --demo=false: %v (want its demo tokens refused)", err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("a refused configuration created the store %s", dir)
	}
}
