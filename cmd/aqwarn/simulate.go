package main

import (
	"context"
	"fmt"
	"io"
	"time"

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
	cfg := simulate.PlayConfig{Broker: *brokerURL, TopicPrefix: *prefix, ClientID: *clientID, Files: fs.Args(), From: start, To: end, Speed: *speed}
	if *mapping != "" {
		cfg.Sources, err = simulate.ParseSources(*mapping)
	} else {
		var def *configs.Config
		def, err = configs.Default()
		if def != nil {
			cfg.Sources = def.Demo.Sources // the demo's stations
		}
	}
	if err != nil {
		return err
	}
	return simulate.Play(ctx, cfg, stdout, stderr)
}
