package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/replay"
	"github.com/aqwarn/aqwarn/aqi"
)

// runReplay is "aqwarn replay": the warning engine over station history
// (package alert/replay), every proposal auto-approved, the warning
// timeline and scorecard printed.
func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("replay", "Usage: aqwarn replay --plan FILE --csv FILES... [--from DAY --to DAY] [--forecast SHAPE] [--horizon H] [--seed N] [--approval-delay L=D,...] [--format csv|json|scorecard] [--scorecard FILE]\n\nFlags:\n", stderr)
	planPath := fs.String("plan", "configs/plans/jianghua-2024.yaml", "plan file")
	var files []string
	csvFiles(fs, &files)
	from := fs.String("from", "", "first day evaluated, YYYY-MM-DD China time (default: the data's start)")
	to := fs.String("to", "", "day after the last one evaluated, YYYY-MM-DD (default: the data's end)")
	forecast := fs.String("forecast", replay.ShapePerfectHourly, "forecast shape: perfect-hourly (alias perfect), perfect-daily, degraded, or persistence (the built-in baseline only)")
	horizon := fs.Int("horizon", 72, "hours the forecast reaches")
	seed := fs.Uint64("seed", 1, "seed of the degraded forecast's error")
	delay := fs.String("approval-delay", "", "time from proposal to publication per level, e.g. yellow=2h,orange=4h,red=4h (default: at once)")
	format := fs.String("format", "csv", "csv (warnings; the scorecard goes to stderr), json (everything), or scorecard (its text only)")
	scorecard := fs.String("scorecard", "", "also write the scorecard to this file (JSON when it ends in .json, else text)")
	region := fs.String("region", "replay", "name of the region the stations make")
	if stop, err := parseFlags(fs, gatherFiles(args)); stop {
		return err
	}
	files = append(files, fs.Args()...)
	if len(files) == 0 {
		fs.Usage()
		return errors.New("replay: no --csv files")
	}
	o := replay.Options{Region: *region, Horizon: *horizon, Seed: *seed}
	var ok bool
	if o.Forecast, ok = replay.Shape(*forecast); !ok || *forecast == "" {
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
	if o.ApprovalDelay, err = replay.ParseDelays(*delay, plan); err != nil {
		return err
	}
	for _, d := range []struct {
		s string
		t *time.Time
	}{{*from, &o.From}, {*to, &o.To}} {
		if d.s == "" {
			continue
		}
		if *d.t, err = time.ParseInLocation(time.DateOnly, d.s, aqi.CST); err != nil {
			return fmt.Errorf("replay: %q is not YYYY-MM-DD", d.s)
		}
	}
	started := time.Now()
	series, err := replay.ReadFiles(files)
	if err != nil {
		return err
	}
	history := replay.NewHistory(series, plan.Window())
	read := time.Since(started)
	rep, err := history.Run(ctx, plan, o)
	if err != nil {
		return err
	}
	rep.Stations, rep.Files = len(series), len(files)
	fmt.Fprintf(stderr, "aqwarn replay: %d stations, %d hours evaluated (%s, %d h), %d proposals, %d warnings in %s (reading and AQI %s, engine %s)\n",
		rep.Stations, rep.Summary.Hours, rep.Forecast, rep.Horizon, rep.Summary.Proposals, rep.Summary.Warnings, time.Since(started).Round(time.Millisecond),
		read.Round(time.Millisecond), (time.Since(started) - read).Round(time.Millisecond))
	if *scorecard != "" {
		if err := replay.WriteScorecardFile(*scorecard, rep.Scorecard); err != nil {
			return fmt.Errorf("replay: --scorecard: %w", err)
		}
	}
	switch *format {
	case "json":
		return rep.WriteJSON(stdout)
	case "scorecard":
		return replay.WriteScorecard(stdout, rep.Scorecard, false)
	}
	if err := rep.WriteCSV(stdout); err != nil {
		return err
	}
	return replay.WriteScorecard(stderr, rep.Scorecard, false)
}
