package ingest

import (
	"bufio"
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/ingest/hj212"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/store/sqlite"
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

// waitCond waits up to 20 s for cond (testenv.Eventually).
func waitCond(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testenv.Eventually(t, what, 20*time.Second, cond)
}

// sqlitePipeline is a pipeline running on a real SQLite store (its primary
// store and dead letters) until ctx ends; Run has returned once the
// test's cleanup has run.
func sqlitePipeline(t *testing.T, ctx context.Context) (*sqlite.DB, *Pipeline) {
	t.Helper()
	return sqlitePipelineWith(t, ctx, nil)
}

// sqlitePipelineWith is sqlitePipeline with set applied before it runs.
func sqlitePipelineWith(t *testing.T, ctx context.Context, set func(*Pipeline)) (*sqlite.DB, *Pipeline) {
	t.Helper()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := NewPipeline(db, 100)
	p.DeadLetters = db
	p.BatchWait = time.Millisecond
	if set != nil {
		set(p)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; db.Close() })
	return db, p
}

// dialHJ212 starts the HJ 212 listener on loopback with handler h until
// the test ends, and connects to it as a logger (30 s to talk).
func dialHJ212(t *testing.T, ctx context.Context, h *HJ212Handler, decode hj212.DecodeOptions) (net.Conn, *bufio.Reader) {
	t.Helper()
	srv := &hj212.Server{Addr: "127.0.0.1:0", Handler: h, Decode: decode}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	conn, err := net.Dial("tcp", srv.Address())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	return conn, bufio.NewReader(conn)
}
