package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// noticeQueue publishes best-effort notices (the dead-letter notices on
// <prefix>/deadletter) one at a time from a bounded queue: a flood of bad
// messages neither makes a goroutine each nor blocks the pipeline, and a
// notice that does not fit is dropped and counted. What a notice tells of
// is kept elsewhere (the dead letter itself).
type noticeQueue struct {
	ch      chan []byte
	dropped prometheus.Counter
}

func newNoticeQueue(size int, dropped prometheus.Counter) *noticeQueue {
	return &noticeQueue{ch: make(chan []byte, size), dropped: dropped}
}

// offer queues b, or drops and counts it when the queue is full.
func (q *noticeQueue) offer(b []byte) bool {
	select {
	case q.ch <- b:
		return true
	default:
		q.dropped.Inc()
		return false
	}
}

// run publishes the queued notices until ctx ends, each within timeout.
func (q *noticeQueue) run(ctx context.Context, timeout time.Duration, publish func(ctx context.Context, b []byte) error) {
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-q.ch:
			pctx, cancel := context.WithTimeout(ctx, timeout)
			_ = publish(pctx, b) // best effort
			cancel()
		}
	}
}
