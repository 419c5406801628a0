package sqlite

import (
	"context"
	"time"

	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

var _ lifecycle.WarningHistory = (*DB)(nil)

// WarningsBetween lists the warnings that existed at some instant of
// [from, to), with their transitions, oldest first. A county has tens of
// warnings a year: every warning's record is read and the span checked
// here.
func (s *DB) WarningsBetween(ctx context.Context, from, to time.Time) ([]lifecycle.Warning, error) {
	const op = "sqlite.WarningsBetween"
	ws, err := scanRecords[lifecycle.Warning](s.db.QueryContext(ctx, `SELECT record FROM alert_warnings ORDER BY id`))
	if err != nil {
		return nil, unavailable(op, err)
	}
	out := []lifecycle.Warning{}
	for _, w := range ws {
		if !w.Overlaps(from, to) {
			continue
		}
		if w.Transitions, err = scanRecords[lifecycle.Transition](s.db.QueryContext(ctx,
			`SELECT record FROM warning_transitions WHERE warning_id = ? ORDER BY id`, w.ID)); err != nil {
			return nil, unavailable(op, err)
		}
		out = append(out, w)
	}
	return out, nil
}
