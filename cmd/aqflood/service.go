package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// service is the aqwarn binary running as a child process.
type service struct {
	cmd       *exec.Cmd
	pid       int
	url       string // http://127.0.0.1:port
	brokerURL string // the embedded broker's, or the external one's
	storeDir  string
	log       string
	token     string
	client    *http.Client

	done     chan struct{} // closed when the process ended
	exitErr  error         // read after done
	stopping bool          // set before we signal it: an exit before is a crash
	mu       sync.Mutex
}

var (
	listeningRE = regexp.MustCompile(`listening on (http://\S+)`)
	embeddedRE  = regexp.MustCompile(`embedded MQTT broker on (tcp://\S+)`)
)

// serviceConfig is a deployment's configuration, not the demo's: accounts
// for the stations (embedded broker) or an external broker with the
// service's own logins (Mosquitto with `aqwarn broker-acl`'s files),
// the embedded store, a staff token.
func serviceConfig(embedded bool, brokerURL, storeDir, saPasswordHash, sbPasswordHash, tokenHash string) string {
	var b strings.Builder
	b.WriteString("http: {addr: \"127.0.0.1:0\"}\n")
	if embedded {
		fmt.Fprintf(&b, `mqtt:
  embedded: true
  embedded_addr: "127.0.0.1:0"
  client_id: aqwarn-flood
  topic_prefix: aq
  accounts:
    - {username: sa, role: station, subject: sa, password_sha256: %s}
    - {username: sb, role: station, subject: sb, password_sha256: %s}
`, saPasswordHash, sbPasswordHash)
	} else {
		fmt.Fprintf(&b, "mqtt: {embedded: false, url: %q, client_id: aqwarn-flood, username: aqwarn-flood, publish_username: aqwarn-flood-publish, topic_prefix: aq}\n", brokerURL)
	}
	fmt.Fprintf(&b, `store: {dir: %q, readings: embedded}
aqi: {edition: auto, schedule: "5 * * * *", on_data: 1s}
demo: {enabled: false}
plan: embedded:plans/jianghua-2024.yaml
auth:
  tokens:
    - {user: flood-auditor, roles: [duty_officer], sha256: %s}
stations:
  - {id: sa, name_zh: 甲站, name_en: Station A, region: tuojiang, pollutants: [pm25, no2]}
  - {id: sb, name_zh: 乙站, name_en: Station B, region: tuojiang, pollutants: [pm25, no2]}
`, storeDir, tokenHash)
	return b.String()
}

// startService runs `aqwarn serve` and waits until /readyz is 200. The
// child is in its own process group, so a Ctrl-C reaches only us and we
// stop it in order; should we die, the kernel sends it SIGTERM.
func startService(ctx context.Context, bin, cfgPath, storeDir, token string, env []string, embedded bool, brokerURL string) (*service, error) {
	s := &service{storeDir: storeDir, log: filepath.Join(filepath.Dir(cfgPath), "aqwarn.log"), token: token,
		brokerURL: brokerURL, done: make(chan struct{}),
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}}
	logf, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin, "serve", "--config", cfgPath, "--log-level", "warn")
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stderr = logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	s.pid = s.cmd.Process.Pid
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	go func() { s.exitErr = s.cmd.Wait(); logf.Close(); close(s.done) }()
	deadline := time.After(time.Minute)
	for s.url == "" || (embedded && s.brokerURL == "") {
		select {
		case l := <-lines:
			if m := listeningRE.FindStringSubmatch(l); m != nil {
				s.url = m[1]
			}
			if m := embeddedRE.FindStringSubmatch(l); m != nil {
				s.brokerURL = m[1]
			}
		case <-s.done:
			return nil, fmt.Errorf("aqwarn exited at start (%v):\n%s", s.exitErr, s.logText())
		case <-deadline:
			s.stop()
			return nil, fmt.Errorf("aqwarn did not print its addresses within a minute:\n%s", s.logText())
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		}
	}
	for deadline := time.Now().Add(time.Minute); ; {
		if code, _ := s.status("/readyz"); code == http.StatusOK {
			return s, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.stop()
			return nil, fmt.Errorf("aqwarn not ready within a minute:\n%s", s.logText())
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("aqwarn exited at start (%v):\n%s", s.exitErr, s.logText())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// alive reports whether the process is still running.
func (s *service) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// stop asks the service to shut down (SIGINT, as Ctrl-C) and kills it
// after 30 s. It reports how long the shutdown took and how it ended.
func (s *service) stop() (time.Duration, error) {
	s.mu.Lock()
	first := !s.stopping
	s.stopping = true
	s.mu.Unlock()
	start := time.Now()
	if first && s.alive() {
		s.cmd.Process.Signal(os.Interrupt)
	}
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		return time.Since(start), fmt.Errorf("did not stop within 30 s; killed")
	}
	return time.Since(start), s.exitErr
}

func (s *service) logText() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 8000 {
		b = append([]byte("…\n"), b[len(b)-8000:]...)
	}
	return string(b)
}

// logSize is the lines and bytes the service logged so far.
func (s *service) logSize() (lines int, size int64) {
	b, err := os.ReadFile(s.log)
	if err != nil {
		return 0, 0
	}
	return bytes.Count(b, []byte{'\n'}), int64(len(b))
}

func (s *service) get(path string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	return s.client.Do(req)
}

// status returns the status code of GET path (0 on error).
func (s *service) status(path string) (int, error) {
	resp, err := s.get(path)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// counters maps a metric's reason label to its value.
type counters map[string]float64

func (c counters) total() float64 {
	t := 0.0
	for _, v := range c {
		t += v
	}
	return t
}

// minus is c - before, keeping only what changed.
func (c counters) minus(before counters) counters {
	out := counters{}
	for k, v := range c {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

var reasonRE = regexp.MustCompile(`reason="([^"]*)"`)

// metrics reads the labelled counters named in names (by reason) and the
// unlabelled ones (under "") from /metrics.
func (s *service) metrics(names ...string) (map[string]counters, error) {
	resp, err := s.get("/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics: %s", resp.Status)
	}
	out := map[string]counters{}
	for _, n := range names {
		out[n] = counters{}
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, n := range names {
			rest, ok := strings.CutPrefix(line, n)
			if !ok || (rest != "" && rest[0] != '{' && rest[0] != ' ') {
				continue
			}
			label := ""
			if m := reasonRE.FindStringSubmatch(rest); m != nil {
				label = m[1]
			}
			f := strings.Fields(rest)
			v, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err == nil {
				out[n][label] += v
			}
		}
	}
	return out, sc.Err()
}

// deadLetterCount is what the dead-letter API holds.
type deadLetterCount struct {
	rows     int
	payload  int64 // bytes of payload kept (sum of the payload strings)
	size     int64 // bytes the kept rejections had as received
	byReason map[string]int
}

// deadLetters pages through GET /api/v1/ingest/deadletters (1,000 a page).
func (s *service) deadLetters() (deadLetterCount, error) {
	c := deadLetterCount{byReason: map[string]int{}}
	before := int64(0)
	for {
		path := "/api/v1/ingest/deadletters?limit=1000"
		if before > 0 {
			path += "&before=" + strconv.FormatInt(before, 10)
		}
		resp, err := s.get(path)
		if err != nil {
			return c, err
		}
		var body struct {
			DeadLetters []struct {
				Reason  string `json:"reason"`
				Payload string `json:"payload"`
				Size    int64  `json:"size"`
			} `json:"deadletters"`
			NextBefore int64 `json:"next_before"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return c, fmt.Errorf("dead letters: %s", resp.Status)
		}
		if err != nil {
			return c, fmt.Errorf("dead letters: %w", err)
		}
		for _, d := range body.DeadLetters {
			c.rows++
			c.payload += int64(len(d.Payload))
			c.size += d.Size
			c.byReason[d.Reason]++
		}
		if len(body.DeadLetters) == 0 || body.NextBefore == 0 {
			return c, nil
		}
		before = body.NextBefore
	}
}

// storeBytes is the size of the SQLite store: the database, its WAL and
// shared-memory index.
func (s *service) storeBytes() (db, wal int64) {
	base := filepath.Join(s.storeDir, "aqwarn.db")
	if fi, err := os.Stat(base); err == nil {
		db = fi.Size()
	}
	for _, ext := range []string{"-wal", "-shm"} {
		if fi, err := os.Stat(base + ext); err == nil {
			wal += fi.Size()
		}
	}
	return db, wal
}
