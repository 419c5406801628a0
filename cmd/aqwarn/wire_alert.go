package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/ingest"
	ingestmqtt "github.com/aqwarn/aqwarn/ingest/mqtt"
	"github.com/aqwarn/aqwarn/internal/guard"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// alertWiring is the warning engine as serve wires it: the plan, the
// lifecycle service on the embedded store, the staff tokens, the MQTT
// forecast route and the evaluation job.
type alertWiring struct {
	reject  func(ctx context.Context, source string, payload []byte, rej *ingest.Rejection) error
	Service *lifecycle.Service
	API     *api.AlertDeps
	Staff   []api.StaffToken
	db      *sqlite.DB
	log     *slog.Logger
	demo    bool
}

// wireAlert loads the plan, checks the staff tokens' roles against it and
// builds the service. Nothing runs until start.
func wireAlert(cfg *configs.Config, db *sqlite.DB, now func() time.Time, log *slog.Logger) (*alertWiring, error) {
	plan := cfg.ParsedPlan() // parsed, and the tokens' roles checked, with the configuration
	if plan == nil {
		return nil, fmt.Errorf("plan %s: not loaded", cfg.Plan)
	}
	var staff []api.StaffToken
	for _, t := range cfg.Auth.Tokens {
		staff = append(staff, api.StaffToken{SHA256: t.SHA256, User: t.User, Roles: t.Roles})
	}
	log = log.With("component", "alert")
	svc := &lifecycle.Service{Plan: plan, Store: db, Forecasts: db, Observations: regionWindows{db, plan.Window()},
		Now: now, Logger: log}
	if cfg.Demo.AutoApprove {
		if cfg.Demo.Enabled {
			svc.AutoApprove = true
		} else {
			log.Warn("demo.auto_approve is ignored outside the demo")
		}
	}
	return &alertWiring{Service: svc, API: &api.AlertDeps{Service: svc}, Staff: staff, db: db, log: log, demo: cfg.Demo.Enabled}, nil
}

// regionWindows reads a region's observed windows from the hourly AQI
// records: the rolling 24 h AQI ending at each hour.
type regionWindows struct {
	db     *sqlite.DB
	window time.Duration
}

func (r regionWindows) Observed(ctx context.Context, region string, from, to time.Time) ([]alert.Window, error) {
	recs, err := r.db.AQIHistory(ctx, aqwarn.ScopeRegion, region, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]alert.Window, 0, len(recs))
	for _, rec := range recs {
		if v := rec.Rolling24h.AQI; v != nil {
			out = append(out, alert.Window{Start: rec.Time.Add(-r.window), End: rec.Time, AQI: *v, Source: alert.SourceObserved})
		}
	}
	return out, nil
}

// ObservedHours returns the region's hourly concentrations, the observed
// part of the blended series an hourly forecast continues.
func (r regionWindows) ObservedHours(ctx context.Context, region string, from, to time.Time) ([]alert.SeriesHour, error) {
	recs, err := r.db.AQIHistory(ctx, aqwarn.ScopeRegion, region, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]alert.SeriesHour, 0, len(recs))
	for _, rec := range recs {
		h := aqi.MissingHour()
		for name, v := range rec.Conc {
			if p, ok := aqi.ParsePollutant(name); ok {
				h[p] = v
			}
		}
		out = append(out, alert.SeriesHour{Time: rec.Time, Values: h})
	}
	return out, nil
}

var _ lifecycle.HourlyObservations = regionWindows{}

// forecastRoute takes forecasts from <prefix>/forecasts/{region}: the JSON
// of POST /api/v1/forecasts, the region taken from the topic. A message is
// acknowledged once kept, or once rejected for good (as a dead letter).
func (w *alertWiring) forecastRoute(prefix string, reject func(ctx context.Context, source string, payload []byte, rej *ingest.Rejection) error) ingestmqtt.Route {
	w.reject = reject
	return ingestmqtt.Route{Filter: prefix + "/forecasts/+", Handle: func(topic string, payload []byte, ack func()) {
		ctx := context.Background()
		region := topic[strings.LastIndexByte(topic, '/')+1:]
		var f alert.Forecast
		err := json.Unmarshal(payload, &f)
		if err == nil {
			if f.Region != "" && f.Region != region {
				err = fmt.Errorf("the payload names region %q but the topic %q", f.Region, region)
			}
			f.Region, f.ID, f.Received = region, 0, time.Time{}
		}
		if err == nil {
			_, err = w.Service.AddForecast(ctx, f, "mqtt:"+topic, "")
			if err != nil && alert.ErrorCode(err) == "" {
				// The store failed: leave the message unacknowledged so the broker redelivers it.
				w.log.Error("forecast not kept", "topic", topic, "err", err)
				return
			}
		}
		if err != nil {
			// Through ingest's one rejection path: counted, bounded, kept,
			// announced on <prefix>/deadletter (audit L1).
			if rerr := w.reject(ctx, "mqtt:"+topic, payload, &ingest.Rejection{Reason: alert.CodeForecastInvalid, Message: err.Error()}); rerr != nil {
				w.log.Error("forecast rejected and not kept; not acknowledged", "topic", topic, "err", err, "store", rerr)
				return
			}
		}
		ack()
	}}
}

// start publishes what was approved before a stop, then runs the
// evaluation job: right after each hourly AQI run (aqiRuns counts them) and
// at least once per hour of the service's clock. Forecasts and prompts
// are evaluated when they arrive (lifecycle.Service does it).
func (w *alertWiring) start(ctx context.Context, aqiRuns func() int64, jobs *guard.Guard, closers *[]func()) error {
	if err := w.Service.Recover(ctx); err != nil {
		return fmt.Errorf("publishing approved warnings: %w", err)
	}
	sched, err := gocron.NewScheduler()
	if err != nil {
		return err
	}
	var lastRuns atomic.Int64
	lastRuns.Store(-1)
	var lastHour atomic.Int64
	evaluate := func(ctx context.Context) {
		runs := aqiRuns()
		hour := w.Service.Now().Truncate(time.Hour).Unix()
		if runs == lastRuns.Load() && hour == lastHour.Load() {
			return
		}
		// A publication that failed on a store error is retried first.
		if err := w.Service.Recover(ctx); err != nil {
			w.log.Error("publishing approved warnings failed", "err", err)
			return
		}
		if err := w.Service.EvaluateAll(ctx); err != nil {
			w.log.Error("evaluation failed", "err", err)
			return
		}
		lastRuns.Store(runs)
		lastHour.Store(hour)
	}
	poll := time.Second // cheap: it only compares counters until the AQI job has run
	if w.demo {
		poll = 200 * time.Millisecond // the demo clock runs an hour in well under a second
	}
	if _, err := sched.NewJob(gocron.DurationJob(poll), gocron.NewTask(jobs.Job("warning-evaluation", evaluate)),
		gocron.WithSingletonMode(gocron.LimitModeReschedule), gocron.WithName("warning-evaluation"),
		gocron.WithStartAt(gocron.WithStartImmediately())); err != nil {
		return err
	}
	sched.Start()
	*closers = append(*closers, func() { sched.Shutdown() })
	return nil
}
