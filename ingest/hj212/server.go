package hj212

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Handler receives what data loggers send. Ingest implements it.
type Handler interface {
	// HandleFrame is called for every frame that decodes. Returning nil
	// promises the reading is durable; only then does the server send the
	// ACK the logger asked for. On error no ACK is sent and the logger,
	// following HJ 212, sends the frame again later.
	HandleFrame(ctx context.Context, f Frame, raw []byte) error
	// HandleInvalid receives bytes that are not a valid frame, with an
	// *Error whose Reason says why, so they can be counted and kept.
	HandleInvalid(ctx context.Context, raw []byte, err error)
}

// Defaults used when the Server field is zero.
const (
	// DefaultIdleTimeout is longer than an hour because loggers that only
	// send hourly data (CN 2061) keep their connection open between frames.
	DefaultIdleTimeout  = 75 * time.Minute
	DefaultWriteTimeout = 30 * time.Second
)

// Server is the TCP listener data loggers connect to. A connection may carry
// any number of frames, split across reads or glued together; each is
// decoded, handed to Handler and, when the handler made it durable and the
// logger asked for it, acknowledged on the same connection. Frames on one
// connection are handled in order, one at a time.
type Server struct {
	Addr    string // host:port; ":0" picks a free port, see Address
	Handler Handler
	Logger  *slog.Logger     // nil: discard
	Decode  DecodeOptions    // passed to Decode for every frame
	Now     func() time.Time // clock for ACKs to loggers that sent no QN; nil: time.Now

	// IdleTimeout closes a connection that sent nothing for this long
	// (0: DefaultIdleTimeout, negative: never), so half-open connections
	// from loggers that lost power do not pile up.
	IdleTimeout time.Duration
	// WriteTimeout bounds sending one ACK (0: DefaultWriteTimeout,
	// negative: none).
	WriteTimeout time.Duration
	// MaxFrameBytes bounds one frame, CRLF included (0: MaxFrameLen, the
	// most a four-digit length can announce). Longer frames are rejected.
	MaxFrameBytes int

	mu      sync.Mutex
	ln      net.Listener
	conns   map[net.Conn]struct{}
	closing bool
	cancel  context.CancelFunc
	stop    func() bool // unregisters the hard stop tied to the Start context
	wg      sync.WaitGroup

	log      *slog.Logger
	now      func() time.Time
	idle     time.Duration
	write    time.Duration
	maxFrame int
}

type peerKey struct{}

// PeerAddr returns the remote address of the logger whose frame is being
// handled, for logs and dead letters; "" outside a Handler call.
func PeerAddr(ctx context.Context) string {
	s, _ := ctx.Value(peerKey{}).(string)
	return s
}

var errShuttingDown = errors.New("hj212: server shutting down")

// Start listens on Addr and serves connections in the background. Handler
// contexts derive from ctx; cancelling ctx closes the listener and every
// connection at once (Shutdown is the graceful way). Address reports the
// real address once Start returns.
func (s *Server) Start(ctx context.Context) error {
	if s.Handler == nil {
		return errors.New("hj212: Server.Handler is nil")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil || s.closing {
		return errors.New("hj212: server already started")
	}
	s.log = s.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.now = s.Now
	if s.now == nil {
		s.now = time.Now
	}
	s.idle = orDefault(s.IdleTimeout, DefaultIdleTimeout)
	s.write = orDefault(s.WriteTimeout, DefaultWriteTimeout)
	s.maxFrame = s.MaxFrameBytes
	if s.maxFrame <= 0 {
		s.maxFrame = MaxFrameLen
	}
	s.maxFrame = max(s.maxFrame, minFrameLen)

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("hj212: listen on %q: %w", s.Addr, err)
	}
	base, cancel := context.WithCancel(ctx)
	s.ln, s.cancel = ln, cancel
	s.conns = map[net.Conn]struct{}{}
	s.stop = context.AfterFunc(base, s.closeAll)
	s.wg.Add(1)
	go s.accept(base, ln)
	s.log.Info("hj212 listener started", "addr", ln.Addr().String())
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// Address returns the address the server listens on ("" before Start).
func (s *Server) Address() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Shutdown stops accepting, lets each connection finish the frame it is
// handling (so a stored frame still gets its ACK), then closes it, and
// waits for every goroutine to end. If ctx ends first it closes everything,
// cancels the handlers' context and returns ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.ln == nil {
		s.mu.Unlock()
		return nil
	}
	if !s.closing {
		s.closing = true
		s.ln.Close()
	}
	// A deadline in the past wakes readers blocked in Read without
	// touching a handler that is running; see connReader for the race.
	for c := range s.conns {
		c.SetReadDeadline(time.Unix(1, 0))
	}
	cancel, stop := s.cancel, s.stop
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	// The hard stop is run here rather than left to AfterFunc's goroutine,
	// so nothing of the server outlives Shutdown.
	stop()
	select {
	case <-done:
		cancel()
		return nil
	case <-ctx.Done():
		s.closeAll()
		cancel()
		return ctx.Err()
	}
}

// closeAll is the hard stop, run when the base context ends.
func (s *Server) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
}

func (s *Server) accept(ctx context.Context, ln net.Listener) {
	defer s.wg.Done()
	backoff := 5 * time.Millisecond
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.isClosing() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off, don't spin.
			s.log.Warn("hj212 accept failed", "err", err, "retry_in", backoff)
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		if !s.track(c) {
			c.Close()
			continue
		}
		s.wg.Add(1)
		go s.serve(ctx, c)
	}
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

func (s *Server) serve(ctx context.Context, c net.Conn) {
	defer s.wg.Done()
	defer s.untrack(c)
	peer := c.RemoteAddr().String()
	ctx = context.WithValue(ctx, peerKey{}, peer)
	log := s.log.With("peer", peer)
	log.Debug("hj212 logger connected")

	sc := bufio.NewScanner(connReader{s: s, c: c})
	sc.Buffer(make([]byte, 0, min(4096, s.maxFrame)), s.maxFrame)
	sc.Split(SplitFrames(s.maxFrame))
	for sc.Scan() {
		if s.isClosing() {
			// Not ACKed, so the logger resends it to the next instance.
			return
		}
		if err := s.handle(ctx, c, log, sc.Bytes()); err != nil {
			log.Warn("hj212 connection dropped", "err", err)
			return
		}
	}
	var ne net.Error
	switch err := sc.Err(); {
	case err == nil, errors.Is(err, errShuttingDown), s.isClosing():
		log.Debug("hj212 logger disconnected")
	case errors.As(err, &ne) && ne.Timeout():
		log.Info("hj212 logger idle, connection closed", "idle_timeout", s.idle)
	default:
		log.Warn("hj212 read failed", "err", err)
	}
}

func (s *Server) handle(ctx context.Context, c net.Conn, log *slog.Logger, tok []byte) error {
	raw := bytes.Clone(tok) // the scanner reuses its buffer; handlers may keep raw
	if !bytes.HasPrefix(raw, []byte("##")) {
		if len(bytes.TrimSpace(raw)) == 0 {
			return nil // stray line ends between frames are common and harmless
		}
		s.Handler.HandleInvalid(ctx, raw, errorf(ReasonFrameMalformed, fmt.Sprintf("%d bytes outside a frame", len(raw))))
		return nil
	}
	f, err := Decode(raw, s.Decode)
	if err != nil {
		log.Debug("hj212 invalid frame", "reason", Reason(err), "err", err)
		s.Handler.HandleInvalid(ctx, raw, err)
		return nil
	}
	if err := s.Handler.HandleFrame(ctx, f, raw); err != nil {
		log.Warn("hj212 frame not stored, no ACK sent", "mn", f.MN, "qn", f.QN, "cn", f.CN, "err", err)
		return nil
	}
	if !f.WantsAck {
		return nil
	}
	if s.write > 0 {
		if err := c.SetWriteDeadline(time.Now().Add(s.write)); err != nil {
			return fmt.Errorf("set write deadline: %w", err)
		}
	}
	if _, err := c.Write(EncodeDataAck(f, s.now())); err != nil {
		return fmt.Errorf("send ACK for QN %s: %w", f.QN, err)
	}
	return nil
}

// connReader renews the idle deadline before every read. It checks for
// shutdown under the server lock so it cannot push back the past deadline
// Shutdown has just set.
type connReader struct {
	s *Server
	c net.Conn
}

func (r connReader) Read(p []byte) (int, error) {
	r.s.mu.Lock()
	closing := r.s.closing
	var err error
	if !closing && r.s.idle > 0 {
		err = r.c.SetReadDeadline(time.Now().Add(r.s.idle))
	}
	r.s.mu.Unlock()
	if closing {
		return 0, errShuttingDown
	}
	if err != nil {
		return 0, err
	}
	return r.c.Read(p)
}
