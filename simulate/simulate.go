// Package simulate plays the stations' part for the demo and for load
// tests: it publishes readings over MQTT exactly as a station would (the
// documented JSON on aq/stations/{station}/readings, QoS 1), on a clock that
// may run faster than real time.
package simulate

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/aqi"
)

// Data holds the bundled demo excerpt (see data/SOURCE.md for attribution).
//
//go:embed data/*.csv.gz data/SOURCE.md
var Data embed.FS

// Publisher sends one message with QoS 1.
type Publisher interface {
	Publish(ctx context.Context, topic string, payload []byte) error
}

// Replayer publishes readings when the clock reaches their time.
type Replayer struct {
	Pub         Publisher
	TopicPrefix string
	Now         func() time.Time
	Logger      *slog.Logger
	Tick        time.Duration // how often to look at the clock (real time)
	// OnDone is called once every reading was published.
	OnDone func()
}

// Run publishes the readings (any order; sorted here by time) until all are
// sent or ctx ends.
func (r *Replayer) Run(ctx context.Context, readings []aqwarn.Reading) error {
	sort.SliceStable(readings, func(i, j int) bool { return readings[i].Time.Before(readings[j].Time) })
	tick := r.Tick
	if tick <= 0 {
		tick = 50 * time.Millisecond
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	i := 0
	for i < len(readings) {
		now := r.Now()
		for ; i < len(readings) && !readings[i].Time.After(now); i++ {
			rd := readings[i]
			if err := r.Pub.Publish(ctx, r.TopicPrefix+"/stations/"+rd.Station+"/readings", EncodeJSON(rd)); err != nil {
				return fmt.Errorf("simulate: publish %s %s: %w", rd.Station, rd.Time.Format(time.RFC3339), err)
			}
		}
		if i >= len(readings) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	if r.Logger != nil {
		r.Logger.Info("simulator: every reading published", "n", len(readings))
	}
	if r.OnDone != nil {
		r.OnDone()
	}
	return nil
}

// EncodeJSON renders a reading in the documented station JSON.
func EncodeJSON(r aqwarn.Reading) []byte {
	type val struct {
		Value float64 `json:"value"`
		Unit  string  `json:"unit"`
		Flag  string  `json:"flag,omitempty"`
	}
	vals := map[string]val{}
	for _, m := range r.Values {
		if math.IsNaN(m.Value) {
			continue
		}
		unit := "ug/m3"
		if m.Pollutant == aqwarn.CO {
			unit = "mg/m3"
		}
		vals[m.Pollutant] = val{m.Value, unit, m.Flag}
	}
	iv := "1h"
	switch r.Interval {
	case time.Minute:
		iv = "1m"
	case 5 * time.Minute:
		iv = "5m"
	}
	b, _ := json.Marshal(struct {
		Station  string         `json:"station"`
		Time     string         `json:"time"`
		Interval string         `json:"interval"`
		Values   map[string]val `json:"values"`
	}{r.Station, r.Time.In(aqi.CST).Format(time.RFC3339), iv, vals})
	return b
}

// MQTTPublisher is a plain paho publisher for the simulator (a station has
// no session to keep; it just publishes with QoS 1).
type MQTTPublisher struct {
	client paho.Client
}

// DialMQTT connects a publisher with the client id to the broker URL.
func DialMQTT(ctx context.Context, url, clientID string) (*MQTTPublisher, error) {
	opts := paho.NewClientOptions().AddBroker(url).SetClientID(clientID).
		SetCleanSession(true).SetAutoReconnect(true).SetConnectRetry(true).
		SetConnectRetryInterval(200 * time.Millisecond).SetMaxResumePubInFlight(1000)
	c := paho.NewClient(opts)
	tok := c.Connect()
	select {
	case <-tok.Done():
		if tok.Error() != nil {
			return nil, tok.Error()
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &MQTTPublisher{client: c}, nil
}

// Publish sends with QoS 1 and waits for the PUBACK.
func (p *MQTTPublisher) Publish(ctx context.Context, topic string, payload []byte) error {
	tok := p.client.Publish(topic, 1, false, payload)
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// PublishAsync sends with QoS 1 without waiting; the token reports the PUBACK.
func (p *MQTTPublisher) PublishAsync(topic string, payload []byte) paho.Token {
	return p.client.Publish(topic, 1, false, payload)
}

// Close disconnects.
func (p *MQTTPublisher) Close() { p.client.Disconnect(250) }
