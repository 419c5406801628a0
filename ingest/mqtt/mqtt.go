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
	"crypto/tls"
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
// is safe (durable or kept as a dead letter), and never otherwise. Handlers
// run one at a time on the client's delivery goroutine, in the order the
// broker sent the messages: one that blocks holds up delivery (which is how
// a full ingest queue pushes back on the broker), so a handler must never
// wait for something that needs this client — such as the PUBACK of a
// publish on it. ctx is the client's (Config.Context): it ends at
// shutdown, and a handler blocked on it then returns without ack (the
// broker delivers the message again).
type Handler func(ctx context.Context, topic string, payload []byte, ack func())

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
	// OnConnectionLost, if set, is called at every lost connection (a
	// metric counts them).
	OnConnectionLost func()
	// MaxMessageBytes > 0 refuses bigger messages before any route sees
	// them: OnOversize gets the topic, the first OversizeKept bytes and
	// the ack (it must keep the refusal and ack, like a handler).
	MaxMessageBytes int
	OnOversize      func(ctx context.Context, topic string, size int, head []byte, ack func())
	// Context is every handler's (nil: context.Background()): end it at
	// shutdown, before what the handlers write to stops, so that none
	// blocks on it for ever.
	Context context.Context
	// TLS configures a tls:// (ssl://) broker connection (nil: defaults).
	TLS *tls.Config
}

// OversizeKept is how much of a refused oversized message is kept.
const OversizeKept = 1024

// Session take-over: TakeoverLosses lost connections within TakeoverWindow
// are what another client connecting with our client id looks like (the
// broker drops the older connection, we reconnect and drop it, …).
const (
	TakeoverLosses = 3
	TakeoverWindow = time.Minute
)

// Client is a connected subscriber that can also publish.
type Client struct {
	cfg       Config
	routes    []Route
	client    paho.Client
	log       *slog.Logger
	connected atomic.Bool

	mu     sync.Mutex
	losses []time.Time // the last TakeoverLosses, oldest first
}

// New prepares a client for the routes; Connect starts it.
func New(cfg Config, routes []Route) *Client {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{cfg: cfg, routes: routes, log: cfg.Logger}
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
		SetTLSConfig(cfg.TLS).
		SetStore(newOutboundStore()).
		// Handlers run in order on paho's delivery goroutine: no goroutine
		// per message (at tens of thousands a second, starting them and
		// growing their stacks cost more than decoding). The ack tells the
		// broker when a message is durable, not when it was read.
		SetOrderMatters(true).
		SetAutoAckDisabled(true).
		SetResumeSubs(false).
		// Messages come to one handler that matches our filters itself:
		// paho's router splits the topic and every filter into slices for
		// every message, which showed in the profile.
		SetDefaultPublishHandler(c.route).
		SetOnConnectHandler(c.onConnect).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			c.connected.Store(false)
			if n := c.lost(time.Now()); n >= TakeoverLosses {
				c.log.Error("mqtt session lost repeatedly: another client may be using our client id (session take-over)",
					"client_id", cfg.ClientID, "losses", n, "within", TakeoverWindow, "err", err)
			} else {
				c.log.Warn("mqtt connection lost; reconnecting", "err", err)
			}
			if cfg.OnConnectionLost != nil {
				cfg.OnConnectionLost()
			}
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
		tok := pc.Subscribe(filter, 1, nil) // nil: delivered to c.route
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

// lost records a lost connection at t and returns how many fell within
// the take-over window.
func (c *Client) lost(t time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.losses = append(c.losses, t)
	if len(c.losses) > TakeoverLosses {
		c.losses = c.losses[len(c.losses)-TakeoverLosses:]
	}
	return c.recent(t)
}

func (c *Client) recent(now time.Time) int {
	n := 0
	for _, t := range c.losses {
		if now.Sub(t) <= TakeoverWindow {
			n++
		}
	}
	return n
}

// SessionCheck is the readiness check of the session: an error when the
// connection was lost TakeoverLosses times within TakeoverWindow, which is
// what a session take-over looks like.
func (c *Client) SessionCheck(context.Context) error {
	c.mu.Lock()
	n := c.recent(time.Now())
	c.mu.Unlock()
	if n >= TakeoverLosses {
		return fmt.Errorf("the MQTT session (client id %s) was lost %d times within %s: another client may be using the client id; bind client ids to accounts (see aqwarn broker-acl)",
			c.cfg.ClientID, n, TakeoverWindow)
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

// ctx is the handlers' context.
func (c *Client) ctx() context.Context {
	if c.cfg.Context == nil {
		return context.Background()
	}
	return c.cfg.Context
}

// route hands a message to the handler of the first route whose filter
// matches its topic. A message no route takes (the broker should not send
// one) is left unacknowledged and logged.
func (c *Client) route(_ paho.Client, m paho.Message) {
	topic := m.Topic()
	if p := m.Payload(); c.cfg.MaxMessageBytes > 0 && len(p) > c.cfg.MaxMessageBytes && c.cfg.OnOversize != nil {
		n := min(len(p), OversizeKept)
		c.cfg.OnOversize(c.ctx(), topic, len(p), p[:n:n], m.Ack)
		return
	}
	for _, r := range c.routes {
		if TopicMatches(r.Filter, topic) {
			r.Handle(c.ctx(), topic, m.Payload(), m.Ack)
			return
		}
	}
	c.log.Warn("mqtt message on a topic no route takes", "topic", topic)
}

// TopicMatches reports whether an MQTT topic filter (with + and #
// wildcards) matches a topic name, without allocating.
func TopicMatches(filter, topic string) bool {
	for {
		f, fRest, fMore := strings.Cut(filter, "/")
		if f == "#" {
			return true
		}
		t, tRest, tMore := strings.Cut(topic, "/")
		if f != "+" && f != t {
			return false
		}
		switch {
		case !fMore && !tMore:
			return true
		case !tMore:
			return fRest == "#" // "a/#" matches "a"
		case !fMore:
			return false
		}
		filter, topic = fRest, tRest
	}
}

// Close disconnects, giving in-flight work a moment to finish.
func (c *Client) Close() {
	c.connected.Store(false)
	c.client.Disconnect(250)
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
