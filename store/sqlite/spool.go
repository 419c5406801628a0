package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aqwarn/aqwarn"
)

// Spool keeps readings that could not reach the primary store yet.
func (s *DB) Spool(ctx context.Context, rs []aqwarn.Reading) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable("sqlite.Spool", err)
	}
	defer tx.Rollback()
	for _, r := range rs {
		b, err := json.Marshal(spooled{r.Station, r.Time, int64(r.Interval / time.Second), r.Values})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO spool (reading) VALUES (?)`, string(b)); err != nil {
			return unavailable("sqlite.Spool", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return unavailable("sqlite.Spool", err)
	}
	return nil
}

type spooled struct {
	Station  string           `json:"s"`
	Time     time.Time        `json:"t"`
	Interval int64            `json:"i"`
	Values   []aqwarn.Measure `json:"v"`
}

// PeekSpool returns up to n of the oldest spooled readings.
func (s *DB) PeekSpool(ctx context.Context, n int) (aqwarn.SpoolBatch, error) {
	var last int64 // the id of the newest row scanned
	rs, err := queryAll(ctx, s.db, "sqlite.PeekSpool", func(rows *sql.Rows, r *aqwarn.Reading) error {
		var id int64
		var txt string
		if err := rows.Scan(&id, &txt); err != nil {
			return err
		}
		var sp spooled
		if err := json.Unmarshal([]byte(txt), &sp); err != nil {
			return &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.PeekSpool", Message: fmt.Sprintf("corrupt spool row %d", id), Err: err}
		}
		*r = aqwarn.Reading{Station: sp.Station, Time: sp.Time.UTC(), Interval: time.Duration(sp.Interval) * time.Second, Values: sp.Values}
		last = id
		return nil
	}, `SELECT id, reading FROM spool ORDER BY id LIMIT ?`, n)
	if err != nil {
		return aqwarn.SpoolBatch{}, err
	}
	return aqwarn.SpoolBatch{Readings: rs, LastID: last}, nil
}

// DropSpool deletes spooled readings up to and including id.
func (s *DB) DropSpool(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM spool WHERE id <= ?`, id)
	if err != nil {
		return unavailable("sqlite.DropSpool", err)
	}
	return nil
}

// SpoolLen counts spooled readings.
func (s *DB) SpoolLen(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM spool`).Scan(&n)
	return n, err
}
