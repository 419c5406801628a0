package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

// The audit log is append-only: alert_audit's triggers refuse UPDATE and
// DELETE, so not even this package can change a line.
var _ lifecycle.AuditLog = (*DB)(nil)

func appendAudit(ctx context.Context, x execer, e lifecycle.AuditEntry) error {
	var detail any
	if len(e.Detail) > 0 {
		detail = string(e.Detail)
	}
	_, err := x.ExecContext(ctx, `INSERT INTO alert_audit (at, actor, role, action, subject, comment, detail) VALUES (?,?,?,?,?,?,?)`,
		e.At.UnixMilli(), e.Actor, e.Role, e.Action, e.Subject, e.Comment, detail)
	return err
}

// AppendAudit adds one line to the audit log.
func (s *DB) AppendAudit(ctx context.Context, e lifecycle.AuditEntry) error {
	if err := appendAudit(ctx, s.db, e); err != nil {
		return unavailable("sqlite.AppendAudit", err)
	}
	return nil
}

// Audit lists audit lines after an id, oldest first: at most limit, and at
// most 1000 (also when limit is 0).
func (s *DB) Audit(ctx context.Context, after int64, limit int) ([]lifecycle.AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	out, err := queryAll(ctx, s.db, "sqlite.Audit", func(rows *sql.Rows, e *lifecycle.AuditEntry) error {
		var at int64
		var detail sql.NullString
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Role, &e.Action, &e.Subject, &e.Comment, &detail); err != nil {
			return err
		}
		e.At = time.UnixMilli(at).UTC()
		if detail.Valid {
			e.Detail = json.RawMessage(detail.String)
		}
		return nil
	}, `SELECT id, at, actor, role, action, subject, comment, detail FROM alert_audit WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err == nil && out == nil {
		out = []lifecycle.AuditEntry{} // an empty log is [], not null
	}
	return out, err
}
