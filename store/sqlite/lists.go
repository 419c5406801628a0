package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/reduction"
)

// The reduction list's versions (reduction.Version): the YAML text as
// uploaded, kept unchanged, and the workflow's state and steps.

// AddListVersion keeps text as a new draft of its year and returns it.
func (s *DB) AddListVersion(ctx context.Context, v reduction.Version, text string) (reduction.Version, error) {
	sum := sha256.Sum256([]byte(text))
	v.SHA256, v.State, v.Steps = hex.EncodeToString(sum[:]), reduction.StateDraft, nil
	res, err := s.db.ExecContext(ctx, `INSERT INTO reduction_lists (year, list_id, state, sha256, yaml, created, created_by) VALUES (?,?,?,?,?,?,?)`,
		v.Year, v.ListID, v.State, v.SHA256, text, ms(v.Created), v.By)
	if err != nil {
		return v, unavailable("sqlite.AddListVersion", err)
	}
	if v.ID, err = res.LastInsertId(); err != nil {
		return v, unavailable("sqlite.AddListVersion", err)
	}
	v.Steps = []reduction.Step{}
	return v, nil
}

const listColumns = `id, year, list_id, state, sha256, created, created_by, steps`

func scanVersion(rows *sql.Rows, v *reduction.Version) error {
	var created int64
	var steps string
	if err := rows.Scan(&v.ID, &v.Year, &v.ListID, &v.State, &v.SHA256, &created, &v.By, &steps); err != nil {
		return err
	}
	v.Created = fromMS(created)
	return json.Unmarshal([]byte(steps), &v.Steps)
}

// ListVersions lists the versions of a year (0: every year), newest first.
func (s *DB) ListVersions(ctx context.Context, year int) ([]reduction.Version, error) {
	return queryAll(ctx, s.db, "sqlite.ListVersions", scanVersion,
		`SELECT `+listColumns+` FROM reduction_lists WHERE ? = 0 OR year = ? ORDER BY id DESC`, year, year)
}

// ListVersion returns one version and its text; ENOTFOUND when there is none.
func (s *DB) ListVersion(ctx context.Context, id int64) (reduction.Version, string, error) {
	var v reduction.Version
	var created int64
	var steps, text string
	err := s.db.QueryRowContext(ctx, `SELECT `+listColumns+`, yaml FROM reduction_lists WHERE id = ?`, id).
		Scan(&v.ID, &v.Year, &v.ListID, &v.State, &v.SHA256, &created, &v.By, &steps, &text)
	if errors.Is(err, sql.ErrNoRows) {
		return v, "", aqwarn.Errorf(aqwarn.ENOTFOUND, "no version %d of the reduction list / 没有第 %d 版减排清单", id, id)
	}
	if err != nil {
		return v, "", unavailable("sqlite.ListVersion", err)
	}
	v.Created = fromMS(created)
	if err := json.Unmarshal([]byte(steps), &v.Steps); err != nil {
		return v, "", &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.ListVersion", Message: "corrupt steps", Err: err}
	}
	return v, text, nil
}

// SaveListStep stores v's new state and steps, provided the version is
// still in state from (ECONFLICT otherwise: someone else took the step).
// Publishing supersedes the year's version published before, in the same
// transaction, so that a year has one published list.
func (s *DB) SaveListStep(ctx context.Context, v reduction.Version, from string) error {
	steps, err := json.Marshal(v.Steps)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable("sqlite.SaveListStep", err)
	}
	defer tx.Rollback()
	if v.State == reduction.StatePublished {
		if _, err := tx.ExecContext(ctx, `UPDATE reduction_lists SET state = ? WHERE year = ? AND state = ? AND id <> ?`,
			reduction.StateSuperseded, v.Year, reduction.StatePublished, v.ID); err != nil {
			return unavailable("sqlite.SaveListStep", err)
		}
	}
	res, err := tx.ExecContext(ctx, `UPDATE reduction_lists SET state = ?, steps = ? WHERE id = ? AND state = ?`, v.State, string(steps), v.ID, from)
	if err != nil {
		return unavailable("sqlite.SaveListStep", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return aqwarn.Errorf(aqwarn.ECONFLICT, "version %d is no longer %s: reload it / 第 %d 版状态已变化，请刷新", v.ID, from, v.ID)
	}
	if err := tx.Commit(); err != nil {
		return unavailable("sqlite.SaveListStep", err)
	}
	return nil
}
