package influx

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/influxdata/influxdb-client-go/v2/api"
	"github.com/influxdata/influxdb-client-go/v2/api/query"

	"github.com/aqwarn/aqwarn"
)

// Measurements of what the emission-reduction list's sources send.
const (
	// MeasurementPower is 15-minute energy per meter: tags enterprise,
	// unit (absent when no unit lists the meter) and meter; fields kwh, kw
	// (when sent) and flag (always, "" when valid); time the interval's end.
	MeasurementPower = "power"
	// MeasurementEmission is an online emission monitor's reading per
	// pollutant: tags enterprise, mn, pollutant (so2, nox, pm, vocs) and
	// interval; fields avg and zs_avg (mg/m³), cou (kg in the interval),
	// each when sent, and flag (always); time the interval's end.
	MeasurementEmission = "emission"
)

// WritePower writes one point per meter reading and returns once InfluxDB
// has the whole batch. The same meter and interval end is the same point:
// writing it again replaces its fields (kw only when sent again; flag
// always, so a corrected flag takes effect).
func (s *Store) WritePower(ctx context.Context, ps []aqwarn.PowerReading) error {
	if len(ps) == 0 {
		return nil
	}
	lines := make([]string, 0, len(ps))
	var sb strings.Builder
	for _, p := range ps {
		sb.Reset()
		sb.WriteString(MeasurementPower)
		sb.WriteString(",enterprise=")
		sb.WriteString(escapeTag(p.Enterprise))
		sb.WriteString(",meter=")
		sb.WriteString(escapeTag(p.Meter))
		if p.Unit != "" {
			sb.WriteString(",unit=")
			sb.WriteString(escapeTag(p.Unit))
		}
		kwh := p.KWh
		lines = append(lines, fieldsAndTime(&sb, []field{{"kwh", &kwh}, {"kw", p.KW}}, p.Flag, p.Time))
	}
	if err := s.write.WriteRecord(ctx, lines...); err != nil {
		return &aqwarn.Error{Code: aqwarn.EUNAVAILABLE, Op: "influx.WritePower", Message: "InfluxDB write failed", Err: err}
	}
	return nil
}

// WriteEmissions writes one point per pollutant of each reading; the same
// monitor, pollutant, interval and end is the same point.
func (s *Store) WriteEmissions(ctx context.Context, es []aqwarn.EmissionReading) error {
	var lines []string
	var sb strings.Builder
	for _, e := range es {
		for _, v := range e.Values {
			sb.Reset()
			sb.WriteString(MeasurementEmission)
			sb.WriteString(",enterprise=")
			sb.WriteString(escapeTag(e.Enterprise))
			sb.WriteString(",interval=")
			sb.WriteString(e.Interval.String())
			sb.WriteString(",mn=")
			sb.WriteString(escapeTag(e.MN))
			sb.WriteString(",pollutant=")
			sb.WriteString(escapeTag(v.Pollutant))
			lines = append(lines, fieldsAndTime(&sb, []field{{"avg", v.Avg}, {"zs_avg", v.ZsAvg}, {"cou", v.Cou}}, v.Flag, e.Time))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	if err := s.write.WriteRecord(ctx, lines...); err != nil {
		return &aqwarn.Error{Code: aqwarn.EUNAVAILABLE, Op: "influx.WriteEmissions", Message: "InfluxDB write failed", Err: err}
	}
	return nil
}

// field is a float field of a point; nil is not written.
type field struct {
	name string
	v    *float64
}

// fieldsAndTime ends a point's line after its tags: the fields that are
// set, the string field flag — written on every point, so that a corrected
// flag replaces the old one — and the time in seconds.
func fieldsAndTime(sb *strings.Builder, fs []field, flag string, t time.Time) string {
	sb.WriteByte(' ')
	for _, f := range fs {
		if f.v != nil {
			sb.WriteString(f.name)
			sb.WriteByte('=')
			sb.WriteString(strconv.FormatFloat(*f.v, 'g', -1, 64))
			sb.WriteByte(',')
		}
	}
	sb.WriteString(`flag="`)
	sb.WriteString(flagEscaper.Replace(flag))
	sb.WriteString(`" `)
	sb.WriteString(strconv.FormatInt(t.Unix(), 10))
	return sb.String()
}

// sourceQuery runs a Flux query over one source's points of a measurement
// whose time lies in (from, to], one row per point with its fields.
func (s *Store) sourceQuery(ctx context.Context, op, measurement, enterprise string, from, to time.Time) (*api.QueryTableResult, error) {
	q := fmt.Sprintf(`from(bucket: %q)
  |> range(start: %s, stop: %s)
  |> filter(fn: (r) => r._measurement == %q and r.enterprise == %q)
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")`,
		s.bucket, from.Add(time.Second).UTC().Format(time.RFC3339), to.Add(time.Second).UTC().Format(time.RFC3339),
		measurement, enterprise)
	res, err := s.queryAPI().Query(ctx, q)
	if err != nil {
		return nil, &aqwarn.Error{Code: aqwarn.EUNAVAILABLE, Op: op, Message: "InfluxDB query failed", Err: err}
	}
	return res, nil
}

func optFloat(rec *query.FluxRecord, key string) *float64 {
	if v, ok := rec.ValueByKey(key).(float64); ok {
		return &v
	}
	return nil
}

// PowerReadings returns a source's meter readings whose interval ends in
// (from, to], by meter, each meter's in time order. A meter that a list
// revision moved to another unit has a series per unit; they are read as
// one (one reading per interval).
func (s *Store) PowerReadings(ctx context.Context, enterprise string, from, to time.Time) (map[string][]aqwarn.PowerReading, error) {
	const op = "influx.PowerReadings"
	res, err := s.sourceQuery(ctx, op, MeasurementPower, enterprise, from, to)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	byKey := map[string]aqwarn.PowerReading{}
	for res.Next() {
		rec := res.Record()
		kwh, ok := rec.ValueByKey("kwh").(float64)
		if !ok {
			continue
		}
		p := aqwarn.PowerReading{Enterprise: enterprise, Time: rec.Time().UTC(), KWh: kwh, KW: optFloat(rec, "kw")}
		p.Meter, _ = rec.ValueByKey("meter").(string)
		p.Unit, _ = rec.ValueByKey("unit").(string)
		p.Flag, _ = rec.ValueByKey("flag").(string)
		byKey[p.Key()] = p
	}
	if err := res.Err(); err != nil {
		return nil, &aqwarn.Error{Code: aqwarn.EUNAVAILABLE, Op: op, Message: "InfluxDB query failed", Err: err}
	}
	out := map[string][]aqwarn.PowerReading{}
	for _, p := range byKey {
		out[p.Meter] = append(out[p.Meter], p)
	}
	for _, ps := range out {
		sort.Slice(ps, func(i, j int) bool { return ps[i].Time.Before(ps[j].Time) })
	}
	return out, nil
}

// EmissionReadings returns a source's emission readings whose interval
// ends in (from, to], ordered by monitor, interval and time.
func (s *Store) EmissionReadings(ctx context.Context, enterprise string, from, to time.Time) ([]aqwarn.EmissionReading, error) {
	const op = "influx.EmissionReadings"
	res, err := s.sourceQuery(ctx, op, MeasurementEmission, enterprise, from, to)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	byKey := map[string]*aqwarn.EmissionReading{}
	for res.Next() {
		rec := res.Record()
		mn, _ := rec.ValueByKey("mn").(string)
		ivs, _ := rec.ValueByKey("interval").(string)
		iv, err := time.ParseDuration(ivs)
		if err != nil {
			continue
		}
		v := aqwarn.EmissionValue{Avg: optFloat(rec, "avg"), ZsAvg: optFloat(rec, "zs_avg"), Cou: optFloat(rec, "cou")}
		v.Pollutant, _ = rec.ValueByKey("pollutant").(string)
		v.Flag, _ = rec.ValueByKey("flag").(string)
		t := rec.Time().UTC()
		k := mn + "|" + ivs + "|" + t.Format(time.RFC3339)
		e := byKey[k]
		if e == nil {
			e = &aqwarn.EmissionReading{Enterprise: enterprise, MN: mn, Time: t, Interval: iv}
			byKey[k] = e
		}
		e.Values = append(e.Values, v)
	}
	if err := res.Err(); err != nil {
		return nil, &aqwarn.Error{Code: aqwarn.EUNAVAILABLE, Op: op, Message: "InfluxDB query failed", Err: err}
	}
	out := make([]aqwarn.EmissionReading, 0, len(byKey))
	for _, e := range byKey {
		aqwarn.SortEmissionValues(e.Values)
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.MN != b.MN:
			return a.MN < b.MN
		case a.Interval != b.Interval:
			return a.Interval < b.Interval
		}
		return a.Time.Before(b.Time)
	})
	return out, nil
}
