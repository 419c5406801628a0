package app

import (
	"context"
	"fmt"
	"time"

	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/aqijob"
	"github.com/aqwarn/aqwarn/stats"
	"github.com/aqwarn/aqwarn/stats/statsvc"
)

// newStats builds the statistics over the readings store (the one the AQI
// job reads); ingest tells it which days got new readings.
func (a *App) newStats(readings aqijob.Readings) {
	cfg := a.cfg
	a.stats = &statsvc.Service{Readings: readings, Stations: cfg.Stations, Regions: cfg.Regions,
		Logger: a.log.With("component", "statistics")}
	if cfg.AQI.Edition != "auto" {
		a.stats.Edition, _ = aqi.ParseEdition(cfg.AQI.Edition)
	}
}

// statsDeps are the statistics as the API serves them. In the demo the
// targets (for their own year) are applied to the replayed year, and the
// API says so.
func (a *App) statsDeps() *api.StatsDeps {
	cfg := a.cfg
	d := &api.StatsDeps{Days: a.stats, Warnings: a.db, Plan: a.svc.Plan, Targets: cfg.ParsedTargets(), Now: a.now,
		DataNoteZH: a.demoDataNote[0], DataNoteEN: a.demoDataNote[1]}
	if ts := d.Targets; ts != nil && cfg.Demo.Enabled {
		if y := a.now().In(api.CST).Year(); y != ts.Year {
			d.TargetsYear = y
			d.TargetsNote = fmt.Sprintf("演示：%d年目标（示意）用于回放的%d年 / demo: the illustrative %d targets applied to the replayed %d", ts.Year, y, ts.Year, y)
		}
	}
	return d
}

// warmStats computes this year's days of every scope once at start, so
// the first visitor of /stats does not wait for them.
func (a *App) warmStats(ctx context.Context) {
	ctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.jobs.Job("statistics-warm", func(ctx context.Context) {
			start := time.Now()
			now := a.now()
			year := stats.YearPeriod(now.In(api.CST).Year())
			for _, sc := range a.stats.Scopes() {
				if _, err := a.stats.Days(ctx, sc, year, now); err != nil {
					if ctx.Err() == nil {
						a.log.Warn("statistics: warming the year failed", "err", err)
					}
					return
				}
			}
			a.log.Info("statistics: the year's days computed", "year", year.Label, "took", time.Since(start).Round(time.Millisecond))
		})(ctx)
	}()
	a.closers.push(func() { stop(); <-done })
}
