package guard

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// A job made to panic: recovered, its stack logged, counted, reported by
// the readiness check with its name; it runs again next time, and a run
// that completes clears the report (the counter stays).
func TestJobPanicIsNeverSilent(t *testing.T) {
	var logs syncBuf
	reg := prometheus.NewRegistry()
	g := New(reg, slog.New(slog.NewTextHandler(&logs, nil)))
	fail := true
	runs := 0
	job := g.Job("warning-evaluation", func(context.Context) {
		runs++
		if fail {
			var m map[string]int
			m["boom"]++ // a nil-map write, as a real bug would
		}
	})
	job(context.Background()) // must not panic out
	if err := g.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "warning-evaluation panicked") {
		t.Fatalf("readiness after a panic: %v", err)
	}
	if n := testutil.ToFloat64(g.panics.WithLabelValues("warning-evaluation")); n != 1 {
		t.Errorf("aqwarn_job_panics_total = %v, want 1", n)
	}
	out := logs.String()
	if !strings.Contains(out, "job panicked") || !strings.Contains(out, "guard_test.go") || !strings.Contains(out, "assignment to entry in nil map") {
		t.Errorf("the log lacks the panic or its stack:\n%s", out)
	}
	job(context.Background()) // panics again: counted again
	fail = false
	job(context.Background())
	if runs != 3 {
		t.Errorf("the job ran %d times, want 3 (it runs again after a panic)", runs)
	}
	if err := g.Check(context.Background()); err != nil {
		t.Errorf("readiness after a good run: %v", err)
	}
	if n := testutil.ToFloat64(g.panics.WithLabelValues("warning-evaluation")); n != 2 {
		t.Errorf("aqwarn_job_panics_total = %v, want 2", n)
	}
}

// A loop that panics is started again (after a pause) until ctx ends.
func TestLoopRestartsAfterPanic(t *testing.T) {
	g := New(nil, slog.New(slog.NewTextHandler(&syncBuf{}, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	starts := make(chan int, 10)
	n := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.Loop(ctx, "feeder", func(ctx context.Context) {
			n++
			starts <- n
			if n == 1 {
				panic("first run fails")
			}
			<-ctx.Done()
		})
	}()
	for want := 1; want <= 2; want++ {
		select {
		case got := <-starts:
			if got != want {
				t.Fatalf("start %d, want %d", got, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("the loop was not started again after its panic")
		}
	}
	if err := g.Check(ctx); err == nil || !strings.Contains(err.Error(), "feeder panicked") {
		t.Errorf("readiness: %v", err)
	}
	cancel()
	<-done
}
