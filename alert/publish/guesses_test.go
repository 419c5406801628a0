package publish

import (
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
)

// Wrong codes per serial are bounded per window; other serials and the
// next window are not affected; the memory of serials is bounded.
func TestGuesses(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	g := &Guesses{Max: 3, Window: time.Hour, MaxSerials: 4}
	for i := range 3 {
		if err := g.Allow("N1-AAAAAAAA", t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatalf("try %d refused: %v", i+1, err)
		}
		g.Wrong("N1-AAAAAAAA", t0.Add(time.Duration(i)*time.Minute))
	}
	// the fourth try within the hour is refused, naming when to come back
	err := g.Allow("N1-AAAAAAAA", t0.Add(59*time.Minute))
	if aqwarn.ErrorCode(err) != "rate_limited" {
		t.Fatalf("4th try: %v, want rate_limited", err)
	}
	// another serial is unaffected
	if err := g.Allow("N1-BBBBBBBB", t0.Add(59*time.Minute)); err != nil {
		t.Errorf("other serial: %v", err)
	}
	// the window that began with the first wrong code ends after an hour
	if err := g.Allow("N1-AAAAAAAA", t0.Add(time.Hour)); err != nil {
		t.Errorf("next window: %v", err)
	}
	// bounded: spraying serials never grows the map past MaxSerials
	for i := range 20 {
		g.Wrong("N2-"+string(rune('A'+i))+"AAAAAAA", t0.Add(2*time.Hour))
	}
	if len(g.m) > 4 {
		t.Errorf("%d serials remembered, want at most 4", len(g.m))
	}
}
