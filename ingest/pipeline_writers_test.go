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

// barrierWriter holds every write until n of them are in flight at once.
type barrierWriter struct {
	n       int
	mu      sync.Mutex
	waiting int
	release chan struct{}
	stored  map[string]int
}

func (w *barrierWriter) WriteReadings(ctx context.Context, rs []aqwarn.Reading) error {
	w.mu.Lock()
	w.waiting++
	if w.waiting == w.n {
		close(w.release)
	}
	w.mu.Unlock()
	select {
	case <-w.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range rs {
		w.stored[r.Key()]++
	}
	return nil
}

// With Writers = 3 three batches are written at once (the barrier only
// opens when they are), and each reading is still acknowledged exactly once.
func TestPipelineWritesBatchesConcurrently(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &barrierWriter{n: 3, release: make(chan struct{}), stored: map[string]int{}}
	p := ingest.NewPipeline(w, 100)
	p.BatchSize, p.BatchWait, p.Writers = 10, time.Millisecond, 3
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	var acks sync.Map
	var acked atomic.Int64
	for i := range 30 {
		r := reading(i)
		if err := p.Submit(ctx, ingest.Item{Reading: r, Ack: func() {
			if _, again := acks.LoadOrStore(r.Key(), true); again {
				t.Errorf("%s acknowledged twice", r.Key())
			}
			acked.Add(1)
		}}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "30 readings acknowledged", func() bool { return acked.Load() == 30 })
	cancel()
	<-done
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.stored) != 30 {
		t.Errorf("stored %d readings, want 30", len(w.stored))
	}
}
