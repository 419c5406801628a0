package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// loadgen plays the stations: QoS 1 publishes over a few connections. It
// uses paho's packet codec on plain connections instead of the paho
// client: the client's per-message goroutines and channels made the load
// generator the largest user of CPU in the bench, and on a 2-core machine
// every cycle it takes is one the broker, the service and InfluxDB do
// not get. Publishes are written in batches; PUBACKs are read in bulk.
type loadgen struct {
	conns []*pubConn
}

// pubConn is one connection with at most window publishes unacknowledged.
type pubConn struct {
	c      net.Conn
	w      *bufio.Writer
	slots  chan struct{} // one token per unacknowledged publish
	nextID uint16
	sent   atomic.Int64
	acked  atomic.Int64
	done   chan struct{} // closed when the reader stops
	err    error         // why the reader stopped (read after done)
	packet packets.PublishPacket
}

func dialLoadgen(brokerURL, clientID string, conns, window int) (*loadgen, error) {
	u, err := url.Parse(brokerURL)
	if err != nil {
		return nil, err
	}
	g := &loadgen{}
	for i := range conns {
		pc, err := dialPub(u.Host, fmt.Sprintf("%s-%d", clientID, i), max(1, window/conns))
		if err != nil {
			g.close()
			return nil, err
		}
		g.conns = append(g.conns, pc)
	}
	return g, nil
}

func dialPub(addr, clientID string, window int) (*pubConn, error) {
	if window > 65535 {
		return nil, fmt.Errorf("window %d: MQTT allows 65535 publishes in flight per connection", window)
	}
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	connect := packets.NewControlPacket(packets.Connect).(*packets.ConnectPacket)
	connect.ProtocolName, connect.ProtocolVersion = "MQTT", 4
	connect.ClientIdentifier, connect.CleanSession, connect.Keepalive = clientID, true, 120
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
		return nil, fmt.Errorf("broker refused the connection: %v", p)
	}
	c.SetReadDeadline(time.Time{})
	pc := &pubConn{c: c, w: bufio.NewWriterSize(c, 64<<10), slots: make(chan struct{}, window), done: make(chan struct{})}
	pc.packet.FixedHeader = packets.FixedHeader{MessageType: packets.Publish, Qos: 1}
	go pc.read(r)
	return pc, nil
}

// read takes the broker's PUBACKs until the connection ends.
func (pc *pubConn) read(r *bufio.Reader) {
	defer close(pc.done)
	for {
		p, err := packets.ReadPacket(r)
		if err != nil {
			pc.err = err
			return
		}
		if _, ok := p.(*packets.PubackPacket); !ok {
			continue
		}
		pc.acked.Add(1)
		<-pc.slots
	}
}

// publish queues a QoS 1 publish; it flushes and waits while the window
// is full.
func (pc *pubConn) publish(topic string, payload []byte) error {
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
		case <-time.After(time.Minute):
			return errors.New("no PUBACK for a minute")
		}
	}
	pc.nextID++
	if pc.nextID == 0 {
		pc.nextID = 1
	}
	pc.packet.TopicName, pc.packet.MessageID, pc.packet.Payload = topic, pc.nextID, payload
	pc.sent.Add(1)
	return pc.packet.Write(pc.w)
}

// drain flushes and waits until every publish is acknowledged.
func (pc *pubConn) drain() error {
	if err := pc.w.Flush(); err != nil {
		return err
	}
	deadline := time.Now().Add(time.Minute)
	for pc.acked.Load() < pc.sent.Load() {
		select {
		case <-pc.done:
			return fmt.Errorf("connection lost with %d publishes unacknowledged: %v", pc.sent.Load()-pc.acked.Load(), pc.err)
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("publishes not acknowledged within a minute")
		}
	}
	return nil
}

// publishAll publishes every message on prefix/stations/{station}/readings,
// a station always on the same connection (so its readings stay in
// order), and returns once the broker has acknowledged them all.
func (g *loadgen) publishAll(ms []msg, prefix string) error {
	errs := make(chan error, len(g.conns))
	for k, pc := range g.conns {
		go func() {
			for _, m := range ms {
				if m.stationIndex%len(g.conns) != k {
					continue
				}
				if err := pc.publish(prefix+"/stations/"+m.station+"/readings", m.payload); err != nil {
					errs <- err
					return
				}
			}
			errs <- pc.drain()
		}()
	}
	var first error
	for range g.conns {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (g *loadgen) close() {
	for _, pc := range g.conns {
		pc.w.Flush()
		pc.c.Write([]byte{packets.Disconnect << 4, 0})
		pc.c.Close()
		<-pc.done
	}
}

// nullSub subscribes with QoS 1 and acknowledges every message at once,
// with paho's packet codec on a plain connection: the PUBACKs are buffered
// and written whenever the read buffer runs dry. It measures what the
// broker can forward when the subscriber costs next to nothing.
type nullSub struct {
	c    net.Conn
	got  atomic.Int64
	want int64
	all  chan struct{} // closed when want messages arrived
	sub  chan struct{} // closed at the SUBACK
	done chan struct{}
	err  error
	mu   sync.Mutex
	acks []byte // PUBACKs not yet written
}

// flushAcks writes the gathered PUBACKs every millisecond: few writes for
// the broker to read.
func (s *nullSub) flushAcks() {
	var out []byte
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		out, s.acks = s.acks, out[:0]
		s.mu.Unlock()
		if len(out) > 0 {
			if _, err := s.c.Write(out); err != nil {
				return
			}
		}
	}
}

func startNullSub(brokerURL, clientID, filter string, want int64) (*nullSub, error) {
	u, err := url.Parse(brokerURL)
	if err != nil {
		return nil, err
	}
	c, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		return nil, err
	}
	connect := packets.NewControlPacket(packets.Connect).(*packets.ConnectPacket)
	connect.ProtocolName, connect.ProtocolVersion = "MQTT", 4
	connect.ClientIdentifier, connect.CleanSession, connect.Keepalive = clientID, true, 120
	subscribe := packets.NewControlPacket(packets.Subscribe).(*packets.SubscribePacket)
	subscribe.MessageID, subscribe.Topics, subscribe.Qoss = 1, []string{filter}, []byte{1}
	w := bufio.NewWriterSize(c, 64<<10)
	if err := connect.Write(w); err != nil {
		c.Close()
		return nil, err
	}
	if err := subscribe.Write(w); err != nil {
		c.Close()
		return nil, err
	}
	if err := w.Flush(); err != nil {
		c.Close()
		return nil, err
	}
	s := &nullSub{c: c, want: want, all: make(chan struct{}), sub: make(chan struct{}), done: make(chan struct{})}
	go s.read(bufio.NewReaderSize(c, 64<<10))
	go s.flushAcks()
	select {
	case <-s.sub:
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("null subscriber: %v", s.err)
	case <-time.After(10 * time.Second):
		s.close()
		return nil, errors.New("null subscriber: no SUBACK within 10 s")
	}
}

func (s *nullSub) read(r *bufio.Reader) {
	defer close(s.done)
	for {
		p, err := packets.ReadPacket(r)
		if err != nil {
			s.err = err
			return
		}
		switch p := p.(type) {
		case *packets.SubackPacket:
			close(s.sub)
		case *packets.PublishPacket:
			s.mu.Lock()
			s.acks = append(s.acks, packets.Puback<<4, 2, byte(p.MessageID>>8), byte(p.MessageID))
			s.mu.Unlock()
			if s.got.Add(1) == s.want {
				close(s.all)
			}
		}
	}
}

func (s *nullSub) close() {
	s.c.Write([]byte{packets.Disconnect << 4, 0})
	s.c.Close()
	<-s.done
}
