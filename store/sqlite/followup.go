package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/followup"
)

// The member units' follow-up (followup.Store): notices and their
// acknowledgement, tasks and the board.
var _ followup.Store = (*Deliveries)(nil)

// Assign records a transition's notices and task states in one transaction.
func (s *Deliveries) Assign(ctx context.Context, warningID int64, notices []followup.Notice, tasks []followup.TaskState) error {
	tx, err := s.db.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable("sqlite.Assign", err)
	}
	defer tx.Rollback()
	current := map[string]bool{}
	for _, n := range notices {
		current[n.Transition] = true
	}
	// A new transition supersedes the earlier notices of the warning.
	open, err := queryAll(ctx, tx, "sqlite.Assign", func(rows *sql.Rows, tr *string) error { return rows.Scan(tr) },
		`SELECT DISTINCT transition FROM unit_notices WHERE warning_id = ? AND closed = 0`, warningID)
	if err != nil {
		return err
	}
	if len(notices) > 0 || len(tasks) > 0 {
		for _, tr := range open {
			if current[tr] {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE unit_notices SET closed = 1 WHERE transition = ?`, tr); err != nil {
				return unavailable("sqlite.Assign", err)
			}
		}
	}
	for _, n := range notices {
		if _, err := tx.ExecContext(ctx, `INSERT INTO unit_notices (transition, unit, warning_id, sent) VALUES (?,?,?,?)
			ON CONFLICT (transition, unit) DO NOTHING`, n.Transition, n.Unit, n.WarningID, ms(n.Sent)); err != nil {
			return unavailable("sqlite.Assign", err)
		}
	}
	for _, t := range tasks {
		var old string
		err := tx.QueryRowContext(ctx, `SELECT state FROM unit_tasks WHERE warning_id = ? AND unit = ? AND task = ?`,
			t.WarningID, t.Unit, t.Task).Scan(&old)
		if err != nil && err != sql.ErrNoRows {
			return unavailable("sqlite.Assign", err)
		}
		state := followup.Merge(old, t.State)
		if old != "" && state == old {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO unit_tasks (warning_id, unit, task, kind, text_zh, text_en, state, assigned, due, updated)
			VALUES (?,?,?,?,?,?,?,?,?,?)
			ON CONFLICT (warning_id, unit, task) DO UPDATE SET state = excluded.state, updated = excluded.updated`,
			t.WarningID, t.Unit, t.Task, t.Kind, t.TextZH, t.TextEN, state, ms(t.Assigned), ms(t.Due), ms(t.Updated)); err != nil {
			return unavailable("sqlite.Assign", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return unavailable("sqlite.Assign", err)
	}
	return nil
}

// Acknowledge marks a unit's open notices (of one warning, or all when
// warningID is 0) and its assigned tasks acknowledged.
func (s *Deliveries) Acknowledge(ctx context.Context, warningID int64, unit, by string, at time.Time) (int, error) {
	tx, err := s.db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, unavailable("sqlite.Acknowledge", err)
	}
	defer tx.Rollback()
	cond, args := ` AND (? = 0 OR warning_id = ?)`, []any{warningID, warningID}
	res, err := tx.ExecContext(ctx, `UPDATE unit_notices SET acked_at = ?, ack_by = ? WHERE unit = ? AND acked_at = 0 AND closed = 0`+cond,
		append([]any{ms(at), by, unit}, args...)...)
	if err != nil {
		return 0, unavailable("sqlite.Acknowledge", err)
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `UPDATE unit_tasks SET state = ?, updated = ? WHERE unit = ? AND state = ? AND kind != 'followup'`+cond,
		append([]any{followup.TaskAcknowledged, ms(at), unit, followup.TaskAssigned}, args...)...); err != nil {
		return 0, unavailable("sqlite.Acknowledge", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, unavailable("sqlite.Acknowledge", err)
	}
	return int(n), nil
}

// FinishTask marks one open task done with a note.
func (s *Deliveries) FinishTask(ctx context.Context, warningID int64, unit, task, note string, at time.Time) error {
	res, err := s.db.db.ExecContext(ctx, `UPDATE unit_tasks SET state = ?, note = ?, updated = ?
		WHERE warning_id = ? AND unit = ? AND task = ? AND state IN (?, ?)`,
		followup.TaskDone, note, ms(at), warningID, unit, task, followup.TaskAssigned, followup.TaskAcknowledged)
	if err != nil {
		return unavailable("sqlite.FinishTask", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &aqwarn.Error{Code: aqwarn.ECONFLICT, Op: "sqlite.FinishTask",
			Message: "no open task " + task + " of unit " + unit + " in this warning"}
	}
	return nil
}

const noticeColumns = `transition, unit, warning_id, sent, acked_at, ack_by, resends, escalated, escalations, closed`

func (s *Deliveries) notices(ctx context.Context, where string, args ...any) ([]followup.Notice, error) {
	return queryAll(ctx, s.db.db, "sqlite.notices", func(rows *sql.Rows, n *followup.Notice) error {
		var sent, acked, esc int64
		if err := rows.Scan(&n.Transition, &n.Unit, &n.WarningID, &sent, &acked, &n.AckBy, &n.Resends, &esc, &n.Escalations, &n.Closed); err != nil {
			return err
		}
		n.Sent, n.AckedAt, n.Escalated = fromMS(sent), fromMS(acked), fromMS(esc)
		return nil
	}, `SELECT `+noticeColumns+` FROM unit_notices `+where, args...)
}

// OpenNotices lists notices neither acknowledged nor closed.
func (s *Deliveries) OpenNotices(ctx context.Context) ([]followup.Notice, error) {
	return s.notices(ctx, `WHERE acked_at = 0 AND closed = 0 ORDER BY sent, unit`)
}

// Notices lists a warning's notices.
func (s *Deliveries) Notices(ctx context.Context, warningID int64) ([]followup.Notice, error) {
	return s.notices(ctx, `WHERE warning_id = ? ORDER BY sent, unit`, warningID)
}

// MarkNotice saves a notice's reminders and escalation.
func (s *Deliveries) MarkNotice(ctx context.Context, n followup.Notice) error {
	_, err := s.db.db.ExecContext(ctx, `UPDATE unit_notices SET resends = ?, escalated = ?, escalations = ? WHERE transition = ? AND unit = ?`,
		n.Resends, ms(n.Escalated), n.Escalations, n.Transition, n.Unit)
	if err != nil {
		return unavailable("sqlite.MarkNotice", err)
	}
	return nil
}

// Board lists a warning's task states (unit × task), by unit then task.
func (s *Deliveries) Board(ctx context.Context, warningID int64) ([]followup.TaskState, error) {
	return queryAll(ctx, s.db.db, "sqlite.Board", func(rows *sql.Rows, t *followup.TaskState) error {
		var assigned, due, updated int64
		if err := rows.Scan(&t.WarningID, &t.Unit, &t.Task, &t.Kind, &t.TextZH, &t.TextEN, &t.State, &assigned, &due, &updated, &t.Note); err != nil {
			return err
		}
		t.Assigned, t.Due, t.Updated = fromMS(assigned), fromMS(due), fromMS(updated)
		return nil
	}, `SELECT warning_id, unit, task, kind, text_zh, text_en, state, assigned, due, updated, note
		FROM unit_tasks WHERE warning_id = ? ORDER BY unit, assigned, task`, warningID)
}
