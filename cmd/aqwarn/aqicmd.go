package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/dataset"
)

const aqiUsage = `Usage:
  aqwarn aqi [--mode hourly|daily] [--edition auto|2012|2026] [--method platform|literal] < in.jsonl
  aqwarn aqi --csv [--edition auto|2012|2026] [--method platform|literal] FILE...

JSON lines (default): one object per line with any of
  pm25, pm10, so2, no2, o3, o3_8h (µg/m³) and co (mg/m³),
  optional "time" (RFC 3339, the end of the averaging period as Chinese data
  are labelled; in daily mode also a date, 2026-03-01, for a natural day) and
  "id" (echoed). Other keys are ignored. null = measured but missing; a key
  that is absent, or "/", = not measured (does not trigger the 2026 NA rule).
  hourly: 1-hour values. With --method literal (2012 only) also pm10_24h,
          pm25_24h (24-hour moving means), o3_8h and so2_24h.
  daily:  24-hour means; o3_8h = daily max 8-hour mean, o3 = daily max 1-hour
          value (2012 only).
  Prints one JSON object per input line. A bad line is reported on stderr
  with its number; the others are still processed and the exit status is 1.

--csv: station files in the Beijing layout (UCI #501; gzip accepted; CO in
  µg/m³; the hour column labels the end of the hour, +08:00). Prints CSV with
  the hourly AQI and the 24-hour AQI of the window ending at each hour, for
  every station and, with two or more stations, for the region (per-pollutant
  station means). daily_* is empty while the window reaches before the data.

--edition auto picks HJ 633—2012 or —2026 by the time of each value
(2026 for periods ending after 2026-03-01 00:00 +08:00).

Flags:
`

// runAQI is "aqwarn aqi": AQI from JSON lines on stdin, or from station CSVs.
func runAQI(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("aqi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	mode := fs.String("mode", "hourly", "hourly or daily (JSON lines)")
	edition := fs.String("edition", "auto", "auto, 2012 or 2026")
	method := fs.String("method", "platform", "2012 real-time method: platform (as published) or literal (the 2012 table as written)")
	csvMode := fs.Bool("csv", false, "read station CSV files (the arguments) instead of JSON lines")
	fs.Usage = func() {
		fmt.Fprint(stderr, aqiUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	var cfg aqiConfig
	switch *edition {
	case "auto":
	case "2012", "2026":
		cfg.edition, _ = aqi.ParseEdition(*edition)
	default:
		return fmt.Errorf("aqi: --edition %q: want auto, 2012 or 2026", *edition)
	}
	switch *method {
	case "platform":
	case "literal":
		cfg.method = aqi.Literal2012
	default:
		return fmt.Errorf("aqi: --method %q: want platform or literal", *method)
	}
	switch *mode {
	case "hourly":
	case "daily":
		cfg.daily = true
	default:
		return fmt.Errorf("aqi: --mode %q: want hourly or daily", *mode)
	}

	if *csvMode {
		if fs.NArg() == 0 {
			return errors.New("aqi: --csv needs at least one file")
		}
		return aqiCSV(ctx, cfg, fs.Args(), stdout)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("aqi: unexpected arguments %q (JSON lines are read from stdin; use --csv for files)", fs.Args())
	}
	return aqiJSONLines(ctx, cfg, stdin, stdout, stderr)
}

type aqiConfig struct {
	edition aqi.Edition // 0: auto, by time
	method  aqi.HourlyMethod
	daily   bool
}

// editionFor resolves the edition of a value whose period ends at end.
func (c aqiConfig) editionFor(end time.Time) aqi.Edition {
	if c.edition != 0 {
		return c.edition
	}
	return aqi.EditionForPeriodEnd(end)
}

// aqiOut is one output line. Field order is the documented order.
type aqiOut struct {
	ID              json.RawMessage `json:"id,omitempty"`
	Time            string          `json:"time,omitempty"`
	AQI             *int            `json:"aqi"`
	IAQI            map[string]*int `json:"iaqi"` // computed terms; null when measured but missing
	Primary         []string        `json:"primary"`
	Level           *int            `json:"level"`
	CategoryZH      string          `json:"category_zh"`
	CategoryEN      string          `json:"category_en"`
	Color           *string         `json:"color"`
	Edition         int             `json:"edition"`
	Flags           []string        `json:"flags"`
	OverStandard    []string        `json:"over_standard,omitempty"`
	SensitiveGroups []string        `json:"sensitive_groups,omitempty"`
}

func aqiJSONLines(ctx context.Context, cfg aqiConfig, stdin io.Reader, stdout, stderr io.Writer) error {
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	bad, line := 0, 0
	for sc.Scan() {
		line++
		if line%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		out, err := aqiLine(cfg, text)
		if err != nil {
			bad++
			fmt.Fprintf(stderr, "aqwarn aqi: line %d: %v\n", line, err)
			continue
		}
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("aqi: write: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("aqi: read line %d: %w", line+1, err)
	}
	if bad > 0 {
		return fmt.Errorf("aqi: %d bad input line(s)", bad)
	}
	return nil
}

// pollutantKeys maps input keys to the pollutant they measure.
var pollutantKeys = map[string]aqi.Pollutant{
	"so2": aqi.SO2, "no2": aqi.NO2, "pm10": aqi.PM10, "co": aqi.CO, "o3": aqi.O3, "pm25": aqi.PM25,
	"o3_8h": aqi.O3, "pm10_24h": aqi.PM10, "pm25_24h": aqi.PM25, "so2_24h": aqi.SO2,
}

// aqiLine computes one JSON line.
func aqiLine(cfg aqiConfig, text []byte) (aqiOut, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(text, &raw); err != nil {
		return aqiOut{}, fmt.Errorf("not a JSON object: %v", err)
	}
	vals := map[string]float64{}
	measured := aqi.PollutantSet(0)
	for key, p := range pollutantKeys {
		v, present, err := concentration(raw[key], key)
		if err != nil {
			return aqiOut{}, err
		}
		if present {
			measured |= aqi.PollutantsOf(p)
			vals[key] = v
		}
	}
	value := func(key string) float64 {
		if v, ok := vals[key]; ok {
			return v
		}
		return math.NaN()
	}

	var out aqiOut
	ed := cfg.edition
	if ts, ok := raw["time"]; ok && string(ts) != "null" {
		var s string
		if err := json.Unmarshal(ts, &s); err != nil {
			return out, fmt.Errorf("time: want an RFC 3339 string")
		}
		end, err := periodEnd(s, cfg.daily)
		if err != nil {
			return out, err
		}
		ed = cfg.editionFor(end)
		out.Time = s
	} else if ed == 0 {
		return out, errors.New(`--edition auto needs "time" on every line (or give --edition 2012|2026)`)
	}
	if id, ok := raw["id"]; ok && string(id) != "null" {
		out.ID = id
	}

	opt := aqi.Options{NotMeasured: aqi.AllPollutants &^ measured, Method: cfg.method}
	var r aqi.Result
	var terms []aqi.Term // the terms this kind of report reads
	switch {
	case cfg.daily:
		m := aqi.MissingConcentrations()
		for _, t := range []aqi.Term{aqi.TermSO2, aqi.TermNO2, aqi.TermPM10, aqi.TermCO, aqi.TermO3, aqi.TermPM25, aqi.TermO3_8h} {
			m[t] = value(t.String())
		}
		r = aqi.DailyFromMeans(m, ed, opt)
		terms = []aqi.Term{aqi.TermSO2, aqi.TermNO2, aqi.TermPM10, aqi.TermCO, aqi.TermPM25, aqi.TermO3_8h}
		if ed == aqi.Edition2012 {
			terms = append(terms, aqi.TermO3)
		}
	default:
		var h aqi.Hour
		for p := range aqi.NumPollutants {
			h[p] = value(p.String())
		}
		terms = []aqi.Term{aqi.TermSO2, aqi.TermNO2, aqi.TermPM10, aqi.TermCO, aqi.TermO3, aqi.TermPM25}
		if ed == aqi.Edition2012 && cfg.method == aqi.Literal2012 {
			r = aqi.HourlyLiteral2012(h, aqi.MovingMeans{
				PM10_24h: value("pm10_24h"), PM25_24h: value("pm25_24h"),
				O3_8h: value("o3_8h"), SO2_24h: value("so2_24h"),
			}, opt)
			terms = append(terms, aqi.TermO3_8h)
		} else {
			r = aqi.HourlyAQIOpt(h, ed, opt)
		}
	}
	fillOut(&out, r, terms, opt.NotMeasured)
	return out, nil
}

// concentration reads one input value: absent or "/" = not measured,
// null = missing, otherwise a non-negative number.
func concentration(raw json.RawMessage, key string) (v float64, present bool, err error) {
	if raw == nil {
		return 0, false, nil
	}
	switch s := string(raw); {
	case s == "null":
		return math.NaN(), true, nil
	case s == `"/"`:
		return 0, false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, false, fmt.Errorf("%s: want a number, null or \"/\", got %s", key, raw)
	}
	if v < 0 {
		return 0, false, fmt.Errorf("%s: negative concentration %v", key, v)
	}
	return v, true, nil
}

// periodEnd parses an RFC 3339 label; in daily mode a bare date names the
// natural day, which ends at 00:00 +08:00 of the next day.
func periodEnd(s string, daily bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if daily {
		if d, err := time.ParseInLocation(time.DateOnly, s, aqi.CST); err == nil {
			return d.AddDate(0, 0, 1), nil
		}
		return time.Time{}, fmt.Errorf("time %q: want RFC 3339 or a date (2006-01-02)", s)
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339, e.g. 2026-03-01T13:00:00+08:00", s)
}

func fillOut(out *aqiOut, r aqi.Result, terms []aqi.Term, notMeasured aqi.PollutantSet) {
	cat := r.Category()
	out.Edition = int(r.Edition)
	out.CategoryZH, out.CategoryEN = cat.ZH, cat.EN
	if !r.NA {
		a, l, c := r.AQI, r.Level, cat.Color
		out.AQI, out.Level, out.Color = &a, &l, &c
	}
	out.IAQI = map[string]*int{}
	for _, t := range terms {
		if notMeasured.Has(t.Pollutant()) {
			continue
		}
		if v := r.IAQI[t]; v >= 0 {
			out.IAQI[t.String()] = &v
		} else {
			out.IAQI[t.String()] = nil
		}
	}
	out.Primary = nonNil(r.Primary.Names())
	out.Flags = nonNil(resultFlags(r))
	out.OverStandard = r.OverStandard.Names()
	out.SensitiveGroups = r.SensitiveGroups.Names()
}

// resultFlags lists the edge rules and data gaps behind a result.
func resultFlags(r aqi.Result) []string {
	var f []string
	if r.BeyondIndex {
		f = append(f, "beyond_index")
	}
	f = append(f, r.Flags.Names()...)
	for p := range r.Missing.All() {
		f = append(f, "missing_"+p.String())
	}
	return f
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// aqiCSV evaluates station files hour by hour and writes CSV.
func aqiCSV(ctx context.Context, cfg aqiConfig, files []string, stdout io.Writer) error {
	var all []dataset.Series
	for _, f := range files {
		ss, err := dataset.ReadFile(f)
		if err != nil {
			return fmt.Errorf("aqi: %w", err)
		}
		all = append(all, ss...)
	}
	stations, err := mergeStations(all)
	if err != nil {
		return err
	}
	if len(stations) > 1 {
		stations = append(stations, regionSeries(stations))
	}

	bw := bufio.NewWriterSize(stdout, 256<<10)
	w := csv.NewWriter(bw)
	w.Write([]string{"station", "time", "edition", "hourly_aqi", "hourly_level", "hourly_primary", "daily_aqi", "daily_level", "daily_primary"})
	rec := make([]string, 9)
	for _, s := range stations {
		roll := aqi.NewRolling(aqi.Options{Method: cfg.method})
		for i, h := range s.Hours {
			if i%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			label := s.Label(i)
			ed := cfg.editionFor(label)
			roll.Push(h)
			hr := roll.Hourly(ed)
			rec[0], rec[1], rec[2] = s.Station, label.In(aqi.CST).Format(time.RFC3339), strconv.Itoa(int(ed))
			rec[3], rec[4], rec[5] = csvAQI(hr)
			if i >= 23 {
				rec[6], rec[7], rec[8] = csvAQI(roll.Daily(ed))
			} else {
				rec[6], rec[7], rec[8] = "", "", ""
			}
			w.Write(rec)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("aqi: write: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("aqi: write: %w", err)
	}
	return nil
}

func csvAQI(r aqi.Result) (value, level, primary string) {
	if r.NA {
		return "NA", "", ""
	}
	return strconv.Itoa(r.AQI), strconv.Itoa(r.Level), strings.Join(r.Primary.Names(), ";")
}

// mergeStations joins the pieces of each station (several files may hold the
// same station for different periods), filling gaps with missing hours.
// Stations keep the order of first appearance.
func mergeStations(all []dataset.Series) ([]dataset.Series, error) {
	var order []string
	pieces := map[string][]dataset.Series{}
	for _, s := range all {
		if _, ok := pieces[s.Station]; !ok {
			order = append(order, s.Station)
		}
		pieces[s.Station] = append(pieces[s.Station], s)
	}
	out := make([]dataset.Series, 0, len(order))
	for _, name := range order {
		ps := pieces[name]
		slices.SortFunc(ps, func(a, b dataset.Series) int { return a.Start.Compare(b.Start) })
		merged := dataset.Series{Station: name, Start: ps[0].Start, Hours: slices.Clone(ps[0].Hours)}
		for _, p := range ps[1:] {
			next := merged.Label(len(merged.Hours))
			if p.Start.Before(next) {
				return nil, fmt.Errorf("aqi: station %s: overlapping data at %s", name, p.Start.Format(time.RFC3339))
			}
			for gap := p.Start.Sub(next) / time.Hour; gap > 0; gap-- {
				merged.Hours = append(merged.Hours, aqi.MissingHour())
			}
			merged.Hours = append(merged.Hours, p.Hours...)
		}
		out = append(out, merged)
	}
	return out, nil
}

// regionSeries averages the stations per pollutant over the union of their
// periods; a station without data at an hour does not count.
func regionSeries(stations []dataset.Series) dataset.Series {
	start, end := stations[0].Start, stations[0].End()
	for _, s := range stations[1:] {
		if s.Start.Before(start) {
			start = s.Start
		}
		if s.End().After(end) {
			end = s.End()
		}
	}
	n := int(end.Sub(start)/time.Hour) + 1
	reg := dataset.Series{Station: "region", Start: start, Hours: make([]aqi.Hour, n)}
	row := make([]aqi.Hour, 0, len(stations))
	for i := range reg.Hours {
		label := reg.Label(i)
		row = row[:0]
		for k := range stations {
			if j, ok := stations[k].Index(label); ok {
				row = append(row, stations[k].Hours[j])
			}
		}
		reg.Hours[i] = aqi.RegionHour(row)
	}
	return reg
}
