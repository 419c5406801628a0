package simulate

import (
	"testing"
	"time"
)

// fakeReal is real time the test moves on.
type fakeReal struct{ t time.Time }

func (f *fakeReal) now() time.Time       { return f.t }
func (f *fakeReal) pass(d time.Duration) { f.t = f.t.Add(d) }
func hhmm(t time.Time) string            { return t.Format("01-02 15:04") }
func simAt(h, m int) time.Time           { return time.Date(2015, 11, 25, h, m, 0, 0, time.UTC) }
func (f *fakeReal) clock(speed float64) *Clock {
	return &Clock{Start: simAt(0, 0), Origin: f.t, Speed: speed, Real: f.now}
}

// Without a limit the clock runs Speed times real time.
func TestClockRunsAtItsSpeed(t *testing.T) {
	r := &fakeReal{t: time.Unix(1e9, 0)}
	c := r.clock(3600)
	r.pass(2500 * time.Millisecond)
	if got, want := c.Now(), simAt(2, 30); !got.Equal(want) {
		t.Errorf("after 2.5 s at 3600×: %s, want %s", hhmm(got), hhmm(want))
	}
	if d := c.RealAfter(time.Hour); d != time.Second {
		t.Errorf("an hour takes %s real, want 1s", d)
	}
}

// An elastic clock stops at its limit and runs on from it, without a
// jump, once the limit moves; the real time it stood still is counted.
func TestClockHoldsAtItsLimit(t *testing.T) {
	r := &fakeReal{t: time.Unix(1e9, 0)}
	c := r.clock(3600)
	limit := simAt(1, 0)
	c.Limit = func() time.Time { return limit }
	for _, step := range []struct {
		pass  time.Duration // real time passing before the reading
		limit time.Time
		want  time.Time
	}{
		{500 * time.Millisecond, simAt(1, 0), simAt(0, 30)}, // under the limit: runs
		{time.Second, simAt(1, 0), simAt(1, 0)},             // 01:30 by real time: held at 01:00
		{3 * time.Second, simAt(1, 0), simAt(1, 0)},         // still held
		{0, simAt(3, 0), simAt(1, 0)},                       // the limit moves: runs on from 01:00, no jump
		{time.Second, simAt(3, 0), simAt(2, 0)},             // an hour a second again
		{5 * time.Second, simAt(3, 0), simAt(3, 0)},         // held at the new limit
	} {
		r.pass(step.pass)
		limit = step.limit
		if got := c.Now(); !got.Equal(step.want) {
			t.Errorf("limit %s: %s, want %s", hhmm(step.limit), hhmm(got), hhmm(step.want))
		}
	}
	held, holds := c.Held()
	// 0.5 s past 01:00, then 3 s; 5 s − 1 s past 03:00 (the clock reached it 1 s in).
	if want := 7500 * time.Millisecond; held != want || holds != 2 {
		t.Errorf("held %s in %d holds, want %s in 2", held, holds, want)
	}
}

// A limit that does not move for MaxHold is let go: the clock runs on (a
// stuck service does not freeze the demo), never backwards, and holds
// again at the next limit once that is ahead of it.
func TestClockLetsAStuckLimitGo(t *testing.T) {
	r := &fakeReal{t: time.Unix(1e9, 0)}
	c := r.clock(3600)
	limit := simAt(1, 0)
	c.Limit = func() time.Time { return limit }
	c.MaxHold = 10 * time.Second
	r.pass(2 * time.Second)
	if got := c.Now(); !got.Equal(simAt(1, 0)) {
		t.Fatalf("%s, want held at 01:00", hhmm(got))
	}
	r.pass(10 * time.Second)
	if got := c.Now(); !got.Equal(simAt(1, 0)) || !c.Let().Equal(simAt(1, 0)) {
		t.Fatalf("%s (let %s), want 01:00 and the limit let go", hhmm(got), hhmm(c.Let()))
	}
	r.pass(2 * time.Second)
	if got := c.Now(); !got.Equal(simAt(3, 0)) {
		t.Errorf("after letting go: %s, want 03:00", hhmm(got))
	}
	// The service moves on, but to 02:00, behind the clock: it stands at 03:00.
	limit = simAt(2, 0)
	r.pass(time.Second)
	if got := c.Now(); !got.Equal(simAt(3, 0)) {
		t.Errorf("with the limit behind: %s, want 03:00 (never back)", hhmm(got))
	}
	// It catches up past the clock: runs on from 03:00 to the limit.
	limit = simAt(5, 0)
	r.pass(time.Second)
	if got := c.Now(); !got.Equal(simAt(4, 0)) {
		t.Errorf("with the limit ahead again: %s, want 04:00", hhmm(got))
	}
}
