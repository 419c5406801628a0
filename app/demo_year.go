package app

import (
	"context"
	"fmt"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/simulate"
	"github.com/aqwarn/aqwarn/stats"
)

// demoYearBatch is how many readings one write of the backfill holds.
const demoYearBatch = 5000

// backfillDemoYear fills the demo's fresh store with the year up to the
// replay's start, so the statistics page has a calendar to show: the
// bundled excerpt's real hours before demo.from (the days leading into the
// episode, as the stations would have sent them), and before those the
// simulated year (simulate.YearReadings: Beijing 2015's days at a southern
// county's level). Demo only; written straight to the store, before
// anything runs. Bounded: at most a year of hours of the demo stations.
func (a *App) backfillDemoYear(ctx context.Context, w interface {
	WriteReadings(ctx context.Context, rs []aqwarn.Reading) error
}) error {
	cfg := a.cfg
	start := time.Now()
	from, err := time.ParseInLocation(time.DateOnly, cfg.Demo.From, api.CST)
	if err != nil {
		return fmt.Errorf("demo.from: %w", err)
	}
	year := stats.Date(from.Year(), time.January, 1)
	real, err := simulate.BundledReadings(cfg.Stations, cfg.Demo.Sources, year, from)
	if err != nil {
		return err
	}
	cut := from // the simulated hours end where the real ones begin
	for _, r := range real {
		if r.Time.Before(cut) {
			cut = r.Time
		}
	}
	sim, err := simulate.YearReadings(cfg.Stations, cfg.Demo.Sources, year, cut.Add(-time.Hour))
	if err != nil {
		return err
	}
	all := append(sim, real...)
	log := a.log.With("component", "simulator")
	log.Info("demo: backfilling the year before the replay (simulated)", "from", year.Format(time.DateOnly),
		"simulated_until", cut.In(api.CST).Format(time.RFC3339), "real_until", from.Format(time.DateOnly), "readings", len(all))
	for i := 0; i < len(all); i += demoYearBatch {
		batch := all[i:min(i+demoYearBatch, len(all))]
		if err := w.WriteReadings(ctx, batch); err != nil {
			return fmt.Errorf("demo: backfilling the year: %w", err)
		}
		log.Debug("demo: backfill", "written", i+len(batch), "of", len(all), "up_to", batch[len(batch)-1].Time.In(api.CST).Format(time.DateOnly))
	}
	a.demoDataNote = [2]string{
		fmt.Sprintf("演示数据：%s 至 %s 为模拟数据（北京2015年逐日数据按南方县城水平缩放），此后为回放的实测数据。",
			year.Format(time.DateOnly), stats.DayOf(cut).Format(time.DateOnly)),
		fmt.Sprintf("Demo data: %s to %s are simulated (Beijing 2015's days scaled to a southern county's level); after that, replayed measurements.",
			year.Format(time.DateOnly), stats.DayOf(cut).Format(time.DateOnly))}
	fmt.Fprintf(a.opts.Stdout, "aqwarn: demo: %d hourly readings of %s .. %s backfilled for the statistics (simulated before %s) in %s\n",
		len(all), year.Format(time.DateOnly), from.Format(time.DateOnly), cut.In(api.CST).Format(time.DateOnly), time.Since(start).Round(time.Millisecond))
	return nil
}
