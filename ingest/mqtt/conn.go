package mqtt

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// bufferedConn batches the system calls of a broker connection.
//
// Reads go through a buffer: paho reads every packet straight from the
// connection, its fixed header a byte at a time.
//
// Writes are coalesced: paho writes every packet with its own call, and at
// tens of thousands of messages a second the PUBACKs alone — one write per
// message, each a trip through the TCP stack — were the largest cost of the
// subscriber. Write appends to a buffer and wakes a flusher; the flusher
// takes whatever has gathered and writes it in one call. An idle connection
// writes a packet at once (no timer, no added delay); under load, everything
// queued while the previous write was in the kernel goes out together.
//
// A write error is returned by the next Write (paho then drops the
// connection and reconnects). Nothing is lost by reporting it late: a
// PUBACK that never reached the broker only means the broker delivers that
// message again, and a publish counts as done only on the broker's PUBACK.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader

	mu      sync.Mutex
	pending []byte
	err     error
	closing bool
	wake    chan struct{} // capacity 1: "there is something to write"
	flushed chan struct{} // closed when the flusher has stopped
}

func newBufferedConn(c net.Conn) *bufferedConn {
	bc := &bufferedConn{Conn: c, r: bufio.NewReaderSize(c, 64<<10),
		wake: make(chan struct{}, 1), flushed: make(chan struct{})}
	go bc.flush()
	return bc
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *bufferedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.err != nil || c.closing {
		err := c.err
		c.mu.Unlock()
		if err == nil {
			err = net.ErrClosed
		}
		return 0, err
	}
	c.pending = append(c.pending, p...)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default: // the flusher is already due to run
	}
	return len(p), nil
}

// flush writes what has gathered until Close; it stops at the first error.
func (c *bufferedConn) flush() {
	defer close(c.flushed)
	var out []byte
	for range c.wake {
		c.mu.Lock()
		out, c.pending = c.pending, out[:0]
		closing := c.closing
		c.mu.Unlock()
		if len(out) > 0 {
			if _, err := c.Conn.Write(out); err != nil {
				c.mu.Lock()
				c.err = err
				c.mu.Unlock()
				return
			}
		}
		// Keep a large buffer from a burst from being held for ever.
		if cap(out) > 1<<20 {
			out = nil
		}
		if closing {
			return
		}
	}
}

// Close writes what is pending (paho's DISCONNECT comes last) for up to a
// second, then closes the connection.
func (c *bufferedConn) Close() error {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return c.Conn.Close()
	}
	c.closing = true
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	select {
	case <-c.flushed:
	case <-time.After(time.Second):
	}
	return c.Conn.Close()
}

// openConnection dials tcp:// (mqtt://) and ssl:// (tls://, mqtts://)
// brokers with batched reads and writes.
func openConnection(uri *url.URL, o paho.ClientOptions) (net.Conn, error) {
	d := &net.Dialer{Timeout: o.ConnectTimeout}
	var c net.Conn
	var err error
	switch uri.Scheme {
	case "tcp", "mqtt":
		c, err = d.Dial("tcp", uri.Host)
	case "ssl", "tls", "mqtts", "tcps":
		c, err = tls.DialWithDialer(d, "tcp", uri.Host, o.TLSConfig)
	default:
		return nil, fmt.Errorf("mqtt: unsupported broker URL scheme %q (want tcp:// or ssl://)", uri.Scheme)
	}
	if err != nil {
		return nil, err
	}
	return newBufferedConn(c), nil
}
