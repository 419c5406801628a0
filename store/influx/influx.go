// Package influx stores readings and AQI series in InfluxDB through the v2
// client (influxdb-client-go/v2). It speaks to InfluxDB 2.x and to 1.8 with
// flux-enabled (token "user:password", bucket "database/retention-policy").
//
// Only this package imports the InfluxDB client.
package influx

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	influxdb2 "github.com/influxdata/influxdb-client-go/v2"
	"github.com/influxdata/influxdb-client-go/v2/api"
	"github.com/influxdata/influxdb-client-go/v2/api/write"

	"github.com/aqwarn/aqwarn"
)

// Measurement names.
const (
	MeasurementReading = "reading"
	MeasurementAQI     = "aqi"
)

// Store writes and reads the series. One long-lived client serves every call.
type Store struct {
	client influxdb2.Client
	write  api.WriteAPIBlocking
	bucket string
	org    string
}

// Config names the server and the bucket.
type Config struct {
	URL, Token, Org, Bucket string
	Timeout                 time.Duration
}

// Open creates the client; it does not contact the server (see Ping).
func Open(c Config) *Store {
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	opts := influxdb2.DefaultOptions().
		SetHTTPRequestTimeout(uint(c.Timeout / time.Second)).
		SetPrecision(time.Second)
	client := influxdb2.NewClientWithOptions(c.URL, c.Token, opts)
	return &Store{
		client: client,
		write:  client.WriteAPIBlocking(c.Org, c.Bucket),
		bucket: c.Bucket,
		org:    c.Org,
	}
}

// queryAPI is a query client of its own for each query: the library's
// query client sets its URL on first use without holding its lock, a data
// race when two goroutines query first at once (the AQI job and the
// statistics at start). It is a small value over the shared HTTP service.
func (s *Store) queryAPI() api.QueryAPI { return s.client.QueryAPI(s.org) }

// Close releases the client's connections.
func (s *Store) Close() { s.client.Close() }

// Ping reports whether the server answers.
func (s *Store) Ping(ctx context.Context) error {
	ok, err := s.client.Ping(ctx)
	if err != nil || !ok {
		return &aqwarn.Error{Code: aqwarn.EUNAVAILABLE, Op: "influx.Ping", Message: "InfluxDB does not answer", Err: err}
	}
	return nil
}

// WriteReadings writes one point per reading and returns only when InfluxDB
// has accepted the whole batch. The point is keyed by station, interval and
// time: writing the same reading twice leaves one point.
func (s *Store) WriteReadings(ctx context.Context, rs []aqwarn.Reading) error {
	if len(rs) == 0 {
		return nil
	}
	lines := make([]string, 0, len(rs))
	var sb strings.Builder
	for _, r := range rs {
		sb.Reset()
		if line := readingLine(&sb, r); line != "" {
			lines = append(lines, line)
		}
	}
	if err := s.write.WriteRecord(ctx, lines...); err != nil {
		return &aqwarn.Error{Code: aqwarn.EUNAVAILABLE, Op: "influx.WriteReadings", Message: "InfluxDB write failed", Err: err}
	}
	return nil
}

// readingLine renders a reading as line protocol. Building the text directly
// avoids the client's per-point maps, which matter at tens of thousands of
// readings a second.
//
// The flags of the values that are not valid go into one string field,
// "flags" ("co:M,pm25:H"), written on every point — empty when all are
// valid. InfluxDB merges the fields of a point written twice, so a flag in a
// field of its own would outlive a correction that sends the value again
// as valid; one field that is always written is replaced each time.
func readingLine(sb *strings.Builder, r aqwarn.Reading) string {
	sb.WriteString(MeasurementReading)
	sb.WriteString(",interval=")
	sb.WriteString(r.Interval.String())
	sb.WriteString(",station=")
	sb.WriteString(escapeTag(r.Station))
	sb.WriteByte(' ')
	n := 0
	for _, m := range r.Values {
		if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			continue
		}
		if n > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(m.Pollutant)
		sb.WriteByte('=')
		sb.WriteString(strconv.FormatFloat(m.Value, 'g', -1, 64))
		n++
	}
	if n == 0 {
		return ""
	}
	sb.WriteString(`,flags="`)
	first := true
	for _, m := range r.Values {
		if m.Valid() || math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			continue
		}
		if !first {
			sb.WriteByte(',')
		}
		first = false
		sb.WriteString(m.Pollutant)
		sb.WriteByte(':')
		sb.WriteString(flagEscaper.Replace(m.Flag))
	}
	sb.WriteString(`" `)
	sb.WriteString(strconv.FormatInt(r.Time.Unix(), 10))
	return sb.String()
}

// flagEscaper keeps a flag from breaking the string field or the list.
var flagEscaper = strings.NewReplacer(`"`, ``, `\`, ``, `,`, ``, `:`, ``)

// parseFlags reads the "flags" field: pollutant → flag.
func parseFlags(s string) map[string]string {
	if s == "" {
		return nil
	}
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		if p, f, ok := strings.Cut(kv, ":"); ok {
			out[p] = f
		}
	}
	return out
}

var tagEscaper = strings.NewReplacer(",", `\,`, " ", `\ `, "=", `\=`)

func escapeTag(s string) string { return tagEscaper.Replace(s) }

// Readings returns the readings of the interval whose end lies in (from, to],
// ordered by station and time.
func (s *Store) Readings(ctx context.Context, interval time.Duration, from, to time.Time) ([]aqwarn.Reading, error) {
	q := fmt.Sprintf(`from(bucket: %q)
  |> range(start: %s, stop: %s)
  |> filter(fn: (r) => r._measurement == %q and r.interval == %q)
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")`,
		s.bucket, from.Add(time.Second).UTC().Format(time.RFC3339), to.Add(time.Second).UTC().Format(time.RFC3339),
		MeasurementReading, interval.String())
	res, err := s.queryAPI().Query(ctx, q)
	if err != nil {
		return nil, &aqwarn.Error{Code: aqwarn.EUNAVAILABLE, Op: "influx.Readings", Message: "InfluxDB query failed", Err: err}
	}
	defer res.Close()
	var out []aqwarn.Reading
	for res.Next() {
		rec := res.Record()
		station, _ := rec.ValueByKey("station").(string)
		r := aqwarn.Reading{Station: station, Time: rec.Time().UTC(), Interval: interval}
		fs, hasFlags := rec.ValueByKey("flags").(string)
		flags := parseFlags(fs)
		for _, p := range aqwarn.Pollutants {
			v, ok := rec.ValueByKey(p).(float64)
			if !ok {
				continue
			}
			flag := flags[p]
			if !hasFlags {
				flag, _ = rec.ValueByKey(p + "_flag").(string) // points written before the "flags" field
			}
			r.Values = append(r.Values, aqwarn.Measure{Pollutant: p, Value: v, Flag: flag})
		}
		out = append(out, r)
	}
	if err := res.Err(); err != nil {
		return nil, &aqwarn.Error{Code: aqwarn.EUNAVAILABLE, Op: "influx.Readings", Message: "InfluxDB query failed", Err: err}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Station != out[j].Station {
			return out[i].Station < out[j].Station
		}
		return out[i].Time.Before(out[j].Time)
	})
	return out, nil
}

// WriteAQI exports AQI records as the "aqi" series (for dashboards).
func (s *Store) WriteAQI(ctx context.Context, recs []aqwarn.AQIRecord) error {
	pts := make([]*write.Point, 0, len(recs))
	for _, r := range recs {
		fields := map[string]any{"level": r.Hourly.Level}
		if r.Hourly.AQI != nil {
			fields["aqi"] = *r.Hourly.AQI
			fields["primary"] = strings.Join(r.Hourly.Primary, ",")
		}
		if r.Rolling24h.AQI != nil {
			fields["aqi_24h"] = *r.Rolling24h.AQI
			fields["level_24h"] = r.Rolling24h.Level
		}
		pts = append(pts, write.NewPoint(MeasurementAQI,
			map[string]string{"scope": r.Scope, "id": r.ID, "edition": fmt.Sprint(r.Edition)}, fields, r.Time))
	}
	if err := s.write.WritePoint(ctx, pts...); err != nil {
		return &aqwarn.Error{Code: aqwarn.EUNAVAILABLE, Op: "influx.WriteAQI", Message: "InfluxDB write failed", Err: err}
	}
	return nil
}

// CountReadings counts the points of the reading measurement in the range,
// per station (for tests and the bench command).
func (s *Store) CountReadings(ctx context.Context, from, to time.Time) (map[string]int, error) {
	q := fmt.Sprintf(`from(bucket: %q)
  |> range(start: %s, stop: %s)
  |> filter(fn: (r) => r._measurement == %q and r._field == "pm25")
  |> group(columns: ["station"])
  |> count()`, s.bucket, from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), MeasurementReading)
	res, err := s.queryAPI().Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	out := map[string]int{}
	for res.Next() {
		st, _ := res.Record().ValueByKey("station").(string)
		n, _ := res.Record().Value().(int64)
		out[st] += int(n)
	}
	return out, res.Err()
}
