package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/dataset"
	"github.com/aqwarn/aqwarn/simulate"
)

// runReplay runs the warning engine over history: the given stations make
// one region, each hour is evaluated with the observations as a perfect
// forecast of the next hours (or with the persistence baseline only), every
// proposal is auto-approved, and the warning timeline is printed.
func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	planPath := fs.String("plan", "configs/plans/jianghua-2024.yaml", "plan file")
	var files []string
	fs.Func("csv", "station CSV files (gzipped or not; the shell's glob may follow: --csv a.csv.gz b.csv.gz ...)", func(s string) error {
		files = append(files, s)
		return nil
	})
	from := fs.String("from", "", "first day evaluated, YYYY-MM-DD China time (default: the data's start)")
	to := fs.String("to", "", "day after the last one evaluated, YYYY-MM-DD (default: the data's end)")
	forecast := fs.String("forecast", shapePerfectHourly, "forecast shape: perfect-hourly (alias perfect), perfect-daily, degraded, or persistence (the built-in baseline only)")
	horizon := fs.Int("horizon", 72, "hours the forecast reaches")
	seed := fs.Uint64("seed", 1, "seed of the degraded forecast's error")
	delay := fs.String("approval-delay", "", "time from proposal to publication per level, e.g. yellow=2h,orange=4h,red=4h (default: at once)")
	format := fs.String("format", "csv", "csv (warnings; the scorecard goes to stderr), json (everything), or scorecard (its text only)")
	scorecard := fs.String("scorecard", "", "also write the scorecard to this file (JSON when it ends in .json, else text)")
	region := fs.String("region", "replay", "name of the region the stations make")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: aqwarn replay --plan FILE --csv FILES... [--from DAY --to DAY] [--forecast SHAPE] [--horizon H] [--seed N] [--approval-delay L=D,...] [--format csv|json|scorecard] [--scorecard FILE]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(gatherFiles(args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	files = append(files, fs.Args()...)
	if len(files) == 0 {
		fs.Usage()
		return errors.New("replay: no --csv files")
	}
	switch *forecast {
	case "perfect":
		*forecast = shapePerfectHourly
	case shapePerfectHourly, shapePerfectDaily, shapeDegraded, shapePersistence:
	default:
		return fmt.Errorf("replay: --forecast %q: want perfect-hourly, perfect-daily, degraded or persistence", *forecast)
	}
	if *format != "csv" && *format != "json" && *format != "scorecard" {
		return fmt.Errorf("replay: --format %q: want csv, json or scorecard", *format)
	}
	if *horizon < 24 || *horizon > 240 {
		return fmt.Errorf("replay: --horizon %d: want 24..240 hours", *horizon)
	}
	plan, err := alert.LoadPlan(*planPath)
	if err != nil {
		return err
	}
	delays, err := parseDelays(*delay, plan)
	if err != nil {
		return err
	}
	var fromT, toT time.Time
	for _, d := range []struct {
		s string
		t *time.Time
	}{{*from, &fromT}, {*to, &toT}} {
		if d.s == "" {
			continue
		}
		if *d.t, err = time.ParseInLocation(time.DateOnly, d.s, aqi.CST); err != nil {
			return fmt.Errorf("replay: %q is not YYYY-MM-DD", d.s)
		}
	}
	started := time.Now()
	series, err := readSeries(files)
	if err != nil {
		return err
	}
	rs := regionHistoryOf(series, plan.Window())
	read := time.Since(started)
	rep, err := replay(ctx, plan, *region, rs, replayOptions{From: fromT, To: toT, Forecast: *forecast, Horizon: *horizon,
		Seed: *seed, ApprovalDelay: delays})
	if err != nil {
		return err
	}
	rep.Stations = len(series)
	rep.Files = len(files)
	fmt.Fprintf(stderr, "aqwarn replay: %d stations, %d hours evaluated (%s, %d h), %d proposals, %d warnings in %s (reading and AQI %s, engine %s)\n",
		rep.Stations, rep.Summary.Hours, rep.Forecast, rep.Horizon, rep.Summary.Proposals, rep.Summary.Warnings, time.Since(started).Round(time.Millisecond),
		read.Round(time.Millisecond), (time.Since(started) - read).Round(time.Millisecond))
	if *scorecard != "" {
		if err := writeScorecardFile(*scorecard, rep.Scorecard); err != nil {
			return err
		}
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "scorecard":
		return rep.Scorecard.WriteText(stdout)
	}
	if err := writeReplayCSV(stdout, rep); err != nil {
		return err
	}
	return rep.Scorecard.WriteText(stderr)
}

func writeScorecardFile(path string, sc *alert.Scorecard) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("replay: --scorecard: %w", err)
	}
	if strings.HasSuffix(path, ".json") {
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		err = enc.Encode(sc)
	} else {
		err = sc.WriteText(f)
	}
	return errors.Join(err, f.Close())
}

// parseDelays reads "yellow=2h,orange=4h" against the plan's level ids.
func parseDelays(s string, plan *alert.Plan) (map[string]time.Duration, error) {
	if s == "" {
		return nil, nil
	}
	out := map[string]time.Duration{}
	for _, part := range strings.Split(s, ",") {
		id, d, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("replay: --approval-delay %q: want level=duration, e.g. orange=4h", part)
		}
		if l, ok := plan.LevelByID(id); !ok || l == alert.LevelNone {
			return nil, fmt.Errorf("replay: --approval-delay: %q is not a level of plan %s", id, plan.ID)
		}
		v, err := time.ParseDuration(d)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("replay: --approval-delay %s: %q is not a duration", id, d)
		}
		out[id] = v
	}
	return out, nil
}

// gatherFiles lets a shell glob follow --csv: "--csv a b c --to X" becomes
// "--csv a --csv b --csv c --to X".
func gatherFiles(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		out = append(out, a)
		if a != "--csv" && a != "-csv" {
			continue
		}
		if i+1 < len(args) {
			out = append(out, args[i+1])
			i++
		}
		for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			out = append(out, "--csv", args[i+1])
			i++
		}
	}
	return out
}

// readSeries reads the files (two at a time: this machine has two cores)
// and joins the pieces of each station.
func readSeries(files []string) ([]dataset.Series, error) {
	res := make([][]dataset.Series, len(files))
	errs := make([]error, len(files))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			res[i], errs[i] = dataset.ReadFile(f)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []dataset.Series
	at := map[string]int{}
	for _, ss := range res {
		for _, s := range ss {
			i, ok := at[s.Station]
			if !ok {
				at[s.Station] = len(out)
				out = append(out, s)
				continue
			}
			out[i] = joinSeries(out[i], s)
		}
	}
	return out, nil
}

// joinSeries joins two pieces of one station; later data win where they overlap.
func joinSeries(a, b dataset.Series) dataset.Series {
	start := a.Start
	if b.Start.Before(start) {
		start = b.Start
	}
	end := a.End()
	if b.End().After(end) {
		end = b.End()
	}
	n := int(end.Sub(start)/time.Hour) + 1
	out := dataset.Series{Station: a.Station, Start: start, Hours: make([]aqi.Hour, n)}
	for i := range out.Hours {
		out.Hours[i] = aqi.MissingHour()
	}
	for _, s := range []dataset.Series{a, b} {
		off := int(s.Start.Sub(start) / time.Hour)
		copy(out.Hours[off:], s.Hours)
	}
	return out
}

// regionHistory is the region's hourly series (station means per pollutant)
// and its rolling daily AQI: one observed window per hour with an AQI.
type regionHistory struct {
	start   time.Time
	hours   []aqi.Hour     // hours[k] ends at start + k h
	windows []alert.Window // observed windows, by end
	at      []int          // at[k]: index in windows of the window ending at hour k, −1 when NA
}

func (r *regionHistory) hourIndex(t time.Time) int { return int(t.Sub(r.start) / time.Hour) }

// regionHistoryOf computes the region's series: station means per pollutant
// each hour, then the AQI from the means, never a mean of AQIs.
func regionHistoryOf(series []dataset.Series, window time.Duration) *regionHistory {
	rs := &regionHistory{}
	if len(series) == 0 {
		return rs
	}
	start, end := series[0].Start, series[0].End()
	for _, s := range series[1:] {
		if s.Start.Before(start) {
			start = s.Start
		}
		if s.End().After(end) {
			end = s.End()
		}
	}
	rs.start = start
	var r aqi.Rolling
	hours := make([]aqi.Hour, 0, len(series))
	n := int(end.Sub(start)/time.Hour) + 1
	rs.hours = make([]aqi.Hour, 0, n)
	rs.at = make([]int, 0, n)
	for t := start; !t.After(end); t = t.Add(time.Hour) {
		hours = hours[:0]
		for i := range series {
			if j, ok := series[i].Index(t); ok {
				hours = append(hours, series[i].Hours[j])
			}
		}
		h := aqi.RegionHour(hours)
		rs.hours = append(rs.hours, h)
		r.Push(h)
		d := r.Daily(aqi.EditionAt(t))
		if d.NA {
			rs.at = append(rs.at, -1)
			continue
		}
		rs.at = append(rs.at, len(rs.windows))
		rs.windows = append(rs.windows, alert.Window{Start: t.Add(-window), End: t, AQI: d.AQI, Source: alert.SourceObserved})
	}
	return rs
}

// seriesHours returns the hours ending in [from, to] as series hours, each
// value multiplied by scale(t) when scale is not nil.
func (r *regionHistory) seriesHours(from, to time.Time, scale func(time.Time) float64, out []alert.SeriesHour) []alert.SeriesHour {
	lo, hi := max(r.hourIndex(from), 0), min(r.hourIndex(to), len(r.hours)-1)
	for k := lo; k <= hi; k++ {
		t := r.start.Add(time.Duration(k) * time.Hour)
		h := r.hours[k]
		if scale != nil {
			f := scale(t)
			for p := range h {
				h[p] *= f
			}
		}
		out = append(out, alert.SeriesHour{Time: t, Values: h})
	}
	return out
}

// The forecast shapes a replay can run on (spec §8).
const (
	shapePerfectHourly = "perfect-hourly"
	shapePerfectDaily  = "perfect-daily"
	shapeDegraded      = "degraded"
	shapePersistence   = "persistence"
)

type replayOptions struct {
	From, To time.Time
	Forecast string // a shape; "perfect" is perfect-hourly
	Horizon  int    // hours
	Seed     uint64
	// ApprovalDelay is how long signing takes, by level id: proposals are
	// published that long after they were made (zero: at once).
	ApprovalDelay map[string]time.Duration
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

// Report is the replay's output.
type Report struct {
	Plan     string          `json:"plan"`
	Region   string          `json:"region"`
	Stations int             `json:"stations"`
	Files    int             `json:"files"`
	From     time.Time       `json:"from"`
	To       time.Time       `json:"to"`
	Forecast string          `json:"forecast"`
	Horizon  int             `json:"horizon_hours"`
	Warnings []ReplayWarning `json:"warnings"`
	Summary  ReplaySummary   `json:"summary"`
	// Scorecard is the verification of spec §8 against the observed truth.
	Scorecard *alert.Scorecard `json:"scorecard"`
}

// ReplayWarning is one warning from issue to lift.
type ReplayWarning struct {
	Region     string    `json:"region"`
	Level      string    `json:"level"` // the highest level it reached
	FirstLevel string    `json:"first_level"`
	Start      time.Time `json:"start"` // first publication
	// EffectiveStart is when the response starts: the episode's start
	// rounded down to a standard hour, or the publication when that is
	// later (a late warning takes effect when published).
	EffectiveStart time.Time      `json:"effective_start"`
	Pauses         []ReplayChange `json:"pauses,omitempty"`
	Extensions     []ReplayChange `json:"extensions,omitempty"`
	End            *time.Time     `json:"end"` // lifted; nil when still in force at the end
	EpisodeStart   time.Time      `json:"episode_start"`
	Hours          float64        `json:"hours"`
	Changes        []ReplayChange `json:"changes"` // upgrades and downgrades
	PeakAQI        int            `json:"peak_aqi"`
	PeakAt         time.Time      `json:"peak_at"`
	LeadHours      float64        `json:"lead_hours"` // the rules' effective start − publication (negative: late)
}

type ReplayChange struct {
	Kind  string    `json:"kind"`
	Level string    `json:"level"`
	At    time.Time `json:"at"`
}

type ReplaySummary struct {
	Hours          int            `json:"hours_evaluated"`
	Proposals      int            `json:"proposals"`
	Warnings       int            `json:"warnings"`
	ByLevel        map[string]int `json:"warnings_by_highest_level"`
	Upgrades       int            `json:"upgrades"`
	Downgrades     int            `json:"downgrades"`
	HealthNotices  int            `json:"health_notices"`
	HoursInForce   float64        `json:"hours_under_warning"`
	ShortNotice    int            `json:"issued_short_notice"`
	BaselineFilled int            `json:"hours_on_persistence_baseline"`
}

// replayRecorder keeps what the scorecard needs besides the warnings: when
// each episode was first seen, and forecast samples per lead day.
type replayRecorder struct {
	seen      []seenEpisode
	forecasts []alert.ForecastSample
}

type seenEpisode struct{ start, end, at time.Time }

func (r *replayRecorder) see(ev alert.Evaluation) {
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

func (r *replayRecorder) firstSeen(ep alert.Episode) time.Time {
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

// replay evaluates every hour of the region's series in [From, To) through
// the lifecycle service on a store in memory, approving every proposal
// (after the approval delay), and scores the warnings against the truth.
func replay(ctx context.Context, plan *alert.Plan, region string, rs *regionHistory, o replayOptions) (*Report, error) {
	if o.Forecast == "perfect" || o.Forecast == "" {
		o.Forecast = shapePerfectHourly
	}
	rep := &Report{Plan: plan.ID, Region: region, Forecast: o.Forecast, Horizon: o.Horizon, Warnings: []ReplayWarning{}}
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
	rec := &replayRecorder{}
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
		sit := alert.Situation{Now: now, Region: region, Observed: obs[lo : i+1]}
		switch o.Forecast {
		case shapePerfectHourly, shapeDegraded:
			var scale func(time.Time) float64
			if o.Forecast == shapeDegraded {
				scale = deg.at(now, o.Horizon)
			}
			obsHours = rs.seriesHours(now.Add(-back), now, nil, obsHours[:0])
			fcHours = rs.seriesHours(now.Add(-6*time.Hour), now.Add(horizon), scale, fcHours[:0])
			sit.ObservedHours, sit.ForecastHours, sit.ForecastHoursSource = obsHours, fcHours, "replay-"+o.Forecast
		case shapePerfectDaily:
			sit.Forecast = perfectDaily(rs, now, horizon)
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
func perfectDaily(rs *regionHistory, now time.Time, horizon time.Duration) []alert.Window {
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

// sample records the forecast daily AQI of the windows ending 24, 48 and
// 72 h ahead against what was observed, for the scorecard's forecast group.
func (r *replayRecorder) sample(plan *alert.Plan, rs *regionHistory, sit alert.Situation, now time.Time) {
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

// collect turns the store's warnings into the report and its scorecard.
func (rep *Report) collect(ctx context.Context, plan *alert.Plan, st *lifecycle.MemStore, obs []alert.Window, o replayOptions, rec *replayRecorder) error {
	ps, err := st.Proposals(ctx, lifecycle.ProposalFilter{})
	if err != nil {
		return err
	}
	rep.Summary.Proposals = len(ps)
	rep.Summary.ByLevel = map[string]int{}
	for _, p := range ps {
		if p.Status == lifecycle.StatusPublished && p.Proposal.Action == alert.ActionHealthNotice {
			rep.Summary.HealthNotices++
		}
	}
	var scored []alert.ScoredWarning
	var prevLift time.Time // a merged episode's start may reach back into the previous warning
	for _, w := range st.AllWarnings() {
		rw := ReplayWarning{Region: w.Region, EpisodeStart: w.EpisodeStart, Start: w.Issued, End: w.Lifted,
			EffectiveStart: w.EffectiveStart, Changes: []ReplayChange{}}
		var sw alert.ScoredWarning
		top := alert.LevelNone
		cur := alert.LevelNone
		for _, t := range w.Transitions {
			lvl, _ := plan.LevelByID(t.ToID)
			eff := t.Start
			switch t.Kind {
			case alert.KindIssue:
				rw.FirstLevel = t.ToID
				rw.LeadHours = t.Proposal.Start.Sub(t.At).Hours() // the episode's start by the rules: negative when late
				if t.Proposal.ShortNotice {
					rep.Summary.ShortNotice++
				}
			case alert.KindUpgrade, alert.KindDowngrade, alert.KindResume:
				rw.Changes = append(rw.Changes, ReplayChange{Kind: t.Kind, Level: t.ToID, At: t.At})
				switch t.Kind {
				case alert.KindUpgrade:
					rep.Summary.Upgrades++
				case alert.KindDowngrade:
					rep.Summary.Downgrades++
				}
			case alert.KindPause:
				rw.Pauses = append(rw.Pauses, ReplayChange{Kind: t.Kind, Level: t.FromID, At: t.At})
				lvl = cur
			case alert.KindExtend:
				rw.Extensions = append(rw.Extensions, ReplayChange{Kind: t.Kind, Level: t.FromID, At: t.At})
				lvl = cur
			}
			if eff.Before(t.At) && t.Kind != alert.KindIssue {
				eff = t.At
			}
			if t.Kind != alert.KindLift {
				cur = lvl
				top = max(top, lvl)
			}
			sw.Changes = append(sw.Changes, alert.ScoredChange{Kind: t.Kind, Level: lvl, At: t.At, Effective: eff})
		}
		scored = append(scored, sw)
		rw.Level = plan.LevelID(top)
		end := o.To
		if w.Lifted != nil {
			end = *w.Lifted
		}
		rw.Hours = end.Sub(w.Issued).Hours()
		from := w.Issued
		if w.EpisodeStart.Before(from) {
			from = w.EpisodeStart
		}
		if from.Before(prevLift) {
			from = prevLift
		}
		prevLift = end
		for _, ob := range obs {
			if ob.End.After(from) && !ob.End.After(end) && ob.AQI > rw.PeakAQI {
				rw.PeakAQI, rw.PeakAt = ob.AQI, ob.End
			}
		}
		rep.Warnings = append(rep.Warnings, rw)
		rep.Summary.Warnings++
		rep.Summary.ByLevel[rw.Level]++
		rep.Summary.HoursInForce += rw.Hours
	}
	var truth []alert.Window
	for _, w := range obs {
		if w.End.After(o.From) && !w.End.After(o.To) {
			truth = append(truth, w)
		}
	}
	units := 0
	for _, u := range plan.Units {
		if u.Role != alert.UnitUpstream {
			units++
		}
	}
	sc := alert.Score(plan, alert.ScoreInput{From: o.From, To: o.To, Observed: truth, Warnings: scored,
		FirstSeen: rec.firstSeen, Units: units, Forecasts: rec.forecasts})
	rep.Scorecard = &sc
	return nil
}

func fmtCST(t time.Time) string { return t.In(aqi.CST).Format("2006-01-02T15:04") }

func changeList(cs []ReplayChange) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Level+"@"+fmtCST(c.At))
	}
	return strings.Join(out, " ")
}

func writeReplayCSV(w io.Writer, rep *Report) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"region", "level", "first_level", "start", "end", "hours", "episode_start", "lead_hours",
		"upgrades", "downgrades", "lift", "peak_aqi", "peak_at", "effective_start", "pauses", "extensions"})
	for _, r := range rep.Warnings {
		var ups, downs []ReplayChange
		for _, c := range r.Changes {
			if c.Kind == alert.KindUpgrade || c.Kind == alert.KindResume {
				ups = append(ups, c)
			} else {
				downs = append(downs, c)
			}
		}
		end, lift := "", "no"
		if r.End != nil {
			end, lift = fmtCST(*r.End), "yes"
		}
		cw.Write([]string{r.Region, r.Level, r.FirstLevel, fmtCST(r.Start), end, strconv.FormatFloat(r.Hours, 'f', 0, 64),
			fmtCST(r.EpisodeStart), strconv.FormatFloat(r.LeadHours, 'f', 0, 64), changeList(ups), changeList(downs),
			lift, strconv.Itoa(r.PeakAQI), fmtCST(r.PeakAt), fmtCST(r.EffectiveStart), changeList(r.Pauses), changeList(r.Extensions)})
	}
	cw.Flush()
	return cw.Error()
}
