// Package replay runs the warning engine over history: the given stations
// make one region, each hour is evaluated through the lifecycle service (on
// a store in memory) with the observations as a perfect forecast of the next
// hours, a degraded one, or with the persistence baseline only; every
// proposal is approved (at once, or after a delay per level), and the
// warnings are scored against the observed truth (alert.Score, spec §8).
//
// It is what `aqwarn replay` runs: read the station files (ReadFiles), build
// the region's history (NewHistory), run it (History.Run, or Run for both),
// and write the report (Report.WriteCSV, Report.WriteJSON, WriteScorecard).
package replay

import (
	"context"
	"fmt"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/dataset"
	"github.com/aqwarn/aqwarn/simulate"
)

// The forecast shapes a replay can run on (spec §8).
const (
	ShapePerfectHourly = "perfect-hourly" // the observed hours as the forecast (alias "perfect")
	ShapePerfectDaily  = "perfect-daily"  // the observed daily AQI of each calendar day
	ShapeDegraded      = "degraded"       // perfect hourly times simulate.DegradedError
	ShapePersistence   = "persistence"    // no forecast: the engine's built-in baseline only
)

// Shapes lists the forecast shapes.
var Shapes = []string{ShapePerfectHourly, ShapePerfectDaily, ShapeDegraded, ShapePersistence}

// Shape resolves a shape name: "perfect" and "" are perfect-hourly; ok is
// false for a name that is not a shape.
func Shape(s string) (shape string, ok bool) {
	switch s {
	case "", "perfect":
		return ShapePerfectHourly, true
	case ShapePerfectHourly, ShapePerfectDaily, ShapeDegraded, ShapePersistence:
		return s, true
	}
	return s, false
}

// Options of a replay.
type Options struct {
	// Region names the region the stations make (default "replay").
	Region string
	// From and To bound the hours evaluated, [From, To); zero: the data's
	// first and last observed window.
	From, To time.Time
	Forecast string // a shape; "" and "perfect" are perfect-hourly
	Horizon  int    // hours the forecast reaches (default 72)
	Seed     uint64 // seed of the degraded forecast's error
	// ApprovalDelay is how long signing takes, by level id: proposals are
	// published that long after they were made (none: at once).
	ApprovalDelay map[string]time.Duration
}

// Run builds the region's history of the series (NewHistory with the
// plan's window) and runs it (History.Run); the report counts the stations.
func Run(ctx context.Context, plan *alert.Plan, series []dataset.Series, o Options) (*Report, error) {
	rep, err := NewHistory(series, plan.Window()).Run(ctx, plan, o)
	if rep != nil {
		rep.Stations = len(series)
	}
	return rep, err
}

// degradedForecast is the perfect hourly series times the degraded error
// (simulate.DegradedError: time-correlated, log-normal, σ 0.25 at +24 h,
// 0.35 at +48 h, 0.45 at +72 h), one error path per issue, issued every
// 6 h; deterministic per seed and issue time.
type degradedForecast struct {
	err    simulate.DegradedError
	issued time.Time
	path   *simulate.ErrorPath
}

const degradedEvery = 6 * time.Hour

func (d *degradedForecast) at(now time.Time, horizon int) func(time.Time) float64 {
	issued := now.Truncate(degradedEvery)
	if !issued.Equal(d.issued) || d.path == nil {
		p := d.err.Path(issued, horizon)
		d.issued, d.path = issued, &p
	}
	return d.path.At
}

// Run evaluates every hour of the history in [From, To) through the
// lifecycle service on a store in memory, approving every proposal (after
// the approval delay), and scores the warnings against the truth. The
// report's Stations and Files are left for the caller (Run sets Stations).
func (rs *History) Run(ctx context.Context, plan *alert.Plan, o Options) (*Report, error) {
	shape, ok := Shape(o.Forecast)
	if !ok {
		return nil, fmt.Errorf("replay: forecast %q: want one of %v", o.Forecast, Shapes)
	}
	o.Forecast = shape
	if o.Horizon == 0 {
		o.Horizon = 72
	}
	if o.Region == "" {
		o.Region = "replay"
	}
	rep := &Report{Plan: plan.ID, Region: o.Region, Forecast: o.Forecast, Horizon: o.Horizon, Warnings: []Warning{}}
	obs := rs.windows
	if len(obs) == 0 {
		return rep, nil
	}
	if o.From.IsZero() {
		o.From = obs[0].End
	}
	if o.To.IsZero() {
		o.To = obs[len(obs)-1].End.Add(time.Hour)
	}
	rep.From, rep.To = o.From, o.To
	st := lifecycle.NewMemStore()
	st.KeepAudit = false
	var now time.Time
	svc := &lifecycle.Service{Plan: plan, Store: st, AutoApprove: len(o.ApprovalDelay) == 0, Now: func() time.Time { return now }}
	lookback := plan.Lookback()
	horizon := time.Duration(o.Horizon) * time.Hour
	back := plan.Window() + time.Duration(plan.Decisions.BiasCorrection.ObservedHours)*time.Hour
	deg := &degradedForecast{err: simulate.DegradedError{Seed: o.Seed}}
	rec := &recorder{}
	var obsHours, fcHours []alert.SeriesHour
	lo := 0 // first observed window inside the lookback
	for i := range obs {
		now = obs[i].End
		if now.Before(o.From) || !now.Before(o.To) {
			continue
		}
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for obs[lo].End.Compare(now.Add(-lookback)) <= 0 {
			lo++
		}
		sit := alert.Situation{Now: now, Region: o.Region, Observed: obs[lo : i+1]}
		switch o.Forecast {
		case ShapePerfectHourly, ShapeDegraded:
			var scale func(time.Time) float64
			if o.Forecast == ShapeDegraded {
				scale = deg.at(now, o.Horizon)
			}
			obsHours = rs.seriesHours(now.Add(-back), now, nil, obsHours[:0])
			fcHours = rs.seriesHours(now.Add(-6*time.Hour), now.Add(horizon), scale, fcHours[:0])
			sit.ObservedHours, sit.ForecastHours, sit.ForecastHoursSource = obsHours, fcHours, "replay-"+o.Forecast
		case ShapePerfectDaily:
			sit.Forecast = rs.perfectDaily(now, horizon)
		}
		ev, err := svc.Decide(ctx, sit)
		if err != nil {
			return nil, err
		}
		if len(o.ApprovalDelay) > 0 {
			if err := signDue(ctx, svc, st, plan, now, o.ApprovalDelay); err != nil {
				return nil, err
			}
		}
		rec.see(ev)
		if now.In(aqi.CST).Hour() == 10 {
			rec.sample(plan, rs, sit, now)
		}
		rep.Summary.Hours++
		if ev.NeedForecast != nil {
			rep.Summary.BaselineFilled++
		}
	}
	return rep, rep.collect(ctx, plan, st, obs, o, rec)
}

// perfectDaily is the observed AQI of each calendar day that ends after now
// and starts before now + horizon, as daily forecast windows.
func (rs *History) perfectDaily(now time.Time, horizon time.Duration) []alert.Window {
	c := now.In(aqi.CST)
	day := time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, aqi.CST)
	var out []alert.Window
	for ; day.Before(now.Add(horizon)); day = day.AddDate(0, 0, 1) {
		k := rs.hourIndex(day.AddDate(0, 0, 1))
		if k < 0 || k >= len(rs.at) || rs.at[k] < 0 {
			continue
		}
		out = append(out, alert.Window{Start: day, End: day.AddDate(0, 0, 1), AQI: rs.windows[rs.at[k]].AQI,
			Source: alert.SourceForecast, ForecastSource: "replay-perfect-daily"})
	}
	return out
}

// recorder keeps what the scorecard needs besides the warnings: when each
// episode was first seen, and forecast samples per lead day.
type recorder struct {
	seen      []seenEpisode
	forecasts []alert.ForecastSample
}

type seenEpisode struct{ start, end, at time.Time }

func (r *recorder) see(ev alert.Evaluation) {
	for _, ep := range ev.Episodes {
		if !ep.End.After(ev.Now) {
			continue
		}
		found := false
		for i := len(r.seen) - 1; i >= 0 && i >= len(r.seen)-4; i-- {
			s := &r.seen[i]
			if ep.Start.Before(s.end) && ep.End.After(s.start) {
				s.end = later(s.end, ep.End)
				found = true
				break
			}
		}
		if !found {
			r.seen = append(r.seen, seenEpisode{ep.Start, ep.End, ev.Now})
		}
	}
}

func (r *recorder) firstSeen(ep alert.Episode) time.Time {
	var first time.Time
	for _, s := range r.seen {
		if s.start.Before(ep.End) && s.end.After(ep.Start) && (first.IsZero() || s.at.Before(first)) {
			first = s.at
		}
	}
	return first
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// sample records the forecast daily AQI of the windows ending 24, 48 and
// 72 h ahead against what was observed, for the scorecard's forecast group.
func (r *recorder) sample(plan *alert.Plan, rs *History, sit alert.Situation, now time.Time) {
	for _, lead := range []int{24, 48, 72} {
		end := now.Add(time.Duration(lead) * time.Hour)
		k := rs.hourIndex(end)
		if k < 0 || k >= len(rs.at) || rs.at[k] < 0 {
			continue
		}
		observed := rs.windows[rs.at[k]].AQI
		fc, ok := -1, false
		if len(sit.ForecastHours) > 0 {
			for _, w := range plan.BlendedWindows(now, sit.ObservedHours, sit.ForecastHours, "") {
				if w.End.Equal(end) {
					fc, ok = w.AQI, true
				}
			}
		}
		for _, w := range sit.Forecast {
			// A daily forecast is sampled for the day that ends at the lead.
			if w.End.Equal(end) || (lead%24 == 0 && w.Start.Before(end) && !w.End.Before(end) && !ok) {
				fc, ok = w.AQI, true
			}
		}
		if ok {
			r.forecasts = append(r.forecasts, alert.ForecastSample{IssuedAt: now, LeadHours: lead, Forecast: fc, Observed: observed})
		}
	}
}

// signDue signs, as the plan's roles, every pending proposal made at least
// its approval delay ago.
func signDue(ctx context.Context, svc *lifecycle.Service, st *lifecycle.MemStore, plan *alert.Plan, now time.Time, delay map[string]time.Duration) error {
	pending, err := st.Proposals(ctx, lifecycle.ProposalFilter{Status: lifecycle.StatusPending})
	if err != nil {
		return err
	}
	for _, p := range pending {
		lvl := p.LevelID
		if l, _ := plan.LevelByID(lvl); l == alert.LevelNone {
			lvl = p.FromID // a lift or pause is signed at the pace of the level in force
		}
		if now.Sub(p.Created) < delay[lvl] {
			continue
		}
		for p.Status == lifecycle.StatusPending {
			next := p.Approval.NextRoles()
			if len(next) == 0 {
				break
			}
			if p, err = svc.Sign(ctx, p.ID, next[0], "replay-"+next[0], true, "replay approval"); err != nil {
				return err
			}
		}
	}
	return nil
}
