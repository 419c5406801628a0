// Package mqtt connects ingest to an MQTT broker with paho: a fixed client
// id and a persistent session (CleanSession false) so the broker keeps our
// messages while we restart, QoS 1, subscriptions renewed in the OnConnect
// handler, automatic reconnect, and manual acknowledgement: a message is
// acknowledged to the broker only when its handler says it is durable.
//
// Only this package (and the station simulator, which plays the stations'
// part) imports paho.
package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Handler receives a message; it must call ack exactly once when the message
// is safe (durable or kept as a dead letter), and never otherwise. It should
// not block for long: paho calls it on its own goroutine per message.
type Handler func(topic string, payload []byte, ack func())

// Route subscribes Filter (an MQTT topic filter) to Handle.
type Route struct {
	Filter string
	Handle Handler
}

// Config names the broker and how to connect.
type Config struct {
	URL         string // tcp://127.0.0.1:1883
	ClientID    string
	Username    string
	Password    string
	SharedGroup string // non-empty: subscribe as $share/<group>/<filter>
	Logger      *slog.Logger
	// CleanSession is false unless a test wants a throw-away client.
	CleanSession bool
	// Workers is how many long-lived goroutines run the handlers (default
	// 4). paho starts a goroutine per message; handing the message to a
	// worker keeps the decoding off those fresh, small stacks, whose growth
	// cost more than the decoding itself at tens of thousands a second.
	Workers int
}

type job struct {
	h Handler
	m paho.Message
}

// Client is a connected subscriber that can also publish.
type Client struct {
	cfg       Config
	routes    []Route
	client    paho.Client
	log       *slog.Logger
	connected atomic.Bool
	jobs      chan job
	quit      chan struct{}
	closeOnce sync.Once
}

// New prepares a client for the routes; Connect starts it.
func New(cfg Config, routes []Route) *Client {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	c := &Client{cfg: cfg, routes: routes, log: cfg.Logger, jobs: make(chan job, 1024), quit: make(chan struct{})}
	for range cfg.Workers {
		go c.work()
	}
	opts := paho.NewClientOptions().
		AddBroker(cfg.URL).
		SetClientID(cfg.ClientID).
		SetUsername(cfg.Username).
		SetPassword(cfg.Password).
		SetCleanSession(cfg.CleanSession).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(time.Second).
		SetMaxReconnectInterval(10 * time.Second).
		SetKeepAlive(30 * time.Second).
		SetCustomOpenConnectionFn(openConnection).
		// Handlers run concurrently; they only enqueue, and the ack tells
		// the broker when a message is durable, not when it was read.
		SetOrderMatters(false).
		SetAutoAckDisabled(true).
		SetResumeSubs(false).
		SetOnConnectHandler(c.onConnect).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			c.connected.Store(false)
			c.log.Warn("mqtt connection lost; reconnecting", "err", err)
		}).
		SetReconnectingHandler(func(paho.Client, *paho.ClientOptions) {
			c.log.Info("mqtt reconnecting", "broker", cfg.URL)
		})
	c.client = paho.NewClient(opts)
	return c
}

func (c *Client) onConnect(pc paho.Client) {
	// Subscribing here (not once at start) renews the subscriptions after
	// every reconnect, also to a broker that lost its state.
	for _, r := range c.routes {
		filter := r.Filter
		if c.cfg.SharedGroup != "" {
			filter = "$share/" + c.cfg.SharedGroup + "/" + filter
		}
		h := r.Handle
		tok := pc.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) {
			c.dispatch(h, m)
		})
		go func() {
			if tok.WaitTimeout(10*time.Second) && tok.Error() != nil {
				c.log.Error("mqtt subscribe failed", "filter", filter, "err", tok.Error())
			}
		}()
	}
	c.connected.Store(true)
	c.log.Info("mqtt connected", "broker", c.cfg.URL, "client_id", c.cfg.ClientID)
}

// Connect starts connecting; with ConnectRetry it keeps trying in the
// background, so Connect returns once the first attempt is under way or ctx
// ends. Use Connected to know whether the broker answered.
func (c *Client) Connect(ctx context.Context) error {
	tok := c.client.Connect()
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(2 * time.Second):
		return nil // still retrying in the background
	}
}

// WaitConnected blocks until the client is connected or ctx ends.
func (c *Client) WaitConnected(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for !c.Connected() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("mqtt: not connected to %s: %w", c.cfg.URL, ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// Connected reports whether the broker connection is up (for /readyz).
func (c *Client) Connected() bool { return c.connected.Load() && c.client.IsConnectionOpen() }

// Publish sends payload with QoS 1 and waits for the broker's PUBACK.
func (c *Client) Publish(ctx context.Context, topic string, payload []byte, retained bool) error {
	tok := c.client.Publish(topic, 1, retained, payload)
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Pending is a QoS 1 publish in flight.
type Pending struct{ tok paho.Token }

// Done is closed when the broker acknowledged the message (or it failed).
func (p Pending) Done() <-chan struct{} { return p.tok.Done() }

// Err is the outcome once Done is closed.
func (p Pending) Err() error { return p.tok.Error() }

// PublishAsync sends payload with QoS 1 without waiting. With a persistent
// session (CleanSession false) the message is kept in the client's store
// until the broker acknowledges it and is sent again after a reconnect, so a
// broker restart loses nothing the caller handed over. At most 65535
// messages may be in flight at once.
func (c *Client) PublishAsync(topic string, payload []byte) Pending {
	return Pending{c.client.Publish(topic, 1, false, payload)}
}

// dispatch hands a message to the workers. It blocks while they are all
// busy and the bounded hand-over queue is full: paho's goroutine for this
// message waits, the client itself does not. After Close the message is
// dropped unacknowledged; the broker delivers it again.
func (c *Client) dispatch(h Handler, m paho.Message) {
	select {
	case c.jobs <- job{h, m}:
	case <-c.quit:
	}
}

func (c *Client) work() {
	for {
		select {
		case j := <-c.jobs:
			j.h(j.m.Topic(), j.m.Payload(), j.m.Ack)
		case <-c.quit:
			return
		}
	}
}

// Close disconnects, giving in-flight work a moment to finish.
func (c *Client) Close() {
	c.connected.Store(false)
	c.client.Disconnect(250)
	c.closeOnce.Do(func() { close(c.quit) })
}

// StationFromTopic returns the {station} level of prefix/stations/{station}/kind.
func StationFromTopic(prefix, topic string) (station, kind string, err error) {
	rest, ok := strings.CutPrefix(topic, prefix+"/stations/")
	if !ok {
		return "", "", errors.New("topic " + topic + " is not under " + prefix + "/stations/")
	}
	station, kind, ok = strings.Cut(rest, "/")
	if !ok || station == "" || strings.Contains(kind, "/") {
		return "", "", errors.New("topic " + topic + " is not " + prefix + "/stations/{station}/{kind}")
	}
	return station, kind, nil
}
