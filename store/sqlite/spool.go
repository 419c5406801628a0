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
		b, err := json.Marshal(spooled{Station: r.Station, Time: r.Time, Interval: int64(r.Interval / time.Second), Values: r.Values})
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

// spooled is one spool row: a station's reading (Kind "", the rows of
// every version), or a listed source's meter or emission reading.
type spooled struct {
	Kind     string                  `json:"k,omitempty"`
	Station  string                  `json:"s,omitempty"`
	Time     time.Time               `json:"t,omitzero"`
	Interval int64                   `json:"i,omitempty"`
	Values   []aqwarn.Measure        `json:"v,omitempty"`
	Power    *aqwarn.PowerReading    `json:"p,omitempty"`
	Emission *aqwarn.EmissionReading `json:"e,omitempty"`
}

// Kinds of spool rows besides a station's reading.
const (
	spoolPower    = "p"
	spoolEmission = "e"
)

// PeekSpool returns up to n of the oldest spooled readings, of every kind.
func (s *DB) PeekSpool(ctx context.Context, n int) (aqwarn.SpoolBatch, error) {
	var b aqwarn.SpoolBatch
	_, err := queryAll(ctx, s.db, "sqlite.PeekSpool", func(rows *sql.Rows, _ *struct{}) error {
		var id int64
		var txt string
		if err := rows.Scan(&id, &txt); err != nil {
			return err
		}
		var sp spooled
		err := json.Unmarshal([]byte(txt), &sp)
		switch {
		case err != nil:
		case sp.Kind == "":
			b.Readings = append(b.Readings, aqwarn.Reading{Station: sp.Station, Time: sp.Time.UTC(),
				Interval: time.Duration(sp.Interval) * time.Second, Values: sp.Values})
		case sp.Kind == spoolPower && sp.Power != nil:
			sp.Power.Time = sp.Power.Time.UTC()
			b.Power = append(b.Power, *sp.Power)
		case sp.Kind == spoolEmission && sp.Emission != nil:
			sp.Emission.Time = sp.Emission.Time.UTC()
			b.Emissions = append(b.Emissions, *sp.Emission)
		default:
			err = fmt.Errorf("unknown kind %q", sp.Kind)
		}
		if err != nil {
			return &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.PeekSpool", Message: fmt.Sprintf("corrupt spool row %d", id), Err: err}
		}
		b.LastID = id
		return nil
	}, `SELECT id, reading FROM spool ORDER BY id LIMIT ?`, n)
	if err != nil {
		return aqwarn.SpoolBatch{}, err
	}
	return b, nil
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
