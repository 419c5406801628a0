package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aqwarn/aqwarn/internal/mqttload"
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
type pubConn struct{ *mqttload.Conn }

func dialLoadgen(brokerURL, clientID string, conns, window int) (*loadgen, error) {
	u, err := url.Parse(brokerURL)
	if err != nil {
		return nil, err
	}
	g := &loadgen{}
	for i := range conns {
		c, err := mqttload.Dial(context.Background(), u.Host, mqttload.Login{ClientID: fmt.Sprintf("%s-%d", clientID, i)}, max(1, window/conns))
		pc := &pubConn{c}
		if err != nil {
			g.close()
			return nil, err
		}
		g.conns = append(g.conns, pc)
	}
	return g, nil
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
				if err := pc.Publish(context.Background(), prefix+"/stations/"+m.station+"/readings", m.payload); err != nil {
					errs <- err
					return
				}
			}
			errs <- pc.Drain(context.Background())
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
		pc.Close()
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
