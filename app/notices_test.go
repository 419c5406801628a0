package app

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// A flood of notices while the broker is slow: the queue holds its size,
// the rest are dropped and counted, nothing blocks, and what was queued is
// published in order once the broker answers.
func TestNoticeQueueIsBounded(t *testing.T) {
	dropped := prometheus.NewCounter(prometheus.CounterOpts{Name: "dropped"})
	q := newNoticeQueue(3, dropped)
	release := make(chan struct{})
	var mu sync.Mutex
	var got []string
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		q.run(ctx, time.Minute, func(ctx context.Context, b []byte) error {
			<-release // the broker is slow
			mu.Lock()
			got = append(got, string(b))
			mu.Unlock()
			return nil
		})
	}()
	if !q.offer([]byte("0")) {
		t.Fatal("the first notice was dropped")
	}
	// The publisher holds "0", so the queue is empty again.
	testenv.Eventually(t, "the first notice taken", 10*time.Second, func() bool { return len(q.ch) == 0 })
	queued := 0
	for _, b := range []string{"1", "2", "3", "4", "5", "6"} {
		if q.offer([]byte(b)) {
			queued++
		}
	}
	if queued != 3 || testutil.ToFloat64(dropped) != 3 {
		t.Errorf("queued %d, dropped %v; want 3 and 3 (queue size 3)", queued, testutil.ToFloat64(dropped))
	}
	close(release)
	testenv.Eventually(t, "the queued notices published", 10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 4
	})
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 4 || got[0] != "0" || got[1] != "1" || got[3] != "3" {
		t.Errorf("published %v, want [0 1 2 3]", got)
	}
}
