package lifecycle

import (
	"context"
	"time"
)

// Span is when a warning existed: from its issue (or its effective start,
// when that is earlier) to the time its lift took effect (the lift's
// publication when it gave none); End is zero while it is in force.
func (w Warning) Span() (start, end time.Time) {
	start = w.Issued
	if !w.EffectiveStart.IsZero() && (start.IsZero() || w.EffectiveStart.Before(start)) {
		start = w.EffectiveStart
	}
	switch {
	case w.LiftEffective != nil:
		end = *w.LiftEffective
	case w.Lifted != nil:
		end = *w.Lifted
	}
	return start, end
}

// Overlaps reports whether the warning existed at some instant of
// [from, to).
func (w Warning) Overlaps(from, to time.Time) bool {
	start, end := w.Span()
	return start.Before(to) && (end.IsZero() || end.After(from))
}

// WarningHistory lists past and present warnings (both stores have it;
// storetest checks it).
type WarningHistory interface {
	// WarningsBetween lists the warnings that existed at some instant of
	// [from, to) (Warning.Overlaps), each with its transitions, oldest
	// warning first.
	WarningsBetween(ctx context.Context, from, to time.Time) ([]Warning, error)
}

var _ WarningHistory = (*MemStore)(nil)

// WarningsBetween lists the warnings that existed at some instant of
// [from, to), with their transitions, oldest first.
func (m *MemStore) WarningsBetween(_ context.Context, from, to time.Time) ([]Warning, error) {
	out := []Warning{}
	for _, w := range m.AllWarnings() {
		if w.Overlaps(from, to) {
			out = append(out, w)
		}
	}
	return out, nil
}
