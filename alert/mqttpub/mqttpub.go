// Package mqttpub is the MQTT side of delivery (paho): retained, QoS 1
// messages on <prefix>/warnings/{region} (the region's current warning, for
// the public) and <prefix>/units/{unit}/tasks (the unit's current checklist),
// and the units' acknowledgements read from <prefix>/units/{unit}/ack.
package mqttpub

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/aqwarn/aqwarn/alert/notify"
)

// Config of the publisher.
type Config struct {
	URL      string
	ClientID string
	Username string
	Password string
	Prefix   string // topic prefix, e.g. "aq"
	// OnAck, if set, receives each message on <prefix>/units/{unit}/ack.
	OnAck func(unit string, payload []byte)
	// OnOverwrite, if set, is told of each retained public warning that
	// something else overwrote (and the publisher re-asserted).
	OnOverwrite func(topic string)
	Logger      *slog.Logger
	// TLS configures a tls:// (ssl://) broker connection (nil: defaults).
	TLS *tls.Config
}

// Payload is what is published.
type Payload = notify.Payload

// Publisher is a connected MQTT client.
type Publisher struct {
	cfg       Config
	client    paho.Client
	log       *slog.Logger
	connected atomic.Bool

	mu       sync.Mutex
	retained map[string][]byte // public warning topic → what we last published there
}

var _ notify.Notifier = (*Publisher)(nil)

// New prepares a publisher; Connect starts it.
func New(cfg Config) *Publisher {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "aq"
	}
	p := &Publisher{cfg: cfg, log: cfg.Logger, retained: map[string][]byte{}}
	opts := paho.NewClientOptions().
		AddBroker(cfg.URL).
		SetClientID(cfg.ClientID).
		SetUsername(cfg.Username).
		SetPassword(cfg.Password).
		SetCleanSession(true).
		SetTLSConfig(cfg.TLS).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(time.Second).
		SetMaxReconnectInterval(10 * time.Second).
		SetKeepAlive(30 * time.Second).
		SetOrderMatters(false).
		SetOnConnectHandler(p.onConnect).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			p.connected.Store(false)
			p.log.Warn("mqtt publisher connection lost; reconnecting", "err", err)
		})
	p.client = paho.NewClient(opts)
	return p
}

func (p *Publisher) onConnect(c paho.Client) {
	if p.cfg.OnAck != nil {
		filter := p.cfg.Prefix + "/units/+/ack"
		tok := c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) {
			if unit, ok := UnitFromAckTopic(p.cfg.Prefix, m.Topic()); ok {
				p.cfg.OnAck(unit, m.Payload())
			}
		})
		go func() {
			if tok.WaitTimeout(10*time.Second) && tok.Error() != nil {
				p.log.Error("mqtt subscribe failed", "filter", filter, "err", tok.Error())
			}
		}()
	}
	// Watch the public warnings: the retained message a new subscriber
	// gets must be ours. (The broker's ACL should let nobody else write
	// there; this heals what it did not prevent.)
	filter := p.cfg.Prefix + "/warnings/+"
	tok := c.Subscribe(filter, 1, p.watch)
	go func() {
		if tok.WaitTimeout(10*time.Second) && tok.Error() != nil {
			p.log.Error("mqtt subscribe failed", "filter", filter, "err", tok.Error())
		}
	}()
	p.connected.Store(true)
}

// watch re-asserts a public warning that is not the one last published.
func (p *Publisher) watch(c paho.Client, m paho.Message) {
	p.mu.Lock()
	ours, known := p.retained[m.Topic()]
	p.mu.Unlock()
	if !known || bytes.Equal(ours, m.Payload()) {
		return
	}
	p.log.Warn("retained public warning overwritten by another client; publishing ours again", "topic", m.Topic(), "bytes", len(m.Payload()))
	if p.cfg.OnOverwrite != nil {
		p.cfg.OnOverwrite(m.Topic())
	}
	go func() { // not on paho's delivery goroutine, which the PUBACK needs
		tok := c.Publish(m.Topic(), 1, true, ours)
		if tok.WaitTimeout(10*time.Second) && tok.Error() != nil {
			p.log.Error("re-asserting the public warning failed", "topic", m.Topic(), "err", tok.Error())
		}
	}()
}

// Remember records what was last published on a public warning target
// before a restart (from the delivery log), so that an overwrite made
// while the service was down is noticed and healed on connect.
func (p *Publisher) Remember(d notify.Delivery) error {
	body, err := json.Marshal(notify.PayloadOf(d))
	if err != nil {
		return err
	}
	p.remember(p.cfg.Prefix+"/"+d.Channel.Target, body)
	return nil
}

func (p *Publisher) remember(topic string, body []byte) {
	if !strings.HasPrefix(topic, p.cfg.Prefix+"/warnings/") {
		return
	}
	p.mu.Lock()
	p.retained[topic] = body
	p.mu.Unlock()
}

// UnitFromAckTopic returns {unit} of <prefix>/units/{unit}/ack.
func UnitFromAckTopic(prefix, topic string) (string, bool) {
	rest, ok := strings.CutPrefix(topic, prefix+"/units/")
	if !ok {
		return "", false
	}
	unit, ok := strings.CutSuffix(rest, "/ack")
	if !ok || unit == "" || strings.Contains(unit, "/") {
		return "", false
	}
	return unit, true
}

// Connect starts connecting and waits for the first connection or ctx.
func (p *Publisher) Connect(ctx context.Context) error {
	tok := p.client.Connect()
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return err
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	for !p.Connected() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// Connected reports whether the broker connection is up.
func (p *Publisher) Connected() bool { return p.connected.Load() && p.client.IsConnectionOpen() }

// Notify publishes one delivery, retained, on prefix/<channel target>, and
// waits for the broker's PUBACK.
func (p *Publisher) Notify(ctx context.Context, d notify.Delivery) (bool, error) {
	if d.Channel.Target == "" || strings.ContainsAny(d.Channel.Target, "+#") {
		return false, fmt.Errorf("mqtt: bad topic %q", d.Channel.Target)
	}
	if !p.Connected() {
		return true, errors.New("mqtt: not connected to " + p.cfg.URL)
	}
	body, err := json.Marshal(notify.PayloadOf(d))
	if err != nil {
		return false, err
	}
	topic := p.cfg.Prefix + "/" + d.Channel.Target
	p.remember(topic, body) // before the echo of our own publish arrives
	tok := p.client.Publish(topic, 1, true, body)
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return true, fmt.Errorf("mqtt: publish %s: %w", d.Channel.Target, err)
		}
		return false, nil
	case <-ctx.Done():
		return true, ctx.Err()
	}
}

// Close disconnects.
func (p *Publisher) Close() {
	p.connected.Store(false)
	p.client.Disconnect(250)
}
