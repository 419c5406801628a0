package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/compliance/inspect"
)

// The inspection loop of compliance (inspect.Store): events, inspections
// with their photos, consequences. Schema change 8; its triggers keep all
// of it five years.

var _ inspect.Store = (*DB)(nil)

func limitOf(n int) int {
	if n <= 0 || n > inspect.PageSize {
		return inspect.PageSize
	}
	return n
}

// txDo runs fn in a transaction and commits; fn's *aqwarn.Error is
// returned as it is, anything else as unavailable(op).
func (s *DB) txDo(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable(op, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		if ae := (*aqwarn.Error)(nil); errors.As(err, &ae) {
			return err
		}
		return unavailable(op, err)
	}
	return unavailableIf(op, tx.Commit())
}

// rowQuerier is a *sql.DB or a *sql.Tx.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// record reads one JSON record; ENOTFOUND (what, id) when there is none.
func record[T any](ctx context.Context, q rowQuerier, what string, id any, query string) (T, error) {
	var v T
	var b string
	err := q.QueryRowContext(ctx, query, id).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return v, aqwarn.Errorf(aqwarn.ENOTFOUND, "no %s %v / 未找到%v", what, id, id)
	}
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal([]byte(b), &v)
}

// lookup is record read outside a transaction: a failure of the database
// (or a corrupt record) is unavailable(op).
func lookup[T any](ctx context.Context, s *DB, op, what string, id any, query string) (T, error) {
	v, err := record[T](ctx, s.db, what, id, query)
	if err != nil && aqwarn.ErrorCode(err) == aqwarn.EINTERNAL {
		return v, unavailable(op, err)
	}
	return v, err
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain data
	}
	return string(b)
}

func (s *DB) UpsertEvent(ctx context.Context, e compliance.Event, at time.Time, audit lifecycle.AuditEntry) (inspect.EventRecord, bool, error) {
	var rec inspect.EventRecord
	created := false
	err := s.txDo(ctx, "sqlite.UpsertEvent", func(tx *sql.Tx) error {
		old, err := record[inspect.EventRecord](ctx, tx, "compliance event", e.ID, `SELECT record FROM compliance_events WHERE id = ?`)
		switch {
		case aqwarn.ErrorCode(err) == aqwarn.ENOTFOUND:
			e.State = compliance.StateOpen
			rec, created = inspect.EventRecord{Event: e, Created: at, Updated: at}, true
			if _, err := tx.ExecContext(ctx, `INSERT INTO compliance_events (id, enterprise, rule, state, start, created, record) VALUES (?,?,?,?,?,?,?)`,
				e.ID, e.Enterprise, string(e.Rule), string(e.State), ms(e.Start), ms(at), jsonText(rec)); err != nil {
				return err
			}
			return appendAudit(ctx, tx, audit)
		case err != nil:
			return err
		}
		rec = inspect.Grow(old, e, at)
		if rec.Updated.Equal(old.Updated) {
			return nil // nothing new
		}
		_, err = tx.ExecContext(ctx, `UPDATE compliance_events SET record = ? WHERE id = ?`, jsonText(rec), e.ID)
		return err
	})
	return rec, created, err
}

func (s *DB) Event(ctx context.Context, id string) (inspect.EventRecord, error) {
	return lookup[inspect.EventRecord](ctx, s, "sqlite.Event", "compliance event", id, `SELECT record FROM compliance_events WHERE id = ?`)
}

func (s *DB) Events(ctx context.Context, f inspect.EventFilter) ([]inspect.EventRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT record FROM compliance_events
		WHERE (? = '' OR state = ?) AND (? = '' OR enterprise = ?) AND (? = '' OR rule = ?)
		ORDER BY start DESC, id LIMIT ?`, f.State, f.State, f.Enterprise, f.Enterprise, f.Rule, f.Rule, limitOf(f.Limit))
	out, err := scanRecords[inspect.EventRecord](rows, err)
	return out, unavailableIf("sqlite.Events", err)
}

// attachable checks, in tx, that an event is known and without an inspection.
func attachable(ctx context.Context, tx *sql.Tx, id string) (inspect.EventRecord, error) {
	rec, err := record[inspect.EventRecord](ctx, tx, "compliance event", id, `SELECT record FROM compliance_events WHERE id = ?`)
	if err != nil {
		return rec, err
	}
	if rec.InspectionID != 0 {
		return rec, aqwarn.Errorf(aqwarn.ECONFLICT, "event %s is already in inspection %d / 该事件已有检查任务", id, rec.InspectionID)
	}
	return rec, nil
}

// saveEvent writes an event's record and its searched columns.
func saveEvent(ctx context.Context, tx *sql.Tx, rec inspect.EventRecord) error {
	var insp any
	if rec.InspectionID != 0 {
		insp = rec.InspectionID
	}
	_, err := tx.ExecContext(ctx, `UPDATE compliance_events SET state = ?, inspection_id = ?, record = ? WHERE id = ?`,
		string(rec.State), insp, jsonText(rec), rec.ID)
	return err
}

func saveInspection(ctx context.Context, tx *sql.Tx, in inspect.Inspection) error {
	_, err := tx.ExecContext(ctx, `UPDATE compliance_inspections SET open = ?, record = ? WHERE id = ?`, in.Open(), jsonText(in), in.ID)
	return err
}

func (s *DB) AddInspection(ctx context.Context, in inspect.Inspection, audit lifecycle.AuditEntry) (inspect.Inspection, error) {
	err := s.txDo(ctx, "sqlite.AddInspection", func(tx *sql.Tx) error {
		var open int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM compliance_inspections WHERE enterprise = ? AND open = 1`, in.Enterprise).Scan(&open)
		if err == nil {
			return aqwarn.Errorf(aqwarn.ECONFLICT, "source %s already has open inspection %d / 该企业已有未办结的检查", in.Enterprise, open)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var events []inspect.EventRecord
		for _, id := range in.Events {
			rec, err := attachable(ctx, tx, id)
			if err != nil {
				return err
			}
			events = append(events, rec)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO compliance_inspections (enterprise, unit, open, due, created, record) VALUES (?,?,?,?,?,?)`,
			in.Enterprise, in.Unit, in.Open(), ms(in.Due), ms(in.Created), "{}")
		if err != nil {
			return err
		}
		if in.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		if err := saveInspection(ctx, tx, in); err != nil {
			return err
		}
		for _, rec := range events {
			rec.InspectionID = in.ID
			if err := saveEvent(ctx, tx, rec); err != nil {
				return err
			}
		}
		if audit.Subject == "" {
			audit.Subject = fmt.Sprintf("inspection %d", in.ID)
		}
		return appendAudit(ctx, tx, audit)
	})
	return in, err
}

const inspectionQuery = `SELECT record FROM compliance_inspections WHERE id = ?`

func inspectionIn(ctx context.Context, q rowQuerier, id int64) (inspect.Inspection, error) {
	return record[inspect.Inspection](ctx, q, "inspection", id, inspectionQuery)
}

func (s *DB) AttachEvent(ctx context.Context, id int64, event string, audit lifecycle.AuditEntry) (inspect.Inspection, error) {
	var in inspect.Inspection
	err := s.txDo(ctx, "sqlite.AttachEvent", func(tx *sql.Tx) error {
		var err error
		if in, err = inspectionIn(ctx, tx, id); err != nil {
			return err
		}
		if !in.Open() {
			return aqwarn.Errorf(aqwarn.ECONFLICT, "inspection %d is concluded and takes no more events / 第 %d 号检查已办结", id, id)
		}
		rec, err := attachable(ctx, tx, event)
		if err != nil {
			return err
		}
		rec.InspectionID = id
		if err := saveEvent(ctx, tx, rec); err != nil {
			return err
		}
		in.Events = append(in.Events, event)
		if rec.Start.Before(in.Since) {
			in.Since = rec.Start
		}
		if err := saveInspection(ctx, tx, in); err != nil {
			return err
		}
		return appendAudit(ctx, tx, audit)
	})
	return in, err
}

func (s *DB) Inspection(ctx context.Context, id int64) (inspect.Inspection, error) {
	return lookup[inspect.Inspection](ctx, s, "sqlite.Inspection", "inspection", id, inspectionQuery)
}

func (s *DB) Inspections(ctx context.Context, f inspect.InspectionFilter) ([]inspect.Inspection, error) {
	open := -1
	if f.Open != nil {
		open = 0
		if *f.Open {
			open = 1
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT record FROM compliance_inspections
		WHERE (? = '' OR unit = ?) AND (? = '' OR enterprise = ?) AND (? < 0 OR open = ?)
		ORDER BY id DESC LIMIT ?`, f.Unit, f.Unit, f.Enterprise, f.Enterprise, open, open, limitOf(f.Limit))
	out, err := scanRecords[inspect.Inspection](rows, err)
	return out, unavailableIf("sqlite.Inspections", err)
}

func (s *DB) UpdateInspection(ctx context.Context, in inspect.Inspection, moves []inspect.Move, audit lifecycle.AuditEntry) error {
	return s.txDo(ctx, "sqlite.UpdateInspection", func(tx *sql.Tx) error {
		cur, err := inspectionIn(ctx, tx, in.ID)
		if err != nil {
			return err
		}
		if !cur.Open() {
			return aqwarn.Errorf(aqwarn.ECONFLICT, "inspection %d is concluded and no longer changes / 第 %d 号检查已办结，不能再修改", in.ID, in.ID)
		}
		events := map[string]inspect.EventRecord{}
		for _, mv := range moves {
			rec, seen := events[mv.Event]
			if !seen {
				if rec, err = record[inspect.EventRecord](ctx, tx, "compliance event", mv.Event, `SELECT record FROM compliance_events WHERE id = ?`); err != nil {
					return err
				}
				if rec.InspectionID != in.ID {
					return aqwarn.Errorf(aqwarn.ENOTFOUND, "no event %s in inspection %d / 该检查不含此事件", mv.Event, in.ID)
				}
			}
			if err := inspect.NextState(rec.State, mv.To); err != nil {
				return err // the transaction is rolled back: nothing moved
			}
			rec.State, rec.Updated = mv.To, audit.At
			events[mv.Event] = rec
		}
		for _, rec := range events {
			if err := saveEvent(ctx, tx, rec); err != nil {
				return err
			}
		}
		cur.Findings, cur.Position, cur.Started, cur.Conclusion = in.Findings, in.Position, in.Started, in.Conclusion
		if err := saveInspection(ctx, tx, cur); err != nil {
			return err
		}
		return appendAudit(ctx, tx, audit)
	})
}

func (s *DB) AddPhoto(ctx context.Context, id int64, p inspect.Photo, data []byte, max int, audit lifecycle.AuditEntry) (inspect.Photo, error) {
	sum := sha256.Sum256(data)
	p.SHA256, p.Size = hex.EncodeToString(sum[:]), len(data)
	err := s.txDo(ctx, "sqlite.AddPhoto", func(tx *sql.Tx) error {
		in, err := inspectionIn(ctx, tx, id)
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(in.Photos, func(x inspect.Photo) bool { return x.SHA256 == p.SHA256 }); i >= 0 {
			p = in.Photos[i] // the same photo again: the same evidence
			return nil
		}
		if !in.Open() {
			return aqwarn.Errorf(aqwarn.ECONFLICT, "inspection %d is concluded and takes no more photos / 第 %d 号检查已办结", id, id)
		}
		if len(in.Photos) >= max {
			return aqwarn.Errorf(aqwarn.ECONFLICT, "inspection %d already has %d photos, the most it keeps / 该检查已有 %d 张照片，不能再上传", id, len(in.Photos), len(in.Photos))
		}
		if err := putEvidence(ctx, tx, p.SHA256, p.ContentType, data, p.At); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO inspection_photos (inspection_id, sha256, at, by) VALUES (?,?,?,?)`,
			id, p.SHA256, ms(p.At), p.By); err != nil {
			return err
		}
		in.Photos = append(in.Photos, p)
		if err := saveInspection(ctx, tx, in); err != nil {
			return err
		}
		return appendAudit(ctx, tx, audit)
	})
	return p, err
}

func (s *DB) AddConsequence(ctx context.Context, c inspect.Consequence, audit lifecycle.AuditEntry) (inspect.Consequence, bool, error) {
	created := false
	err := s.txDo(ctx, "sqlite.AddConsequence", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO compliance_consequences (key, enterprise, kind, status, inspection_id, created, record)
			VALUES (?,?,?,?,?,?,?) ON CONFLICT (key) DO NOTHING`, c.Key, c.Enterprise, c.Kind, c.Status, c.Inspection, ms(c.Created), "{}")
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			c, err = record[inspect.Consequence](ctx, tx, "consequence", c.Key, `SELECT record FROM compliance_consequences WHERE key = ?`)
			return err
		}
		if c.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		created = true
		if _, err := tx.ExecContext(ctx, `UPDATE compliance_consequences SET record = ? WHERE id = ?`, jsonText(c), c.ID); err != nil {
			return err
		}
		if audit.Subject == "" {
			audit.Subject = fmt.Sprintf("consequence %d", c.ID)
		}
		return appendAudit(ctx, tx, audit)
	})
	return c, created, err
}

func (s *DB) UpdateConsequence(ctx context.Context, c inspect.Consequence, audit lifecycle.AuditEntry) error {
	return s.txDo(ctx, "sqlite.UpdateConsequence", func(tx *sql.Tx) error {
		cur, err := record[inspect.Consequence](ctx, tx, "consequence", c.ID, `SELECT record FROM compliance_consequences WHERE id = ?`)
		if err != nil {
			return err
		}
		cur.Status, cur.Approval, cur.NextRoles, cur.Updated, cur.DraftVersion = c.Status, c.Approval, c.NextRoles, c.Updated, c.DraftVersion
		if _, err := tx.ExecContext(ctx, `UPDATE compliance_consequences SET status = ?, record = ? WHERE id = ?`, cur.Status, jsonText(cur), c.ID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, audit)
	})
}

func (s *DB) Consequence(ctx context.Context, id int64) (inspect.Consequence, error) {
	return lookup[inspect.Consequence](ctx, s, "sqlite.Consequence", "consequence", id, `SELECT record FROM compliance_consequences WHERE id = ?`)
}

func (s *DB) Consequences(ctx context.Context, f inspect.ConsequenceFilter) ([]inspect.Consequence, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT record FROM compliance_consequences
		WHERE (? = '' OR status = ?) AND (? = '' OR kind = ?) AND (? = '' OR enterprise = ?) AND (? = 0 OR inspection_id = ?)
		ORDER BY id DESC LIMIT ?`, f.Status, f.Status, f.Kind, f.Kind, f.Enterprise, f.Enterprise, f.Inspection, f.Inspection, limitOf(f.Limit))
	out, err := scanRecords[inspect.Consequence](rows, err)
	return out, unavailableIf("sqlite.Consequences", err)
}

func (s *DB) AddApproval(ctx context.Context, a inspect.RestartApproval, audit lifecycle.AuditEntry) (inspect.RestartApproval, error) {
	err := s.txDo(ctx, "sqlite.AddApproval", func(tx *sql.Tx) error {
		var until any
		if !a.Until.IsZero() {
			until = ms(a.Until)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO restart_approvals (enterprise, valid_from, valid_to, recorded, record) VALUES (?,?,?,?,?)`,
			a.Enterprise, ms(a.From), until, ms(a.Recorded), "{}")
		if err != nil {
			return err
		}
		if a.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE restart_approvals SET record = ? WHERE id = ?`, jsonText(a), a.ID); err != nil {
			return err
		}
		if audit.Subject == "" {
			audit.Subject = fmt.Sprintf("restart approval %d", a.ID)
		}
		return appendAudit(ctx, tx, audit)
	})
	return a, err
}

func (s *DB) Approvals(ctx context.Context, from, to time.Time) ([]inspect.RestartApproval, error) {
	out, err := scanRecords[inspect.RestartApproval](s.db.QueryContext(ctx,
		`SELECT record FROM restart_approvals WHERE valid_from < ? AND (valid_to IS NULL OR valid_to > ?) ORDER BY valid_from, id`, ms(to), ms(from)))
	if err != nil {
		return nil, unavailable("sqlite.Approvals", err)
	}
	if out == nil {
		out = []inspect.RestartApproval{}
	}
	return out, nil
}
