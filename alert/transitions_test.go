package alert

import (
	"fmt"
	"testing"
)

// The table is complete: every (state, action) pair has a row, and every
// refusal has its reason in both languages.
func TestTransitionTableComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Transitions {
		k := fmt.Sprintf("%s/%s", r.From, r.Action)
		if seen[k] {
			t.Errorf("%s has two rows", k)
		}
		seen[k] = true
		if r.Refusal != nil && (r.Refusal.Message == "" || r.Refusal.MessageZH == "" || r.Refusal.Code != CodeTransitionInvalid) {
			t.Errorf("%s: refusal %+v", k, r.Refusal)
		}
		if r.Refusal == nil && (r.ChainAt == "" || r.Publishes == "") {
			t.Errorf("%s: no chain or publication named", k)
		}
	}
	for _, st := range []State{StateNone, StateActive, StatePaused} {
		for _, a := range knownActions {
			if !seen[fmt.Sprintf("%s/%s", st, a)] {
				t.Errorf("no row for %s/%s", st, a)
			}
		}
	}
}
