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

func TestClockLimit(t *testing.T) {
	t0 := time.Date(2015, 11, 27, 8, 0, 0, 0, time.UTC)
	ns := func(h int) int64 { return t0.Add(time.Duration(h) * time.Hour).UnixNano() }
	for _, tc := range []struct {
		name  string
		marks []int64
		want  time.Time
	}{
		// No data judged or metered yet: no limit, the demo starts.
		{"none", []int64{0, 0}, time.Time{}},
		// Only the evaluation has judged: its hour plus the lead.
		{"evaluation only", []int64{ns(3), 0}, t0.Add(5 * time.Hour)},
		// The meters lag the evaluation: the clock waits for the meters.
		{"meters behind", []int64{ns(3), ns(1)}, t0.Add(3 * time.Hour)},
		// The evaluation lags the meters: it waits for the evaluation.
		{"evaluation behind", []int64{ns(1), ns(4)}, t0.Add(3 * time.Hour)},
	} {
		if got := clockLimit(2*time.Hour, tc.marks...); !got.Equal(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
