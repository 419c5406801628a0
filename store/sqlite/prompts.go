package sqlite

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

var _ lifecycle.PromptStore = (*DB)(nil)

// AddPrompt keeps an upstream prompt (once per id).
func (s *DB) AddPrompt(ctx context.Context, u alert.UpstreamPrompt, audit lifecycle.AuditEntry) (bool, error) {
	const op = "sqlite.AddPrompt"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, unavailable(op, err)
	}
	defer tx.Rollback()
	b, _ := json.Marshal(u)
	res, err := tx.ExecContext(ctx, `INSERT INTO alert_prompts (id, region, end_t, record) VALUES (?,?,?,?) ON CONFLICT (id) DO NOTHING`,
		u.ID, u.Region, u.End.Unix(), string(b))
	if err != nil {
		return false, unavailable(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if err := appendAudit(ctx, tx, audit); err != nil {
		return false, unavailable(op, err)
	}
	return true, unavailableIf(op, tx.Commit())
}

// Prompts lists the prompts not over at the instant (End after it), by id.
func (s *DB) Prompts(ctx context.Context, at time.Time) ([]alert.UpstreamPrompt, error) {
	// end_t is in whole seconds: the query keeps those ending in at's
	// second or later, the exact instant decides.
	ps, err := scanRecords[alert.UpstreamPrompt](s.db.QueryContext(ctx, `SELECT record FROM alert_prompts WHERE end_t >= ? ORDER BY id`, at.Unix()))
	if err != nil {
		return nil, unavailable("sqlite.Prompts", err)
	}
	out := ps[:0]
	for _, p := range ps {
		if p.End.After(at) {
			out = append(out, p)
		}
	}
	return out, nil
}
