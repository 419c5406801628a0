package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/aqwarn/aqwarn"
)

// WriteAQI stores AQI records, replacing earlier ones for the same hour.
func (s *DB) WriteAQI(ctx context.Context, recs []aqwarn.AQIRecord) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable("sqlite.WriteAQI", err)
	}
	defer tx.Rollback()
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			return &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.WriteAQI", Err: err}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO aqi_hourly (scope, id, t, record) VALUES (?,?,?,?)
			ON CONFLICT (scope, id, t) DO UPDATE SET record = excluded.record`, r.Scope, r.ID, r.Time.Unix(), string(b)); err != nil {
			return unavailable("sqlite.WriteAQI", err)
		}
	}
	return tx.Commit()
}

// AQIHistory returns the stored hourly AQI of one station or region with
// hour ends in (from, to], oldest first.
func (s *DB) AQIHistory(ctx context.Context, scope, id string, from, to time.Time) ([]aqwarn.AQIRecord, error) {
	return queryAll(ctx, s.db, "sqlite.AQIHistory", func(rows *sql.Rows, r *aqwarn.AQIRecord) error {
		var b string
		if err := rows.Scan(&b); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(b), r); err != nil {
			return &aqwarn.Error{Code: aqwarn.EINTERNAL, Op: "sqlite.AQIHistory", Err: err}
		}
		return nil
	}, `SELECT record FROM aqi_hourly WHERE scope = ? AND id = ? AND t > ? AND t <= ? ORDER BY t`,
		scope, id, from.Unix(), to.Unix())
}
