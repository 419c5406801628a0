package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

// The warning lifecycle's tables. Records are kept as JSON next to the
// columns that are searched; keys are unique so a restart never repeats a
// proposal or a transition; the audit log is only ever inserted into.
var alertMigrations = []string{
	`CREATE TABLE IF NOT EXISTS alert_proposals (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		key TEXT NOT NULL UNIQUE,
		region TEXT NOT NULL,
		status TEXT NOT NULL,
		created INTEGER NOT NULL,
		record TEXT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS alert_proposals_status ON alert_proposals (status, region)`,
	`CREATE TABLE IF NOT EXISTS alert_warnings (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		region TEXT NOT NULL,
		active INTEGER NOT NULL,
		record TEXT NOT NULL
	)`,
	`CREATE UNIQUE INDEX IF NOT EXISTS alert_warnings_active ON alert_warnings (region) WHERE active = 1`,
	`CREATE TABLE IF NOT EXISTS warning_transitions (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		key TEXT NOT NULL UNIQUE,
		warning_id INTEGER,
		region TEXT NOT NULL,
		kind TEXT NOT NULL,
		at INTEGER NOT NULL,
		record TEXT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS warning_transitions_warning ON warning_transitions (warning_id, id)`,
	`CREATE TABLE IF NOT EXISTS alert_audit (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		at INTEGER NOT NULL,
		actor TEXT NOT NULL,
		role TEXT NOT NULL,
		action TEXT NOT NULL,
		subject TEXT NOT NULL,
		comment TEXT NOT NULL,
		detail TEXT
	)`,
	// Append-only: the database itself refuses to change or drop a line.
	`CREATE TRIGGER IF NOT EXISTS alert_audit_no_update BEFORE UPDATE ON alert_audit
		BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
	`CREATE TRIGGER IF NOT EXISTS alert_audit_no_delete BEFORE DELETE ON alert_audit
		BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
	`CREATE TABLE IF NOT EXISTS alert_prompts (
		id TEXT PRIMARY KEY,
		region TEXT NOT NULL,
		end_t INTEGER NOT NULL,
		record TEXT NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS alert_forecasts (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		region TEXT NOT NULL,
		source TEXT NOT NULL,
		issued INTEGER NOT NULL,
		record TEXT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS alert_forecasts_region ON alert_forecasts (region, issued)`,
}

var (
	_ lifecycle.Store         = (*DB)(nil)
	_ lifecycle.ForecastStore = (*DB)(nil)
)

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func appendAudit(ctx context.Context, x execer, e lifecycle.AuditEntry) error {
	var detail any
	if len(e.Detail) > 0 {
		detail = string(e.Detail)
	}
	_, err := x.ExecContext(ctx, `INSERT INTO alert_audit (at, actor, role, action, subject, comment, detail) VALUES (?,?,?,?,?,?,?)`,
		e.At.UnixMilli(), e.Actor, e.Role, e.Action, e.Subject, e.Comment, detail)
	return err
}

// AddProposal stores a proposal unless its key is known.
func (s *DB) AddProposal(ctx context.Context, rec lifecycle.ProposalRecord, audit lifecycle.AuditEntry) (lifecycle.ProposalRecord, bool, error) {
	const op = "sqlite.AddProposal"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return rec, false, unavailable(op, err)
	}
	defer tx.Rollback()
	b, _ := json.Marshal(rec)
	res, err := tx.ExecContext(ctx, `INSERT INTO alert_proposals (key, region, status, created, record) VALUES (?,?,?,?,?)
		ON CONFLICT (key) DO NOTHING`, rec.Key, rec.Region, rec.Status, rec.Created.UnixMilli(), string(b))
	if err != nil {
		return rec, false, unavailable(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		old, ok, err := proposalByKey(ctx, tx, rec.Key)
		if err != nil || !ok {
			return rec, false, unavailable(op, errors.Join(err, errors.New("proposal vanished")))
		}
		return old, false, nil
	}
	rec.ID, _ = res.LastInsertId()
	b, _ = json.Marshal(rec)
	if _, err := tx.ExecContext(ctx, `UPDATE alert_proposals SET record = ? WHERE id = ?`, string(b), rec.ID); err != nil {
		return rec, false, unavailable(op, err)
	}
	audit.Subject = fmt.Sprintf("proposal %d", rec.ID)
	if err := appendAudit(ctx, tx, audit); err != nil {
		return rec, false, unavailable(op, err)
	}
	if err := tx.Commit(); err != nil {
		return rec, false, unavailable(op, err)
	}
	return rec, true, nil
}

// UpdateProposal saves a proposal's status and approval with its audit lines.
func (s *DB) UpdateProposal(ctx context.Context, rec lifecycle.ProposalRecord, audit ...lifecycle.AuditEntry) error {
	const op = "sqlite.UpdateProposal"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable(op, err)
	}
	defer tx.Rollback()
	b, _ := json.Marshal(rec)
	res, err := tx.ExecContext(ctx, `UPDATE alert_proposals SET status = ?, record = ? WHERE id = ?`, rec.Status, string(b), rec.ID)
	if err != nil {
		return unavailable(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &aqwarn.Error{Code: aqwarn.ENOTFOUND, Op: op, Message: fmt.Sprintf("no proposal %d", rec.ID)}
	}
	for _, a := range audit {
		if err := appendAudit(ctx, tx, a); err != nil {
			return unavailable(op, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return unavailable(op, err)
	}
	return nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func scanRecords[T any](rows *sql.Rows, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var v T
		if err := json.Unmarshal([]byte(b), &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func proposalByKey(ctx context.Context, q queryer, key string) (lifecycle.ProposalRecord, bool, error) {
	recs, err := scanRecords[lifecycle.ProposalRecord](q.QueryContext(ctx, `SELECT record FROM alert_proposals WHERE key = ?`, key))
	if err != nil || len(recs) == 0 {
		return lifecycle.ProposalRecord{}, false, err
	}
	return recs[0], true, nil
}

// Proposal returns one proposal.
func (s *DB) Proposal(ctx context.Context, id int64) (lifecycle.ProposalRecord, error) {
	recs, err := scanRecords[lifecycle.ProposalRecord](s.db.QueryContext(ctx, `SELECT record FROM alert_proposals WHERE id = ?`, id))
	if err != nil {
		return lifecycle.ProposalRecord{}, unavailable("sqlite.Proposal", err)
	}
	if len(recs) == 0 {
		return lifecycle.ProposalRecord{}, &aqwarn.Error{Code: aqwarn.ENOTFOUND, Op: "sqlite.Proposal", Message: fmt.Sprintf("no proposal %d", id)}
	}
	return recs[0], nil
}

// ProposalByKey returns the proposal with the idempotency key.
func (s *DB) ProposalByKey(ctx context.Context, key string) (lifecycle.ProposalRecord, bool, error) {
	rec, ok, err := proposalByKey(ctx, s.db, key)
	if err != nil {
		return rec, false, unavailable("sqlite.ProposalByKey", err)
	}
	return rec, ok, nil
}

// Proposals lists proposals, newest first.
func (s *DB) Proposals(ctx context.Context, f lifecycle.ProposalFilter) ([]lifecycle.ProposalRecord, error) {
	q := `SELECT record FROM alert_proposals WHERE 1=1`
	var args []any
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Region != "" {
		q += ` AND region = ?`
		args = append(args, f.Region)
	}
	q += ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	recs, err := scanRecords[lifecycle.ProposalRecord](s.db.QueryContext(ctx, q, args...))
	if err != nil {
		return nil, unavailable("sqlite.Proposals", err)
	}
	return recs, nil
}

// Publish records a transition once, with the warning it leaves and the
// proposal's new status, in one transaction.
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
		active := 1
		if w.Lifted != nil {
			active = 0
		}
		w.Transitions = nil
		if w.ID == 0 {
			res, err := tx.ExecContext(ctx, `INSERT INTO alert_warnings (region, active, record) VALUES (?,?,'{}')`, w.Region, active)
			if err != nil {
				return t, false, unavailable(op, err)
			}
			w.ID, _ = res.LastInsertId()
		}
		b, _ := json.Marshal(w)
		if _, err := tx.ExecContext(ctx, `UPDATE alert_warnings SET active = ?, record = ? WHERE id = ?`, active, string(b), w.ID); err != nil {
			return t, false, unavailable(op, err)
		}
		t.WarningID = w.ID
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

// ActiveWarnings lists the warnings in force, one per region at most.
func (s *DB) ActiveWarnings(ctx context.Context) ([]lifecycle.Warning, error) {
	ws, err := scanRecords[lifecycle.Warning](s.db.QueryContext(ctx, `SELECT record FROM alert_warnings WHERE active = 1 ORDER BY region`))
	if err != nil {
		return nil, unavailable("sqlite.ActiveWarnings", err)
	}
	return ws, nil
}

// LiftedAfter lists the lifted warnings whose lift takes effect after t.
// Lifts are announced at most hours ahead: the newest 50 lifted are read.
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
// outbox the publisher delivers from.
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

// AppendAudit adds one line to the audit log.
func (s *DB) AppendAudit(ctx context.Context, e lifecycle.AuditEntry) error {
	if err := appendAudit(ctx, s.db, e); err != nil {
		return unavailable("sqlite.AppendAudit", err)
	}
	return nil
}

// Audit lists audit lines after an id, oldest first.
func (s *DB) Audit(ctx context.Context, after int64, limit int) ([]lifecycle.AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, actor, role, action, subject, comment, detail FROM alert_audit WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, unavailable("sqlite.Audit", err)
	}
	defer rows.Close()
	out := []lifecycle.AuditEntry{}
	for rows.Next() {
		var e lifecycle.AuditEntry
		var at int64
		var detail sql.NullString
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Role, &e.Action, &e.Subject, &e.Comment, &detail); err != nil {
			return nil, unavailable("sqlite.Audit", err)
		}
		e.At = time.UnixMilli(at).UTC()
		if detail.Valid {
			e.Detail = json.RawMessage(detail.String)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

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

// Prompts lists the prompts not over at the instant.
func (s *DB) Prompts(ctx context.Context, at time.Time) ([]alert.UpstreamPrompt, error) {
	ps, err := scanRecords[alert.UpstreamPrompt](s.db.QueryContext(ctx, `SELECT record FROM alert_prompts WHERE end_t > ? ORDER BY id`, at.Unix()))
	if err != nil {
		return nil, unavailable("sqlite.Prompts", err)
	}
	return ps, nil
}

// AddForecast keeps a forecast and returns its id.
func (s *DB) AddForecast(ctx context.Context, f alert.Forecast) (int64, error) {
	const op = "sqlite.AddForecast"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, unavailable(op, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO alert_forecasts (region, source, issued, record) VALUES (?,?,?,'{}')`, f.Region, f.Source, f.IssuedAt.UnixMilli())
	if err != nil {
		return 0, unavailable(op, err)
	}
	f.ID, _ = res.LastInsertId()
	b, _ := json.Marshal(f)
	if _, err := tx.ExecContext(ctx, `UPDATE alert_forecasts SET record = ? WHERE id = ?`, string(b), f.ID); err != nil {
		return 0, unavailable(op, err)
	}
	return f.ID, unavailableIf(op, tx.Commit())
}

// Forecasts lists a region's forecasts (every region's when empty) issued
// in [from, to], oldest first.
func (s *DB) Forecasts(ctx context.Context, region string, from, to time.Time) ([]alert.Forecast, error) {
	q := `SELECT record FROM alert_forecasts WHERE issued >= ? AND issued <= ?`
	args := []any{from.UnixMilli(), to.UnixMilli()}
	if region != "" {
		q += ` AND region = ?`
		args = append(args, region)
	}
	fs, err := scanRecords[alert.Forecast](s.db.QueryContext(ctx, q+` ORDER BY issued, id`, args...))
	if err != nil {
		return nil, unavailable("sqlite.Forecasts", err)
	}
	return fs, nil
}

func unavailableIf(op string, err error) error {
	if err == nil {
		return nil
	}
	return unavailable(op, err)
}
