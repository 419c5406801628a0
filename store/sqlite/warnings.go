package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

var _ lifecycle.WarningStore = (*DB)(nil)

// Publish records a transition once, with the warning it leaves and the
// proposal's new status, in one transaction. A known key records nothing
// (the proposal is still marked published). A warning that would be a
// second one in force in its region is refused (ECONFLICT), as is an
// update of a warning that does not exist (ENOTFOUND); neither records
// anything.
func (s *DB) Publish(ctx context.Context, proposalID int64, t lifecycle.Transition, w *lifecycle.Warning, audit lifecycle.AuditEntry) (lifecycle.Transition, bool, error) {
	const op = "sqlite.Publish"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return t, false, unavailable(op, err)
	}
	defer tx.Rollback()
	if err := setProposalStatus(ctx, tx, proposalID, lifecycle.StatusPublished, t.At); err != nil {
		return t, false, unavailable(op, err)
	}
	old, err := scanRecords[lifecycle.Transition](tx.QueryContext(ctx, `SELECT record FROM warning_transitions WHERE key = ?`, t.Key))
	if err != nil {
		return t, false, unavailable(op, err)
	}
	if len(old) > 0 {
		if err := tx.Commit(); err != nil {
			return t, false, unavailable(op, err)
		}
		return old[0], false, nil
	}
	if w != nil {
		id, err := saveWarning(ctx, tx, *w)
		if err != nil {
			return t, false, err
		}
		w.ID, t.WarningID = id, id
	}
	var wid any
	if t.WarningID > 0 {
		wid = t.WarningID
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO warning_transitions (key, warning_id, region, kind, at, record) VALUES (?,?,?,?,?,'{}')`,
		t.Key, wid, t.Region, t.Kind, t.At.UnixMilli())
	if err != nil {
		return t, false, unavailable(op, err)
	}
	t.ID, _ = res.LastInsertId()
	b, _ := json.Marshal(t)
	if _, err := tx.ExecContext(ctx, `UPDATE warning_transitions SET record = ? WHERE id = ?`, string(b), t.ID); err != nil {
		return t, false, unavailable(op, err)
	}
	if err := appendAudit(ctx, tx, audit); err != nil {
		return t, false, unavailable(op, err)
	}
	if err := tx.Commit(); err != nil {
		return t, false, unavailable(op, err)
	}
	return t, true, nil
}

// saveWarning inserts w (ID 0) or updates it, and returns its id. Its
// transitions are not part of the record: Warning reads them.
func saveWarning(ctx context.Context, tx *sql.Tx, w lifecycle.Warning) (int64, error) {
	const op = "sqlite.Publish"
	w.Transitions = nil
	active := 1
	if w.Lifted != nil {
		active = 0
	}
	if active == 1 {
		var other int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM alert_warnings WHERE region = ? AND active = 1 AND id != ?`, w.Region, w.ID).Scan(&other)
		switch {
		case err == nil:
			return 0, &aqwarn.Error{Code: aqwarn.ECONFLICT, Op: op,
				Message: fmt.Sprintf("region %s has warning %d in force already", w.Region, other)}
		case !errors.Is(err, sql.ErrNoRows):
			return 0, unavailable(op, err)
		}
	}
	if w.ID == 0 {
		res, err := tx.ExecContext(ctx, `INSERT INTO alert_warnings (region, active, record) VALUES (?,?,'{}')`, w.Region, active)
		if err != nil {
			return 0, unavailable(op, err)
		}
		w.ID, _ = res.LastInsertId()
	}
	b, _ := json.Marshal(w)
	res, err := tx.ExecContext(ctx, `UPDATE alert_warnings SET region = ?, active = ?, record = ? WHERE id = ?`, w.Region, active, string(b), w.ID)
	if err != nil {
		return 0, unavailable(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, &aqwarn.Error{Code: aqwarn.ENOTFOUND, Op: op, Message: fmt.Sprintf("no warning %d", w.ID)}
	}
	return w.ID, nil
}

func setProposalStatus(ctx context.Context, tx *sql.Tx, id int64, status string, at time.Time) error {
	recs, err := scanRecords[lifecycle.ProposalRecord](tx.QueryContext(ctx, `SELECT record FROM alert_proposals WHERE id = ?`, id))
	if err != nil || len(recs) == 0 {
		return err
	}
	rec := recs[0]
	rec.Status, rec.Updated = status, at
	b, _ := json.Marshal(rec)
	_, err = tx.ExecContext(ctx, `UPDATE alert_proposals SET status = ?, record = ? WHERE id = ?`, status, string(b), id)
	return err
}

// ActiveWarnings lists the warnings in force, one per region at most, by
// region.
func (s *DB) ActiveWarnings(ctx context.Context) ([]lifecycle.Warning, error) {
	ws, err := scanRecords[lifecycle.Warning](s.db.QueryContext(ctx, `SELECT record FROM alert_warnings WHERE active = 1 ORDER BY region`))
	if err != nil {
		return nil, unavailable("sqlite.ActiveWarnings", err)
	}
	return ws, nil
}

// LiftedAfter lists the lifted warnings whose lift takes effect after t,
// newest warning first. Lifts are announced at most hours ahead: the
// newest 50 lifted are read.
func (s *DB) LiftedAfter(ctx context.Context, t time.Time) ([]lifecycle.Warning, error) {
	ws, err := scanRecords[lifecycle.Warning](s.db.QueryContext(ctx, `SELECT record FROM alert_warnings WHERE active = 0 ORDER BY id DESC LIMIT 50`))
	if err != nil {
		return nil, unavailable("sqlite.LiftedAfter", err)
	}
	out := []lifecycle.Warning{}
	for _, w := range ws {
		if w.Lifted != nil && w.LiftEffective != nil && w.LiftEffective.After(t) {
			out = append(out, w)
		}
	}
	return out, nil
}

// Warning returns one warning with its transitions.
func (s *DB) Warning(ctx context.Context, id int64) (lifecycle.Warning, error) {
	const op = "sqlite.Warning"
	ws, err := scanRecords[lifecycle.Warning](s.db.QueryContext(ctx, `SELECT record FROM alert_warnings WHERE id = ?`, id))
	if err != nil {
		return lifecycle.Warning{}, unavailable(op, err)
	}
	if len(ws) == 0 {
		return lifecycle.Warning{}, &aqwarn.Error{Code: aqwarn.ENOTFOUND, Op: op, Message: fmt.Sprintf("no warning %d", id)}
	}
	w := ws[0]
	w.Transitions, err = scanRecords[lifecycle.Transition](s.db.QueryContext(ctx, `SELECT record FROM warning_transitions WHERE warning_id = ? ORDER BY id`, id))
	if err != nil {
		return lifecycle.Warning{}, unavailable(op, err)
	}
	return w, nil
}

// Transitions lists published transitions after an id, oldest first: the
// outbox the publisher delivers from. limit 0 reads 1000.
func (s *DB) Transitions(ctx context.Context, after int64, limit int) ([]lifecycle.Transition, error) {
	if limit <= 0 {
		limit = 1000
	}
	ts, err := scanRecords[lifecycle.Transition](s.db.QueryContext(ctx, `SELECT record FROM warning_transitions WHERE id > ? ORDER BY id LIMIT ?`, after, limit))
	if err != nil {
		return nil, unavailable("sqlite.Transitions", err)
	}
	return ts, nil
}
