package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/ingest"
	"github.com/aqwarn/aqwarn/ingest/hj212"
	ingestmqtt "github.com/aqwarn/aqwarn/ingest/mqtt"
	"github.com/aqwarn/aqwarn/internal/guard"
)

// hj212Route takes HJ 212 text frames on <prefix>/stations/{station}/hj212,
// one frame per message, from gateways that forward loggers over MQTT.
func hj212Route(prefix string, recv *ingest.Receiver) ingestmqtt.Route {
	return ingestmqtt.Route{Filter: prefix + "/stations/+/hj212", Handle: func(topic string, payload []byte, ack func()) {
		station, _, err := ingestmqtt.StationFromTopic(prefix, topic)
		if err != nil {
			recv.RejectRaw("mqtt:"+topic, payload, &ingest.Rejection{Reason: ingest.ReasonUnknownStation, Message: err.Error()}, ack)
			return
		}
		recv.HandleHJ212("mqtt:"+topic, station, payload, ack)
	}}
}

// wireIngest adds to the running pipeline what serve.go leaves to ingest:
// station health (fed by durable readings and rejections, evaluated on a
// ticker against the service clock) and the HJ 212 TCP listener loggers
// connect to (hj212.addr; off when empty). It must be called after the
// pipeline's OnDurable and OnDeadLetter are set, which it wraps.
func wireIngest(ctx context.Context, cfg *configs.Config, pipe *ingest.Pipeline, recv *ingest.Receiver, reg prometheus.Registerer, jobs *guard.Guard,
	now func() time.Time, log *slog.Logger, stdout io.Writer, closers *[]func()) (*ingest.Health, error) {
	recv.HJ212 = ingest.HJ212Options{MinuteInterval: cfg.HJ212.MinuteInterval}

	health := ingest.NewHealth(cfg.Stations, now(), cfg.Ingest.OfflineAfter, cfg.Ingest.InvalidAfter, reg)
	health.Logger = log.With("component", "station-health")
	onDurable, onDead := pipe.OnDurable, pipe.OnDeadLetter
	pipe.OnDurable = func(rs []aqwarn.Reading) {
		health.Readings(rs, now())
		if onDurable != nil {
			onDurable(rs)
		}
	}
	pipe.OnDeadLetter = func(d aqwarn.DeadLetter) {
		if d.Station != "" {
			health.Rejected(d.Station, now())
		}
		if onDead != nil {
			onDead(d)
		}
	}
	hctx, stopHealth := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		jobs.Loop(hctx, "station-health", func(ctx context.Context) {
			t := time.NewTicker(15 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					health.Evaluate(now())
				}
			}
		})
	}()
	*closers = append(*closers, func() { stopHealth(); wg.Wait() })

	if cfg.HJ212.Addr != "" {
		srv := &hj212.Server{Addr: cfg.HJ212.Addr,
			Handler: ingest.NewHJ212Handler(recv, ingest.HJ212Lockout{MaxFailures: cfg.HJ212.AuthMaxFailures,
				Window: cfg.HJ212.AuthWindow, Block: cfg.HJ212.AuthBlock}, log.With("component", "hj212"), reg),
			Decode: recv.Registry.DecodeOptions(), Now: now, Logger: log.With("component", "hj212"), Registerer: reg,
			MaxConns: cfg.HJ212.MaxConns, ExpectedLoggers: len(cfg.Stations), MaxConnsPerIP: cfg.HJ212.MaxConnsPerIP,
			FirstFrameTimeout: cfg.HJ212.FirstFrameTimeout, FrameTimeout: cfg.HJ212.FrameTimeout, IdleTimeout: cfg.HJ212.IdleTimeout}
		// The listener outlives ctx so that Shutdown, not cancellation, ends
		// it: frames being stored still get their ACK.
		if err := srv.Start(context.WithoutCancel(ctx)); err != nil {
			return nil, fmt.Errorf("hj212.addr: %w", err)
		}
		fmt.Fprintf(stdout, "aqwarn: HJ 212 listener on %s\n", srv.Address())
		*closers = append(*closers, func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
		})
	}
	return health, nil
}
