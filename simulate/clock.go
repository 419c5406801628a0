package simulate

import (
	"sync"
	"time"
)

// Clock maps real time onto simulated time: it starts at Start when real
// time is Origin and runs Speed times faster.
//
// With Limit set it is elastic: simulated time never runs past Limit(); it
// stops there and runs on from there (it does not jump) once the limit
// moves on. The demo limits its clock to demo.clock_lead past the service's last
// warning evaluation, so a slow or busy machine runs the demo slower
// instead of having the service decide on data it has not caught up with.
// A limit that has not moved for MaxHold of real time is let go (the
// service is stuck: the demo runs on rather than freeze); the clock holds
// again at the next limit.
type Clock struct {
	Start  time.Time
	Origin time.Time
	Speed  float64
	Real   func() time.Time // default time.Now

	Limit   func() time.Time // zero instant: no limit
	MaxHold time.Duration    // 0: hold as long as it takes

	mu        sync.Mutex
	held      time.Duration // real time spent held, all told
	holdSince time.Time     // real instant the current hold began (zero: running)
	holdAt    time.Time     // the limit held at
	let       time.Time     // a limit given up on (MaxHold passed)
	holds     int
	last      time.Time // the latest instant returned
}

// Now returns the simulated time.
func (c *Clock) Now() time.Time {
	real := time.Now
	if c.Real != nil {
		real = c.Real
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r := real()
	t := c.Start.Add(time.Duration(float64(r.Sub(c.Origin)-c.held) * c.Speed))
	if c.Limit == nil {
		return t
	}
	lim := c.Limit()
	if lim.IsZero() || lim.Equal(c.let) {
		c.holdSince = time.Time{}
		return c.seen(t)
	}
	// Never back: after a limit was let go, the clock may be past the next.
	stop := lim
	if c.last.After(stop) {
		stop = c.last
	}
	if !t.After(stop) {
		c.holdSince = time.Time{}
		return c.seen(t)
	}
	// Past the limit: the real time spent past it is time held, so the
	// clock stands at the limit and runs on from it when it moves.
	c.held += time.Duration(float64(t.Sub(stop)) / c.Speed)
	if c.holdSince.IsZero() || !lim.Equal(c.holdAt) {
		c.holdSince, c.holdAt = r, lim
		c.holds++
	}
	if c.MaxHold > 0 && r.Sub(c.holdSince) >= c.MaxHold {
		c.let, c.holdSince = lim, time.Time{}
	}
	return c.seen(stop)
}

func (c *Clock) seen(t time.Time) time.Time {
	if t.After(c.last) {
		c.last = t
	}
	return t
}

// RealAfter returns how long in real time a simulated duration takes.
func (c *Clock) RealAfter(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.Speed)
}

// Held is the real time the clock has stood at its limit, and how many
// times it stopped there.
func (c *Clock) Held() (time.Duration, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.held, c.holds
}

// Let is the limit last given up on after MaxHold (zero: none).
func (c *Clock) Let() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.let
}
