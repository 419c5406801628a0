package sqlite

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

var _ lifecycle.ForecastStore = (*DB)(nil)

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
	// issued is in milliseconds: the query keeps the milliseconds of from
	// and to, the exact instants decide.
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
	out := fs[:0]
	for _, f := range fs {
		if !f.IssuedAt.Before(from) && !f.IssuedAt.After(to) {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b alert.Forecast) int {
		return cmp.Or(a.IssuedAt.Compare(b.IssuedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}
