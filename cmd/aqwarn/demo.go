package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/dataset"
	"github.com/aqwarn/aqwarn/simulate"
)

// demoSources maps each demo station to the bundled Beijing station whose
// data it replays (see simulate/data/SOURCE.md).
var demoSources = map[string]string{
	"tuojiang-1":    "Dongsi",
	"shuikou-1":     "Tiantan",
	"baimangying-1": "Guanyuan",
	"taoxu-1":       "Wanliu",
}

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

// startDemo publishes the bundled episode over MQTT as the stations would,
// and the simulated city forecast for the county as its forecast centre
// would.
func startDemo(ctx context.Context, cfg *configs.Config, mqttURL string, clock *simulate.Clock, log *slog.Logger, closers *[]func()) error {
	from, err := time.ParseInLocation("2006-01-02", cfg.Demo.From, api.CST)
	if err != nil {
		return fmt.Errorf("demo.from: %w", err)
	}
	to, err := time.ParseInLocation("2006-01-02", cfg.Demo.To, api.CST)
	if err != nil {
		return fmt.Errorf("demo.to: %w", err)
	}
	readings, err := demoReadings(cfg.Stations, demoSources, from, to)
	if err != nil {
		return err
	}
	if len(readings) == 0 {
		return fmt.Errorf("demo: no bundled data between %s and %s for the configured stations", cfg.Demo.From, cfg.Demo.To)
	}
	pub, err := simulate.DialMQTT(ctx, mqttURL, "aqwarn-demo-stations")
	if err != nil {
		return fmt.Errorf("demo: connect simulator to %s: %w", mqttURL, err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	rep := &simulate.Replayer{Pub: pub, TopicPrefix: cfg.MQTT.TopicPrefix, Now: clock.Now, Logger: log}
	go func() {
		defer close(done)
		if err := rep.Run(rctx, readings); err != nil && rctx.Err() == nil {
			log.Error("demo simulator stopped", "err", err)
		}
	}()
	*closers = append(*closers, func() { cancel(); <-done; pub.Close() })
	log.Info("demo stations publishing", "readings", len(readings), "from", from, "to", to)
	return startDemoForecaster(ctx, cfg, mqttURL, clock, from, to, log, closers)
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
func startDemoForecaster(ctx context.Context, cfg *configs.Config, mqttURL string, clock *simulate.Clock, from, to time.Time,
	log *slog.Logger, closers *[]func()) error {
	readings, err := demoReadings(cfg.Stations, demoSources, simulate.LastIssue(from), to)
	if err != nil {
		return err
	}
	var fcs []*simulate.Forecaster
	for _, r := range cfg.Regions {
		if r.Parent != "" {
			continue
		}
		truth := regionTruth(readings, stationsIn(cfg.Regions, cfg.Stations, r.ID))
		if len(truth) == 0 {
			continue
		}
		fcs = append(fcs, &simulate.Forecaster{TopicPrefix: cfg.MQTT.TopicPrefix, Regions: []string{r.ID}, Truth: truth,
			Error: simulate.DegradedError{Seed: simulate.ForecastSeed}, Now: clock.Now, Logger: log, Ahead: demoForecastAhead})
	}
	if len(fcs) == 0 {
		return nil
	}
	pub, err := simulate.DialMQTT(ctx, mqttURL, "aqwarn-demo-forecaster")
	if err != nil {
		return fmt.Errorf("demo: connect forecaster to %s: %w", mqttURL, err)
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
	*closers = append(*closers, func() { cancel(); wg.Wait(); pub.Close() })
	log.Info("demo forecaster publishing", "source", simulate.ForecastSource, "issue_hour", simulate.ForecastIssueHour,
		"horizon_hours", simulate.ForecastHorizon, "seed", simulate.ForecastSeed)
	return nil
}

// stationsIn returns the ids of the stations in the region or in its
// sub-regions (as the AQI job counts them).
func stationsIn(regions []aqwarn.Region, stations []aqwarn.Station, region string) map[string]bool {
	parent := map[string]string{}
	for _, r := range regions {
		parent[r.ID] = r.Parent
	}
	out := map[string]bool{}
	for _, s := range stations {
		for r, n := s.Region, 0; r != "" && n <= len(regions); r, n = parent[r], n+1 {
			if r == region {
				out[s.ID] = true
				break
			}
		}
	}
	return out
}

// regionTruth is the region's hourly series as the AQI job computes it
// from the readings of its stations: each hour the mean over the stations
// of every pollutant (aqi.RegionHour, stations in id order), hours without
// any data left out.
func regionTruth(readings []aqwarn.Reading, stations map[string]bool) []alert.SeriesHour {
	type key struct {
		t       int64
		station string
	}
	hours := map[key]*aqi.Hour{}
	var keys []key
	for _, r := range readings {
		if !stations[r.Station] {
			continue
		}
		k := key{r.Time.Unix(), r.Station}
		h := hours[k]
		if h == nil {
			m := aqi.MissingHour()
			h = &m
			hours[k] = h
			keys = append(keys, k)
		}
		for _, m := range r.Values {
			if p, ok := aqi.ParsePollutant(m.Pollutant); ok && m.Valid() {
				h[p] = m.Value
			}
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := cmp.Compare(a.t, b.t); c != 0 {
			return c
		}
		return strings.Compare(a.station, b.station)
	})
	var out []alert.SeriesHour
	var buf []aqi.Hour
	for i := 0; i < len(keys); {
		j := i
		buf = buf[:0]
		for ; j < len(keys) && keys[j].t == keys[i].t; j++ {
			buf = append(buf, *hours[keys[j]])
		}
		h := aqi.RegionHour(buf)
		if slices.ContainsFunc(h[:], func(v float64) bool { return !math.IsNaN(v) }) {
			out = append(out, alert.SeriesHour{Time: time.Unix(keys[i].t, 0).UTC(), Values: h})
		}
		i = j
	}
	return out
}

// demoReadings loads the bundled data of the stations (mapped to their
// source station by sources) with hour ends in (from, to].
func demoReadings(stations []aqwarn.Station, sources map[string]string, from, to time.Time) ([]aqwarn.Reading, error) {
	files, err := fs.Glob(simulate.Data, "data/*.csv.gz")
	if err != nil {
		return nil, err
	}
	var out []aqwarn.Reading
	for _, name := range files {
		f, err := simulate.Data.Open(name)
		if err != nil {
			return nil, err
		}
		rows, err := readBeijing(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("demo data %s: %w", name, err)
		}
		out = append(out, mapReadings(rows, stations, sources, from, to)...)
	}
	return out, nil
}

// mapReadings renames source stations' readings to the stations replaying
// them, keeping hour ends in (from, to].
func mapReadings(rows []aqwarn.Reading, stations []aqwarn.Station, sources map[string]string, from, to time.Time) []aqwarn.Reading {
	byName := map[string][]string{}
	for _, s := range stations {
		if src, ok := sources[s.ID]; ok {
			byName[src] = append(byName[src], s.ID)
		}
	}
	var out []aqwarn.Reading
	for _, r := range rows {
		if !r.Time.After(from) || r.Time.After(to) {
			continue
		}
		for _, id := range byName[r.Station] {
			rd := r
			rd.Station = id
			out = append(out, rd)
		}
	}
	return out
}

// readBeijing converts the bundled CSV into the readings a station would send.
func readBeijing(r io.Reader) ([]aqwarn.Reading, error) {
	series, err := dataset.Read(r)
	if err != nil {
		return nil, err
	}
	var out []aqwarn.Reading
	for _, s := range series {
		for i, h := range s.Hours {
			rd := aqwarn.Reading{Station: s.Station, Time: s.Label(i).UTC(), Interval: time.Hour}
			for p := range aqi.NumPollutants {
				if v := h[p]; !math.IsNaN(v) && v >= 0 {
					rd.Values = append(rd.Values, aqwarn.Measure{Pollutant: p.String(), Value: v})
				}
			}
			if len(rd.Values) > 0 {
				out = append(out, rd)
			}
		}
	}
	return out, nil
}
