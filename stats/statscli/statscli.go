// Package statscli is what `aqwarn stats` does: the air-quality statistics
// of a year (package stats) over station CSV files in the Beijing layout
// (package dataset), the stations taken as one region, printed as JSON or
// text. Package stats stays pure; the reading and writing are here.
package statscli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/dataset"
	"github.com/aqwarn/aqwarn/stats"
)

// Usage documents the command; the flags follow it.
const Usage = `Usage:
  aqwarn stats --csv FILES... --year Y [--format json|text] [--station NAME]
               [--edition auto|2012|2026] [--days]
               [--targets FILE [--target-scope ID] [--as-of YYYY-MM-DD]]

Statistics of the year Y over station files in the Beijing layout (UCI #501;
gzip accepted; CO in µg/m³; the hour column labels the end of the hour,
+08:00). The stations are one region: each hour the per-pollutant mean of
the stations' valid values, the region's AQI from those means (--station
picks one station instead). Natural days are the hours labelled 01:00 …
24:00. Prints good_days (AQI ≤ 100), heavy_days (AQI > 200) and pm25_annual
(µg/m³, one decimal; valid only with ≥ 324 valid days and ≥ 27 a month, 25
in February) first, then the year's day categories, the six pollutants'
means and HJ 663 percentiles (CO P95, O3 8-hour P90), seasons, months, the
comparison with last year when the files hold it, and the edition of HJ 633
each day used. --days adds every day (JSON).

--targets evaluates a targets file's targets (configs/targets/*.yaml) of the
scope --target-scope (default: the file's first) against the year Y, as of
--as-of (default: the end of Y, the final outcome), projected from the
files' earlier years.

Flags:
`

// Config is what the command's flags ask for.
type Config struct {
	Files       []string
	Year        int
	Format      string      // "json" or "text"
	Station     string      // one station instead of the region ("")
	Edition     aqi.Edition // 0: by the date of each day
	Days        bool        // include every day (JSON)
	Targets     string      // targets file ("": none)
	TargetScope string      // scope id of the targets ("": the first)
	AsOf        time.Time   // instant the targets are evaluated at (zero: end of the year)
}

// Check reports a Config the command cannot run.
func (c Config) Check() error {
	var problems []string
	if len(c.Files) == 0 {
		problems = append(problems, "no --csv files")
	}
	if c.Year < 1 || c.Year > 9999 {
		problems = append(problems, fmt.Sprintf("--year %d: want a calendar year", c.Year))
	}
	if c.Format != "json" && c.Format != "text" {
		problems = append(problems, fmt.Sprintf("--format %q: want json or text", c.Format))
	}
	if len(problems) > 0 {
		return errors.New("stats: " + strings.Join(problems, "; "))
	}
	return nil
}

// Run reads the files and writes the report.
func Run(ctx context.Context, cfg Config, stdout io.Writer) error {
	if err := cfg.Check(); err != nil {
		return err
	}
	series, err := ReadFiles(ctx, cfg.Files)
	if err != nil {
		return err
	}
	var targets *stats.Targets
	if cfg.Targets != "" {
		if targets, err = LoadTargets(cfg.Targets); err != nil {
			return err
		}
	}
	rep, err := Compute(series, cfg, targets)
	if err != nil {
		return err
	}
	if cfg.Format == "text" {
		return rep.WriteText(stdout)
	}
	return rep.WriteJSON(stdout)
}

// LoadTargets reads and validates a targets file (stats.ParseTargets; the
// ids are not checked against a plan here).
func LoadTargets(path string) (*stats.Targets, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &stats.TargetsError{Reason: stats.CodeTargetsInvalid, Message: "read targets", Err: err}
	}
	ts, err := stats.ParseTargets(b, stats.Refs{})
	var e *stats.TargetsError
	if errors.As(err, &e) {
		e.Message = path + ": " + e.Message
	}
	return ts, err
}

// ReadFiles reads station files and joins the pieces of each station
// (several files may hold one station for different periods), gaps filled
// with missing hours, stations in order of first appearance.
func ReadFiles(ctx context.Context, files []string) ([]dataset.Series, error) {
	var all []dataset.Series
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ss, err := dataset.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("stats: %w", err)
		}
		all = append(all, ss...)
	}
	out, err := dataset.Join(all, dataset.RefuseOverlap)
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	return out, nil
}

// Report is what `aqwarn stats` prints for one year.
type Report struct {
	Scope    stats.Scope `json:"scope"`
	Stations []string    `json:"stations"`
	Year     int         `json:"year"`
	Data     Coverage    `json:"data"`

	// The headline figures of the year (the same as in Summary).
	GoodDays        int      `json:"good_days"`
	GoodRatio       *float64 `json:"good_ratio_pct"`
	HeavyDays       int      `json:"heavy_days"`
	PM25Annual      *float64 `json:"pm25_annual"`
	PM25AnnualValid bool     `json:"pm25_annual_valid"`
	COP95           *float64 `json:"co_p95"`
	O3_8hP90        *float64 `json:"o3_8h_p90"`

	Summary stats.Summary   `json:"summary"`
	Seasons []stats.Summary `json:"seasons"`
	Months  []stats.Summary `json:"months"`
	// LastYear compares with the year before; null when the files hold no
	// valid day of it.
	LastYear *stats.Comparison `json:"last_year"`
	// Targets is the progress of each target of the chosen scope.
	Targets     []stats.Progress `json:"targets,omitempty"`
	TargetsNote string           `json:"targets_note,omitempty"`
	Days        []stats.Day      `json:"days,omitempty"`
}

// Coverage says how much of the year the files hold.
type Coverage struct {
	First string `json:"first"` // first hour label in the scope's data (RFC 3339, +08:00)
	Last  string `json:"last"`  // last hour label
	// HoursInYear are the hours labelled in the year's natural days (Jan 1
	// 01:00 … Jan 1 of the next year 00:00); HoursInData those of them the
	// files cover (present, whether or not valid).
	HoursInYear int `json:"hours_in_year"`
	HoursInData int `json:"hours_in_data"`
	// Partial is set when the files do not cover the whole year.
	Partial bool   `json:"partial"`
	Note    string `json:"note,omitempty"`
}

// Compute builds the report of cfg.Year from stations' series; targets may
// be nil.
func Compute(series []dataset.Series, cfg Config, targets *stats.Targets) (*Report, error) {
	if len(series) == 0 {
		return nil, errors.New("stats: the files hold no station data")
	}
	rep := &Report{Year: cfg.Year}
	var scope stats.Hourly
	var first, last time.Time
	if cfg.Station != "" {
		i := slices.IndexFunc(series, func(s dataset.Series) bool { return s.Station == cfg.Station })
		if i < 0 {
			return nil, fmt.Errorf("stats: --station %q is not in the files", cfg.Station)
		}
		s := series[i]
		scope = stats.Hourly{Start: s.Start, Hours: s.Hours}
		rep.Scope = stats.Scope{Kind: aqwarn.ScopeStation, ID: s.Station}
		rep.Stations = []string{s.Station}
		first, last = s.Start, s.End()
	} else {
		hs := make([]stats.Hourly, len(series))
		for i, s := range series {
			hs[i] = stats.Hourly{Start: s.Start, Hours: s.Hours}
			rep.Stations = append(rep.Stations, s.Station)
		}
		scope = stats.RegionHourly(hs)
		rep.Scope = stats.Scope{Kind: aqwarn.ScopeRegion, ID: "region"}
		first, last = scope.Start, scope.Start.Add(time.Duration(len(scope.Hours)-1)*time.Hour)
	}
	rep.Data = coverage(cfg.Year, first, last)

	year := stats.YearPeriod(cfg.Year)
	// Every day from the data's first year (or last year, if earlier) to
	// the end of Y: last year's comparison and the targets' projection.
	from := stats.Date(stats.DayOf(first).Year(), time.January, 1)
	if lastYear := year.From.AddDate(-1, 0, 0); lastYear.Before(from) {
		from = lastYear
	}
	days := stats.Days(scope, stats.Period{From: from, To: year.To}, stats.Options{Edition: cfg.Edition})
	inYear := slices.IndexFunc(days, func(d stats.Day) bool { return !d.Date.Before(year.From) })

	rep.Summary = stats.Summarise(rep.Scope, days, year)
	s := &rep.Summary
	rep.GoodDays, rep.GoodRatio, rep.HeavyDays = s.GoodDays, s.GoodRatio, s.HeavyDays
	rep.PM25Annual, rep.PM25AnnualValid = s.Pollutants.PM25.Mean, s.Pollutants.PM25.Valid
	rep.COP95, rep.O3_8hP90 = s.Pollutants.CO.PercentileValue, s.Pollutants.O3_8h.PercentileValue
	for _, se := range []stats.Season{stats.Spring, stats.Summer, stats.Autumn, stats.Winter} {
		rep.Seasons = append(rep.Seasons, stats.Summarise(rep.Scope, days, stats.SeasonPeriod(cfg.Year, se)))
	}
	for m := time.January; m <= time.December; m++ {
		rep.Months = append(rep.Months, stats.Summarise(rep.Scope, days, stats.MonthPeriod(cfg.Year, m)))
	}
	if lastYear := stats.Summarise(rep.Scope, days, year.LastYear()); lastYear.ValidDays > 0 {
		c := stats.Compare(*s, lastYear)
		rep.LastYear = &c
	}
	if targets != nil {
		if err := rep.evaluate(targets, cfg, days[:inYear], days[inYear:]); err != nil {
			return nil, err
		}
	}
	if cfg.Days {
		rep.Days = days[inYear:]
	}
	return rep, nil
}

func (rep *Report) evaluate(ts *stats.Targets, cfg Config, past, days []stats.Day) error {
	id := cfg.TargetScope
	if id == "" && len(ts.Scopes) > 0 {
		id = ts.Scopes[0].ID
	}
	asOf := cfg.AsOf
	if asOf.IsZero() {
		asOf = stats.YearPeriod(cfg.Year).To
	}
	found := false
	for _, t := range ts.List() {
		if t.Scope.ID != id {
			continue
		}
		found = true
		t.Year = cfg.Year
		if t.Kind == stats.KindHeavyDaysReduction {
			// A last-year count in the file is for the file's year; the
			// data's own last year is the one to compare with here.
			if ts.Year != cfg.Year {
				t.LastYear = nil
			}
		}
		t = t.Restated()
		rep.Targets = append(rep.Targets, stats.Evaluate(t, days, asOf, past))
	}
	if !found {
		return fmt.Errorf("stats: --target-scope %q: the targets file has no such scope", id)
	}
	if ts.Year != cfg.Year {
		rep.TargetsNote = fmt.Sprintf("the %d targets of %s (%s %s) applied to the data's %d", ts.Year, ts.ID, "scope", id, cfg.Year)
	}
	return nil
}

func coverage(year int, first, last time.Time) Coverage {
	c := Coverage{First: first.In(aqi.CST).Format(time.RFC3339), Last: last.In(aqi.CST).Format(time.RFC3339)}
	y := stats.YearPeriod(year)
	lo, hi := y.From.Add(time.Hour), y.To // the year's first and last hour labels
	c.HoursInYear = int(hi.Sub(lo)/time.Hour) + 1
	a, b := lo, hi
	if first.After(a) {
		a = first
	}
	if last.Before(b) {
		b = last
	}
	if !b.Before(a) {
		c.HoursInData = int(b.Sub(a)/time.Hour) + 1
	}
	c.Partial = c.HoursInData < c.HoursInYear
	if c.Partial {
		c.Note = fmt.Sprintf("partial year: the files cover %d of the %d hours of %d (%s … %s)", c.HoursInData, c.HoursInYear, year, c.First, c.Last)
	}
	return c
}
