package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/simulate"
)

// runSimulate plays stations against any broker: it publishes hourly data
// (the bundled demo episode, or Beijing-layout CSV files) as station JSON,
// either on a compressed clock or as fast as the broker takes it.
func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("simulate", "Usage: aqwarn simulate [flags] [FILE.csv[.gz]...]\n\n"+
		"Publishes hourly station data over MQTT as stations do (QoS 1, aq/stations/{id}/readings).\n"+
		"Without files it replays the bundled demo episode (CC BY 4.0, see simulate/data/SOURCE.md).\n\nFlags:\n", stderr)
	brokerURL := fs.String("broker", "tcp://127.0.0.1:1883", "MQTT broker URL")
	prefix := fs.String("topic-prefix", "aq", "topic prefix")
	clientID := fs.String("client-id", "aqwarn-simulator", "MQTT client id")
	mapping := fs.String("map", "", "source station → station id, e.g. Dongsi=tuojiang-1,Tiantan=shuikou-1 (default: the demo stations)")
	from := fs.String("from", "2015-11-25", "first day to replay (local date)")
	to := fs.String("to", "2015-12-13", "day after the last one to replay (local date)")
	speed := fs.Float64("speed", 0, "simulated seconds per real second; 0 publishes as fast as the broker acknowledges")
	if stop, err := parseFlags(fs, args); stop {
		return err
	}
	start, err := time.ParseInLocation("2006-01-02", *from, api.CST)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	end, err := time.ParseInLocation("2006-01-02", *to, api.CST)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	def, err := configs.Default()
	if err != nil {
		return err
	}
	sources := def.Demo.Sources // the demo's stations
	if *mapping != "" {
		sources = map[string]string{}
		for _, kv := range strings.Split(*mapping, ",") {
			src, id, ok := strings.Cut(kv, "=")
			if !ok || src == "" || id == "" {
				return fmt.Errorf("--map: %q is not SOURCE=ID", kv)
			}
			sources[id] = src
		}
	}
	var stations []aqwarn.Station
	for id := range sources {
		stations = append(stations, aqwarn.Station{ID: id})
	}
	var readings []aqwarn.Reading
	if fs.NArg() == 0 {
		readings, err = simulate.BundledReadings(stations, sources, start, end)
	} else {
		readings, err = simulate.FileReadings(fs.Args(), stations, sources, start, end)
	}
	if err != nil {
		return err
	}
	if len(readings) == 0 {
		return fmt.Errorf("no readings between %s and %s for stations %v", *from, *to, sources)
	}
	sort.SliceStable(readings, func(i, j int) bool { return readings[i].Time.Before(readings[j].Time) })
	pub, err := simulate.DialMQTT(ctx, *brokerURL, *clientID)
	if err != nil {
		return fmt.Errorf("broker %s: %w", *brokerURL, err)
	}
	defer pub.Close()

	var sent atomic.Int64
	t0 := time.Now()
	progress := time.NewTicker(2 * time.Second)
	defer progress.Stop()
	done := make(chan error, 1)
	go func() {
		if *speed > 0 {
			clock := &simulate.Clock{Start: readings[0].Time.Add(-time.Hour), Origin: time.Now(), Speed: *speed}
			rep := &simulate.Replayer{Pub: countingPublisher{pub, &sent}, TopicPrefix: *prefix, Now: clock.Now}
			done <- rep.Run(ctx, readings)
			return
		}
		for _, r := range readings {
			if err := pub.Publish(ctx, *prefix+"/stations/"+r.Station+"/readings", simulate.EncodeJSON(r)); err != nil {
				done <- err
				return
			}
			sent.Add(1)
		}
		done <- nil
	}()
	for {
		select {
		case err := <-done:
			fmt.Fprintf(stdout, "published %d readings in %s\n", sent.Load(), time.Since(t0).Round(time.Millisecond))
			return err
		case <-progress.C:
			fmt.Fprintf(stderr, "simulate: %d/%d readings published\n", sent.Load(), len(readings))
		}
	}
}

type countingPublisher struct {
	simulate.Publisher
	n *atomic.Int64
}

func (c countingPublisher) Publish(ctx context.Context, topic string, payload []byte) error {
	err := c.Publisher.Publish(ctx, topic, payload)
	if err == nil {
		c.n.Add(1)
	}
	return err
}
