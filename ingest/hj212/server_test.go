package hj212

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// wait bounds every wait for the server; tests wait for events, this only
// turns a hang into a failure.
const wait = 10 * time.Second

type invalidReport struct {
	raw    string
	reason string
}

// fakeHandler records what the server hands over. fail decides the
// outcome of HandleFrame; block, when set, holds HandleFrame until it is
// closed or the context ends.
type fakeHandler struct {
	frames  chan Frame
	invalid chan invalidReport
	entered chan struct{}
	fail    func(Frame) error
	block   chan struct{}
}

func newFakeHandler() *fakeHandler {
	return &fakeHandler{
		frames:  make(chan Frame, 100),
		invalid: make(chan invalidReport, 100),
		entered: make(chan struct{}, 100),
	}
}

func (h *fakeHandler) HandleFrame(ctx context.Context, f Frame, raw []byte) error {
	h.entered <- struct{}{}
	if PeerAddr(ctx) == "" {
		return errors.New("no peer address in context")
	}
	if h.block != nil {
		select {
		case <-h.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if h.fail != nil {
		if err := h.fail(f); err != nil {
			return err
		}
	}
	h.frames <- f
	return nil
}

func (h *fakeHandler) HandleInvalid(_ context.Context, raw []byte, err error) {
	h.invalid <- invalidReport{raw: string(raw), reason: Reason(err)}
}

var _ Handler = (*fakeHandler)(nil)

var fixedNow = time.Date(2026, 1, 15, 2, 30, 0, 0, time.UTC)

func startServer(t *testing.T, h Handler, opts ...func(*Server)) *Server {
	t.Helper()
	s := &Server{Addr: "127.0.0.1:0", Handler: h, Now: func() time.Time { return fixedNow }}
	for _, o := range opts {
		o(s)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return s
}

type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, s *Server) *client {
	t.Helper()
	c, err := net.Dial("tcp", s.Address())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(wait))
	return &client{t: t, conn: c, r: bufio.NewReader(c)}
}

func (c *client) write(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatal(err)
	}
}

// readAck reads one reply frame and decodes it.
func (c *client) readAck() Frame {
	c.t.Helper()
	line, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("reading ACK: %v (got %q)", err, line)
	}
	f, err := Decode([]byte(line), DecodeOptions{})
	if err != nil || f.CN != CNDataAck {
		c.t.Fatalf("reply %q: %v", line, err)
	}
	return f
}

func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatal("timed out waiting for the server")
	}
	var zero T
	return zero
}

// dataFrame builds a 2017 real-time frame; qnSuffix keeps QNs distinct.
func dataFrame(qnSuffix string, wantsAck bool) string {
	return string(Encode(Frame{
		QN: "20260115103000" + qnSuffix, ST: STAmbientAir, CN: CNRealtime, PW: "123456", MN: testMN,
		Version: Version2017, WantsAck: wantsAck, DataTime: bj(2026, 1, 15, 10, 30, 0),
		Values: map[string]Value{"a34004": {Rtd: num(35), Flag: "N"}},
	}))
}

func TestServerAddress(t *testing.T) {
	s := startServer(t, newFakeHandler())
	host, port, err := net.SplitHostPort(s.Address())
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Errorf("Address() = %q", s.Address())
	}
	if err := s.Start(context.Background()); err == nil {
		t.Error("second Start succeeded")
	}
}

func TestServerSplitAcrossWrites(t *testing.T) {
	h := newFakeHandler()
	s := startServer(t, h)
	c := dial(t, s)
	frame := dataFrame("001", true)
	// Three writes, cutting inside the length and inside the CRC.
	c.write(frame[:4])
	c.write(frame[4 : len(frame)-3])
	c.write(frame[len(frame)-3:])
	f := receive(t, h.frames)
	if f.QN != "20260115103000001" {
		t.Errorf("QN %s", f.QN)
	}
	if ack := c.readAck(); ack.QN != f.QN || ack.MN != testMN {
		t.Errorf("ACK %+v", ack)
	}
}

func TestServerGluedFrames(t *testing.T) {
	h := newFakeHandler()
	s := startServer(t, h)
	c := dial(t, s)
	c.write(dataFrame("001", true) + dataFrame("002", true))
	for _, qn := range []string{"20260115103000001", "20260115103000002"} {
		if f := receive(t, h.frames); f.QN != qn {
			t.Errorf("frame QN %s, want %s", f.QN, qn)
		}
		if ack := c.readAck(); ack.QN != qn {
			t.Errorf("ACK QN %s, want %s", ack.QN, qn)
		}
	}
}

func TestServerGarbageBetweenFrames(t *testing.T) {
	h := newFakeHandler()
	s := startServer(t, h)
	c := dial(t, s)
	// Modem noise, a frame, binary junk, a frame, and a bare line end (ignored).
	c.write("+++ATH\r\n" + dataFrame("001", false) + "\x00\x17junk" + dataFrame("002", true) + "\r\n")
	if f := receive(t, h.frames); f.QN != "20260115103000001" {
		t.Errorf("first frame QN %s", f.QN)
	}
	if f := receive(t, h.frames); f.QN != "20260115103000002" {
		t.Errorf("second frame QN %s", f.QN)
	}
	for _, want := range []string{"+++ATH\r\n", "\x00\x17junk"} {
		if got := receive(t, h.invalid); got.raw != want || got.reason != ReasonFrameMalformed {
			t.Errorf("invalid report %+v, want %q", got, want)
		}
	}
	// Only the second frame asked for an ACK.
	if ack := c.readAck(); ack.QN != "20260115103000002" {
		t.Errorf("ACK QN %s", ack.QN)
	}
}

func TestServerAckOnlyWhenDurable(t *testing.T) {
	h := newFakeHandler()
	h.fail = func(f Frame) error {
		if f.QN == "20260115103000001" {
			return errors.New("store unavailable")
		}
		return nil
	}
	s := startServer(t, h)
	c := dial(t, s)
	c.write(dataFrame("001", true))
	c.write(dataFrame("002", true))
	// Frames on a connection are handled in order, so had the failed frame
	// been acknowledged its ACK would come first.
	if ack := c.readAck(); ack.QN != "20260115103000002" {
		t.Errorf("first ACK is for QN %s, want only the stored frame's", ack.QN)
	}
	if f := receive(t, h.frames); f.QN != "20260115103000002" {
		t.Errorf("stored QN %s", f.QN)
	}
}

func TestServerInvalidFrames(t *testing.T) {
	h := newFakeHandler()
	s := startServer(t, h, func(s *Server) { s.MaxFrameBytes = 512 })
	c := dial(t, s)
	good := dataFrame("001", true)
	badCRC := []byte(good)
	badCRC[len(badCRC)-3] = otherHexDigit(badCRC[len(badCRC)-3]) // still hex: a corrupted frame, not a garbled one
	wrongST := string(wrap("QN=20260115103000009;ST=31;CN=2011;PW=1;MN=m;Flag=5;CP=&&DataTime=20260115103000;a34004-Rtd=1&&"))
	c.write(string(badCRC) + wrongST + "##0900" + strings.Repeat("x", 20) + good)
	for _, want := range []string{ReasonBadCRC, ReasonUnsupportedSystem, ReasonBadLength} {
		if got := receive(t, h.invalid); got.reason != want {
			t.Errorf("invalid report %+v, want reason %s", got, want)
		}
	}
	// None of the rejected frames is acknowledged.
	if ack := c.readAck(); ack.QN != "20260115103000001" {
		t.Errorf("ACK QN %s", ack.QN)
	}
}

func TestServerIdleTimeout(t *testing.T) {
	h := newFakeHandler()
	s := startServer(t, h, func(s *Server) { s.IdleTimeout = 50 * time.Millisecond })
	c := dial(t, s)
	frame := dataFrame("001", true)
	c.write(frame[:30]) // the logger loses power mid-frame
	if got := receive(t, h.invalid); got.raw != frame[:30] || got.reason != ReasonBadLength {
		t.Errorf("invalid report %+v", got)
	}
	if _, err := c.r.ReadByte(); err != io.EOF {
		t.Errorf("read after idle timeout: %v, want EOF", err)
	}
}

// waitGoroutines waits until the goroutine count is back to n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond) // polling a condition, not timing
	}
}

func TestServerShutdownGraceful(t *testing.T) {
	base := runtime.NumGoroutine()
	h := newFakeHandler()
	h.block = make(chan struct{})
	s := &Server{Addr: "127.0.0.1:0", Handler: h}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := dial(t, s)
	idle := dial(t, s) // a second logger with nothing to say
	c.write(dataFrame("001", true))
	receive(t, h.entered)

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		done <- s.Shutdown(ctx)
	}()
	// The idle connection is closed without waiting for the busy one.
	if _, err := idle.r.ReadByte(); err != io.EOF {
		t.Errorf("idle connection: %v, want EOF", err)
	}
	close(h.block)
	if err := receive(t, done); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	// The frame being stored when Shutdown began still gets its ACK.
	if ack := c.readAck(); ack.QN != "20260115103000001" {
		t.Errorf("ACK QN %s", ack.QN)
	}
	if _, err := c.r.ReadByte(); err != io.EOF {
		t.Errorf("after ACK: %v, want EOF", err)
	}
	if _, err := net.Dial("tcp", s.Address()); err == nil {
		t.Error("listener still accepts")
	}
	c.conn.Close()
	idle.conn.Close()
	waitGoroutines(t, base)
}

func TestServerShutdownDeadline(t *testing.T) {
	base := runtime.NumGoroutine()
	h := newFakeHandler()
	h.block = make(chan struct{}) // never released: the store hangs
	s := &Server{Addr: "127.0.0.1:0", Handler: h}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := dial(t, s)
	c.write(dataFrame("001", true))
	receive(t, h.entered)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown with an ended context: %v", err)
	}
	// The handler's context was cancelled, so it returned an error: no ACK.
	if _, err := c.r.ReadByte(); err != io.EOF {
		t.Errorf("read: %v, want EOF without ACK", err)
	}
	c.conn.Close()
	waitGoroutines(t, base)
}

func TestServerStartContextCancel(t *testing.T) {
	base := runtime.NumGoroutine()
	h := newFakeHandler()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{Addr: "127.0.0.1:0", Handler: h}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	c := dial(t, s)
	c.write(dataFrame("001", true))
	c.readAck()
	cancel()
	if _, err := c.r.ReadByte(); err != io.EOF {
		t.Errorf("read after cancel: %v, want EOF", err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown after cancel: %v", err)
	}
	c.conn.Close()
	waitGoroutines(t, base)
}
