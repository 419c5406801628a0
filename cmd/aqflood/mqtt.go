package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/aqwarn/aqwarn/internal/mqttload"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// pubConn is one MQTT 3.1.1 connection of a station account that
// publishes QoS 1 with at most window publishes unacknowledged
// (internal/mqttload, as cmd/aqbench's load generator): the flood goes as
// fast as the broker takes it, and the huge message is streamed from a
// small buffer instead of being held whole.
type pubConn struct{ *mqttload.Conn }

// dialPub connects to the broker at brokerURL (loopback only) as user.
func dialPub(ctx context.Context, brokerURL, clientID, user, password string, window int) (*pubConn, error) {
	u, err := url.Parse(brokerURL)
	if err != nil {
		return nil, err
	}
	if err := loopbackOnly(u.Host); err != nil {
		return nil, err
	}
	c, err := mqttload.Dial(ctx, u.Host, mqttload.Login{ClientID: clientID, Username: user, Password: password, Keepalive: 300}, window)
	if err != nil {
		return nil, err
	}
	return &pubConn{c}, nil
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
	if err := pc.W.Flush(); err != nil {
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
	case pc.Slots <- struct{}{}:
	default:
		res.writeErr = errors.New("publishes in flight: drain before a huge message")
		return res
	}
	pc.Sent.Add(1)
	id := pc.NextID()
	hdr = append(hdr, byte(len(topic)>>8), byte(len(topic)))
	hdr = append(hdr, topic...)
	hdr = append(hdr, byte(id>>8), byte(id))
	start := time.Now()
	stop := context.AfterFunc(ctx, func() { pc.C.SetWriteDeadline(time.Now()) })
	defer stop()
	acked0 := pc.Acked.Load()
	if _, err := pc.C.Write(hdr); err != nil {
		res.writeErr = err
	}
	lastProgress := time.Now()
	for res.writeErr == nil && res.written < size {
		b := chunk
		if rest := size - res.written; rest < int64(len(b)) {
			b = b[:rest]
		}
		pc.C.SetWriteDeadline(time.Now().Add(30 * time.Second))
		n, err := pc.C.Write(b)
		res.written += int64(n)
		if err != nil {
			res.writeErr = err
		}
		if progress != nil && time.Since(lastProgress) > time.Second {
			progress(res.written)
			lastProgress = time.Now()
		}
	}
	pc.C.SetWriteDeadline(time.Time{})
	deadline := time.After(wait)
	for {
		if pc.Acked.Load() > acked0 {
			res.acked, res.took = true, time.Since(start)
			return res
		}
		select {
		case <-pc.Done:
			res.connEnd, res.took = pc.Err, pc.Closed.Sub(start)
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
