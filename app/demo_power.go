package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn/compliance/compliancesvc"
	"github.com/aqwarn/aqwarn/reduction"
	"github.com/aqwarn/aqwarn/simulate"
)

// demoPowerHistory is how much meter data the demo publishes at start,
// before demo.from: the 28 normal days the compliance engine's baseline
// takes (notes §7 P1).
const demoPowerHistory = 28 * 24 * time.Hour

// startDemoMeters has the list's meters publish their 15-minute energy over
// MQTT as the sources' collectors would (simulate.PowerSim): 28 days of
// history at once, then each interval as the demo clock passes it, every
// source carrying out the measures of the warning in force except the two
// the demo scripts to misbehave (simulate.NightProducer, TreatmentOff).
// They go on after the excerpt's end, as the sources do: meters that all
// stopped with the stations would be a data gap (R7) at every source once
// the clock runs past it.
func (a *App) startDemoMeters(ctx context.Context) error {
	list := a.delivery.list
	if list == nil {
		return nil
	}
	meters := simulate.ListMeters(list)
	if len(meters) == 0 {
		return nil
	}
	log := a.log.With("component", "simulator")
	pub, err := simulate.DialMQTT(ctx, a.mqttURL, "aqwarn-demo-meters")
	if err != nil {
		return fmt.Errorf("demo: connect meters to %s: %w", a.mqttURL, err)
	}
	sim := &simulate.PowerSim{Pub: pub, TopicPrefix: a.cfg.MQTT.TopicPrefix, Now: a.clock.Now, Meters: meters,
		Scripts: simulate.ListScripts(list, meters, a.demoResponse(list)), History: demoPowerHistory,
		Seed: simulate.PowerSeed, Logger: log}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := sim.Run(sctx); err != nil && sctx.Err() == nil {
			log.Error("demo meters stopped", "err", err)
		}
	}()
	a.closers.push(func() { cancel(); <-done; pub.Close() })
	log.Info("demo meters publishing", "meters", len(meters), "history", demoPowerHistory,
		"night_producer", simulate.NightProducer, "treatment_off", simulate.TreatmentOff)
	return nil
}

// demoResponse is what the simulated sources obey at t: the level of the
// list county's warning whose measures are in force at t (from its
// effective start until its lift takes effect, not while paused:
// compliancesvc.Segments, as the engine sees it), resolved
// for every source. It reads the store once per interval.
func (a *App) demoResponse(list *reduction.List) simulate.Response {
	var mu sync.Mutex
	var at time.Time
	var level string
	var by map[string]reduction.Instruction
	return func(t time.Time) (string, map[string]reduction.Instruction) {
		mu.Lock()
		defer mu.Unlock()
		if t.Equal(at) {
			return level, by
		}
		at, level, by = t, "", nil
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// The warnings' history, not only the active ones: a lift is
		// announced hours before it takes effect, and the measures hold
		// until then. The pieces are the compliance engine's own.
		ws, err := a.db.WarningsBetween(ctx, t.Add(-time.Second), t.Add(time.Second))
		if err != nil {
			a.log.Warn("demo meters: warnings not read; the sources act as without one", "err", err)
			return level, by
		}
		for _, seg := range compliancesvc.Segments(ws, list.County, t.Add(time.Nanosecond)) {
			if t.Before(seg.EffectiveStart) || (!seg.Lift.IsZero() && !t.Before(seg.Lift)) {
				continue
			}
			level = seg.Level
			by = map[string]reduction.Instruction{}
			for _, in := range list.Resolve(level, a.primaryPollutant(list.County), t) {
				by[in.Source] = in
			}
		}
		return level, by
	}
}
