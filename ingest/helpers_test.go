package ingest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
)

// gatedWriter holds every write until open is closed.
type gatedWriter struct {
	w       Writer
	open    chan struct{}
	waiting atomic.Bool
}

func (g *gatedWriter) WriteReadings(ctx context.Context, rs []aqwarn.Reading) error {
	g.waiting.Store(true)
	select {
	case <-g.open:
	case <-ctx.Done():
		return ctx.Err()
	}
	return g.w.WriteReadings(ctx, rs)
}

func waitCond(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
