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
	srv *mochi.Server
	tcp *listeners.TCP
}

// Start listens on addr (":0" picks a free port; see Addr) and serves.
// The embedded broker accepts every client: bind it to loopback.
func Start(addr string, log *slog.Logger) (*Broker, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	caps := mochi.NewDefaultServerCapabilities()
	// The ingest client acknowledges in batches, so it needs many messages
	// in flight; the default of 1024 would throttle it.
	caps.ReceiveMaximum = 65535
	caps.MaximumInflight = 65535
	srv := mochi.New(&mochi.Options{Logger: log, Capabilities: caps, InlineClient: false})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		return nil, err
	}
	tcp := listeners.NewTCP(listeners.Config{ID: "tcp", Address: addr})
	if err := srv.AddListener(tcp); err != nil {
		return nil, err
	}
	go func() {
		if err := srv.Serve(); err != nil {
			log.Error("embedded broker stopped", "err", err)
		}
	}()
	return &Broker{srv: srv, tcp: tcp}, nil
}

// Addr is the address the broker really listens on.
func (b *Broker) Addr() string { return b.tcp.Address() }

// URL is the broker address as a client URL.
func (b *Broker) URL() string { return "tcp://" + b.Addr() }

// Close stops the broker and disconnects its clients.
func (b *Broker) Close() error { return b.srv.Close() }
