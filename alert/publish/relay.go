package publish

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

// The seam with the warning lifecycle: lifecycle.Service records each
// published transition (an outbox ordered by id, WarningStore.Transitions)
// and calls its OnPublish. The Relay reads the transitions after its
// watermark (kept in a key-value store), maps each onto a Change and hands
// it to the publisher, which is idempotent per transition. The watermark
// moves only past a transition the publisher took, so a failure is retried
// and a restart re-reads from the watermark: nothing is sent twice or
// forgotten.

// WatermarkKey is where the Relay keeps its watermark by default: the id of
// the last transition handed over.
const WatermarkKey = "publish.transitions.watermark"

// Transitions lists recorded transitions with id > after, oldest first
// (lifecycle.WarningStore).
type Transitions interface {
	Transitions(ctx context.Context, after int64, limit int) ([]lifecycle.Transition, error)
}

// KV keeps the watermark (store/sqlite.DB).
type KV interface {
	Get(ctx context.Context, key string) (string, bool, error)
	Put(ctx context.Context, key, value string) error
}

// ChangePublisher takes one change; doing so again for the same change
// sends nothing new (*Publisher).
type ChangePublisher interface {
	Publish(ctx context.Context, c Change) error
}

// Relay hands every recorded transition, once and in order, to the
// publisher.
type Relay struct {
	Transitions Transitions
	Marks       KV
	Publisher   ChangePublisher
	// Key names the watermark in Marks (default WatermarkKey).
	Key string
	// Batch is how many transitions are read at a time (default 100).
	Batch int
	// Retry is how long Run waits before it tries again after a failure,
	// or looks again without being woken (default 5 s).
	Retry  time.Duration
	Logger *slog.Logger

	once sync.Once
	wake chan struct{}
}

func (r *Relay) init() { r.once.Do(func() { r.wake = make(chan struct{}, 1) }) }

// Wake has Run look for new transitions now (wire it to
// lifecycle.Service.OnPublish). It never blocks.
func (r *Relay) Wake() {
	r.init()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends: at once, then whenever woken, and every Retry.
// A failure is logged and retried from the watermark.
func (r *Relay) Run(ctx context.Context) {
	r.init()
	retry := r.Retry
	if retry <= 0 {
		retry = 5 * time.Second
	}
	log := r.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for {
		if err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			log.Error("delivering warning transitions failed; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-time.After(retry):
		}
	}
}

// RunOnce hands over every transition after the watermark, moving the
// watermark past each one the publisher took. It stops at the first
// failure, which it returns; the transition that failed is the first one
// handed over the next time.
func (r *Relay) RunOnce(ctx context.Context) error {
	key := r.Key
	if key == "" {
		key = WatermarkKey
	}
	batch := r.Batch
	if batch <= 0 {
		batch = 100
	}
	v, ok, err := r.Marks.Get(ctx, key)
	if err != nil {
		return err
	}
	var after int64
	if ok {
		// Unreadable, it counts as 0: everything is handed over again,
		// which the publisher's idempotence makes harmless.
		after, _ = strconv.ParseInt(v, 10, 64)
	}
	for {
		ts, err := r.Transitions.Transitions(ctx, after, batch)
		if err != nil || len(ts) == 0 {
			return err
		}
		for _, t := range ts {
			if err := r.Publisher.Publish(ctx, ChangeOf(t)); err != nil {
				return fmt.Errorf("transition %d (%s %s): %w", t.ID, t.Kind, t.Region, err)
			}
			after = t.ID
			if err := r.Marks.Put(ctx, key, strconv.FormatInt(after, 10)); err != nil {
				return err
			}
		}
	}
}

// ChangeOf maps a recorded transition onto the publisher's input: its key
// names the warning and the transition, and MaxAQI is the highest AQI of
// the proposal's evidence.
func ChangeOf(t lifecycle.Transition) Change {
	maxAQI := 0
	for _, win := range t.Proposal.Evidence.Windows {
		maxAQI = max(maxAQI, win.AQI)
	}
	return Change{Key: fmt.Sprintf("w%d-t%d", t.WarningID, t.ID), WarningID: t.WarningID, Kind: t.Kind,
		Region: t.Region, From: t.FromID, To: t.ToID, At: t.At, Start: t.Start, ExpectedEnd: t.ExpectedEnd,
		RestartAt: t.Proposal.RestartAt, MaxAQI: maxAQI}
}
