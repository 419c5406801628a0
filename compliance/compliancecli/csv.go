package compliancecli

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/reduction"
)

// maxProblems is how many bad rows an error lists before it gives up.
const maxProblems = 20

// Headers of the input CSVs.
var (
	PowerHeader     = []string{"time", "enterprise", "meter", "kwh"}
	EmissionsHeader = []string{"time", "mn", "pollutant", "unit", "value"}
)

// CSVError is a CSV that does not read: every bad row (up to 20) with its
// line number and what is wrong.
type CSVError struct {
	Problems []string
	More     int // bad rows not listed
}

func (e *CSVError) Error() string {
	s := fmt.Sprintf("%d bad row(s):\n  - %s", len(e.Problems)+e.More, strings.Join(e.Problems, "\n  - "))
	if e.More > 0 {
		s += fmt.Sprintf("\n  - … and %d more", e.More)
	}
	return s
}

// rows reads a CSV with a fixed header and calls row for each record with
// its line; row's errors are collected with their lines.
func rows(ctx context.Context, r io.Reader, header []string, row func(line int, rec []string) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cerr := &CSVError{}
	add := func(line int, err error) {
		if len(cerr.Problems) < maxProblems {
			cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: %v", line, err))
		} else {
			cerr.More++
		}
	}
	first := true
	for n := 0; ; n++ {
		if n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			add(pe.Line, pe.Err)
			continue
		}
		if err != nil {
			return err
		}
		if first {
			first = false
			got := make([]string, len(rec))
			for i, f := range rec {
				got[i] = strings.TrimSpace(strings.TrimPrefix(f, "\ufeff"))
			}
			if strings.Join(got, ",") != strings.Join(header, ",") {
				return &CSVError{Problems: []string{fmt.Sprintf("line %d: header %q, want %s", line, strings.Join(got, ","), strings.Join(header, ","))}}
			}
			continue
		}
		if len(rec) != len(header) {
			add(line, fmt.Errorf("%d fields, want %d (%s)", len(rec), len(header), strings.Join(header, ",")))
			continue
		}
		if err := row(line, rec); err != nil {
			add(line, err)
		}
	}
	if first {
		return &CSVError{Problems: []string{"line 1: empty file, want the header " + strings.Join(header, ",")}}
	}
	if len(cerr.Problems) > 0 {
		return cerr
	}
	return nil
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q is not RFC 3339 with its offset (2026-02-25T18:15:00+08:00)", s)
	}
	return t, nil
}

func parseValue(what, s string) (float64, bool, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false, fmt.Errorf("%s %q is not a number", what, s)
	}
	if v < 0 {
		return 0, false, fmt.Errorf("%s %v is negative", what, v)
	}
	return v, true, nil
}

// ReadPower reads a power CSV (time,enterprise,meter,kwh) of the list's
// meters onto one grid. Every bad row is reported with its line: a time
// off the quarter hour, a meter the list does not give the enterprise, a
// negative or unreadable kwh, a second value for an interval.
func ReadPower(ctx context.Context, r io.Reader, l *reduction.List) (*compliance.Readings, error) {
	owner := map[string]string{}
	for _, e := range l.Enterprises {
		for _, m := range e.Monitoring.Meters {
			owner[m] = e.ID
		}
	}
	type point struct {
		end  int64
		kwh  float64
		line int
	}
	points := map[string][]point{}
	var lo, hi int64
	step := int64(compliance.Interval / time.Second)
	err := rows(ctx, r, PowerHeader, func(line int, rec []string) error {
		t, err := parseTime(rec[0])
		if err != nil {
			return err
		}
		if t.Unix()%step != 0 || t.Nanosecond() != 0 {
			return fmt.Errorf("time %s is not the end of a 15-minute interval (:00, :15, :30, :45)", rec[0])
		}
		ent, meter := strings.TrimSpace(rec[1]), strings.TrimSpace(rec[2])
		switch o, ok := owner[meter]; {
		case !ok:
			return fmt.Errorf("meter %q is not in list %s", meter, l.ID)
		case o != ent:
			return fmt.Errorf("meter %s is %s's in the list, not %q's", meter, o, ent)
		}
		v, ok, err := parseValue("kwh", rec[3])
		if err != nil || !ok {
			return err
		}
		u := t.Unix()
		if lo == 0 || u < lo {
			lo = u
		}
		if u > hi {
			hi = u
		}
		points[meter] = append(points[meter], point{u, v, line})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if lo == 0 {
		return compliance.NewReadings(time.Unix(0, 0), 0)
	}
	readings, err := compliance.NewReadings(time.Unix(lo, 0).In(aqi.CST), int((hi-lo)/step)+1)
	if err != nil {
		return nil, err
	}
	cerr := &CSVError{}
	for _, m := range sortedMeters(points) {
		col := make([]float32, readings.Len)
		for i := range col {
			col[i] = float32(math.NaN())
		}
		for _, p := range points[m] {
			i := int((p.end - lo) / step)
			if col[i] == col[i] {
				if len(cerr.Problems) < maxProblems {
					cerr.Problems = append(cerr.Problems, fmt.Sprintf("line %d: a second value for meter %s at %s", p.line, m, readings.End(i).Format(time.RFC3339)))
				} else {
					cerr.More++
				}
				continue
			}
			col[i] = float32(p.kwh)
		}
		if err := readings.SetColumn(m, col); err != nil {
			return nil, err
		}
	}
	if len(cerr.Problems) > 0 {
		return nil, cerr
	}
	return readings, nil
}

func sortedMeters[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ReadEmissions reads online-monitor data (time,mn,pollutant,unit,value)
// of the list's monitors, one series per monitor and pollutant.
func ReadEmissions(ctx context.Context, r io.Reader, l *reduction.List) ([]compliance.EmissionSeries, error) {
	known := map[string]bool{}
	for _, e := range l.Enterprises {
		for _, mn := range e.Monitoring.HJ212MN {
			known[mn] = true
		}
	}
	var out []compliance.EmissionSeries
	index := map[[2]string]int{}
	err := rows(ctx, r, EmissionsHeader, func(_ int, rec []string) error {
		t, err := parseTime(rec[0])
		if err != nil {
			return err
		}
		mn, pol, unit := strings.TrimSpace(rec[1]), strings.TrimSpace(rec[2]), strings.TrimSpace(rec[3])
		if !known[mn] {
			return fmt.Errorf("monitor %q is not in list %s (monitoring.hj212_mn)", mn, l.ID)
		}
		if pol == "" {
			return errors.New("pollutant missing")
		}
		v, ok, err := parseValue("value", rec[4])
		if err != nil || !ok {
			return err
		}
		k := [2]string{mn, pol}
		i, seen := index[k]
		if !seen {
			i = len(out)
			index[k] = i
			out = append(out, compliance.EmissionSeries{MN: mn, Pollutant: pol, Unit: unit})
		}
		if out[i].Unit != unit {
			return fmt.Errorf("unit %q, earlier rows of %s %s say %q", unit, mn, pol, out[i].Unit)
		}
		out[i].Points = append(out[i].Points, compliance.EmissionPoint{End: t, Value: v})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
