package simulate

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aqwarn/aqwarn"
)

// PlayConfig is what "aqwarn simulate" plays, to which broker, how fast.
type PlayConfig struct {
	Broker, TopicPrefix, ClientID string
	// Sources maps each station id to the data set's station it plays.
	Sources map[string]string
	// Files are Beijing-layout CSVs (gzipped or not); none: the bundled
	// demo episode.
	Files []string
	// From and To bound the hours played, [From, To).
	From, To time.Time
	// Speed is simulated seconds per real second; 0 publishes as fast as
	// the broker acknowledges.
	Speed float64
}

// ParseSources reads "SOURCE=ID,SOURCE=ID" (a data set's station played as
// one of ours) into station id → source station.
func ParseSources(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		src, id, ok := strings.Cut(kv, "=")
		if !ok || src == "" || id == "" {
			return nil, fmt.Errorf("--map: %q is not SOURCE=ID", kv)
		}
		out[id] = src
	}
	return out, nil
}

// Play publishes the configured hours as station JSON (QoS 1, the
// stations' topics), on a compressed clock or as fast as the broker takes
// them. Progress goes to progress every 2 s; the total to stdout.
func Play(ctx context.Context, cfg PlayConfig, stdout, progress io.Writer) error {
	var stations []aqwarn.Station
	for id := range cfg.Sources {
		stations = append(stations, aqwarn.Station{ID: id})
	}
	var readings []aqwarn.Reading
	var err error
	if len(cfg.Files) == 0 {
		readings, err = BundledReadings(stations, cfg.Sources, cfg.From, cfg.To)
	} else {
		readings, err = FileReadings(cfg.Files, stations, cfg.Sources, cfg.From, cfg.To)
	}
	if err != nil {
		return err
	}
	if len(readings) == 0 {
		return fmt.Errorf("no readings between %s and %s for stations %v", cfg.From.Format(time.DateOnly), cfg.To.Format(time.DateOnly), cfg.Sources)
	}
	sort.SliceStable(readings, func(i, j int) bool { return readings[i].Time.Before(readings[j].Time) })
	pub, err := DialMQTT(ctx, cfg.Broker, cfg.ClientID)
	if err != nil {
		return fmt.Errorf("broker %s: %w", cfg.Broker, err)
	}
	defer pub.Close()

	var sent atomic.Int64
	t0 := time.Now()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	done := make(chan error, 1)
	go func() {
		if cfg.Speed > 0 {
			clock := &Clock{Start: readings[0].Time.Add(-time.Hour), Origin: time.Now(), Speed: cfg.Speed}
			rep := &Replayer{Pub: countingPublisher{pub, &sent}, TopicPrefix: cfg.TopicPrefix, Now: clock.Now}
			done <- rep.Run(ctx, readings)
			return
		}
		for _, r := range readings {
			if err := pub.Publish(ctx, cfg.TopicPrefix+"/stations/"+r.Station+"/readings", EncodeJSON(r)); err != nil {
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
		case <-tick.C:
			fmt.Fprintf(progress, "simulate: %d/%d readings published\n", sent.Load(), len(readings))
		}
	}
}

// countingPublisher counts what its Publisher took.
type countingPublisher struct {
	Publisher
	n *atomic.Int64
}

func (c countingPublisher) Publish(ctx context.Context, topic string, payload []byte) error {
	err := c.Publisher.Publish(ctx, topic, payload)
	if err == nil {
		c.n.Add(1)
	}
	return err
}
