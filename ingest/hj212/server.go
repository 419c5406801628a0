package hj212

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Handler receives what data loggers send. Ingest implements it.
type Handler interface {
	// HandleFrame is called for every frame that decodes. Returning nil
	// promises the reading is durable (or its rejection kept) and that the
	// sender proved who it is; only then does the server send the ACK the
	// logger asked for. On error no ACK is sent and the logger, following
	// HJ 212, sends the frame again later. The error wraps
	// ErrUnauthenticated when the frame's MN or PW did not check out and
	// ErrBlocked when the sender is locked out (the server then closes the
	// connection); see those for what the server makes of them.
	HandleFrame(ctx context.Context, f Frame, raw []byte) error
	// HandleInvalid receives bytes that are not a valid frame, with an
	// *Error whose Reason says why, so they can be counted and kept.
	HandleInvalid(ctx context.Context, raw []byte, err error)
}

// Defaults used when the Server field is zero.
const (
	// DefaultIdleTimeout is longer than an hour because loggers that only
	// send hourly data (CN 2061) keep their connection open between frames.
	// It applies once a connection has sent an authenticated frame.
	DefaultIdleTimeout  = 75 * time.Minute
	DefaultWriteTimeout = 30 * time.Second
	// DefaultFirstFrameTimeout is how long a new connection has to send
	// its first authenticated frame. Loggers send as soon as they connect.
	DefaultFirstFrameTimeout = 2 * time.Minute
	// DefaultFrameTimeout is how long a frame, once its first byte has
	// arrived, may take to arrive whole. A 10 kB frame needs under 10 s at
	// 9600 baud.
	DefaultFrameTimeout = 30 * time.Second
	// DefaultMaxConns is the least connection cap; see Server.MaxConns.
	DefaultMaxConns = 64
	// DefaultMaxConnsPerIP leaves room for a few loggers behind one NAT.
	DefaultMaxConnsPerIP = 8
)

// Why a connection was refused or closed early; the labels of the
// server's metrics and the fields of Stats.
const (
	RefusedMaxConns      = "max_conns"
	RefusedMaxConnsPerIP = "max_conns_per_ip"

	ClosedFirstFrame = "first_frame_timeout"
	ClosedFrame      = "frame_timeout"
	ClosedIdle       = "idle_timeout"
	ClosedBlocked    = "blocked"
)

// logEvery is the most often a flood of one kind (refused connections,
// accept errors) is logged; the lines in between are counted in the next.
const logEvery = time.Minute

// Accept errors (out of file descriptors and the like) are retried after
// a pause growing from minBackoff to maxBackoff, never given up on.
const (
	minBackoff = 5 * time.Millisecond
	maxBackoff = time.Second
)

// Server is the TCP listener data loggers connect to. A connection may carry
// any number of frames, split across reads or glued together; each is
// decoded, handed to Handler and, when the handler made it durable and the
// logger asked for it, acknowledged on the same connection. Frames on one
// connection are handled in order, one at a time.
//
// The listener is exposed to whoever can reach the port, so it bounds what
// a peer can hold: connections in total and per peer address (over a cap a
// new connection is closed at once), the time until a connection's first
// authenticated frame, the time one frame may take to arrive, and the
// bytes of one frame. Whether a frame is authenticated is the Handler's
// word (ErrUnauthenticated); this package knows nothing of stations.
type Server struct {
	Addr    string // host:port; ":0" picks a free port, see Address
	Handler Handler
	Logger  *slog.Logger     // nil: discard
	Decode  DecodeOptions    // passed to Decode for every frame
	Now     func() time.Time // clock for ACKs to loggers that sent no QN; nil: time.Now
	// Registerer, when set, gets the aqwarn_hj212_connections_* metrics
	// (the figures of Stats).
	Registerer prometheus.Registerer

	// MaxConns caps the connections served at once (0: the larger of
	// DefaultMaxConns and 4 × ExpectedLoggers; negative: no cap).
	MaxConns int
	// ExpectedLoggers is how many loggers may connect (the registered
	// stations), to size the default MaxConns.
	ExpectedLoggers int
	// MaxConnsPerIP caps the connections from one peer address: one IPv4
	// address or one IPv6 /64, see PeerKey (0: DefaultMaxConnsPerIP;
	// negative: no cap).
	MaxConnsPerIP int

	// FirstFrameTimeout closes a connection that has not sent an
	// authenticated frame this long after it was accepted (0:
	// DefaultFirstFrameTimeout, negative: never).
	FirstFrameTimeout time.Duration
	// FrameTimeout closes a connection whose frame (or burst of noise) has
	// not arrived whole this long after its first byte (0:
	// DefaultFrameTimeout, negative: never), so a peer trickling one byte
	// at a time holds nothing for long.
	FrameTimeout time.Duration
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
	conns   map[*conn]struct{}
	perPeer map[string]int // open connections by PeerKey
	closing bool
	cancel  context.CancelFunc
	stop    func() bool // unregisters the hard stop tied to the Start context
	wg      sync.WaitGroup

	log        *slog.Logger
	now        func() time.Time
	idle       time.Duration
	first      time.Duration
	frame      time.Duration
	write      time.Duration
	maxFrame   int
	maxConns   int
	maxPerIP   int
	stats      counters
	listenHook func(net.Listener) net.Listener // tests wrap the listener here
}

// Stats are the server's counts since Start.
type Stats struct {
	Open         int    // connections being served now
	Accepted     uint64 // connections admitted
	RefusedTotal uint64 // closed at once: MaxConns reached
	RefusedPerIP uint64 // closed at once: MaxConnsPerIP reached
	AcceptErrors uint64 // failed Accept calls, each retried

	ClosedFirstFrame uint64 // no authenticated frame within FirstFrameTimeout
	ClosedFrame      uint64 // a frame not whole within FrameTimeout
	ClosedIdle       uint64 // nothing received for IdleTimeout
	ClosedBlocked    uint64 // the Handler said the sender is blocked
}

type counters struct {
	accepted, refusedTotal, refusedPerIP, acceptErrors       atomic.Uint64
	closedFirstFrame, closedFrame, closedIdle, closedBlocked atomic.Uint64
}

// Stats returns the server's counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	open := len(s.conns)
	s.mu.Unlock()
	c := &s.stats
	return Stats{Open: open, Accepted: c.accepted.Load(), RefusedTotal: c.refusedTotal.Load(),
		RefusedPerIP: c.refusedPerIP.Load(), AcceptErrors: c.acceptErrors.Load(),
		ClosedFirstFrame: c.closedFirstFrame.Load(), ClosedFrame: c.closedFrame.Load(),
		ClosedIdle: c.closedIdle.Load(), ClosedBlocked: c.closedBlocked.Load()}
}

type peerKey struct{}

// PeerAddr returns the remote address of the logger whose frame is being
// handled, for logs and dead letters; "" outside a Handler call.
func PeerAddr(ctx context.Context) string {
	s, _ := ctx.Value(peerKey{}).(string)
	return s
}

// PeerKey groups remote addresses (host:port) the way MaxConnsPerIP counts
// them, for handlers that count failures per peer: the IP of an IPv4 peer,
// the /64 of an IPv6 one (a single host commonly holds a whole /64). An
// address that does not parse is its own key.
func PeerKey(addr string) string {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return addr
	}
	ip := ap.Addr().Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
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
	s.first = orDefault(s.FirstFrameTimeout, DefaultFirstFrameTimeout)
	s.frame = orDefault(s.FrameTimeout, DefaultFrameTimeout)
	s.write = orDefault(s.WriteTimeout, DefaultWriteTimeout)
	s.maxFrame = s.MaxFrameBytes
	if s.maxFrame <= 0 {
		s.maxFrame = MaxFrameLen
	}
	s.maxFrame = max(s.maxFrame, minFrameLen)
	s.maxConns = capOrDefault(s.MaxConns, max(DefaultMaxConns, 4*s.ExpectedLoggers))
	s.maxPerIP = capOrDefault(s.MaxConnsPerIP, DefaultMaxConnsPerIP)
	if s.Registerer != nil {
		if err := s.register(s.Registerer); err != nil {
			return fmt.Errorf("hj212: metrics: %w", err)
		}
	}

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("hj212: listen on %q: %w", s.Addr, err)
	}
	if s.listenHook != nil {
		ln = s.listenHook(ln)
	}
	base, cancel := context.WithCancel(ctx)
	s.ln, s.cancel = ln, cancel
	s.conns = map[*conn]struct{}{}
	s.perPeer = map[string]int{}
	s.stop = context.AfterFunc(base, s.closeAll)
	s.wg.Add(1)
	go s.accept(base, ln)
	s.log.Info("hj212 listener started", "addr", ln.Addr().String(), "max_conns", s.maxConns,
		"max_conns_per_ip", s.maxPerIP, "first_frame_timeout", s.first, "frame_timeout", s.frame, "idle_timeout", s.idle)
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

// capOrDefault is orDefault for counts: 0 takes def, negative means none (0).
func capOrDefault(n, def int) int {
	switch {
	case n == 0:
		return def
	case n < 0:
		return 0
	}
	return n
}

func (s *Server) register(reg prometheus.Registerer) error {
	c := &s.stats
	count := func(name, help, label, value string, v *atomic.Uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help,
			ConstLabels: prometheus.Labels{label: value}}, func() float64 { return float64(v.Load()) })
	}
	const refused = "HJ 212 connections closed at once because a connection cap was reached, by cap."
	const closed = "HJ 212 connections closed by the listener before the peer closed them, by reason."
	cs := []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "aqwarn_hj212_connections_open",
			Help: "HJ 212 connections being served."}, func() float64 { return float64(s.Stats().Open) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "aqwarn_hj212_connections_accepted_total",
			Help: "HJ 212 connections admitted."}, func() float64 { return float64(c.accepted.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "aqwarn_hj212_accept_errors_total",
			Help: "Failed accepts on the HJ 212 listener (e.g. out of file descriptors), each retried."},
			func() float64 { return float64(c.acceptErrors.Load()) }),
		count("aqwarn_hj212_connections_refused_total", refused, "cap", RefusedMaxConns, &c.refusedTotal),
		count("aqwarn_hj212_connections_refused_total", refused, "cap", RefusedMaxConnsPerIP, &c.refusedPerIP),
		count("aqwarn_hj212_connections_closed_total", closed, "reason", ClosedFirstFrame, &c.closedFirstFrame),
		count("aqwarn_hj212_connections_closed_total", closed, "reason", ClosedFrame, &c.closedFrame),
		count("aqwarn_hj212_connections_closed_total", closed, "reason", ClosedIdle, &c.closedIdle),
		count("aqwarn_hj212_connections_closed_total", closed, "reason", ClosedBlocked, &c.closedBlocked),
	}
	for _, col := range cs {
		if err := reg.Register(col); err != nil {
			return err
		}
	}
	return nil
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

// accept admits connections until the listener is closed. It is the only
// goroutine that sees a refused connection: closing it here, at once,
// means a flood costs no goroutine and holds no descriptor.
func (s *Server) accept(ctx context.Context, ln net.Listener) {
	defer s.wg.Done()
	backoff := minBackoff
	var errLog, refusedLog every
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosing() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off and retry;
			// the listener never gives up while the server runs.
			s.stats.acceptErrors.Add(1)
			if held, ok := errLog.tick(time.Now()); ok {
				s.log.Warn("hj212 accept failed, retrying", "err", err, "retry_in", backoff, "failures_not_logged", held)
			}
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
		c, refused := s.admit(nc)
		if c == nil {
			nc.Close()
			if refused != "" {
				if held, ok := refusedLog.tick(time.Now()); ok {
					s.log.Warn("hj212 connection refused: cap reached", "cap", refused, "peer", nc.RemoteAddr().String(),
						"max_conns", s.maxConns, "max_conns_per_ip", s.maxPerIP, "refusals_not_logged", held)
				}
			}
			continue
		}
		s.wg.Add(1)
		go s.serve(ctx, c)
	}
}

// every lets one event through per logEvery and counts those it held back.
type every struct {
	last time.Time
	held int
}

func (e *every) tick(now time.Time) (held int, ok bool) {
	if !e.last.IsZero() && now.Sub(e.last) < logEvery {
		e.held++
		return 0, false
	}
	held, e.held, e.last = e.held, 0, now
	return held, true
}

// conn is one served connection and the state its deadlines depend on.
// Apart from the immutable key, only the goroutine serving it touches it.
type conn struct {
	net.Conn
	key     string    // PeerKey of the remote address
	authBy  time.Time // the first authenticated frame is due by then (zero: no limit)
	authed  bool      // an authenticated frame has arrived
	partial time.Time // when the token being received began to arrive (zero: none)
	limit   string    // which limit the read deadline last set is (a Closed… reason)
}

// admit registers a new connection, or says which cap refuses it ("" when
// the server is closing).
func (s *Server) admit(nc net.Conn) (*conn, string) {
	key := PeerKey(nc.RemoteAddr().String())
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		return nil, ""
	case s.maxConns > 0 && len(s.conns) >= s.maxConns:
		s.stats.refusedTotal.Add(1)
		return nil, RefusedMaxConns
	case s.maxPerIP > 0 && s.perPeer[key] >= s.maxPerIP:
		s.stats.refusedPerIP.Add(1)
		return nil, RefusedMaxConnsPerIP
	}
	c := &conn{Conn: nc, key: key}
	if s.first > 0 {
		c.authBy = time.Now().Add(s.first)
	}
	s.conns[c] = struct{}{}
	s.perPeer[key]++
	s.stats.accepted.Add(1)
	return c, ""
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	if s.perPeer[c.key]--; s.perPeer[c.key] <= 0 {
		delete(s.perPeer, c.key)
	}
	s.mu.Unlock()
	c.Close()
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

func (s *Server) serve(ctx context.Context, c *conn) {
	defer s.wg.Done()
	defer s.untrack(c)
	peer := c.RemoteAddr().String()
	ctx = context.WithValue(ctx, peerKey{}, peer)
	log := s.log.With("peer", peer)
	log.Debug("hj212 logger connected")

	sc := bufio.NewScanner(connReader{s: s, c: c})
	sc.Buffer(make([]byte, 0, min(4096, s.maxFrame)), s.maxFrame)
	sc.Split(c.tracking(SplitFrames(s.maxFrame)))
	for sc.Scan() {
		if s.isClosing() {
			// Not ACKed, so the logger resends it to the next instance.
			return
		}
		if err := s.handle(ctx, c, log, sc.Bytes()); err != nil {
			if errors.Is(err, ErrBlocked) {
				s.stats.closedBlocked.Add(1)
				log.Debug("hj212 sender blocked, connection closed")
			} else {
				log.Warn("hj212 connection dropped", "err", err)
			}
			return
		}
	}
	var ne net.Error
	switch err := sc.Err(); {
	case err == nil, errors.Is(err, errShuttingDown), s.isClosing():
		log.Debug("hj212 logger disconnected")
	case errors.As(err, &ne) && ne.Timeout():
		// Unauthenticated peers are cut off quietly (counted): logging
		// each would let a flood of them fill the log.
		switch c.limit {
		case ClosedFirstFrame:
			s.stats.closedFirstFrame.Add(1)
			log.Debug("hj212 no authenticated frame in time, connection closed", "first_frame_timeout", s.first)
		case ClosedFrame:
			s.stats.closedFrame.Add(1)
			log.Debug("hj212 frame not complete in time, connection closed", "frame_timeout", s.frame, "authenticated", c.authed)
		default:
			s.stats.closedIdle.Add(1)
			if c.authed {
				log.Info("hj212 logger idle, connection closed", "idle_timeout", s.idle)
			} else {
				log.Debug("hj212 peer idle, connection closed", "idle_timeout", s.idle)
			}
		}
	default:
		log.Warn("hj212 read failed", "err", err)
	}
}

// tracking wraps the splitter to note when the bytes of an unfinished
// token began to arrive, for the frame deadline. Whitespace alone is not
// the start of a frame: loggers often send a spare line end after one.
func (c *conn) tracking(split bufio.SplitFunc) bufio.SplitFunc {
	return func(data []byte, atEOF bool) (int, []byte, error) {
		advance, tok, err := split(data, atEOF)
		switch {
		case advance > 0 || tok != nil:
			c.partial = time.Time{} // what is left is judged on the next call
		case c.partial.IsZero() && len(bytes.TrimSpace(data)) > 0:
			c.partial = time.Now()
		}
		return advance, tok, err
	}
}

func (s *Server) handle(ctx context.Context, c *conn, log *slog.Logger, tok []byte) error {
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
	// Every failure gets the same answer, none: the peer cannot tell a
	// wrong password from an unknown MN or a bad CRC.
	switch err := s.Handler.HandleFrame(ctx, f, raw); {
	case errors.Is(err, ErrBlocked):
		return err
	case errors.Is(err, ErrUnauthenticated):
		log.Debug("hj212 frame not authenticated, no ACK sent", "mn", f.MN, "qn", f.QN)
		return nil
	case err != nil:
		c.authed = true
		log.Warn("hj212 frame not stored, no ACK sent", "mn", f.MN, "qn", f.QN, "cn", f.CN, "err", err)
		return nil
	}
	c.authed = true
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

// connReader sets the read deadline before every read: the earliest of
// the idle timeout, the first-frame deadline (until a frame authenticated)
// and the deadline of the frame being received. It checks for shutdown
// under the server lock so it cannot push back the past deadline Shutdown
// has just set.
type connReader struct {
	s *Server
	c *conn
}

func (r connReader) Read(p []byte) (int, error) {
	r.s.mu.Lock()
	closing := r.s.closing
	var err error
	if !closing {
		err = r.c.SetReadDeadline(r.s.readDeadline(r.c, time.Now()))
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

// readDeadline returns the deadline for the next read (zero: none) and
// notes in c which limit it is.
func (s *Server) readDeadline(c *conn, now time.Time) time.Time {
	var dl time.Time
	c.limit = ""
	earlier := func(t time.Time, why string) {
		if dl.IsZero() || t.Before(dl) {
			dl, c.limit = t, why
		}
	}
	if s.idle > 0 {
		earlier(now.Add(s.idle), ClosedIdle)
	}
	if !c.authed && !c.authBy.IsZero() {
		earlier(c.authBy, ClosedFirstFrame)
	}
	if s.frame > 0 && !c.partial.IsZero() {
		earlier(c.partial.Add(s.frame), ClosedFrame)
	}
	return dl
}
