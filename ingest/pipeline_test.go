package ingest_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/internal/testenv"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/ingest"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// flakyWriter is a hand-written fake primary store that can be switched off.
type flakyWriter struct {
	mu     sync.Mutex
	down   bool
	points map[string]int // key → times written
	order  []time.Time
}

func (w *flakyWriter) WriteReadings(_ context.Context, rs []aqwarn.Reading) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.down {
		return errors.New("connection refused")
	}
	for _, r := range rs {
		w.points[r.Key()]++
		w.order = append(w.order, r.Time)
	}
	return nil
}

func (w *flakyWriter) setDown(v bool) { w.mu.Lock(); w.down = v; w.mu.Unlock() }
func (w *flakyWriter) count() int     { w.mu.Lock(); defer w.mu.Unlock(); return len(w.points) }

func reading(i int) aqwarn.Reading {
	return aqwarn.Reading{Station: "s1", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute),
		Interval: time.Minute, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: float64(i % 300)}}}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testenv.Eventually(t, what, 20*time.Second, cond)
}

// While the primary store is down, readings are spooled and acknowledged;
// when it comes back the spool is replayed in order and every reading lands
// exactly once — and is reported stored once (OnStored), whether written at
// once or replayed.
func TestPipelineSpoolsAndReplaysInOrder(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w := &flakyWriter{points: map[string]int{}}
	p := ingest.NewPipeline(w, 100)
	p.Spool = db
	p.BatchSize, p.BatchWait, p.Backoff = 10, 5*time.Millisecond, 5*time.Millisecond
	var storedMu sync.Mutex
	stored := map[string]int{} // what OnStored was told: written at once or replayed
	p.OnStored = func(rs []aqwarn.Reading) {
		storedMu.Lock()
		defer storedMu.Unlock()
		for _, r := range rs {
			stored[r.Key()]++
		}
	}
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()

	var acked atomic.Int64
	submit := func(from, to int) {
		for i := from; i < to; i++ {
			if err := p.Submit(ctx, ingest.Item{Reading: reading(i), Ack: func() { acked.Add(1) }}); err != nil {
				t.Fatal(err)
			}
		}
	}
	submit(0, 50)
	waitFor(t, "first 50 written", func() bool { return w.count() == 50 })
	w.setDown(true)
	submit(50, 250)
	waitFor(t, "readings acknowledged while the store is down", func() bool { return acked.Load() == 250 })
	if n, _ := db.SpoolLen(ctx); n == 0 {
		t.Fatal("nothing spooled while the store was down")
	}
	w.setDown(false)
	submit(250, 300)
	waitFor(t, "all 300 in the store", func() bool { return w.count() == 300 })
	waitFor(t, "spool drained", func() bool { n, _ := db.SpoolLen(ctx); return n == 0 })

	w.mu.Lock()
	defer w.mu.Unlock()
	storedMu.Lock()
	defer storedMu.Unlock()
	for k, n := range w.points {
		if n != 1 {
			t.Errorf("%s written %d times", k, n)
		}
		if stored[k] != 1 {
			t.Errorf("%s reported stored %d times", k, stored[k])
		}
	}
	for i := 1; i < len(w.order); i++ {
		if w.order[i].Before(w.order[i-1]) {
			t.Fatalf("out of order at %d: %v after %v", i, w.order[i], w.order[i-1])
		}
	}
}

// A reading is acknowledged only once durable; a shutdown flushes the queue.
func TestPipelineAcksOnlyWhenDurableAndFlushesOnShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	w := &flakyWriter{points: map[string]int{}, down: true}
	p := ingest.NewPipeline(w, 100)
	p.BatchSize, p.BatchWait, p.Backoff = 1000, time.Hour, 5*time.Millisecond // only shutdown flushes
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	var acked atomic.Int64
	for i := range 20 {
		p.Submit(ctx, ingest.Item{Reading: reading(i), Ack: func() { acked.Add(1) }})
	}
	if acked.Load() != 0 {
		t.Fatal("acknowledged before anything was durable")
	}
	w.setDown(false)
	cancel()
	<-done
	if acked.Load() != 20 || w.count() != 20 {
		t.Errorf("after shutdown: %d acked, %d stored; want 20, 20", acked.Load(), w.count())
	}
}

type failingDeadLetters struct{}

func (failingDeadLetters) AddDeadLetter(context.Context, aqwarn.DeadLetter) (int64, error) {
	return 0, errors.New("disk full")
}

// A rejection that cannot be kept is not acknowledged: it must come back.
func TestRejectCountsAndKeeps(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := ingest.NewPipeline(&flakyWriter{points: map[string]int{}}, 10)
	p.DeadLetters = db
	reg := ingest.NewRegistry([]aqwarn.Station{{ID: "s1"}})
	rc := &ingest.Receiver{Pipeline: p, Registry: reg, Now: time.Now}
	acks := 0
	rc.HandleJSON(ctx, "mqtt:aq/stations/s1/readings", "s1", []byte("{not json"), func() { acks++ })
	if acks != 1 {
		t.Errorf("kept rejection acknowledged %d times, want 1", acks)
	}
	if got := p.Metrics.Rejected(ingest.ReasonMalformedJSON); got != 1 {
		t.Errorf("rejected counter = %v, want 1", got)
	}
	dls, err := db.ListDeadLetters(ctx, "", "", 0, 10)
	if err != nil || len(dls) != 1 || dls[0].Reason != ingest.ReasonMalformedJSON || dls[0].Payload != "{not json" {
		t.Fatalf("dead letters = %+v, %v", dls, err)
	}

	p.DeadLetters = failingDeadLetters{}
	rc.HandleJSON(ctx, "mqtt:aq/stations/s1/readings", "s1", []byte("{not json"), func() { acks++ })
	if acks != 1 {
		t.Error("a rejection that was not kept was acknowledged")
	}
	if got := p.Metrics.Unkept(ingest.ReasonMalformedJSON); got != 1 {
		t.Errorf("unkept counter = %v, want 1", got)
	}
}
