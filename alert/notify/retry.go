package notify

import (
	"fmt"
	"time"
)

// Policy is how long to keep trying.
type Policy struct {
	Initial     time.Duration // first backoff (default 1 s)
	Max         time.Duration // longest backoff (default 5 min)
	MaxAttempts int           // give up after this many attempts (default 8)
}

func (p Policy) withDefaults() Policy {
	if p.Initial <= 0 {
		p.Initial = time.Second
	}
	if p.Max <= 0 {
		p.Max = 5 * time.Minute
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 8
	}
	return p
}

// Backoff is the wait after the n-th failed attempt (n ≥ 1): Initial
// doubling up to Max.
func (p Policy) Backoff(n int) time.Duration {
	p = p.withDefaults()
	d := p.Initial
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}

// Next is the retry stage: the entry's state after an attempt (e.Attempts
// counts it) that answered (retry, err) at now.
func Next(e Entry, retry bool, err error, now time.Time, p Policy) Result {
	p = p.withDefaults()
	r := Result{Key: e.Key, At: now}
	switch {
	case err == nil:
		r.State = StateSent
	case !retry:
		r.State, r.LastError = StateFailed, err.Error()
	case e.Attempts >= p.MaxAttempts:
		r.State, r.LastError = StateFailed, fmt.Sprintf("gave up after %d attempts: %v", e.Attempts, err)
	default:
		r.State, r.LastError = StatePending, err.Error()
		r.NextAt = now.Add(p.Backoff(e.Attempts))
	}
	return r
}
