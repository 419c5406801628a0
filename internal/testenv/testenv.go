// Package testenv starts the real servers the integration tests talk to —
// Mosquitto and InfluxDB 1.8 (flux-enabled, for the v2 write and Flux query
// API) — on free loopback ports in a temporary directory, and stops them
// when the test ends. Tests can stop and restart them to play outages.
//
// Binaries: $AQWARN_MOSQUITTO or mosquitto on PATH (or /usr/sbin);
// $AQWARN_INFLUXD or bin/influxd at the repository root. `make test`
// installs both. When one is missing the test fails under CI=true and is
// skipped otherwise, with the command that installs it.
package testenv

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Server is a started external server process.
type Server struct {
	t       TB
	name    string
	bin     string
	args    []string
	dir     string
	Port    int
	mu      sync.Mutex
	cmd     *exec.Cmd
	waitErr chan error
	logPath string
	ready   func(ctx context.Context) error
}

// Addr is host:port on loopback.
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

// Start (re)starts the process on the same port and data directory, and
// waits until it answers.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := exec.Command(s.bin, s.args...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", s.name, err)
	}
	s.cmd = cmd
	s.waitErr = make(chan error, 1)
	go func() { s.waitErr <- cmd.Wait(); logf.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		if err := s.ready(ctx); err == nil {
			return
		}
		select {
		case err := <-s.waitErr:
			s.cmd = nil
			s.t.Fatalf("%s exited at start (%v); log:\n%s", s.name, err, s.Log())
		case <-ctx.Done():
			s.t.Fatalf("%s did not become ready on %s; log:\n%s", s.name, s.Addr(), s.Log())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop terminates the process (SIGTERM, then SIGKILL after 10 s).
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.waitErr:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.waitErr
	}
	s.cmd = nil
}

// Kill stops the process abruptly (SIGKILL), as a crash would.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.waitErr
	s.cmd = nil
}

// Pid is the process id of the running server (0 when stopped), for
// benchmarks that account CPU time per process.
func (s *Server) Pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Log returns what the server printed so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// missing fails under CI and skips elsewhere.
func missing(t TB, what, install string) {
	t.Helper()
	msg := fmt.Sprintf("%s not found; install it with: %s (or run `make test`)", what, install)
	if os.Getenv("CI") != "" || os.Getenv("AQWARN_REQUIRE_SERVERS") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// RepoRoot is the directory holding go.mod.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Mosquitto is a running Mosquitto broker.
type Mosquitto struct {
	*Server
}

// URL is the broker URL for paho.
func (m *Mosquitto) URL() string { return "tcp://" + m.Addr() }

// StartMosquitto starts Mosquitto with persistence on, so restarts keep
// sessions and queued messages as a production broker would.
func StartMosquitto(t TB) *Mosquitto {
	t.Helper()
	return StartMosquittoWith(t, "allow_anonymous true\n")
}

// StartMosquittoWith starts Mosquitto with extra configuration lines after
// the test's listener and persistence settings (e.g. what `aqwarn
// broker-acl` writes: no anonymous clients, a password file and an ACL).
func StartMosquittoWith(t TB, extra string) *Mosquitto {
	t.Helper()
	bin := os.Getenv("AQWARN_MOSQUITTO")
	if bin == "" {
		if p, err := exec.LookPath("mosquitto"); err == nil {
			bin = p
		} else if _, err := os.Stat("/usr/sbin/mosquitto"); err == nil {
			bin = "/usr/sbin/mosquitto"
		} else {
			missing(t, "mosquitto", "apt-get install -y mosquitto")
		}
	}
	dir := t.TempDir()
	port := FreePort(t)
	conf := fmt.Sprintf(`listener %d 127.0.0.1
persistence true
persistence_location %s/
autosave_interval 1
# The service acknowledges in batches once readings are durable: it needs
# many QoS 1 messages in flight, and a long queue while it restarts.
max_inflight_messages 0
max_queued_messages 0
max_queued_bytes 0
`, port, dir)
	if os.Geteuid() == 0 {
		// Started as root, Mosquitto switches to the user "mosquitto", which
		// cannot write the test's private directory: persistence would fail
		// silently (in the log) and a restart would lose every message.
		conf += "user root\n"
	}
	conf += extra
	confPath := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, name: "mosquitto", bin: bin, args: []string{"-c", confPath}, dir: dir, Port: port,
		logPath: filepath.Join(dir, "mosquitto.log")}
	s.ready = func(ctx context.Context) error {
		c, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", s.Addr())
		if err == nil {
			c.Close()
		}
		return err
	}
	s.Start()
	t.Cleanup(s.Stop)
	t.Logf("testenv: started mosquitto on %s", s.Addr())
	return &Mosquitto{s}
}

// Influx is a running InfluxDB 1.8 with one database.
type Influx struct {
	*Server
	Database string
}

// URL is the HTTP URL of the server.
func (x *Influx) URL() string { return "http://" + x.Addr() }

// Bucket is the v2-style bucket name of the database ("db/autogen").
func (x *Influx) Bucket() string { return x.Database + "/autogen" }

// StartInflux starts influxd 1.8 with flux enabled and creates a database.
// Its cache is snapshotted at 8 MB, as configs/production.yaml recommends:
// with the default 25 MB a snapshot stalls writes for up to half a second
// on two cores.
func StartInflux(t TB) *Influx {
	t.Helper()
	bin := os.Getenv("AQWARN_INFLUXD")
	if bin == "" {
		bin = filepath.Join(RepoRoot(), "bin", "influxd")
	}
	if _, err := os.Stat(bin); err != nil {
		missing(t, "influxd (InfluxDB 1.8)", "GOBIN=$PWD/bin go install github.com/influxdata/influxdb/cmd/influxd@v1.8.10")
	}
	dir := t.TempDir()
	port, rpc := FreePort(t), FreePort(t)
	conf := fmt.Sprintf(`reporting-disabled = true
bind-address = "127.0.0.1:%d"
[meta]
  dir = "%[2]s/meta"
[data]
  dir = "%[2]s/data"
  wal-dir = "%[2]s/wal"
  cache-snapshot-memory-size = "8m"
  query-log-enabled = false
  trace-logging-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:%[3]d"
  auth-enabled = false
  log-enabled = false
  flux-enabled = true
  max-body-size = 0
[logging]
  level = "warn"
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
`, rpc, dir, port)
	confPath := filepath.Join(dir, "influxdb.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, name: "influxd", bin: bin, args: []string{"run", "-config", confPath}, dir: dir, Port: port,
		logPath: filepath.Join(dir, "influxd.log")}
	s.ready = func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.Addr()+"/ping", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return fmt.Errorf("ping: %s", resp.Status)
		}
		return nil
	}
	s.Start()
	t.Cleanup(s.Stop)
	x := &Influx{Server: s, Database: "aqwarn"}
	x.Query("CREATE DATABASE " + x.Database)
	t.Logf("testenv: started influxd on %s", s.Addr())
	return x
}

// Query runs an InfluxQL statement through the 1.x HTTP API.
func (x *Influx) Query(q string) string {
	x.t.Helper()
	resp, err := http.PostForm(x.URL()+"/query", url.Values{"q": {q}, "db": {x.Database}})
	if err != nil {
		x.t.Fatalf("influx query %q: %v", q, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK || strings.Contains(b.String(), `"error"`) {
		x.t.Fatalf("influx query %q: %s %s", q, resp.Status, b.String())
	}
	return b.String()
}

// Eventually waits until cond holds, polling every 25 ms (a condition that
// asks the service's HTTP API stays under its 50/s rate limit), and fails
// the test naming what it waited for after timeout. It bounds a wait; it
// never asserts how long something took.
func Eventually(t TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}
