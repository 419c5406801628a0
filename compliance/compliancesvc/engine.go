// Package compliancesvc runs the compliance engine (package compliance) in
// the service: it gathers what the pure engine needs from the stores — the
// warnings of the county, the listed sources' meter and emission readings
// over the warnings and the baseline days before them — and hands the
// findings to the inspection loop (it is its inspect.EventSource).
package compliancesvc

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/compliance/inspect"
	"github.com/aqwarn/aqwarn/reduction"
)

// Readings are the listed sources' stored meter and emission readings
// (store/sqlite and store/influx both have them).
type Readings interface {
	PowerReadings(ctx context.Context, enterprise string, from, to time.Time) (map[string][]aqwarn.PowerReading, error)
	EmissionReadings(ctx context.Context, enterprise string, from, to time.Time) ([]aqwarn.EmissionReading, error)
}

// Approvals are the recorded restart approvals (inspect's store).
type Approvals interface {
	Approvals(ctx context.Context, from, to time.Time) ([]inspect.RestartApproval, error)
}

// Engine is the compliance engine over the stores.
type Engine struct {
	Params   *compliance.Params
	List     *reduction.List
	Warnings lifecycle.WarningHistory
	Readings Readings
	// Approvals, when set, are the restart approvals R6 (and R1, R3) respect.
	Approvals Approvals
	// Calendar are the holidays and make-up working days (the baseline
	// leaves holidays out); its warning days are added from the store.
	Calendar compliance.Calendar
	// Lookback is how far back warnings are checked again (default 7
	// days: findings of a warning lifted since still reach the loop, and a
	// run that has ended is seen whole).
	Lookback time.Duration
	// BaselineDays is how many days before a warning are read for its
	// baseline (default 45: the 28 normal days with holidays and earlier
	// warnings left out).
	BaselineDays int
	// Lag is how far behind now the engine looks: the latest intervals'
	// readings may still be on their way (a collector uploads its quarter
	// hour a little late), and a meter that has merely not reported yet
	// is not a gap (R7).
	Lag time.Duration
}

// Events is inspect.EventSource: the findings over the warnings in force
// since now − Lookback, evaluated at now − Lag. No warning, no reading:
// nothing.
func (e *Engine) Events(ctx context.Context, now time.Time) ([]compliance.Event, error) {
	now = now.Add(-e.Lag)
	in, ok, err := e.input(ctx, now.Add(-cmp.Or(e.Lookback, 7*24*time.Hour)), now)
	if !ok || err != nil {
		return nil, err
	}
	return e.Params.Evaluate(in).Events, nil
}

// Drops are the listed sources' power drops during the county's warnings
// in [from, to] (evaluated at to), for the plan-7 report.
func (e *Engine) Drops(ctx context.Context, from, to time.Time) ([]compliance.SourceDrop, error) {
	in, ok, err := e.input(ctx, from, to)
	if !ok || err != nil {
		return nil, err
	}
	return e.Params.PowerDrops(in), nil
}

// input gathers the engine's input for the county's warnings that existed
// in [from, now]: their pieces, the earlier warnings' days, the listed
// sources' readings from BaselineDays before the first, the approvals;
// ok is false when there is nothing to check.
func (e *Engine) input(ctx context.Context, from, now time.Time) (compliance.Input, bool, error) {
	if e.List == nil || e.Params == nil {
		return compliance.Input{}, false, nil
	}
	days := cmp.Or(e.BaselineDays, 45)
	ws, err := e.Warnings.WarningsBetween(ctx, from, now)
	if err != nil {
		return compliance.Input{}, false, err
	}
	warnings := Segments(ws, e.List.County, now)
	if len(warnings) == 0 {
		return compliance.Input{}, false, nil
	}
	first := warnings[0].EffectiveStart.AddDate(0, 0, -days)
	// Earlier warnings inside the baseline window are not normal days.
	past, err := e.Warnings.WarningsBetween(ctx, first, now)
	if err != nil {
		return compliance.Input{}, false, err
	}
	cal := e.Calendar
	cal.WarningDays = append(slices.Clip(cal.WarningDays), WarningDays(past, e.List.County, first, now)...)

	points := map[string][]compliance.Point{}
	var emissions []compliance.EmissionSeries
	for i := range e.List.Enterprises {
		src := &e.List.Enterprises[i]
		if len(src.Monitoring.Meters) > 0 || hasUnitMeters(src) {
			byMeter, err := e.Readings.PowerReadings(ctx, src.ID, first, now)
			if err != nil {
				return compliance.Input{}, false, err
			}
			for meter, rs := range byMeter {
				for _, r := range rs {
					if r.Valid() { // a flagged interval is a gap to the engine
						points[meter] = append(points[meter], compliance.Point{End: r.Time, KWh: r.KWh})
					}
				}
			}
		}
		if len(src.Monitoring.HJ212MN) > 0 {
			rs, err := e.Readings.EmissionReadings(ctx, src.ID, first, now)
			if err != nil {
				return compliance.Input{}, false, err
			}
			emissions = append(emissions, EmissionSeries(rs)...)
		}
	}
	if len(points) == 0 && len(emissions) == 0 {
		return compliance.Input{}, false, nil
	}
	readings, err := compliance.ReadingsFromPoints(points)
	if err != nil {
		return compliance.Input{}, false, err
	}
	var approvals []compliance.Approval
	if e.Approvals != nil {
		as, err := e.Approvals.Approvals(ctx, warnings[0].EffectiveStart, now)
		if err != nil {
			return compliance.Input{}, false, err
		}
		for _, a := range as {
			approvals = append(approvals, a.Approval)
		}
	}
	return compliance.Input{List: e.List, Warnings: warnings, Readings: readings, Calendar: cal, Approvals: approvals,
		Emissions: emissions, Now: now}, true, nil
}

func hasUnitMeters(src *reduction.Enterprise) bool {
	return slices.ContainsFunc(src.Units, func(u reduction.Unit) bool { return len(u.Meters) > 0 })
}

// Segments are the county's warnings as the engine sees them: one piece
// per level in force, from the response's effective start (or a level
// change's) to the next change, a pause or the lift. A pause suspends the
// measures, so it ends a piece; the resume begins the next. Warnings of
// other regions (a town's) are left out: the list's sources answer the
// county's warnings. The primary pollutant is not known here, so every
// piece is treated as PM-driven (its list measures apply): missing a PM
// episode's cuts is the worse mistake.
func Segments(ws []lifecycle.Warning, county string, now time.Time) []compliance.Warning {
	var out []compliance.Warning
	for _, w := range ws {
		if w.Region != county {
			continue
		}
		end := time.Time{}
		switch {
		case w.LiftEffective != nil:
			end = *w.LiftEffective
		case w.Lifted != nil:
			end = *w.Lifted
		}
		var open *compliance.Warning
		closeAt := func(t time.Time) {
			if open != nil {
				if t.After(open.EffectiveStart) {
					open.Lift = t
					out = append(out, *open)
				}
				open = nil
			}
		}
		level := ""
		for _, t := range w.Transitions {
			at := cmp.Or(t.Start, t.At)
			switch t.Kind {
			case alert.KindIssue, alert.KindUpgrade, alert.KindDowngrade, alert.KindResume:
				if t.ToID != "" && t.ToID != "none" {
					level = t.ToID
				}
				if level == "" {
					continue
				}
				closeAt(at)
				open = &compliance.Warning{ID: warningID(w.ID), Level: level, EffectiveStart: at}
			case alert.KindPause, alert.KindLift:
				closeAt(at)
			}
		}
		if open == nil && len(w.Transitions) == 0 && w.LevelID != "" && w.LevelID != "none" {
			// A warning recorded without its transitions: one piece.
			open = &compliance.Warning{ID: warningID(w.ID), Level: w.LevelID, EffectiveStart: cmp.Or(w.EffectiveStart, w.Issued)}
		}
		if open != nil {
			if !end.IsZero() {
				closeAt(end)
			} else if open.EffectiveStart.Before(now) {
				out = append(out, *open) // in force: no lift yet
			}
		}
	}
	slices.SortStableFunc(out, func(a, b compliance.Warning) int { return a.EffectiveStart.Compare(b.EffectiveStart) })
	return out
}

func warningID(id int64) string { return strconv.FormatInt(id, 10) }

// WarningDays are the China-time days on which a county warning was in
// force between from and to: they are not normal days for a baseline.
func WarningDays(ws []lifecycle.Warning, county string, from, to time.Time) []reduction.Date {
	seen := map[reduction.Date]bool{}
	var out []reduction.Date
	for _, s := range Segments(ws, county, to) {
		end := s.Lift
		if end.IsZero() || end.After(to) {
			end = to
		}
		start := s.EffectiveStart
		if start.Before(from) {
			start = from
		}
		first := start.In(aqi.CST)
		first = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, aqi.CST)
		for d := first; d.Before(end); d = d.AddDate(0, 0, 1) {
			day, err := reduction.ParseDate(d.Format(time.DateOnly))
			if err == nil && !seen[day] {
				seen[day] = true
				out = append(out, day)
			}
		}
	}
	return out
}

// EmissionSeries turns stored monitor readings into the engine's series:
// per monitor and pollutant the emission rate (kg/h from -Cou) when the
// monitor sends amounts, else its mean concentration (mg/m³); R8 compares
// a series with itself, so each keeps one quantity.
func EmissionSeries(rs []aqwarn.EmissionReading) []compliance.EmissionSeries {
	type key struct{ mn, pollutant, unit string }
	idx := map[key]int{}
	var out []compliance.EmissionSeries
	for _, r := range rs {
		for _, v := range r.Values {
			k := key{r.MN, v.Pollutant, "kg/h"}
			val, ok := r.Rate(v.Pollutant)
			if !ok && v.Avg != nil {
				k.unit, val, ok = "mg/m3", *v.Avg, true
			}
			if !ok {
				continue
			}
			i, seen := idx[k]
			if !seen {
				i = len(out)
				idx[k] = i
				out = append(out, compliance.EmissionSeries{MN: k.mn, Pollutant: k.pollutant, Unit: k.unit})
			}
			out[i].Points = append(out[i].Points, compliance.EmissionPoint{End: r.Time, Value: val})
		}
	}
	return out
}
