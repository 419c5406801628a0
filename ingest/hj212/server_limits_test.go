package hj212

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/internal/testenv"

	"github.com/prometheus/client_golang/prometheus"
)

// The limits that keep one peer from holding the listener. Deadlines are
// made short here and every test waits for the condition it expects (a
// closed connection, a count), bounded by wait; none measures time.

// dialFrom connects from a given loopback address (Linux answers on all of
// 127.0.0.0/8), so one test can play several peers.
func dialFrom(t *testing.T, s *Server, ip string) *client {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c, err := d.Dial("tcp", s.Address())
	if err != nil {
		t.Fatalf("dial from %s: %v", ip, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(wait))
	return &client{t: t, conn: c, r: bufio.NewReader(c)}
}

// closedByServer reports whether the server closed the connection: the
// next read ends without a byte. A reply arriving instead is a failure.
func (c *client) closedByServer() bool {
	c.t.Helper()
	b, err := c.r.ReadByte()
	switch {
	case err == nil:
		c.t.Errorf("got byte %q, want the connection closed", b)
		return false
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return true
	}
	c.t.Errorf("read: %v, want EOF", err)
	return false
}

// waitFor polls a condition of the server until it holds or wait passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testenv.Eventually(t, what, wait, cond)
}

// logLines counts the records logged at Warn and above whose message
// contains a text.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelWarn }
func (l *logLines) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.lines = append(l.lines, r.Message)
	l.mu.Unlock()
	return nil
}
func (l *logLines) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logLines) WithGroup(string) slog.Handler      { return l }
func (l *logLines) count(text string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.lines {
		if strings.Contains(m, text) {
			n++
		}
	}
	return n
}

// counterValue reads one series of a gathered counter.
func counterValue(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no series %s{%s=%q}", name, label, value)
	return 0
}

func TestServerMaxConns(t *testing.T) {
	logs := &logLines{}
	reg := prometheus.NewRegistry()
	s := startServer(t, newFakeHandler(), func(s *Server) {
		s.MaxConns, s.MaxConnsPerIP, s.Logger, s.Registerer = 3, -1, slog.New(logs), reg
	})
	var held []*client
	for range 3 {
		held = append(held, dial(t, s))
	}
	waitFor(t, "3 connections admitted", func() bool { return s.Stats().Open == 3 })

	// Over the cap: closed at once, without a goroutine each, the cap's
	// log line written once for the lot.
	goroutines := runtime.NumGoroutine()
	const over = 50
	for i := range over {
		if c := dial(t, s); !c.closedByServer() {
			t.Fatalf("connection %d over the cap was served", i)
		}
	}
	if st := s.Stats(); st.RefusedTotal != over || st.Open != 3 || st.Accepted != 3 {
		t.Errorf("stats %+v, want %d refused, 3 open", st, over)
	}
	if n := runtime.NumGoroutine(); n > goroutines+5 {
		t.Errorf("%d goroutines after %d refusals, %d before", n, over, goroutines)
	}
	if n := logs.count("refused"); n < 1 || n >= over/2 {
		t.Errorf("%d log lines for %d refusals, want one per interval", n, over)
	}
	if v := counterValue(t, reg, "aqwarn_hj212_connections_refused_total", "cap", RefusedMaxConns); v != over {
		t.Errorf("metric refused{cap=max_conns} = %v, want %d", v, over)
	}

	// A place freed is a place taken.
	held[0].conn.Close()
	waitFor(t, "the closed connection to leave", func() bool { return s.Stats().Open == 2 })
	c := dial(t, s)
	c.write(dataFrame("001", true))
	if ack := c.readAck(); ack.QN != "20260115103000001" {
		t.Errorf("ACK QN %s", ack.QN)
	}
}

func TestServerMaxConnsPerIP(t *testing.T) {
	h := newFakeHandler()
	s := startServer(t, h, func(s *Server) { s.MaxConnsPerIP = 2 })
	a1, a2 := dialFrom(t, s, "127.0.0.1"), dialFrom(t, s, "127.0.0.1")
	waitFor(t, "two connections from 127.0.0.1", func() bool { return s.Stats().Open == 2 })
	// A third from the same address is refused …
	if c := dialFrom(t, s, "127.0.0.1"); !c.closedByServer() {
		t.Fatal("third connection from one address served")
	}
	// … one from another address is not, and the first two still work.
	for i, c := range []*client{dialFrom(t, s, "127.0.0.2"), a1, a2} {
		qn := fmt.Sprintf("%03d", i)
		c.write(dataFrame(qn, true))
		if ack := c.readAck(); ack.QN != "20260115103000"+qn {
			t.Errorf("connection %d: ACK QN %s", i, ack.QN)
		}
	}
	if st := s.Stats(); st.RefusedPerIP != 1 || st.RefusedTotal != 0 {
		t.Errorf("stats %+v, want one per-IP refusal", st)
	}
}

// unauthenticated makes the fake handler refuse frames of MN "nobody" as
// ingest does for an unknown MN or a wrong PW.
func unauthenticated(f Frame) error {
	if f.MN == "nobody" {
		return fmt.Errorf("MN %s: %w", f.MN, ErrUnauthenticated)
	}
	return nil
}

func strangerFrame(qn string) string {
	return string(Encode(Frame{QN: "20260115103000" + qn, ST: STAmbientAir, CN: CNRealtime, PW: "000000", MN: "nobody",
		Version: Version2017, WantsAck: true, DataTime: bj(2026, 1, 15, 10, 30, 0),
		Values: map[string]Value{"a34004": {Rtd: num(35), Flag: "N"}}}))
}

func TestServerFirstFrameTimeout(t *testing.T) {
	h := newFakeHandler()
	h.fail = unauthenticated
	s := startServer(t, h, func(s *Server) { s.FirstFrameTimeout = 100 * time.Millisecond })

	// A logger that authenticated at once keeps its connection.
	logger := dial(t, s)
	logger.write(dataFrame("001", true))
	logger.readAck()

	// Connected after it, so their deadlines pass after the logger's would.
	idle := dial(t, s)     // says nothing
	stranger := dial(t, s) // says only what does not authenticate
	stranger.write(strangerFrame("002"))
	receive(t, h.entered)
	receive(t, h.entered)
	for name, c := range map[string]*client{"idle": idle, "unauthenticated": stranger} {
		if !c.closedByServer() {
			t.Errorf("%s connection not closed at the first-frame deadline", name)
		}
	}
	if st := s.Stats(); st.ClosedFirstFrame != 2 {
		t.Errorf("stats %+v, want 2 closed for the first-frame timeout", st)
	}
	logger.write(dataFrame("003", true))
	if ack := logger.readAck(); ack.QN != "20260115103000003" {
		t.Errorf("authenticated logger: ACK QN %s", ack.QN)
	}
}

func TestServerFrameTimeout(t *testing.T) {
	h := newFakeHandler()
	// Long idle and first-frame timeouts: only the frame deadline can fire.
	s := startServer(t, h, func(s *Server) {
		s.FrameTimeout, s.IdleTimeout, s.FirstFrameTimeout = 100*time.Millisecond, time.Hour, time.Hour
	})
	tidy := dial(t, s) // an authenticated logger that ends its frames with a spare line end
	tidy.write(dataFrame("001", true) + "\r\n")
	tidy.readAck()

	// Slowloris: a header, then a byte now and then, never the end.
	slow := dial(t, s)
	slow.write("##0150QN=")
	stop := make(chan struct{})
	trickled := make(chan struct{})
	go func() {
		defer close(trickled)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := slow.conn.Write([]byte("2")); err != nil {
					return
				}
			}
		}
	}()
	if !slow.closedByServer() {
		t.Error("slowloris connection not closed at the frame deadline")
	}
	close(stop)
	<-trickled
	if got := receive(t, h.invalid); !strings.HasPrefix(got.raw, "##0150QN=2") || got.reason != ReasonBadLength {
		t.Errorf("partial frame reported as %+v", got)
	}
	if st := s.Stats(); st.ClosedFrame != 1 || st.ClosedIdle != 0 {
		t.Errorf("stats %+v, want one closed for the frame timeout", st)
	}
	// The spare line end is not a frame begun: the tidy logger is still served.
	tidy.write(dataFrame("002", true))
	if ack := tidy.readAck(); ack.QN != "20260115103000002" {
		t.Errorf("ACK QN %s", ack.QN)
	}
}

func TestServerBlockedSenderClosed(t *testing.T) {
	h := newFakeHandler()
	h.fail = func(f Frame) error { return fmt.Errorf("locked out: %w", ErrBlocked) }
	s := startServer(t, h)
	c := dial(t, s)
	c.write(dataFrame("001", true) + dataFrame("002", true))
	if !c.closedByServer() {
		t.Error("blocked sender's connection not closed")
	}
	if st := s.Stats(); st.ClosedBlocked != 1 {
		t.Errorf("stats %+v", st)
	}
	if len(h.entered) != 1 {
		t.Errorf("%d frames handed over, want only the one refused before closing", len(h.entered))
	}
}

// The L3 case of the audit: a corrupted length announcing 9,999 bytes must
// not swallow the valid frames behind it. The client sends like a logger
// with a window of ten frames: it waits for their ACKs before sending more,
// so a splitter waiting for the declared length gets stuck on the first ten.
func TestServerResyncAfterBadLength(t *testing.T) {
	cases := []struct {
		name    string
		corrupt string
		minAcks int
	}{
		// The corrupted frame still ends in its own CRLF: nothing else is lost.
		{"bad frame ends in CRLF", "##9999QN=corrupted-length\r\n", 70},
		// It was cut short without one: the frame glued to it goes with it.
		{"bad frame cut short", "##9999QN=corrupted", 69},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newFakeHandler()
			s := startServer(t, h)
			c := dial(t, s)
			c.write(tc.corrupt)
			acks := 0
			for batch := range 7 {
				var b strings.Builder
				for i := range 10 {
					b.WriteString(dataFrame(fmt.Sprintf("%03d", batch*10+i), true))
				}
				c.write(b.String())
				for want := tc.minAcks - 60 + batch*10; acks < want; acks++ {
					c.readAck()
				}
			}
			if got := receive(t, h.invalid); got.reason != ReasonBadLength || !strings.HasPrefix(got.raw, tc.corrupt) {
				t.Errorf("bad frame reported as %+v", got)
			}
		})
	}
}

// flakyListener fails its first Accept calls the way a process out of file
// descriptors does.
type flakyListener struct {
	net.Listener
	fails atomic.Int32
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if l.fails.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

func TestServerAcceptErrorsRetried(t *testing.T) {
	logs := &logLines{}
	const fails = 6
	s := startServer(t, newFakeHandler(), func(s *Server) {
		s.Logger = slog.New(logs)
		s.listenHook = func(ln net.Listener) net.Listener {
			fl := &flakyListener{Listener: ln}
			fl.fails.Store(fails)
			return fl
		}
	})
	c := dial(t, s) // queued in the backlog while Accept fails
	c.write(dataFrame("001", true))
	if ack := c.readAck(); ack.QN != "20260115103000001" {
		t.Errorf("ACK QN %s", ack.QN)
	}
	if st := s.Stats(); st.AcceptErrors != fails {
		t.Errorf("stats %+v, want %d accept errors", st, fails)
	}
	if n := logs.count("accept failed"); n < 1 || n >= fails {
		t.Errorf("%d log lines for %d accept errors", n, fails)
	}
}

func TestPeerKey(t *testing.T) {
	cases := []struct{ addr, want string }{
		{"127.0.0.1:9212", "127.0.0.1"},                   // IPv4: the address
		{"[::ffff:10.1.2.3]:40000", "10.1.2.3"},           // IPv4 mapped into IPv6 is the same peer
		{"[2001:db8:1:2:3:4:5:6]:1", "2001:db8:1:2::/64"}, // IPv6: the /64 a host may hold
		{"[2001:db8:1:2:ffff::1]:2", "2001:db8:1:2::/64"}, // … the same peer
		{"[fe80::1%eth0]:3", "fe80::/64"},                 // the zone is not part of it
		{"not an address", "not an address"},              // kept apart rather than merged
	}
	for _, c := range cases {
		if got := PeerKey(c.addr); got != c.want {
			t.Errorf("PeerKey(%q) = %q, want %q", c.addr, got, c.want)
		}
	}
}

func TestServerDefaultLimits(t *testing.T) {
	cases := []struct {
		name                    string
		maxConns, perIP, expect int // the Server fields
		conns, connsPerIP       int // the caps in force
	}{
		{"few stations: the floor", 0, 0, 3, DefaultMaxConns, DefaultMaxConnsPerIP},
		{"many stations: four each", 0, 0, 100, 400, DefaultMaxConnsPerIP},
		{"set explicitly", 10, 50, 100, 10, 50},
		{"negative: no cap", -1, -1, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &Server{Addr: "127.0.0.1:0", Handler: newFakeHandler(), MaxConns: c.maxConns, MaxConnsPerIP: c.perIP, ExpectedLoggers: c.expect}
			if err := s.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer s.Shutdown(context.Background())
			if s.maxConns != c.conns || s.maxPerIP != c.connsPerIP {
				t.Errorf("caps %d, %d per IP; want %d, %d", s.maxConns, s.maxPerIP, c.conns, c.connsPerIP)
			}
		})
	}
}
