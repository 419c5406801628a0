package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mochi-mqtt/server/v2/listeners"
)

// tcpListener is the embedded broker's TCP listener. Unlike mochi's own,
// an accept error (too many open files during a flood, audit H3) does not
// end it: it backs off and accepts again, so the broker comes back when
// the flood is over; and it holds at most maxConns connections.
type tcpListener struct {
	id, address string
	maxConns    int
	listen      net.Listener
	log         *slog.Logger
	end         atomic.Bool
	open        atomic.Int64

	mu       sync.Mutex
	lastWarn time.Time
	conns    map[net.Conn]struct{} // the open connections, closed at Close (under mu)
	// accept is net.Listener.Accept, replaceable in tests.
	accept func() (net.Conn, error)
}

func newTCPListener(id, address string, maxConns int) *tcpListener {
	return &tcpListener{id: id, address: address, maxConns: maxConns}
}

func (l *tcpListener) ID() string       { return l.id }
func (l *tcpListener) Protocol() string { return "tcp" }

func (l *tcpListener) Address() string {
	if l.listen != nil {
		return l.listen.Addr().String()
	}
	return l.address
}

func (l *tcpListener) Init(log *slog.Logger) error {
	l.log = log
	ln, err := net.Listen("tcp", l.address)
	if err != nil {
		return err
	}
	l.listen = ln
	l.mu.Lock()
	if l.accept == nil {
		l.accept = ln.Accept
	}
	l.mu.Unlock()
	return nil
}

func (l *tcpListener) Serve(establish listeners.EstablishFn) {
	pause := 5 * time.Millisecond
	for !l.end.Load() {
		l.mu.Lock()
		accept := l.accept
		l.mu.Unlock()
		conn, err := accept()
		if err != nil {
			if l.end.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			l.warn("embedded broker: accept failed; retrying", err)
			time.Sleep(pause)
			pause = min(2*pause, time.Second)
			continue
		}
		pause = 5 * time.Millisecond
		if l.maxConns > 0 && l.open.Load() >= int64(l.maxConns) {
			conn.Close()
			l.warn("embedded broker: connection refused", fmt.Errorf("%d connections open (the cap)", l.maxConns))
			continue
		}
		if !l.track(conn) {
			conn.Close() // accepted as the listener closed
			return
		}
		l.open.Add(1)
		go func() {
			defer l.open.Add(-1)
			defer l.untrack(conn)
			if err := establish(l.id, conn); err != nil && l.log != nil {
				l.log.Debug("mqtt client ended", "err", err)
			}
		}()
	}
}

// warn logs at most once a second.
func (l *tcpListener) warn(msg string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.log != nil && time.Since(l.lastWarn) >= time.Second {
		l.lastWarn = time.Now()
		l.log.Warn(msg, "addr", l.Address(), "err", err)
	}
}

// track remembers an accepted connection; false once the listener is
// closing.
func (l *tcpListener) track(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.end.Load() {
		return false
	}
	if l.conns == nil {
		l.conns = map[net.Conn]struct{}{}
	}
	l.conns[c] = struct{}{}
	return true
}

func (l *tcpListener) untrack(c net.Conn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

// Close stops accepting, disconnects the broker's clients of this
// listener, then closes every connection still open: one accepted while
// the broker was closing is not yet a client the broker knows, and the
// broker's Close would wait for it forever.
func (l *tcpListener) Close(closeClients listeners.CloseFn) {
	first := false
	l.mu.Lock()
	first = l.end.CompareAndSwap(false, true)
	l.mu.Unlock()
	if l.listen != nil {
		l.listen.Close()
	}
	if !first {
		return
	}
	closeClients(l.id)
	l.mu.Lock()
	for c := range l.conns {
		c.Close()
	}
	l.mu.Unlock()
}
