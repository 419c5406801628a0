package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// pubConn is one MQTT 3.1.1 connection of a station account that
// publishes QoS 1 with at most window publishes unacknowledged, written
// with paho's packet codec on a plain connection (as cmd/aqbench's load
// generator): the flood goes as fast as the broker takes it, and the huge
// message is streamed from a small buffer instead of being held whole.
type pubConn struct {
	c      net.Conn
	w      *bufio.Writer
	slots  chan struct{} // one token per unacknowledged publish
	nextID uint16
	sent   atomic.Int64
	acked  atomic.Int64
	done   chan struct{} // closed when the reader stops
	err    error         // why the reader stopped (read after done)
	closed time.Time     // when the reader stopped (read after done)
	packet packets.PublishPacket
}

// dialPub connects to the broker at brokerURL (loopback only) as user.
func dialPub(ctx context.Context, brokerURL, clientID, user, password string, window int) (*pubConn, error) {
	if window < 1 || window > 65535 {
		return nil, fmt.Errorf("window %d: MQTT allows 1 to 65535 publishes in flight per connection", window)
	}
	u, err := url.Parse(brokerURL)
	if err != nil {
		return nil, err
	}
	if err := loopbackOnly(u.Host); err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	c, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	connect := packets.NewControlPacket(packets.Connect).(*packets.ConnectPacket)
	connect.ProtocolName, connect.ProtocolVersion = "MQTT", 4
	connect.ClientIdentifier, connect.CleanSession, connect.Keepalive = clientID, true, 300
	connect.UsernameFlag, connect.Username = true, user
	connect.PasswordFlag, connect.Password = true, []byte(password)
	if err := connect.Write(c); err != nil {
		c.Close()
		return nil, err
	}
	r := bufio.NewReaderSize(c, 64<<10)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	p, err := packets.ReadPacket(r)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("CONNACK: %w", err)
	}
	if ack, ok := p.(*packets.ConnackPacket); !ok || ack.ReturnCode != 0 {
		c.Close()
		return nil, fmt.Errorf("broker refused %s: %v", user, p)
	}
	c.SetReadDeadline(time.Time{})
	pc := &pubConn{c: c, w: bufio.NewWriterSize(c, 64<<10), slots: make(chan struct{}, window), done: make(chan struct{})}
	pc.packet.FixedHeader = packets.FixedHeader{MessageType: packets.Publish, Qos: 1}
	go pc.read(r)
	return pc, nil
}

func loopbackOnly(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address: aqflood attacks 127.0.0.1 only", hostport)
	}
	return nil
}

// read takes the broker's PUBACKs until the connection ends.
func (pc *pubConn) read(r *bufio.Reader) {
	defer close(pc.done)
	for {
		p, err := packets.ReadPacket(r)
		if err != nil {
			pc.err, pc.closed = err, time.Now()
			return
		}
		if _, ok := p.(*packets.PubackPacket); !ok {
			continue
		}
		pc.acked.Add(1)
		<-pc.slots
	}
}

func (pc *pubConn) id() uint16 {
	pc.nextID++
	if pc.nextID == 0 {
		pc.nextID = 1
	}
	return pc.nextID
}

// publish queues a QoS 1 publish; it flushes and waits while the window
// is full.
func (pc *pubConn) publish(ctx context.Context, topic string, payload []byte) error {
	select {
	case pc.slots <- struct{}{}:
	default:
		if err := pc.w.Flush(); err != nil {
			return err
		}
		select {
		case pc.slots <- struct{}{}:
		case <-pc.done:
			return fmt.Errorf("connection lost: %v", pc.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Minute):
			return errors.New("no PUBACK for a minute")
		}
	}
	pc.packet.TopicName, pc.packet.MessageID, pc.packet.Payload = topic, pc.id(), payload
	pc.sent.Add(1)
	return pc.packet.Write(pc.w)
}

// drain flushes and waits until every publish is acknowledged.
func (pc *pubConn) drain(ctx context.Context) error {
	if err := pc.w.Flush(); err != nil {
		return err
	}
	deadline := time.Now().Add(time.Minute)
	for pc.acked.Load() < pc.sent.Load() {
		select {
		case <-pc.done:
			return fmt.Errorf("connection lost with %d publishes unacknowledged: %v", pc.sent.Load()-pc.acked.Load(), pc.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("publishes not acknowledged within a minute")
		}
	}
	return nil
}

// hugeResult is what happened to one streamed message.
type hugeResult struct {
	size     int64
	written  int64         // payload bytes the broker took before it closed
	writeErr error         // why writing stopped early (nil: all written)
	acked    bool          // the broker acknowledged it
	connEnd  error         // how the connection ended (nil: still open)
	took     time.Duration // from the first byte to the ack or the close
}

// publishHuge streams one QoS 1 publish of size bytes of chunk's bytes
// repeated (the packet header announces the whole length at once, as a
// real client would), then waits up to wait for the PUBACK or the broker
// closing the connection.
func (pc *pubConn) publishHuge(ctx context.Context, topic string, size int64, chunk []byte, wait time.Duration, progress func(written int64)) hugeResult {
	res := hugeResult{size: size}
	const maxRemaining = 268_435_455 // MQTT's largest remaining length
	remaining := int64(2+len(topic)+2) + size
	if remaining > maxRemaining {
		res.writeErr = fmt.Errorf("%d bytes: MQTT cannot carry more than %d in one packet", size, maxRemaining-int64(4+len(topic)))
		return res
	}
	if err := pc.w.Flush(); err != nil {
		res.writeErr = err
		return res
	}
	hdr := []byte{packets.Publish<<4 | 1<<1} // PUBLISH, QoS 1
	for n := remaining; ; {
		b := byte(n % 128)
		n /= 128
		if n > 0 {
			b |= 0x80
		}
		hdr = append(hdr, b)
		if n == 0 {
			break
		}
	}
	select {
	case pc.slots <- struct{}{}:
	default:
		res.writeErr = errors.New("publishes in flight: drain before a huge message")
		return res
	}
	pc.sent.Add(1)
	id := pc.id()
	hdr = append(hdr, byte(len(topic)>>8), byte(len(topic)))
	hdr = append(hdr, topic...)
	hdr = append(hdr, byte(id>>8), byte(id))
	start := time.Now()
	stop := context.AfterFunc(ctx, func() { pc.c.SetWriteDeadline(time.Now()) })
	defer stop()
	acked0 := pc.acked.Load()
	if _, err := pc.c.Write(hdr); err != nil {
		res.writeErr = err
	}
	lastProgress := time.Now()
	for res.writeErr == nil && res.written < size {
		b := chunk
		if rest := size - res.written; rest < int64(len(b)) {
			b = b[:rest]
		}
		pc.c.SetWriteDeadline(time.Now().Add(30 * time.Second))
		n, err := pc.c.Write(b)
		res.written += int64(n)
		if err != nil {
			res.writeErr = err
		}
		if progress != nil && time.Since(lastProgress) > time.Second {
			progress(res.written)
			lastProgress = time.Now()
		}
	}
	pc.c.SetWriteDeadline(time.Time{})
	deadline := time.After(wait)
	for {
		if pc.acked.Load() > acked0 {
			res.acked, res.took = true, time.Since(start)
			return res
		}
		select {
		case <-pc.done:
			res.connEnd, res.took = pc.err, pc.closed.Sub(start)
			return res
		case <-deadline:
			res.took = time.Since(start)
			return res
		case <-ctx.Done():
			res.took = time.Since(start)
			return res
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func (pc *pubConn) close() {
	pc.w.Flush()
	pc.c.SetWriteDeadline(time.Now().Add(time.Second))
	pc.c.Write([]byte{packets.Disconnect << 4, 0})
	pc.c.Close()
	<-pc.done
}
