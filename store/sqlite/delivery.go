package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/alert/publish"
)

// Deliveries is the notification log of package notify (its outbox), kept in
// the embedded store: one row per (transition, unit, channel) key.
type Deliveries struct {
	db *DB
}

var (
	_ notify.Log       = (*Deliveries)(nil)
	_ publish.CAPStore = (*Deliveries)(nil)
	_ followup.Store   = (*Deliveries)(nil)
)

var deliverySchema = []string{
	`CREATE TABLE IF NOT EXISTS deliveries (
		key TEXT PRIMARY KEY,
		transition TEXT NOT NULL,
		unit TEXT NOT NULL,
		channel TEXT NOT NULL,
		delivery TEXT NOT NULL,       -- notify.Delivery as JSON
		state TEXT NOT NULL,
		owner TEXT NOT NULL DEFAULT '',
		attempts INTEGER NOT NULL DEFAULT 0,
		created INTEGER NOT NULL,     -- unix milliseconds
		next_at INTEGER NOT NULL,
		sent_at INTEGER NOT NULL DEFAULT 0,
		last_error TEXT NOT NULL DEFAULT ''
	) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_at)`,
	`CREATE INDEX IF NOT EXISTS deliveries_transition ON deliveries (transition, unit)`,
	`CREATE TABLE IF NOT EXISTS caps (
		transition TEXT PRIMARY KEY,
		warning_id INTEGER NOT NULL,
		region TEXT NOT NULL,
		identifier TEXT NOT NULL UNIQUE,
		sender TEXT NOT NULL,
		sent INTEGER NOT NULL,        -- unix milliseconds
		msg_type TEXT NOT NULL,
		xml TEXT NOT NULL,
		seq INTEGER NOT NULL          -- insertion order, for the feed
	) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS caps_warning ON caps (warning_id, seq)`,
	`CREATE INDEX IF NOT EXISTS caps_seq ON caps (seq)`,
	`CREATE TABLE IF NOT EXISTS unit_notices (
		transition TEXT NOT NULL,
		unit TEXT NOT NULL,
		warning_id INTEGER NOT NULL,
		sent INTEGER NOT NULL,
		acked_at INTEGER NOT NULL DEFAULT 0,
		ack_by TEXT NOT NULL DEFAULT '',
		resends INTEGER NOT NULL DEFAULT 0,
		escalated INTEGER NOT NULL DEFAULT 0,
		closed INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (transition, unit)
	) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS unit_notices_open ON unit_notices (acked_at, closed)`,
	`CREATE TABLE IF NOT EXISTS unit_tasks (
		warning_id INTEGER NOT NULL,
		unit TEXT NOT NULL,
		task TEXT NOT NULL,
		kind TEXT NOT NULL,
		text_zh TEXT NOT NULL,
		text_en TEXT NOT NULL,
		state TEXT NOT NULL,
		assigned INTEGER NOT NULL,
		due INTEGER NOT NULL DEFAULT 0,
		updated INTEGER NOT NULL,
		note TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (warning_id, unit, task)
	) WITHOUT ROWID`,
}

// NewDeliveries opens the notification log, creating its table when needed.
func NewDeliveries(ctx context.Context, db *DB) (*Deliveries, error) {
	for _, m := range deliverySchema {
		if _, err := db.db.ExecContext(ctx, m); err != nil {
			return nil, &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.NewDeliveries", Message: "migration failed", Err: err}
		}
	}
	return &Deliveries{db: db}, nil
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// Enqueue adds the deliveries whose key is new, in one transaction.
func (s *Deliveries) Enqueue(ctx context.Context, ds []notify.Delivery, now time.Time) (int, error) {
	tx, err := s.db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, unavailable("sqlite.Enqueue", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO deliveries (key, transition, unit, channel, delivery, state, created, next_at)
		VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (key) DO NOTHING`)
	if err != nil {
		return 0, unavailable("sqlite.Enqueue", err)
	}
	defer stmt.Close()
	added := 0
	for _, d := range ds {
		b, err := json.Marshal(d)
		if err != nil {
			return 0, &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.Enqueue", Message: "encode delivery", Err: err}
		}
		res, err := stmt.ExecContext(ctx, d.Key, d.Message.Transition, d.Recipient.Unit, d.Channel.Kind, string(b),
			notify.StatePending, ms(now), ms(now))
		if err != nil {
			return 0, unavailable("sqlite.Enqueue", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			added++
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, unavailable("sqlite.Enqueue", err)
	}
	return added, nil
}

const entryColumns = `key, delivery, state, owner, attempts, created, next_at, sent_at, last_error`

func scanEntry(rows *sql.Rows) (notify.Entry, string, error) {
	var e notify.Entry
	var raw, owner string
	var created, next, sent int64
	if err := rows.Scan(&e.Key, &raw, &e.State, &owner, &e.Attempts, &created, &next, &sent, &e.LastError); err != nil {
		return e, "", err
	}
	key := e.Key
	if err := json.Unmarshal([]byte(raw), &e.Delivery); err != nil {
		return e, "", err
	}
	e.Key = key
	e.Created, e.NextAt, e.SentAt = fromMS(created), fromMS(next), fromMS(sent)
	return e, owner, nil
}

// Claim marks up to limit due entries as sending by owner and returns them,
// oldest first. Entries left sending by another owner (a process that
// stopped between sending and recording) come back as redeliveries.
func (s *Deliveries) Claim(ctx context.Context, owner string, now time.Time, limit int) ([]notify.Entry, error) {
	tx, err := s.db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, unavailable("sqlite.Claim", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+entryColumns+` FROM deliveries
		WHERE (state = ? AND next_at <= ?) OR (state = ? AND owner != ?)
		ORDER BY created, key LIMIT ?`,
		notify.StatePending, ms(now), notify.StateSending, owner, limit)
	if err != nil {
		return nil, unavailable("sqlite.Claim", err)
	}
	var out []notify.Entry
	for rows.Next() {
		e, prev, err := scanEntry(rows)
		if err != nil {
			rows.Close()
			return nil, &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.Claim", Message: "corrupt delivery row", Err: err}
		}
		if e.State == notify.StateSending && prev != owner {
			e.Redelivery = true
		}
		e.State = notify.StateSending
		e.Attempts++
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, unavailable("sqlite.Claim", err)
	}
	for _, e := range out {
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = ?, owner = ?, attempts = ? WHERE key = ?`,
			notify.StateSending, owner, e.Attempts, e.Key); err != nil {
			return nil, unavailable("sqlite.Claim", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, unavailable("sqlite.Claim", err)
	}
	return out, nil
}

// Record writes the results of attempts in one transaction.
func (s *Deliveries) Record(ctx context.Context, rs []notify.Result) error {
	tx, err := s.db.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable("sqlite.Record", err)
	}
	defer tx.Rollback()
	for _, r := range rs {
		sent := int64(0)
		if r.State == notify.StateSent {
			sent = ms(r.At)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = ?, owner = '', next_at = ?, sent_at = ?, last_error = ? WHERE key = ?`,
			r.State, ms(r.NextAt), sent, r.LastError, r.Key); err != nil {
			return unavailable("sqlite.Record", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return unavailable("sqlite.Record", err)
	}
	return nil
}

// DeliveryFilter selects log entries; zero fields select everything.
type DeliveryFilter struct {
	Transition string
	Unit       string
	States     []string
	Limit      int // default 500
}

// DeliveryEntries lists log entries, oldest first: what duty staff see of
// deliveries (failed ones above all).
func (s *Deliveries) DeliveryEntries(ctx context.Context, f DeliveryFilter) ([]notify.Entry, error) {
	q := `SELECT ` + entryColumns + ` FROM deliveries WHERE 1=1`
	var args []any
	if f.Transition != "" {
		q += ` AND transition = ?`
		args = append(args, f.Transition)
	}
	if f.Unit != "" {
		q += ` AND unit = ?`
		args = append(args, f.Unit)
	}
	if len(f.States) > 0 {
		q += ` AND state IN (?` + strings.Repeat(",?", len(f.States)-1) + `)`
		for _, st := range f.States {
			args = append(args, st)
		}
	}
	if f.Limit <= 0 {
		f.Limit = 500
	}
	q += ` ORDER BY created, key LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, unavailable("sqlite.DeliveryEntries", err)
	}
	defer rows.Close()
	var out []notify.Entry
	for rows.Next() {
		e, _, err := scanEntry(rows)
		if err != nil {
			return nil, &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.DeliveryEntries", Message: "corrupt delivery row", Err: err}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AddCAP stores a CAP message unless its transition has one, and returns
// the stored record.
func (s *Deliveries) AddCAP(ctx context.Context, r publish.CAPRecord) (publish.CAPRecord, error) {
	if known, err := s.caps(ctx, `WHERE transition = ?`, r.Transition); err != nil || len(known) > 0 {
		if err != nil {
			return r, err
		}
		return known[0], nil
	}
	if _, taken, err := s.CAPByIdentifier(ctx, r.Identifier); err != nil || taken {
		if err != nil {
			return r, err
		}
		return r, publish.ErrIdentifierTaken
	}
	_, err := s.db.db.ExecContext(ctx, `INSERT INTO caps (transition, warning_id, region, identifier, sender, sent, msg_type, xml, seq)
		VALUES (?,?,?,?,?,?,?,?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM caps)) ON CONFLICT (transition) DO NOTHING`,
		r.Transition, r.WarningID, r.Region, r.Identifier, r.Sender, ms(r.Sent), r.MsgType, r.XML)
	if err != nil {
		return r, unavailable("sqlite.AddCAP", err)
	}
	recs, err := s.caps(ctx, `WHERE transition = ?`, r.Transition)
	if err != nil {
		return r, err
	}
	if len(recs) == 0 {
		return r, &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.AddCAP", Message: "CAP record vanished"}
	}
	return recs[0], nil
}

// WarningCAPs lists a warning's CAP messages, oldest first.
func (s *Deliveries) WarningCAPs(ctx context.Context, warningID int64) ([]publish.CAPRecord, error) {
	return s.caps(ctx, `WHERE warning_id = ? ORDER BY seq`, warningID)
}

// RecentCAPs lists the newest CAP messages first (the Atom feed).
func (s *Deliveries) RecentCAPs(ctx context.Context, limit int) ([]publish.CAPRecord, error) {
	return s.caps(ctx, `ORDER BY seq DESC LIMIT ?`, limit)
}

// CAPByIdentifier finds one message.
func (s *Deliveries) CAPByIdentifier(ctx context.Context, id string) (publish.CAPRecord, bool, error) {
	recs, err := s.caps(ctx, `WHERE identifier = ?`, id)
	if err != nil || len(recs) == 0 {
		return publish.CAPRecord{}, false, err
	}
	return recs[0], true, nil
}

func (s *Deliveries) caps(ctx context.Context, where string, args ...any) ([]publish.CAPRecord, error) {
	rows, err := s.db.db.QueryContext(ctx, `SELECT transition, warning_id, region, identifier, sender, sent, msg_type, xml FROM caps `+where, args...)
	if err != nil {
		return nil, unavailable("sqlite.caps", err)
	}
	defer rows.Close()
	var out []publish.CAPRecord
	for rows.Next() {
		var r publish.CAPRecord
		var sent int64
		if err := rows.Scan(&r.Transition, &r.WarningID, &r.Region, &r.Identifier, &r.Sender, &sent, &r.MsgType, &r.XML); err != nil {
			return nil, unavailable("sqlite.caps", err)
		}
		r.Sent = fromMS(sent)
		out = append(out, r)
	}
	return out, rows.Err()
}

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
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT transition FROM unit_notices WHERE warning_id = ? AND closed = 0`, warningID)
	if err != nil {
		return unavailable("sqlite.Assign", err)
	}
	var stale []string
	for rows.Next() {
		var tr string
		rows.Scan(&tr)
		if !current[tr] {
			stale = append(stale, tr)
		}
	}
	rows.Close()
	if len(notices) > 0 || len(tasks) > 0 {
		for _, tr := range stale {
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

// LastSent returns, for each channel (kind and target) of unit, the
// delivery sent last on it: the retained state a restart must guard (the
// public warning topics).
func (s *Deliveries) LastSent(ctx context.Context, unit string) ([]notify.Entry, error) {
	rows, err := s.db.db.QueryContext(ctx, `SELECT `+entryColumns+` FROM deliveries
		WHERE unit = ? AND state = ? ORDER BY sent_at, key`, unit, notify.StateSent)
	if err != nil {
		return nil, unavailable("sqlite.LastSent", err)
	}
	defer rows.Close()
	last := map[[2]string]int{} // (kind, target)
	var out []notify.Entry
	for rows.Next() {
		e, _, err := scanEntry(rows)
		if err != nil {
			return nil, unavailable("sqlite.LastSent", err)
		}
		ch := [2]string{e.Channel.Kind, e.Channel.Target}
		if i, ok := last[ch]; ok {
			out[i] = e
			continue
		}
		last[ch] = len(out)
		out = append(out, e)
	}
	return out, rows.Err()
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

const noticeColumns = `transition, unit, warning_id, sent, acked_at, ack_by, resends, escalated, closed`

func (s *Deliveries) notices(ctx context.Context, where string, args ...any) ([]followup.Notice, error) {
	rows, err := s.db.db.QueryContext(ctx, `SELECT `+noticeColumns+` FROM unit_notices `+where, args...)
	if err != nil {
		return nil, unavailable("sqlite.notices", err)
	}
	defer rows.Close()
	var out []followup.Notice
	for rows.Next() {
		var n followup.Notice
		var sent, acked, esc int64
		if err := rows.Scan(&n.Transition, &n.Unit, &n.WarningID, &sent, &acked, &n.AckBy, &n.Resends, &esc, &n.Closed); err != nil {
			return nil, unavailable("sqlite.notices", err)
		}
		n.Sent, n.AckedAt, n.Escalated = fromMS(sent), fromMS(acked), fromMS(esc)
		out = append(out, n)
	}
	return out, rows.Err()
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
	_, err := s.db.db.ExecContext(ctx, `UPDATE unit_notices SET resends = ?, escalated = ? WHERE transition = ? AND unit = ?`,
		n.Resends, ms(n.Escalated), n.Transition, n.Unit)
	if err != nil {
		return unavailable("sqlite.MarkNotice", err)
	}
	return nil
}

// Board lists a warning's task states (unit × task), by unit then task.
func (s *Deliveries) Board(ctx context.Context, warningID int64) ([]followup.TaskState, error) {
	rows, err := s.db.db.QueryContext(ctx, `SELECT warning_id, unit, task, kind, text_zh, text_en, state, assigned, due, updated, note
		FROM unit_tasks WHERE warning_id = ? ORDER BY unit, assigned, task`, warningID)
	if err != nil {
		return nil, unavailable("sqlite.Board", err)
	}
	defer rows.Close()
	var out []followup.TaskState
	for rows.Next() {
		var t followup.TaskState
		var assigned, due, updated int64
		if err := rows.Scan(&t.WarningID, &t.Unit, &t.Task, &t.Kind, &t.TextZH, &t.TextEN, &t.State, &assigned, &due, &updated, &t.Note); err != nil {
			return nil, unavailable("sqlite.Board", err)
		}
		t.Assigned, t.Due, t.Updated = fromMS(assigned), fromMS(due), fromMS(updated)
		out = append(out, t)
	}
	return out, rows.Err()
}

// UnitDeliveries lists what was delivered to a unit for a transition (the
// notices a reminder repeats).
func (s *Deliveries) UnitDeliveries(ctx context.Context, transition, unit string) ([]notify.Delivery, error) {
	entries, err := s.DeliveryEntries(ctx, DeliveryFilter{Transition: transition, Unit: unit})
	if err != nil {
		return nil, err
	}
	out := make([]notify.Delivery, 0, len(entries))
	for _, e := range entries {
		d := e.Delivery
		d.Redelivery = false
		out = append(out, d)
	}
	return out, nil
}
