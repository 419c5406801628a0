package aqicli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// Output is one output line of JSONLines. Field order is the documented order.
type Output struct {
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

// JSONLines evaluates JSON lines from stdin (see Usage) and writes one JSON
// object per line to stdout. A bad line is reported on stderr with its
// number and skipped; the others are still evaluated and the error then
// counts the bad lines.
func JSONLines(ctx context.Context, cfg Config, stdin io.Reader, stdout, stderr io.Writer) error {
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
		out, err := Line(cfg, text)
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

// Line evaluates one JSON line.
func Line(cfg Config, text []byte) (Output, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(text, &raw); err != nil {
		return Output{}, fmt.Errorf("not a JSON object: %v", err)
	}
	vals := map[string]float64{}
	measured := aqi.PollutantSet(0)
	for key, p := range pollutantKeys {
		v, present, err := concentration(raw[key], key)
		if err != nil {
			return Output{}, err
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

	var out Output
	ed := cfg.Edition
	if ts, ok := raw["time"]; ok && string(ts) != "null" {
		var s string
		if err := json.Unmarshal(ts, &s); err != nil {
			return out, fmt.Errorf("time: want an RFC 3339 string")
		}
		end, err := periodEnd(s, cfg.Daily)
		if err != nil {
			return out, err
		}
		ed = cfg.EditionFor(end)
		out.Time = s
	} else if ed == 0 {
		return out, errors.New(`--edition auto needs "time" on every line (or give --edition 2012|2026)`)
	}
	if id, ok := raw["id"]; ok && string(id) != "null" {
		out.ID = id
	}

	opt := aqi.Options{NotMeasured: aqi.AllPollutants &^ measured, Method: cfg.Method}
	var r aqi.Result
	var terms []aqi.Term // the terms this kind of report reads
	switch {
	case cfg.Daily:
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
		if ed == aqi.Edition2012 && cfg.Method == aqi.Literal2012 {
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

func fillOut(out *Output, r aqi.Result, terms []aqi.Term, notMeasured aqi.PollutantSet) {
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
		f = append(f, aqi.WordBeyondIndex)
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
