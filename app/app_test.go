package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/broker"
	"github.com/aqwarn/aqwarn/configs"
	ingestmqtt "github.com/aqwarn/aqwarn/ingest/mqtt"
	"github.com/aqwarn/aqwarn/simulate"
)

// The shutdown stack runs last-in first-out, each closer once, also when
// Close is called again or a closer is pushed while closing.
func TestClosersLIFO(t *testing.T) {
	var c closers
	var got []int
	for i := range 3 {
		c.push(func() { got = append(got, i) })
	}
	c.push(func() {
		got = append(got, 3)
		c.push(func() { got = append(got, 4) }) // pushed while closing: still closed
	})
	c.close()
	c.close()
	if want := []int{3, 4, 2, 1, 0}; !slices.Equal(got, want) {
		t.Errorf("closed %v, want %v", got, want)
	}
}

// syncBuffer is an io.Writer safe for the service's goroutines and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const testConfig = `
http: {addr: "127.0.0.1:0"}
mqtt:
  embedded: true
  embedded_addr: "127.0.0.1:0"
  accounts:
    - {username: station-sa, role: station, subject: sa, password_sha256: %s}
store: {dir: %q}
aqi: {on_data: 50ms}
demo: {enabled: false}
stations:
  - {id: sa, name_zh: 甲站, name_en: Station A, region: jianghua, pollutants: [pm25]}
`

func testApp(t *testing.T) (*configs.Config, *syncBuffer) {
	t.Helper()
	cfg, err := configs.Parse(fmt.Appendf(nil, testConfig, broker.HashPassword("station-secret"), filepath.Join(t.TempDir(), "store")), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, &syncBuffer{}
}

// New, Start, Close: the service says where it listens, takes a station's
// reading over the embedded broker into the current AQI, and once closed
// listens no more.
func TestAppServesAndCloses(t *testing.T) {
	cfg, stdout := testApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := New(ctx, cfg, Options{Stdout: stdout})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	for _, want := range []string{"aqwarn: embedded MQTT broker on tcp://127.0.0.1:", "aqwarn: listening on " + a.URL() + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout does not say %q:\n%s", want, out)
		}
	}
	if !strings.HasPrefix(a.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %q", a.URL())
	}

	// A station's reading, as the station publishes it, with its account.
	_, rest, _ := strings.Cut(out, "embedded MQTT broker on ")
	brokerURL, _, _ := strings.Cut(rest, "\n")
	hour := time.Now().Truncate(time.Hour)
	pub := ingestmqtt.New(ingestmqtt.Config{URL: brokerURL, ClientID: "station-sa", Username: "station-sa", Password: "station-secret", CleanSession: true}, nil)
	if err := pub.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if err := pub.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	r := aqwarn.Reading{Station: "sa", Time: hour, Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: 80}}}
	if err := pub.Publish(ctx, "aq/stations/sa/readings", simulate.EncodeJSON(r), false); err != nil {
		t.Fatal(err)
	}
	var cur struct {
		Stations []struct {
			ID     string    `json:"id"`
			Time   time.Time `json:"time"`
			Hourly struct {
				AQI *int `json:"aqi"`
			} `json:"hourly"`
		} `json:"stations"`
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		cur.Stations = nil
		if getJSON(t, a.URL()+"/api/v1/aqi/current", &cur) == http.StatusOK && len(cur.Stations) == 1 &&
			cur.Stations[0].Time.Equal(hour) && cur.Stations[0].Hourly.AQI != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reading never reached the current AQI: %+v", cur)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := getJSON(t, a.URL()+"/readyz", nil); got != http.StatusOK {
		t.Errorf("/readyz %d", got)
	}

	addr := strings.TrimPrefix(a.URL(), "http://")
	a.Close()
	a.Close() // again: nothing left to close
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("still listening on %s after Close", addr)
	}
	if err := a.Wait(ctx); err == nil {
		// Shutdown ends Serve with http.ErrServerClosed: Wait reports it.
		t.Error("Wait after Close: no error")
	}
}

// What New cannot do is an error, with nothing left open: profiling off
// loopback, an HTTP address in use outside the demo.
func TestNewRefuses(t *testing.T) {
	cfg, _ := testApp(t)
	if _, err := New(context.Background(), cfg, Options{PprofAddr: "0.0.0.0:6060"}); err == nil || !strings.Contains(err.Error(), "loopback only") {
		t.Errorf("pprof on 0.0.0.0: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg, _ = testApp(t)
	cfg.HTTP.Addr = ln.Addr().String()
	if _, err := New(context.Background(), cfg, Options{}); err == nil || !strings.Contains(err.Error(), "is in use by another program") {
		t.Errorf("HTTP address in use: %v", err)
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
