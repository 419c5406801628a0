// Package contract runs a store contract: rules every implementation of a
// store interface must keep (the in-memory store and SQLite today; a second
// database later), each rule on a fresh store. The contracts themselves
// live next to the interface they check (alert/lifecycle/storetest,
// compliance/inspect/storetest).
package contract

import "testing"

// Rule is one rule of a contract.
type Rule[S any] struct {
	Name string
	Run  func(t *testing.T, s S)
}

// Open returns an empty store for one subtest and, when the store keeps its
// data across a restart, reopen: it closes the store and opens the same data
// again, as a restart does (nil when the store keeps nothing).
type Open[S any] func(t *testing.T) (s S, reopen func(t *testing.T) S)

// Run runs each rule on a fresh store from open, the rules in parallel
// (open is called from several goroutines). applies, when not nil, drops
// the rules a store does not support (probed on one store of open's): a
// rule that does not apply is not run, rather than skipped. restart runs,
// on one more store, only when open's stores reopen.
func Run[S any](t *testing.T, open Open[S], rules []Rule[S], applies func(probe S, rule string) bool, restart func(t *testing.T, s S, reopen func(t *testing.T) S)) {
	probe, reopenable := open(t)
	for _, r := range rules {
		if applies != nil && !applies(probe, r.Name) {
			continue
		}
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			s, _ := open(t)
			r.Run(t, s)
		})
	}
	if reopenable != nil && restart != nil {
		t.Run("Restart", func(t *testing.T) {
			t.Parallel()
			s, reopen := open(t)
			restart(t, s, reopen)
		})
	}
}
