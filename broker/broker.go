// Package broker runs the embedded MQTT broker (mochi-mqtt) that lets
// `aqwarn serve` work with no external services. Production points at a
// real broker (Mosquitto, EMQX) instead; the service code is the same.
package broker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
)

// Broker is a started in-process broker.
type Broker struct {
	srv  *mochi.Server
	tcp  *tcpListener
	auth *authHook
	// probe credentials (empty when anonymous clients are let in)
	probeUser, probePass string

	probeMu  sync.Mutex
	probedAt time.Time
	probeErr error
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
	// MaxConns caps open client connections (0: DefaultMaxConns).
	MaxConns int
	// MaxPendingWrites caps the messages queued for one client (0:
	// DefaultMaxPendingWrites); beyond it they are dropped and counted.
	MaxPendingWrites int
	Logger           *slog.Logger
}

// DefaultMaxConns is the connection cap when Options leave it 0: stations,
// units, the service and room to spare, far below the process's file
// descriptors.
const DefaultMaxConns = 2048

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
	pending := cmpOr(o.MaxPendingWrites, DefaultMaxPendingWrites)
	caps.MaximumClientWritesPending = int32(pending)
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
		pw := make([]byte, 18)
		if _, err := rand.Read(pw); err != nil {
			return nil, err
		}
		b.probeUser, b.probePass = "aqwarn-broker-probe", hex.EncodeToString(pw)
		h.probeUser, h.probeHash = b.probeUser, hashBytes(b.probePass)
		if err := srv.AddHook(h, nil); err != nil {
			return nil, err
		}
		b.auth = h
	}
	if err := srv.AddHook(&dropHook{log: log, max: pending}, nil); err != nil {
		return nil, err
	}
	tcp := newTCPListener("tcp", addr, cmpOr(o.MaxConns, DefaultMaxConns))
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

func cmpOr(a, b int) int {
	if a > 0 {
		return a
	}
	return b
}

// Probe checks that the broker accepts and answers MQTT: it connects
// with a throw-away client id and waits for the CONNACK (any return code:
// a refusal is an answer too). A listener that no longer accepts (audit
// H3) fails it, where a bare TCP dial would still succeed in the backlog.
func (b *Broker) Probe(ctx context.Context) error {
	// At most one probe every few seconds, however often /readyz is asked.
	b.probeMu.Lock()
	defer b.probeMu.Unlock()
	if !b.probedAt.IsZero() && time.Since(b.probedAt) < probeEvery {
		return b.probeErr
	}
	b.probeErr = b.probe(ctx)
	b.probedAt = time.Now()
	return b.probeErr
}

// probeEvery bounds how often Probe really connects.
var probeEvery = 5 * time.Second

func (b *Broker) probe(ctx context.Context) error {
	d := net.Dialer{Timeout: 2 * time.Second}
	c, err := d.DialContext(ctx, "tcp", b.Addr())
	if err != nil {
		return fmt.Errorf("embedded broker %s: %w", b.Addr(), err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	id := "aqwarn-probe"
	// CONNECT, MQTT 3.1.1, clean session, keep-alive 10 s; with the probe's
	// own login when the broker authenticates (so it is not an anonymous
	// refusal in the log at every readiness check).
	flags := byte(0x02)
	payload := append([]byte{0, byte(len(id))}, id...)
	if b.probeUser != "" {
		id = b.probeUser
		flags |= 0xC0 // username, password
		payload = append([]byte{0, byte(len(id))}, id...)
		payload = append(payload, 0, byte(len(b.probeUser)))
		payload = append(payload, b.probeUser...)
		payload = append(payload, 0, byte(len(b.probePass)))
		payload = append(payload, b.probePass...)
	}
	vh := []byte{0, 4, 'M', 'Q', 'T', 'T', 4, flags, 0, 10}
	pkt := append([]byte{0x10, byte(len(vh) + len(payload))}, append(vh, payload...)...)
	if _, err := c.Write(pkt); err != nil {
		return fmt.Errorf("embedded broker %s: %w", b.Addr(), err)
	}
	ack := make([]byte, 4)
	if _, err := io.ReadFull(c, ack); err != nil || ack[0] != 0x20 {
		return fmt.Errorf("embedded broker %s does not answer MQTT: %v", b.Addr(), err)
	}
	c.Write([]byte{0xE0, 0}) // DISCONNECT
	return nil
}
