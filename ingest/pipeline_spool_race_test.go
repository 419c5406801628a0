package ingest_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/ingest"
)

// memSpool is an in-memory spool whose Spool can be held before it commits.
type memSpool struct {
	mu         sync.Mutex
	rows       []aqwarn.Reading
	first      int64 // id of rows[0]
	hold       chan struct{}
	held       chan struct{} // told when a Spool call is being held
	emptyPeeks chan struct{} // told when PeekSpool(1) finds nothing
}

func (s *memSpool) Spool(_ context.Context, rs []aqwarn.Reading) error {
	s.mu.Lock()
	hold := s.hold
	s.mu.Unlock()
	if hold != nil {
		s.held <- struct{}{}
		<-hold
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows = append(s.rows, rs...)
	return nil
}

func (s *memSpool) PeekSpool(_ context.Context, n int) (aqwarn.SpoolBatch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.rows) == 0 {
		if n == 1 {
			select {
			case s.emptyPeeks <- struct{}{}:
			default:
			}
		}
		return aqwarn.SpoolBatch{}, nil
	}
	k := min(n, len(s.rows))
	return aqwarn.SpoolBatch{Readings: append([]aqwarn.Reading(nil), s.rows[:k]...), LastID: s.first + int64(k) - 1}, nil
}

func (s *memSpool) DropSpool(_ context.Context, lastID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := int(lastID - s.first + 1)
	s.rows = s.rows[k:]
	s.first = lastID + 1
	return nil
}

func (s *memSpool) len() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.rows) }

// A batch that decided to go to the spool while the store was down, but
// committed only after the replay had drained the spool and gone idle, is
// still replayed: it was acknowledged, so leaving it in the spool until the
// next outage would be a loss in all but name.
func TestSpoolCommittedAfterDrainIsReplayed(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &flakyWriter{points: map[string]int{}, down: true}
	sp := &memSpool{held: make(chan struct{}, 1), emptyPeeks: make(chan struct{}, 1)}
	p := ingest.NewPipeline(w, 10)
	p.Spool = sp
	p.BatchSize, p.BatchWait, p.Backoff, p.Writers = 1, time.Millisecond, 5*time.Millisecond, 2
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	var acked atomic.Int64
	ack := func() { acked.Add(1) }

	// A goes to the spool while the store is down.
	p.Submit(ctx, ingest.Item{Reading: reading(1), Ack: ack})
	waitFor(t, "A spooled", func() bool { return sp.len() == 1 })
	// B is on its way into the spool, held before it commits.
	sp.mu.Lock()
	sp.hold = make(chan struct{})
	sp.mu.Unlock()
	p.Submit(ctx, ingest.Item{Reading: reading(2), Ack: ack})
	<-sp.held
	// The store comes back; the replay drains A and finds the spool empty.
	for len(sp.emptyPeeks) > 0 {
		<-sp.emptyPeeks
	}
	w.setDown(false)
	waitFor(t, "A replayed", func() bool { return w.count() == 1 })
	<-sp.emptyPeeks
	// Now B commits.
	close(sp.hold)
	waitFor(t, "B acknowledged", func() bool { return acked.Load() == 2 })
	waitFor(t, "B replayed from the spool", func() bool { return w.count() == 2 })
	cancel()
	<-done
}
