package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/dataset"
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
	forecast := fs.String("forecast", "perfect", "perfect (observations as a forecast of the next hours) or persistence (the built-in baseline only)")
	horizon := fs.Int("horizon", 72, "hours the perfect forecast reaches")
	format := fs.String("format", "csv", "csv or json")
	region := fs.String("region", "replay", "name of the region the stations make")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: aqwarn replay --plan FILE --csv FILES... [--from DAY --to DAY] [--forecast perfect|persistence] [--format csv|json]\n\nFlags:\n")
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
	if *forecast != "perfect" && *forecast != "persistence" {
		return fmt.Errorf("replay: --forecast %q: want perfect or persistence", *forecast)
	}
	if *format != "csv" && *format != "json" {
		return fmt.Errorf("replay: --format %q: want csv or json", *format)
	}
	plan, err := alert.LoadPlan(*planPath)
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
	obs := regionWindowsOf(series, plan.Window())
	read := time.Since(started)
	rep, err := replay(ctx, plan, *region, obs, replayOptions{From: fromT, To: toT, Forecast: *forecast, Horizon: *horizon})
	if err != nil {
		return err
	}
	rep.Stations = len(series)
	rep.Files = len(files)
	fmt.Fprintf(stderr, "aqwarn replay: %d stations, %d hours evaluated, %d proposals, %d warnings in %s (reading and AQI %s, engine %s)\n",
		rep.Stations, rep.Summary.Hours, rep.Summary.Proposals, rep.Summary.Warnings, time.Since(started).Round(time.Millisecond),
		read.Round(time.Millisecond), (time.Since(started) - read).Round(time.Millisecond))
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return writeReplayCSV(stdout, rep)
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

// regionWindowsOf computes the region's rolling daily AQI at every hour
// (station means per pollutant, then the AQI, never a mean of AQIs) and
// returns one observed window per hour with an AQI.
func regionWindowsOf(series []dataset.Series, window time.Duration) []alert.Window {
	if len(series) == 0 {
		return nil
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
	var r aqi.Rolling
	hours := make([]aqi.Hour, 0, len(series))
	out := make([]alert.Window, 0, int(end.Sub(start)/time.Hour)+1)
	for t := start; !t.After(end); t = t.Add(time.Hour) {
		hours = hours[:0]
		for i := range series {
			if j, ok := series[i].Index(t); ok {
				hours = append(hours, series[i].Hours[j])
			}
		}
		r.Push(aqi.RegionHour(hours))
		d := r.Daily(aqi.EditionAt(t))
		if d.NA {
			continue
		}
		out = append(out, alert.Window{Start: t.Add(-window), End: t, AQI: d.AQI, Source: alert.SourceObserved})
	}
	return out
}

type replayOptions struct {
	From, To time.Time
	Forecast string // perfect | persistence
	Horizon  int    // hours
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
	Warnings []ReplayWarning `json:"warnings"`
	Summary  ReplaySummary   `json:"summary"`
}

// ReplayWarning is one warning from issue to lift.
type ReplayWarning struct {
	Region       string         `json:"region"`
	Level        string         `json:"level"` // the highest level it reached
	FirstLevel   string         `json:"first_level"`
	Start        time.Time      `json:"start"` // published
	End          *time.Time     `json:"end"`   // lifted; nil when still in force at the end
	EpisodeStart time.Time      `json:"episode_start"`
	Hours        float64        `json:"hours"`
	Changes      []ReplayChange `json:"changes"` // upgrades and downgrades
	PeakAQI      int            `json:"peak_aqi"`
	PeakAt       time.Time      `json:"peak_at"`
	LeadHours    float64        `json:"lead_hours"` // episode start − publication (negative: late)
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

// replay evaluates every hour of obs in [From, To) through the lifecycle
// service on a store in memory, auto-approving.
func replay(ctx context.Context, plan *alert.Plan, region string, obs []alert.Window, o replayOptions) (*Report, error) {
	rep := &Report{Plan: plan.ID, Region: region, Forecast: o.Forecast, Warnings: []ReplayWarning{}}
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
	st := alert.NewMemStore()
	st.KeepAudit = false
	var now time.Time
	svc := &alert.Service{Plan: plan, Store: st, AutoApprove: true, Now: func() time.Time { return now }}
	lookback := plan.Lookback()
	horizon := time.Duration(o.Horizon) * time.Hour
	base := make([]alert.Window, len(obs))
	for i, w := range obs {
		w.Source, w.ForecastSource = alert.SourceBaseline, "replay-perfect"
		base[i] = w
	}
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
		if o.Forecast == "perfect" {
			hi := i + 1
			for hi < len(base) && !base[hi].End.After(now.Add(horizon)) {
				hi++
			}
			sit.Forecast = base[i+1 : hi]
		} else {
			sit.Forecast = alert.Persistence(sit.Observed, now, o.Horizon)
		}
		ev, err := svc.Decide(ctx, sit)
		if err != nil {
			return nil, err
		}
		rep.Summary.Hours++
		if ev.NeedForecast != nil {
			rep.Summary.BaselineFilled++
		}
	}
	ps, _ := st.Proposals(ctx, alert.ProposalFilter{})
	rep.Summary.Proposals = len(ps)
	rep.Summary.ByLevel = map[string]int{}
	for _, p := range ps {
		if p.Status == alert.StatusPublished && p.Proposal.Action == alert.ActionHealthNotice {
			rep.Summary.HealthNotices++
		}
	}
	var prevLift time.Time // a merged episode's start may reach back into the previous warning
	for _, w := range st.AllWarnings() {
		rw := ReplayWarning{Region: w.Region, EpisodeStart: w.EpisodeStart, Start: w.Issued, End: w.Lifted, Changes: []ReplayChange{}}
		top := alert.LevelNone
		for _, t := range w.Transitions {
			lvl, _ := plan.LevelByID(t.ToID)
			switch t.Kind {
			case alert.KindIssue:
				rw.FirstLevel = t.ToID
				rw.LeadHours = w.EpisodeStart.Sub(t.At).Hours()
				if t.Proposal.ShortNotice {
					rep.Summary.ShortNotice++
				}
			case alert.KindUpgrade, alert.KindDowngrade:
				rw.Changes = append(rw.Changes, ReplayChange{Kind: t.Kind, Level: t.ToID, At: t.At})
				if t.Kind == alert.KindUpgrade {
					rep.Summary.Upgrades++
				} else {
					rep.Summary.Downgrades++
				}
			}
			if t.Kind != alert.KindLift && lvl > top {
				top = lvl
			}
		}
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
	return rep, nil
}

func fmtCST(t time.Time) string { return t.In(aqi.CST).Format("2006-01-02T15:04") }

func writeReplayCSV(w io.Writer, rep *Report) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"region", "level", "first_level", "start", "end", "hours", "episode_start", "lead_hours",
		"upgrades", "downgrades", "lift", "peak_aqi", "peak_at"})
	for _, r := range rep.Warnings {
		var ups, downs []string
		for _, c := range r.Changes {
			s := c.Level + "@" + fmtCST(c.At)
			if c.Kind == alert.KindUpgrade {
				ups = append(ups, s)
			} else {
				downs = append(downs, s)
			}
		}
		end, lift := "", "no"
		if r.End != nil {
			end, lift = fmtCST(*r.End), "yes"
		}
		cw.Write([]string{r.Region, r.Level, r.FirstLevel, fmtCST(r.Start), end, strconv.FormatFloat(r.Hours, 'f', 0, 64),
			fmtCST(r.EpisodeStart), strconv.FormatFloat(r.LeadHours, 'f', 0, 64), strings.Join(ups, " "), strings.Join(downs, " "),
			lift, strconv.Itoa(r.PeakAQI), fmtCST(r.PeakAt)})
	}
	cw.Flush()
	return cw.Error()
}
