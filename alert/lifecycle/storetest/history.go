package storetest

import (
	"fmt"
	"testing"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

// WarningsBetween lists the warnings that existed at some instant of
// [from, to) — from issue (or an earlier effective start) to the lift's
// effective time, open while in force — with their transitions, oldest
// first.
func warningsBetween(t *testing.T, st lifecycle.Store) {
	s := st.(lifecycle.WarningHistory)
	ctx := t.Context()
	// w1: issued at 0 h, lifted at 5 h effective 8 h.
	w1 := lift(t, st, "k1-lift", issue(t, st, "k1", "a-region", hours(0)), hours(5), new(hours(8)))
	// w2: issued at 10 h, effective from 20 h, lifted at 30 h with no effective time.
	w2 := warning("b-region", hours(10))
	w2.EffectiveStart = hours(20)
	publish(t, st, 0, transition("k2", "b-region", alert.KindIssue, 0, hours(10)), w2)
	up := transition("k2-up", "b-region", alert.KindUpgrade, 0, hours(22))
	up.WarningID = w2.ID
	publish(t, st, 0, up, w2)
	lifted := lift(t, st, "k2-lift", *w2, hours(30), nil)
	// w3: in force since 40 h.
	w3 := issue(t, st, "k3", "a-region", hours(40))
	for _, c := range []struct {
		from, to float64
		want     []int64
	}{
		{-10, 0, nil},                              // before anything: [from, to) ends where w1 begins
		{-10, 0.5, []int64{w1.ID}},                 // w1 from its issue
		{7, 9, []int64{w1.ID}},                     // w1 until its lift takes effect (8 h), not its publication (5 h)
		{8, 10, nil},                               // w1 over at 8 h; w2 issued at 10 h
		{9, 10.5, []int64{w2.ID}},                  // w2 from its issue, before its effective start
		{29, 100, []int64{w2.ID, w3.ID}},           // w2 until its lift (no effective time); w3 open, oldest first
		{1000, 1001, []int64{w3.ID}},               // w3 still in force
		{-100, 1000, []int64{w1.ID, w2.ID, w3.ID}}, // everything
	} {
		got, err := s.WarningsBetween(ctx, hours(c.from), hours(c.to))
		must(t, err)
		equal(t, fmt.Sprintf("WarningsBetween(%v h, %v h)", c.from, c.to), ids(got, func(w lifecycle.Warning) int64 { return w.ID }), orEmpty(c.want))
	}
	// With their transitions, as Warning gives them.
	got, err := s.WarningsBetween(ctx, hours(20), hours(21))
	must(t, err)
	one, err := st.Warning(ctx, lifted.ID)
	must(t, err)
	sameList(t, "the warning of 20–21 h", got, []lifecycle.Warning{one})
	equal(t, "its transitions", keys(got[0].Transitions), []string{"k2", "k2-up", "k2-lift"})
}

func orEmpty(xs []int64) []int64 {
	if xs == nil {
		return []int64{}
	}
	return xs
}
