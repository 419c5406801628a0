// Package broker runs the embedded MQTT broker (mochi-mqtt) that lets
// `aqwarn serve` work with no external services. Production points at a
// real broker (Mosquitto, EMQX) instead; the service code is the same.
package broker

import (
	"log/slog"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// Broker is a started in-process broker.
type Broker struct {
	srv  *mochi.Server
	tcp  *listeners.TCP
	auth *authHook
}

// Options configure the embedded broker.
type Options struct {
	// Accounts who may connect, with their ACL (see RulesFor). With
	// AllowAnonymous false, nobody else may; with it true (the demo),
	// every client may do everything.
	Accounts       []Account
	AllowAnonymous bool
	TopicPrefix    string
	// MaxMessageBytes caps an MQTT packet (0: 1 MiB); a client sending a
	// bigger one is disconnected before the payload is held.
	MaxMessageBytes int
	Logger          *slog.Logger
}

// DefaultMaxMessageBytes is the packet cap when Options leave it 0: the
// largest thing sent (a 72-hour hourly forecast) is a few tens of KiB.
const DefaultMaxMessageBytes = 1 << 20

// Start listens on addr (":0" picks a free port; see Addr) and serves.
func Start(addr string, o Options) (*Broker, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	caps := mochi.NewDefaultServerCapabilities()
	// The ingest client acknowledges in batches, so it needs many messages
	// in flight; the default of 1024 would throttle it.
	caps.ReceiveMaximum = 65535
	caps.MaximumInflight = 65535
	caps.MaximumPacketSize = uint32(DefaultMaxMessageBytes)
	if o.MaxMessageBytes > 0 {
		caps.MaximumPacketSize = uint32(o.MaxMessageBytes)
	}
	srv := mochi.New(&mochi.Options{Logger: log, Capabilities: caps, InlineClient: false})
	b := &Broker{srv: srv}
	if o.AllowAnonymous {
		if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
			return nil, err
		}
	} else {
		h, err := newAuthHook(o.TopicPrefix, o.Accounts, log)
		if err != nil {
			return nil, err
		}
		if err := srv.AddHook(h, nil); err != nil {
			return nil, err
		}
		b.auth = h
	}
	tcp := listeners.NewTCP(listeners.Config{ID: "tcp", Address: addr})
	if err := srv.AddListener(tcp); err != nil {
		return nil, err
	}
	b.tcp = tcp
	go func() {
		if err := srv.Serve(); err != nil {
			log.Error("embedded broker stopped", "err", err)
		}
	}()
	return b, nil
}

// Refused returns the clients and topics refused so far, by reason
// (anonymous, unknown_user, bad_password, client_id_not_bound, acl).
func (b *Broker) Refused() map[string]int {
	if b.auth == nil {
		return map[string]int{}
	}
	return b.auth.Refused()
}

// Addr is the address the broker really listens on.
func (b *Broker) Addr() string { return b.tcp.Address() }

// URL is the broker address as a client URL.
func (b *Broker) URL() string { return "tcp://" + b.Addr() }

// Close stops the broker and disconnects its clients.
func (b *Broker) Close() error { return b.srv.Close() }
