package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/aqwarn/aqwarn"
)

// WritePower stores meter readings. A reading of the same source, meter and
// interval end as a stored one replaces it (its kw only when sent), so
// redelivery leaves one row.
func (s *DB) WritePower(ctx context.Context, ps []aqwarn.PowerReading) error {
	if len(ps) == 0 {
		return nil
	}
	return s.inTx(ctx, "sqlite.WritePower", `INSERT INTO power_readings (enterprise, meter, t, unit, kwh, kw, flag) VALUES (?,?,?,?,?,?,?)
		ON CONFLICT (enterprise, meter, t) DO UPDATE SET unit = excluded.unit, kwh = excluded.kwh,
			kw = coalesce(excluded.kw, kw), flag = excluded.flag`, func(st *sql.Stmt) error {
		for _, p := range ps {
			if _, err := st.ExecContext(ctx, p.Enterprise, p.Meter, p.Time.Unix(), p.Unit, p.KWh, nullFloat(p.KW), p.Flag); err != nil {
				return err
			}
		}
		return nil
	})
}

// WriteEmissions stores emission readings, one row per pollutant. A value
// of the same monitor, interval and pollutant replaces the stored one
// field by field (a field not sent again is kept, as in InfluxDB), its flag
// always.
func (s *DB) WriteEmissions(ctx context.Context, es []aqwarn.EmissionReading) error {
	if len(es) == 0 {
		return nil
	}
	return s.inTx(ctx, "sqlite.WriteEmissions", `INSERT INTO emission_readings (enterprise, mn, interval_s, t, pollutant, avg, zs_avg, cou, flag)
		VALUES (?,?,?,?,?,?,?,?,?)
		ON CONFLICT (enterprise, mn, interval_s, t, pollutant) DO UPDATE SET avg = coalesce(excluded.avg, avg),
			zs_avg = coalesce(excluded.zs_avg, zs_avg), cou = coalesce(excluded.cou, cou), flag = excluded.flag`, func(st *sql.Stmt) error {
		for _, e := range es {
			for _, v := range e.Values {
				if _, err := st.ExecContext(ctx, e.Enterprise, e.MN, int64(e.Interval/time.Second), e.Time.Unix(), v.Pollutant,
					nullFloat(v.Avg), nullFloat(v.ZsAvg), nullFloat(v.Cou), v.Flag); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// inTx runs one prepared statement over many rows in a transaction.
func (s *DB) inTx(ctx context.Context, op, query string, each func(*sql.Stmt) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return unavailable(op, err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return unavailable(op, err)
	}
	defer st.Close()
	if err := each(st); err != nil {
		return unavailable(op, err)
	}
	if err := tx.Commit(); err != nil {
		return unavailable(op, err)
	}
	return nil
}

func nullFloat(p *float64) sql.NullFloat64 {
	if p == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *p, Valid: true}
}

func floatPtr(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	v := n.Float64
	return &v
}

// PowerReadings returns a source's meter readings whose interval ends in
// (from, to], by meter, each meter's in time order.
func (s *DB) PowerReadings(ctx context.Context, enterprise string, from, to time.Time) (map[string][]aqwarn.PowerReading, error) {
	ps, err := queryAll(ctx, s.db, "sqlite.PowerReadings", func(rows *sql.Rows, p *aqwarn.PowerReading) error {
		var t int64
		var kw sql.NullFloat64
		if err := rows.Scan(&p.Meter, &t, &p.Unit, &p.KWh, &kw, &p.Flag); err != nil {
			return err
		}
		p.Enterprise, p.Time, p.KW = enterprise, time.Unix(t, 0).UTC(), floatPtr(kw)
		return nil
	}, `SELECT meter, t, unit, kwh, kw, flag FROM power_readings
		WHERE enterprise = ? AND t > ? AND t <= ? ORDER BY meter, t`, enterprise, from.Unix(), to.Unix())
	if err != nil {
		return nil, err
	}
	out := map[string][]aqwarn.PowerReading{}
	for _, p := range ps {
		out[p.Meter] = append(out[p.Meter], p)
	}
	return out, nil
}

// EmissionReadings returns a source's emission readings whose interval ends
// in (from, to], ordered by monitor, interval and time.
func (s *DB) EmissionReadings(ctx context.Context, enterprise string, from, to time.Time) ([]aqwarn.EmissionReading, error) {
	type row struct {
		mn       string
		interval int64
		t        int64
		v        aqwarn.EmissionValue
	}
	rows, err := queryAll(ctx, s.db, "sqlite.EmissionReadings", func(rs *sql.Rows, r *row) error {
		var avg, zs, cou sql.NullFloat64
		if err := rs.Scan(&r.mn, &r.interval, &r.t, &r.v.Pollutant, &avg, &zs, &cou, &r.v.Flag); err != nil {
			return err
		}
		r.v.Avg, r.v.ZsAvg, r.v.Cou = floatPtr(avg), floatPtr(zs), floatPtr(cou)
		return nil
	}, `SELECT mn, interval_s, t, pollutant, avg, zs_avg, cou, flag FROM emission_readings
		WHERE enterprise = ? AND t > ? AND t <= ? ORDER BY mn, interval_s, t`, enterprise, from.Unix(), to.Unix())
	if err != nil {
		return nil, err
	}
	var out []aqwarn.EmissionReading
	for _, r := range rows {
		iv, t := time.Duration(r.interval)*time.Second, time.Unix(r.t, 0).UTC()
		if n := len(out); n == 0 || out[n-1].MN != r.mn || out[n-1].Interval != iv || !out[n-1].Time.Equal(t) {
			out = append(out, aqwarn.EmissionReading{Enterprise: enterprise, MN: r.mn, Time: t, Interval: iv})
		}
		out[len(out)-1].Values = append(out[len(out)-1].Values, r.v)
	}
	for i := range out {
		aqwarn.SortEmissionValues(out[i].Values)
	}
	return out, nil
}

// SpoolSources keeps meter and emission readings in the spool, after the
// stations' readings spooled before them (PeekSpool hands all back in
// order).
func (s *DB) SpoolSources(ctx context.Context, ps []aqwarn.PowerReading, es []aqwarn.EmissionReading) error {
	return s.inTx(ctx, "sqlite.SpoolSources", `INSERT INTO spool (reading) VALUES (?)`, func(st *sql.Stmt) error {
		for _, p := range ps {
			b, err := json.Marshal(spooled{Kind: spoolPower, Power: &p})
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, string(b)); err != nil {
				return err
			}
		}
		for _, e := range es {
			b, err := json.Marshal(spooled{Kind: spoolEmission, Emission: &e})
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, string(b)); err != nil {
				return err
			}
		}
		return nil
	})
}
