package notify

import (
	"errors"
	"testing"
	"time"
)

func TestNext(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	p := Policy{Initial: time.Second, Max: 8 * time.Second, MaxAttempts: 5}
	boom := errors.New("boom")
	tests := []struct {
		name     string
		attempts int
		retry    bool
		err      error
		state    string
		wait     time.Duration
	}{
		// Success is recorded as sent.
		{"sent", 1, false, nil, StateSent, 0},
		// A permanent failure gives up at once.
		{"permanent", 1, false, boom, StateFailed, 0},
		// First retryable failure waits Initial.
		{"first retry", 1, true, boom, StatePending, time.Second},
		// The wait doubles.
		{"third retry", 3, true, boom, StatePending, 4 * time.Second},
		// ... up to Max.
		{"capped", 4, true, boom, StatePending, 8 * time.Second},
		// After MaxAttempts it gives up, visible as failed.
		{"exhausted", 5, true, boom, StateFailed, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Next(Entry{Delivery: Delivery{Key: "k"}, Attempts: tc.attempts}, tc.retry, tc.err, now, p)
			if r.State != tc.state || r.Key != "k" {
				t.Fatalf("state = %s, want %s", r.State, tc.state)
			}
			if tc.wait > 0 && !r.NextAt.Equal(now.Add(tc.wait)) {
				t.Errorf("next at +%v, want +%v", r.NextAt.Sub(now), tc.wait)
			}
			if tc.err != nil && r.LastError == "" {
				t.Error("error not recorded")
			}
		})
	}
}
