package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/followup"
)

// MaxEvidencePerTask bounds the photos of one task of one warning: a
// report needs a few, and nobody fills the store through it.
const MaxEvidencePerTask = 10

// AddEvidence keeps a photo for a task: the image once by its hash, and
// the link to the task. The same photo sent again for the same task is
// the same evidence (no new row); beyond MaxEvidencePerTask photos a task
// takes no more (ECONFLICT). It returns the evidence as kept.
func (s *DB) AddEvidence(ctx context.Context, e followup.Evidence, data []byte) (followup.Evidence, error) {
	sum := sha256.Sum256(data)
	e.SHA256, e.Size = hex.EncodeToString(sum[:]), len(data)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return e, unavailable("sqlite.AddEvidence", err)
	}
	defer tx.Rollback()
	var n int
	var known bool
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(sha256 = ?), 0) > 0 FROM task_evidence WHERE warning_id = ? AND unit = ? AND task = ?`,
		e.SHA256, e.WarningID, e.Unit, e.Task).Scan(&n, &known); err != nil {
		return e, unavailable("sqlite.AddEvidence", err)
	}
	if known {
		return e, nil
	}
	if n >= MaxEvidencePerTask {
		return e, aqwarn.Errorf(aqwarn.ECONFLICT, "task %s already has %d photos, the most one task keeps / 该任务已有 %d 张照片，不能再上传", e.Task, n, n)
	}
	if err := putEvidence(ctx, tx, e.SHA256, e.ContentType, data, e.At); err != nil {
		return e, unavailable("sqlite.AddEvidence", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO task_evidence (warning_id, unit, task, sha256, at, by) VALUES (?,?,?,?,?,?)`,
		e.WarningID, e.Unit, e.Task, e.SHA256, ms(e.At), e.By); err != nil {
		return e, unavailable("sqlite.AddEvidence", err)
	}
	if err := tx.Commit(); err != nil {
		return e, unavailable("sqlite.AddEvidence", err)
	}
	return e, nil
}

// putEvidence keeps an image once by its hash (a known one stays as it was).
func putEvidence(ctx context.Context, x execer, sha, contentType string, data []byte, at time.Time) error {
	_, err := x.ExecContext(ctx, `INSERT INTO evidence (sha256, content_type, size, data, created) VALUES (?,?,?,?,?)
		ON CONFLICT (sha256) DO NOTHING`, sha, contentType, len(data), data, ms(at))
	return err
}

// TaskEvidence lists the photos of a warning's tasks for a unit ("" for
// every unit), oldest first.
func (s *DB) TaskEvidence(ctx context.Context, warningID int64, unit string) ([]followup.Evidence, error) {
	return queryAll(ctx, s.db, "sqlite.TaskEvidence", func(rows *sql.Rows, e *followup.Evidence) error {
		var at int64
		if err := rows.Scan(&e.WarningID, &e.Unit, &e.Task, &e.SHA256, &e.ContentType, &e.Size, &at, &e.By); err != nil {
			return err
		}
		e.At = fromMS(at)
		return nil
	}, `SELECT t.warning_id, t.unit, t.task, t.sha256, e.content_type, e.size, t.at, t.by
		FROM task_evidence t JOIN evidence e ON e.sha256 = t.sha256
		WHERE t.warning_id = ? AND (? = '' OR t.unit = ?) ORDER BY t.at, t.task, t.sha256`, warningID, unit, unit)
}

// EvidenceData returns a photo by its hash, and the units whose tasks or
// inspections it documents (who may see it besides staff); ENOTFOUND when
// none.
func (s *DB) EvidenceData(ctx context.Context, sha string) (contentType string, data []byte, units []string, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT content_type, data FROM evidence WHERE sha256 = ?`, sha).Scan(&contentType, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, nil, aqwarn.Errorf(aqwarn.ENOTFOUND, "no photo %s", sha)
	}
	if err != nil {
		return "", nil, nil, unavailable("sqlite.EvidenceData", err)
	}
	units, err = queryAll(ctx, s.db, "sqlite.EvidenceData", func(rows *sql.Rows, u *string) error { return rows.Scan(u) },
		`SELECT unit FROM task_evidence WHERE sha256 = ?
		UNION SELECT i.unit FROM inspection_photos p JOIN compliance_inspections i ON i.id = p.inspection_id WHERE p.sha256 = ?
		ORDER BY 1`, sha, sha)
	return contentType, data, units, err
}
