package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/simulate"
)

// demoStoreMarker names the file that marks a directory as the demo's own
// store: only a directory holding it is ever removed.
const demoStoreMarker = "AQWARN-DEMO-STORE"

// freshDemoStore returns the demo's store directory, dir/demo, empty: every
// demo run starts afresh (the replay starts at demo.from again, and a
// store from an earlier run would have the clock go back on its warnings).
// The directory is removed only when it holds the demo's marker; anything
// else there is an error and left alone, so no other store is ever deleted.
func freshDemoStore(dir string, stdout io.Writer) (string, error) {
	demo := filepath.Join(dir, "demo")
	marker := filepath.Join(demo, demoStoreMarker)
	if _, err := os.Stat(marker); err == nil {
		if err := os.RemoveAll(demo); err != nil {
			return "", fmt.Errorf("demo: removing the previous demo store %s: %w", demo, err)
		}
	} else if ents, err := os.ReadDir(demo); err == nil && len(ents) > 0 {
		return "", fmt.Errorf("demo: %s is not empty and holds no %s, so it is not the demo's store; it is left alone: move it away or choose another store.dir", demo, demoStoreMarker)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("demo: store %s: %w", demo, err)
	}
	if err := os.MkdirAll(demo, 0o755); err != nil {
		return "", fmt.Errorf("demo: store %s: %w", demo, err)
	}
	note := "This is the store of the aqwarn demo: `aqwarn serve --demo` removes and recreates this directory at every start.\n"
	if err := os.WriteFile(marker, []byte(note), 0o644); err != nil {
		return "", fmt.Errorf("demo: store %s: %w", demo, err)
	}
	fmt.Fprintf(stdout, "aqwarn: demo: starting afresh in %s\n", demo)
	return demo, nil
}

// startDemo publishes the bundled episode over MQTT as the stations would
// (each demo station replaying its bundled station, demo.sources), and the
// simulated city forecast for the county as its forecast centre would.
func (a *App) startDemo(ctx context.Context) error {
	cfg := a.cfg
	log := a.log.With("component", "simulator")
	from, err := time.ParseInLocation(time.DateOnly, cfg.Demo.From, api.CST)
	if err != nil {
		return fmt.Errorf("demo.from: %w", err)
	}
	to, err := time.ParseInLocation(time.DateOnly, cfg.Demo.To, api.CST)
	if err != nil {
		return fmt.Errorf("demo.to: %w", err)
	}
	readings, err := simulate.BundledReadings(cfg.Stations, cfg.Demo.Sources, from, to)
	if err != nil {
		return err
	}
	if len(readings) == 0 {
		return fmt.Errorf("demo: no bundled data between %s and %s for the configured stations", cfg.Demo.From, cfg.Demo.To)
	}
	pub, err := simulate.DialMQTT(ctx, a.mqttURL, "aqwarn-demo-stations")
	if err != nil {
		return fmt.Errorf("demo: connect simulator to %s: %w", a.mqttURL, err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	rep := &simulate.Replayer{Pub: pub, TopicPrefix: cfg.MQTT.TopicPrefix, Now: a.clock.Now, Logger: log}
	go func() {
		defer close(done)
		if err := rep.Run(rctx, readings); err != nil && rctx.Err() == nil {
			log.Error("demo simulator stopped", "err", err)
		}
	}()
	a.closers.push(func() { cancel(); <-done; pub.Close() })
	log.Info("demo stations publishing", "readings", len(readings), "from", from, "to", to)
	if err := a.startDemoMeters(ctx); err != nil {
		return err
	}
	return a.startDemoForecaster(ctx, from, to)
}

// demoForecastAhead: the 16:00 issue is delivered at 15:30, embargoed until
// 16:00 by its issued_at (the engine reads forecasts issued up to now), so
// the engine's 16:00 decision always has it: delivered at 16:00 itself, it
// would race the first evaluation of the 16:00 hour, which then decides on
// the day before's issue.
const demoForecastAhead = 30 * time.Minute

// startDemoForecaster runs the simulated city forecast centre: each day at
// 16:00 a 72 h hourly forecast of every top region (the county), made from
// the excerpt's coming hours with the degraded error (fixed seed) and
// delivered demoForecastAhead early; the issue of the last 16:00 before the
// start is published at once.
func (a *App) startDemoForecaster(ctx context.Context, from, to time.Time) error {
	cfg := a.cfg
	log := a.log.With("component", "simulator")
	readings, err := simulate.BundledReadings(cfg.Stations, cfg.Demo.Sources, simulate.LastIssue(from), to)
	if err != nil {
		return err
	}
	var fcs []*simulate.Forecaster
	for _, r := range cfg.Regions {
		if r.Parent != "" {
			continue
		}
		truth := simulate.RegionTruth(readings, simulate.StationsIn(cfg.Regions, cfg.Stations, r.ID))
		if len(truth) == 0 {
			continue
		}
		fcs = append(fcs, &simulate.Forecaster{TopicPrefix: cfg.MQTT.TopicPrefix, Regions: []string{r.ID}, Truth: truth,
			Error: simulate.DegradedError{Seed: simulate.ForecastSeed}, Now: a.clock.Now, Logger: log, Ahead: demoForecastAhead})
	}
	if len(fcs) == 0 {
		return nil
	}
	pub, err := simulate.DialMQTT(ctx, a.mqttURL, "aqwarn-demo-forecaster")
	if err != nil {
		return fmt.Errorf("demo: connect forecaster to %s: %w", a.mqttURL, err)
	}
	fctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, fc := range fcs {
		fc.Pub = pub
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fc.Run(fctx); err != nil && fctx.Err() == nil {
				log.Error("demo forecaster stopped", "regions", fc.Regions, "err", err)
			}
		}()
	}
	a.closers.push(func() { cancel(); wg.Wait(); pub.Close() })
	log.Info("demo forecaster publishing", "source", simulate.ForecastSource, "issue_hour", simulate.ForecastIssueHour,
		"horizon_hours", simulate.ForecastHorizon, "seed", simulate.ForecastSeed)
	return nil
}
