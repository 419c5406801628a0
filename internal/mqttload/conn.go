// Package mqttload is the load tools' MQTT publisher (cmd/aqbench,
// cmd/aqflood): QoS 1 publishes written with paho's packet codec on a plain
// connection, at most a window of them unacknowledged, PUBACKs read in
// bulk. The paho client's per-message goroutines and channels made the
// load generator the largest user of CPU on a 2-core machine; every cycle
// it takes is one the broker and the service under test do not get.
package mqttload

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// Conn is one MQTT 3.1.1 connection.
type Conn struct {
	C      net.Conn
	W      *bufio.Writer
	Slots  chan struct{} // one token per unacknowledged publish
	Sent   atomic.Int64
	Acked  atomic.Int64
	Done   chan struct{} // closed when the reader stops
	Err    error         // why the reader stopped (read after Done)
	Closed time.Time     // when the reader stopped (read after Done)

	nextID uint16
	packet packets.PublishPacket
}

// Login is who connects (empty username: anonymous).
type Login struct {
	ClientID, Username, Password string
	Keepalive                    uint16 // seconds; 0: 120
}

// Dial connects to addr (host:port) with at most window publishes in flight.
func Dial(ctx context.Context, addr string, l Login, window int) (*Conn, error) {
	if window < 1 || window > 65535 {
		return nil, fmt.Errorf("window %d: MQTT allows 1 to 65535 publishes in flight per connection", window)
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	connect := packets.NewControlPacket(packets.Connect).(*packets.ConnectPacket)
	connect.ProtocolName, connect.ProtocolVersion = "MQTT", 4
	connect.ClientIdentifier, connect.CleanSession, connect.Keepalive = l.ClientID, true, l.Keepalive
	if connect.Keepalive == 0 {
		connect.Keepalive = 120
	}
	if l.Username != "" {
		connect.UsernameFlag, connect.Username = true, l.Username
		connect.PasswordFlag, connect.Password = true, []byte(l.Password)
	}
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
		return nil, fmt.Errorf("the broker refused %q: %v", l.Username, p)
	}
	c.SetReadDeadline(time.Time{})
	pc := &Conn{C: c, W: bufio.NewWriterSize(c, 64<<10), Slots: make(chan struct{}, window), Done: make(chan struct{})}
	pc.packet.FixedHeader = packets.FixedHeader{MessageType: packets.Publish, Qos: 1}
	go pc.read(r)
	return pc, nil
}

// read takes the broker's PUBACKs until the connection ends.
func (pc *Conn) read(r *bufio.Reader) {
	defer close(pc.Done)
	for {
		p, err := packets.ReadPacket(r)
		if err != nil {
			pc.Err, pc.Closed = err, time.Now()
			return
		}
		if _, ok := p.(*packets.PubackPacket); !ok {
			continue
		}
		pc.Acked.Add(1)
		<-pc.Slots
	}
}

// NextID is the next packet identifier (never 0).
func (pc *Conn) NextID() uint16 {
	pc.nextID++
	if pc.nextID == 0 {
		pc.nextID = 1
	}
	return pc.nextID
}

// Publish queues a QoS 1 publish; it flushes and waits while the window is
// full.
func (pc *Conn) Publish(ctx context.Context, topic string, payload []byte) error {
	select {
	case pc.Slots <- struct{}{}:
	default:
		if err := pc.W.Flush(); err != nil {
			return err
		}
		select {
		case pc.Slots <- struct{}{}:
		case <-pc.Done:
			return fmt.Errorf("connection lost: %v", pc.Err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Minute):
			return errors.New("no PUBACK for a minute")
		}
	}
	pc.packet.TopicName, pc.packet.MessageID, pc.packet.Payload = topic, pc.NextID(), payload
	pc.Sent.Add(1)
	return pc.packet.Write(pc.W)
}

// Drain flushes and waits until every publish is acknowledged.
func (pc *Conn) Drain(ctx context.Context) error {
	if err := pc.W.Flush(); err != nil {
		return err
	}
	deadline := time.Now().Add(time.Minute)
	for pc.Acked.Load() < pc.Sent.Load() {
		select {
		case <-pc.Done:
			return fmt.Errorf("connection lost with %d publishes unacknowledged: %v", pc.Sent.Load()-pc.Acked.Load(), pc.Err)
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

// Close disconnects and waits for the reader.
func (pc *Conn) Close() {
	pc.W.Flush()
	pc.C.SetWriteDeadline(time.Now().Add(time.Second))
	pc.C.Write([]byte{packets.Disconnect << 4, 0})
	pc.C.Close()
	<-pc.Done
}
