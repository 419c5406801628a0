package simulate

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/aqi"
	paho "github.com/eclipse/paho.mqtt.golang"
)

// PowerMeter is one electricity meter of a listed source the simulator
// plays, as its collector would.
type PowerMeter struct {
	Source, Unit, Meter string
	// Kind is the kind of the meter's unit (production, treatment,
	// auxiliary); "" for a meter no unit lists (a main meter).
	Kind string
	// FullKW is what the meter draws at full load.
	FullKW float64
	// Continuous: a kiln or furnace, running around the clock every day;
	// otherwise a plant on day shifts.
	Continuous bool
}

// Key names the meter among all sources' ("source/meter").
func (m PowerMeter) Key() string { return m.Source + "/" + m.Meter }

// DailyShape is the share of full load drawn in the 15 minutes ending at end
// (China time). A continuous process draws 0.95 around the clock. A plant on
// day shifts draws full load 08:00–12:00 and 13:00–18:00, 0.6 over lunch and
// 18:00–22:00, 0.1 at night (22:00–08:00); on Sundays half of that.
func DailyShape(end time.Time, continuous bool) float64 {
	if continuous {
		return 0.95
	}
	mid := end.Add(-aqwarn.PowerInterval / 2).In(aqi.CST) // the interval's middle decides its hour
	h := mid.Hour()
	f := 0.1
	switch {
	case h >= 8 && h < 12 || h >= 13 && h < 18:
		f = 1
	case h == 12 || h >= 18 && h < 22:
		f = 0.6
	}
	if mid.Weekday() == time.Sunday {
		f /= 2
	}
	return f
}

// PowerNoise is the spread of simulated readings around the daily shape
// (±5 %); PowerSeed the demo's fixed seed of it.
const (
	PowerNoise = 0.05
	PowerSeed  = 1
)

// Normal is the meter's kWh in the interval ending at end when nothing
// changes what it does: full load × the daily shape × uniform noise within
// ±PowerNoise. The noise is a function of seed, meter and interval, so a
// rerun (or a redelivery) sends the same values.
func (m PowerMeter) Normal(end time.Time, seed uint64) float64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d|%s|%d", seed, m.Key(), end.Unix())
	u := float64(h.Sum64()>>11) / (1 << 53) // [0, 1)
	return m.FullKW * aqwarn.PowerInterval.Hours() * DailyShape(end, m.Continuous) * (1 + PowerNoise*(2*u-1))
}

// PowerScript decides what a meter sends for the interval ending at end,
// given the kWh it would send normally: the kWh to send, or ok false to
// send nothing (a gap in the data).
type PowerScript func(end time.Time, normal float64) (kwh float64, ok bool)

// PowerSim publishes each meter's 15-minute energy over MQTT as its
// collector would: the power JSON on <prefix>/power/{source}/{meter}, QoS 1,
// once the clock has passed the interval's end.
type PowerSim struct {
	Pub         Publisher
	TopicPrefix string
	Now         func() time.Time
	Meters      []PowerMeter
	// Scripts change what meters send, by PowerMeter.Key; a meter without
	// one sends its Normal.
	Scripts map[string]PowerScript
	// History: at start, also publish the intervals of this long before
	// the clock (the baseline the compliance engine compares with).
	History time.Duration
	// Until: intervals ending after it are not published (zero: no end).
	Until  time.Time
	Seed   uint64
	Tick   time.Duration // how often to look at the clock (real time); default 50 ms
	Logger *slog.Logger
}

// Reading is what meter m sends for the interval ending at end, and
// whether it sends anything.
func (s *PowerSim) Reading(m PowerMeter, end time.Time) (aqwarn.PowerReading, bool) {
	kwh, ok := m.Normal(end, s.Seed), true
	if sc := s.Scripts[m.Key()]; sc != nil {
		kwh, ok = sc(end, kwh)
	}
	kwh = math.Round(max(kwh, 0)*1000) / 1000
	kw := math.Round(kwh/aqwarn.PowerInterval.Hours()*10) / 10
	return aqwarn.PowerReading{Enterprise: m.Source, Unit: m.Unit, Meter: m.Meter, Time: end.UTC(), KWh: kwh, KW: &kw, Flag: aqwarn.FlagNormal}, ok
}

// Run publishes until ctx ends (or every interval up to Until is sent).
func (s *PowerSim) Run(ctx context.Context) error {
	tick := s.Tick
	if tick <= 0 {
		tick = 50 * time.Millisecond
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	next := s.Now().Add(-s.History).Truncate(aqwarn.PowerInterval).Add(aqwarn.PowerInterval)
	sent := 0
	for {
		now := s.Now()
		// Every interval up to now, all meters, in flight together and
		// then waited for: one acknowledgement at a time would fall behind
		// the demo's clock on a loaded machine (16 meters × 8 intervals a
		// second at 7200×), and the engine would see every meter late.
		var pending []paho.Token
		for ; !next.After(now) && (s.Until.IsZero() || !next.After(s.Until)); next = next.Add(aqwarn.PowerInterval) {
			for _, m := range s.Meters {
				r, ok := s.Reading(m, next)
				if !ok {
					continue
				}
				topic, body := PowerTopic(s.TopicPrefix, m.Source, m.Meter), EncodePower(r)
				if ap, ok := s.Pub.(asyncPublisher); ok {
					pending = append(pending, ap.PublishAsync(topic, body))
				} else if err := s.Pub.Publish(ctx, topic, body); err != nil {
					return fmt.Errorf("simulate: publish power %s %s: %w", m.Key(), next.Format(time.RFC3339), err)
				}
				sent++
			}
			if len(pending) >= 4096 { // bounded in flight (the history at start)
				if err := waitAll(ctx, pending); err != nil {
					return err
				}
				pending = pending[:0]
			}
		}
		if err := waitAll(ctx, pending); err != nil {
			return err
		}
		if !s.Until.IsZero() && next.After(s.Until) {
			if s.Logger != nil {
				s.Logger.Info("power simulator: every interval published", "readings", sent)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// PowerTopic is the topic of a source's meter.
func PowerTopic(prefix, source, meter string) string {
	return prefix + "/power/" + source + "/" + meter
}

// EncodePower renders a meter reading in the documented power JSON (time
// in China time, the end of the interval).
func EncodePower(r aqwarn.PowerReading) []byte {
	b, _ := json.Marshal(struct {
		Time string   `json:"time"`
		KWh  float64  `json:"kwh"`
		KW   *float64 `json:"kw,omitempty"`
		Flag string   `json:"flag,omitempty"`
	}{r.Time.In(aqi.CST).Format(time.RFC3339), r.KWh, r.KW, r.Flag})
	return b
}

// asyncPublisher publishes without waiting (MQTTPublisher.PublishAsync).
type asyncPublisher interface {
	PublishAsync(topic string, payload []byte) paho.Token
}

// waitAll waits for every token's acknowledgement.
func waitAll(ctx context.Context, ts []paho.Token) error {
	for _, t := range ts {
		select {
		case <-t.Done():
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := t.Error(); err != nil {
			return fmt.Errorf("simulate: publish power: %w", err)
		}
	}
	return nil
}
