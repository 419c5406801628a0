package broker

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// DefaultMaxPendingWrites bounds the messages the broker queues for one client
// (mochi's default is 8,192). A subscriber that falls further behind — the
// service's intake while a simulator publishes weeks of history at once —
// has the rest dropped, QoS 1 or not, so the bound is generous and every
// drop is counted and logged (Broker.Dropped, dropHook). Options.MaxPendingWrites
// changes it.
const DefaultMaxPendingWrites = 1 << 16

// dropHook logs messages the broker drops because a client's queue is full,
// at most once a second, naming the client and topic.
type dropHook struct {
	mochi.HookBase
	log  *slog.Logger
	max  int
	mu   sync.Mutex
	last time.Time
	n    int
}

func (h *dropHook) ID() string { return "aqwarn-dropped" }

func (h *dropHook) Provides(b byte) bool { return b == mochi.OnPublishDropped }

func (h *dropHook) OnPublishDropped(cl *mochi.Client, pk packets.Packet) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n++
	if time.Since(h.last) < time.Second {
		return
	}
	h.log.Warn("embedded broker: a client's queue is full; message dropped (it is not acknowledged to the subscriber, and a publisher's QoS 1 no longer covers it)",
		"client", cl.ID, "topic", pk.TopicName, "dropped_since_last_warning", h.n, "max_pending", h.max)
	h.last, h.n = time.Now(), 0
}

// Dropped counts the messages dropped so far because a client's queue was
// full.
func (b *Broker) Dropped() int64 { return atomic.LoadInt64(&b.srv.Info.MessagesDropped) }
