package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/aqwarn/aqwarn"
)

// WriteReadings stores readings. A reading with the same station, time and
// interval as a stored one is merged into it pollutant by pollutant, as
// InfluxDB merges the fields of one point: replays are harmless, and the
// parts of a split HJ 212 packet (PNUM/PNO) add up to one reading.
func (s *DB) WriteReadings(ctx context.Context, rs []aqwarn.Reading) error {
	if len(rs) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable("sqlite.WriteReadings", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO readings (station, t, interval_s, measures) VALUES (?,?,?,?)
		ON CONFLICT (station, t, interval_s) DO UPDATE SET measures = excluded.measures`)
	if err != nil {
		return unavailable("sqlite.WriteReadings", err)
	}
	defer st.Close()
	old, err := tx.PrepareContext(ctx, `SELECT measures FROM readings WHERE station = ? AND t = ? AND interval_s = ?`)
	if err != nil {
		return unavailable("sqlite.WriteReadings", err)
	}
	defer old.Close()
	for _, r := range rs {
		var prev string
		switch err := old.QueryRowContext(ctx, r.Station, r.Time.Unix(), int64(r.Interval/time.Second)).Scan(&prev); {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return unavailable("sqlite.WriteReadings", err)
		default:
			r.Values = mergeMeasures(prev, r.Values)
		}
		m, err := json.Marshal(r.Values)
		if err != nil {
			return &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.WriteReadings", Err: err}
		}
		if _, err := st.ExecContext(ctx, r.Station, r.Time.Unix(), int64(r.Interval/time.Second), string(m)); err != nil {
			return unavailable("sqlite.WriteReadings", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return unavailable("sqlite.WriteReadings", err)
	}
	return nil
}

// mergeMeasures adds the stored measures (JSON) that ms does not carry.
func mergeMeasures(stored string, ms []aqwarn.Measure) []aqwarn.Measure {
	var prev []aqwarn.Measure
	if json.Unmarshal([]byte(stored), &prev) != nil {
		return ms
	}
	out := append([]aqwarn.Measure(nil), ms...)
	for _, p := range prev {
		if !slices.ContainsFunc(ms, func(m aqwarn.Measure) bool { return m.Pollutant == p.Pollutant }) {
			out = append(out, p)
		}
	}
	rank := func(p string) int {
		if i := slices.Index(aqwarn.Pollutants, p); i >= 0 {
			return i
		}
		return len(aqwarn.Pollutants)
	}
	slices.SortStableFunc(out, func(a, b aqwarn.Measure) int { return rank(a.Pollutant) - rank(b.Pollutant) })
	return out
}

// Readings returns the readings of the given interval whose end lies in
// (from, to], ordered by station and time.
func (s *DB) Readings(ctx context.Context, interval time.Duration, from, to time.Time) ([]aqwarn.Reading, error) {
	return queryAll(ctx, s.db, "sqlite.Readings", func(rows *sql.Rows, r *aqwarn.Reading) error {
		var t int64
		var m string
		if err := rows.Scan(&r.Station, &t, &m); err != nil {
			return err
		}
		r.Time = time.Unix(t, 0).UTC()
		r.Interval = interval
		if err := json.Unmarshal([]byte(m), &r.Values); err != nil {
			return &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.Readings", Message: "corrupt measures", Err: err}
		}
		return nil
	}, `SELECT station, t, measures FROM readings
		WHERE interval_s = ? AND t > ? AND t <= ? ORDER BY station, t`,
		int64(interval/time.Second), from.Unix(), to.Unix())
}

// LatestReadingTime returns the end time of the newest reading of the
// interval, or the zero time when there is none.
func (s *DB) LatestReadingTime(ctx context.Context, interval time.Duration) (time.Time, error) {
	var t sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MAX(t) FROM readings WHERE interval_s = ?`, int64(interval/time.Second)).Scan(&t)
	if err != nil {
		return time.Time{}, unavailable("sqlite.LatestReadingTime", err)
	}
	if !t.Valid {
		return time.Time{}, nil
	}
	return time.Unix(t.Int64, 0).UTC(), nil
}

// CountReadings counts stored readings (for tests and the bench command).
func (s *DB) CountReadings(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM readings`).Scan(&n)
	return n, err
}
