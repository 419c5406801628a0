package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"time"

	"github.com/aqwarn/aqwarn"
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

// startDemo publishes the bundled episode over MQTT as the stations would.
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
	return nil
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
