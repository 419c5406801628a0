// Package app is the aqwarn service assembled: New builds every component
// from the configuration (the HTTP listener bound first, the store, the
// warning engine, the broker, ingest, delivery and the HTTP API), Start
// runs them, and Close stops them in the reverse order of start. The
// command (cmd/aqwarn) only parses flags, loads the configuration and calls
// these; tests may embed the whole service the same way.
package app

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	_ "time/tzdata" // Asia/Shanghai for the cron schedules, whatever the host has

	"github.com/go-co-op/gocron/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/aqijob"
	"github.com/aqwarn/aqwarn/broker"
	"github.com/aqwarn/aqwarn/compliance/compliancesvc"
	"github.com/aqwarn/aqwarn/compliance/inspect"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/ingest"
	"github.com/aqwarn/aqwarn/ingest/hj212"
	ingestmqtt "github.com/aqwarn/aqwarn/ingest/mqtt"
	"github.com/aqwarn/aqwarn/internal/guard"
	"github.com/aqwarn/aqwarn/reduction"
	"github.com/aqwarn/aqwarn/simulate"
	"github.com/aqwarn/aqwarn/stats/statsvc"
	"github.com/aqwarn/aqwarn/store/influx"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// Options are what the service takes from its surroundings.
type Options struct {
	// Stdout gets the lines other programs and tests read ("aqwarn:
	// listening on …", "embedded MQTT broker on …", "demo replaying …").
	Stdout io.Writer
	// Stderr gets what is said before logging (a demo port in use).
	Stderr io.Writer
	// Getenv reads the secrets the configuration names (webhook secrets).
	Getenv func(string) string
	Logger *slog.Logger
	// PprofAddr serves net/http/pprof on this loopback address ("": not at all).
	PprofAddr string
}

// App is the service. Make it with New, run it with Start, stop it with Close.
type App struct {
	cfg     *configs.Config
	opts    Options
	log     *slog.Logger
	closers closers

	ln         net.Listener
	publicBase string // scheme://host:port, as bound
	now        func() time.Time
	clock      *simulate.Clock // the demo's compressed clock; nil: real time
	// evaluatedData is the latest hour with data (Unix ns) the warning
	// evaluation has judged: the demo clock waits for it (demo.clock_lead).
	evaluatedData atomic.Int64
	// meteredData is the latest end (Unix ns) of a listed source's meter
	// reading that is durable: the demo clock waits for the meters too,
	// or a loaded machine's backlog looks like data gaps (R7).
	meteredData atomic.Int64
	eval        evaluator
	db          *sqlite.DB
	reg         *prometheus.Registry
	jobs        *guard.Guard
	checks      []api.Check
	mqttURL     string

	job   *aqijob.Job
	stats *statsvc.Service
	// demoDataNote says which of the demo's days are simulated (zh, en).
	demoDataNote [2]string
	pipe         *ingest.Pipeline
	recv         *ingest.Receiver
	// recvCtx is the MQTT handlers' context: it bounds their blocking on
	// a full ingest queue and ends at shutdown (stopRecv), before the
	// pipeline drains.
	recvCtx  context.Context
	stopRecv context.CancelFunc
	// deadNotices are the dead-letter notices waiting for the broker.
	deadNotices *noticeQueue
	mq          *ingestmqtt.Client
	health      *ingest.Health
	hj212       *hj212.Server
	wake        chan struct{} // new durable data for the AQI job
	evalWake    chan struct{} // a new AQI snapshot for the warning evaluation

	svc      *lifecycle.Service
	delivery *delivery
	// inspect is the inspection loop (inspect.go); events the compliance
	// engine it asks for findings (nil: none wired, nothing to inspect).
	inspect *inspect.Service
	events  inspect.EventSource
	// sourceReadings are the listed sources' meter and emission readings
	// (the readings store's).
	sourceReadings compliancesvc.Readings

	srv      *http.Server
	httpDone chan error
}

// New builds the service from cfg (which it completes: the embedded
// broker's own accounts). It binds the HTTP address first, since the links
// in notices are built from the address really bound; it opens the store
// and starts the embedded broker, and runs nothing else until Start. On
// error, what it opened is closed.
func New(ctx context.Context, cfg *configs.Config, opts Options) (*App, error) {
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	a := &App{cfg: cfg, opts: opts, log: opts.Logger, now: time.Now, wake: make(chan struct{}, 1), evalWake: make(chan struct{}, 1), httpDone: make(chan error, 1)}
	if err := a.build(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// build is New's work; what it opens it pushes on the shutdown stack.
func (a *App) build(ctx context.Context) error {
	cfg, opts := a.cfg, a.opts
	raiseFileLimit(a.log)
	err := a.servePprof(opts.PprofAddr)
	if err != nil {
		return err
	}

	// HTTP is bound first: links in notices (acknowledgement pages, CAP)
	// are built from the address it really has, also when the demo
	// falls back to a free port. It serves once everything runs.
	if a.ln, err = listenHTTP(cfg, opts.Stderr); err != nil {
		return err
	}
	a.closers.push(func() { a.ln.Close() })
	scheme := "http"
	if cfg.HTTP.TLSCert != "" {
		scheme = "https"
	}
	a.publicBase = scheme + "://" + a.ln.Addr().String()

	// Time is an argument: in the demo the whole service lives on the
	// simulator's compressed clock, so "now" matches the replayed data.
	if cfg.Demo.Enabled {
		start, err := time.ParseInLocation(time.DateOnly, cfg.Demo.From, api.CST)
		if err != nil {
			return fmt.Errorf("demo.from: %w", err)
		}
		a.clock = &simulate.Clock{Start: start, Origin: time.Now(), Speed: cfg.Demo.Speed}
		if cfg.Demo.ClockLead > 0 {
			a.clock.Limit, a.clock.MaxHold = a.demoClockLimit, demoClockMaxHold
		}
		a.now = a.clock.Now
		// Each demo run starts afresh in its own store (demo.go).
		if cfg.Store.Dir, err = freshDemoStore(cfg.Store.Dir, opts.Stdout); err != nil {
			return err
		}
	}
	if a.db, err = sqlite.Open(ctx, cfg.Store.Dir); err != nil {
		return err
	}
	a.db.Now = a.now
	a.closers.push(func() { a.db.Close() })
	if cfg.Demo.Enabled && cfg.Store.Readings == "embedded" {
		// The year before the replay, for the statistics (demo_year.go);
		// the demo's clock starts once it is written.
		if err := a.backfillDemoYear(ctx, a.db); err != nil {
			return err
		}
		a.clock.Origin = time.Now()
	}
	if err := a.newAlert(); err != nil {
		return err
	}

	a.reg = prometheus.NewRegistry()
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if a.clock != nil {
		a.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "aqwarn_demo_clock_held_seconds_total",
			Help: "Real time the demo clock stood waiting for the service to judge the data (a busy machine runs the demo slower)."},
			func() float64 { d, _ := a.clock.Held(); return d.Seconds() }))
	}
	// Every scheduled job and background loop runs guarded: a panic is
	// logged with its stack, counted and shown on /readyz, never silent.
	a.jobs = guard.New(a.reg, a.log.With("component", "jobs"))
	a.checks = []api.Check{{Name: "store", Check: a.db.Probe}, {Name: "jobs", Check: a.jobs.Check, Degraded: true}}

	if err := a.newIngest(ctx); err != nil {
		return err
	}
	if err := a.newDelivery(ctx); err != nil {
		return err
	}
	// The list in force is known now: ingest takes its sources' meters
	// and monitors (app/sources.go).
	a.recv.Sources = ingestSources(a.delivery.list, cfg.HJ212.Monitors)
	a.newInspection()
	a.newHTTP()
	return nil
}

// Start runs the service: intake, delivery, the warnings approved before a
// stop, the scheduled jobs, the HTTP API and, in the demo, the simulated
// stations, forecaster and units. Close stops what it started, also after
// an error.
func (a *App) Start(ctx context.Context) error {
	cfg := a.cfg
	a.startIngest(ctx)
	if cfg.HJ212.Addr != "" {
		// The listener outlives ctx so that Shutdown, not cancellation, ends
		// it: frames being stored still get their ACK.
		if err := a.hj212.Start(context.WithoutCancel(ctx)); err != nil {
			return fmt.Errorf("hj212.addr: %w", err)
		}
		fmt.Fprintf(a.opts.Stdout, "aqwarn: HJ 212 listener on %s\n", a.hj212.Address())
		a.closers.push(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			a.hj212.Shutdown(sctx)
		})
	}
	if err := a.mq.Connect(ctx); err != nil {
		return fmt.Errorf("MQTT broker %s: %w", a.mqttURL, err)
	}
	// Closing the subscriber first stops intake; the pipeline then drains.
	a.closers.push(a.mq.Close)

	// Delivery runs before the engine recovers, so that transitions
	// recovered now are delivered too.
	if err := a.startDelivery(ctx); err != nil {
		return err
	}
	if err := a.svc.Recover(ctx); err != nil {
		return fmt.Errorf("publishing approved warnings: %w", err)
	}
	if err := a.schedule(); err != nil {
		return err
	}
	a.evaluateOnAQI()
	a.wakeAQIOnData()
	a.warmStats(ctx)

	if cfg.HTTP.TLSCert != "" {
		a.srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		go func() { a.httpDone <- a.srv.ServeTLS(a.ln, cfg.HTTP.TLSCert, cfg.HTTP.TLSKey) }()
	} else {
		go func() { a.httpDone <- a.srv.Serve(a.ln) }()
	}
	a.closers.push(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.srv.Shutdown(sctx)
	})
	fmt.Fprintf(a.opts.Stdout, "aqwarn: listening on %s\n", a.publicBase)

	if cfg.Demo.Enabled {
		if err := a.startDemo(ctx); err != nil {
			if ctx.Err() != nil {
				return nil // stopped while the demo was starting: a shutdown, not a failure
			}
			return err
		}
		fmt.Fprintf(a.opts.Stdout, "aqwarn: demo replaying %s .. %s at %gx; try: curl http://%s/api/v1/aqi/current\n",
			cfg.Demo.From, cfg.Demo.To, cfg.Demo.Speed, a.ln.Addr())
	}
	return nil
}

// Wait blocks until ctx ends (nil) or the HTTP server fails (its error).
func (a *App) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		a.log.Info("shutting down")
		return nil
	case err := <-a.httpDone:
		return fmt.Errorf("http server: %w", err)
	}
}

// Close stops everything started, the last started first. It may be
// called more than once.
func (a *App) Close() { a.closers.close() }

// URL is the HTTP API's address as bound (scheme://host:port).
func (a *App) URL() string { return a.publicBase }

// closers is the shutdown stack: what was started last is stopped first,
// each once.
type closers struct {
	mu  sync.Mutex
	fns []func()
}

func (c *closers) push(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fns = append(c.fns, f)
}

func (c *closers) close() {
	for {
		c.mu.Lock()
		if len(c.fns) == 0 {
			c.mu.Unlock()
			return
		}
		f := c.fns[len(c.fns)-1]
		c.fns = c.fns[:len(c.fns)-1]
		c.mu.Unlock()
		f()
	}
}

// newAlert builds the warning engine: the plan (parsed, and the tokens'
// roles checked, with the configuration) and the lifecycle service on the
// store, observing the AQI job's region records.
func (a *App) newAlert() error {
	cfg := a.cfg
	plan := cfg.ParsedPlan()
	if plan == nil {
		return fmt.Errorf("plan %s: not loaded", cfg.Plan)
	}
	log := a.log.With("component", "alert")
	a.svc = &lifecycle.Service{Plan: plan, Store: a.db, Forecasts: a.db,
		Observations: aqijob.ObservedWindows{History: a.db, Window: plan.Window()}, Now: a.now, Logger: log}
	if cfg.Demo.AutoApprove {
		if cfg.Demo.Enabled {
			a.svc.AutoApprove = true
		} else {
			log.Warn("demo.auto_approve is ignored outside the demo")
		}
	}
	return nil
}

// newIngest builds the intake: the readings store (InfluxDB or the
// embedded one), the broker, the hourly AQI job, the pipeline with its
// receiver and MQTT routes, station health and the HJ 212 listener.
func (a *App) newIngest(ctx context.Context) error {
	cfg, log := a.cfg, a.log
	var primary interface {
		ingest.Writer
		aqijob.Readings
	} = a.db
	aqiWriters := []aqijob.AQIWriter{a.db}
	a.sourceReadings = a.db
	var spool ingest.Spool
	if cfg.Store.Readings == "influx" {
		ix := influx.Open(influx.Config{URL: cfg.Influx.URL, Token: cfg.Influx.Token, Org: cfg.Influx.Org, Bucket: cfg.Influx.Bucket})
		a.closers.push(ix.Close)
		if err := ix.Ping(ctx); err != nil {
			log.Warn("InfluxDB not reachable yet; readings are spooled until it is", "url", cfg.Influx.URL, "err", err)
		}
		primary, spool = ix, a.db
		a.sourceReadings = ix
		aqiWriters = append(aqiWriters, ix)
		a.checks = append(a.checks, api.Check{Name: "influxdb", Check: ix.Ping})
	}
	if err := a.startBroker(); err != nil {
		return err
	}

	// The hourly AQI job (scheduled at Start); ingest tells it which hours
	// got new readings.
	a.job = &aqijob.Job{Readings: primary, Writers: aqiWriters, Stations: cfg.Stations, Regions: cfg.Regions,
		Now: a.now, Logger: log.With("component", "aqi"),
		OnRun: func() { // tell the warning evaluation
			select {
			case a.evalWake <- struct{}{}:
			default:
			}
		}}
	if cfg.AQI.Edition != "auto" {
		ed, _ := aqi.ParseEdition(cfg.AQI.Edition)
		a.job.Edition = func(time.Time) aqi.Edition { return ed }
	}

	// MQTT → receiver → pipeline → store, acknowledged when durable.
	pipe := ingest.NewPipeline(primary, cfg.Ingest.QueueSize)
	pipe.Spool = spool
	pipe.DeadLetters = a.db
	pipe.Metrics = ingest.NewMetrics(a.reg)
	pipe.Logger = log.With("component", "ingest")
	pipe.Now = a.now
	pipe.BatchSize, pipe.BatchWait, pipe.Writers = cfg.Ingest.BatchSize, cfg.Ingest.BatchWait, cfg.Ingest.Writers
	a.newStats(primary) // stats.go
	// Their hours are read again, also hours the job had settled; their
	// days are computed again.
	pipe.OnStored = func(rs []aqwarn.Reading) { a.job.Forget(rs); a.stats.Forget(rs) }
	a.pipe = pipe
	a.recv = &ingest.Receiver{Pipeline: pipe, Registry: ingest.NewRegistry(cfg.Stations), Now: a.now,
		Limits: ingest.Limits{MaxFuture: cfg.Ingest.MaxFuture, Retention: cfg.Ingest.Retention},
		HJ212:  ingest.HJ212Options{MinuteInterval: cfg.HJ212.MinuteInterval}}

	// Station health, fed by durable readings and rejections.
	a.health = ingest.NewHealth(cfg.Stations, a.now(), cfg.Ingest.OfflineAfter, cfg.Ingest.InvalidAfter, a.reg)
	a.health.Logger = log.With("component", "station-health")
	pipe.OnDurablePower = a.metered // the demo clock waits for the meters
	pipe.OnDurable = func(rs []aqwarn.Reading) {
		a.health.Readings(rs, a.now())
		select { // wake the AQI job
		case a.wake <- struct{}{}:
		default:
		}
	}
	prefix := cfg.MQTT.TopicPrefix
	deadDropped := prometheus.NewCounter(prometheus.CounterOpts{Name: "aqwarn_deadletter_notices_dropped_total",
		Help: "Dead-letter notices on <prefix>/deadletter not published because their queue was full (the dead letters themselves are kept)."})
	a.reg.MustRegister(deadDropped)
	a.deadNotices = newNoticeQueue(deadNoticeQueue, deadDropped)
	pipe.OnDeadLetter = func(d aqwarn.DeadLetter) {
		if d.Station != "" {
			a.health.Rejected(d.Station, a.now())
		}
		// The dead letter is kept already; the notice on <prefix>/deadletter
		// is for watchers. A flood of bad messages must not make a
		// goroutine each: the notices wait in a bounded queue, and what
		// does not fit is counted and dropped.
		a.deadNotices.offer(ingest.DeadLetterJSON(d))
	}

	mqttTLS, err := cfg.MQTT.TLSConfig()
	if err != nil {
		return err
	}
	mqttLost := prometheus.NewCounter(prometheus.CounterOpts{Name: "aqwarn_mqtt_connection_lost_total",
		Help: "Lost connections of the ingest MQTT client (repeated ones within a minute look like a session take-over)."})
	a.reg.MustRegister(mqttLost)
	maxBytes := cmp.Or(cfg.MQTT.MaxMessageBytes, broker.DefaultMaxMessageBytes)
	routes := append(ingest.StationRoutes(prefix, a.recv),
		ingest.ForecastRoute(prefix, a.svc, pipe.Reject, log.With("component", "alert")))
	routes = append(routes, ingest.SourceRoutes(prefix, a.recv)...) // the listed sources' power and emissions
	a.recvCtx, a.stopRecv = context.WithCancel(context.Background())
	a.mq = ingestmqtt.New(ingestmqtt.Config{URL: a.mqttURL, ClientID: cfg.MQTT.ClientID, Username: cfg.MQTT.Username,
		Password: cfg.MQTT.Password, SharedGroup: cfg.MQTT.SharedGroup, Logger: log.With("component", "mqtt"), Context: a.recvCtx,
		OnConnectionLost: mqttLost.Inc, TLS: mqttTLS, MaxMessageBytes: maxBytes, OnOversize: ingest.Oversize(a.recv, maxBytes)}, routes)
	a.checks = append(a.checks, api.Check{Name: "mqtt", Check: func(context.Context) error {
		if !a.mq.Connected() {
			return errors.New("not connected to " + a.mqttURL)
		}
		return nil
	}}, api.Check{Name: "mqtt-session", Check: a.mq.SessionCheck, Degraded: true})

	if cfg.HJ212.Addr != "" {
		hlog := log.With("component", "hj212")
		a.hj212 = &hj212.Server{Addr: cfg.HJ212.Addr,
			Handler: ingest.NewHJ212Handler(a.recv, ingest.HJ212Lockout{MaxFailures: cfg.HJ212.AuthMaxFailures,
				Window: cfg.HJ212.AuthWindow, Block: cfg.HJ212.AuthBlock}, hlog, a.reg),
			Decode: a.recv.DecodeOptions(), Now: a.now, Logger: hlog, Registerer: a.reg,
			MaxConns: cfg.HJ212.MaxConns, ExpectedLoggers: len(cfg.Stations) + len(cfg.HJ212.Monitors), MaxConnsPerIP: cfg.HJ212.MaxConnsPerIP,
			FirstFrameTimeout: cfg.HJ212.FirstFrameTimeout, FrameTimeout: cfg.HJ212.FrameTimeout, IdleTimeout: cfg.HJ212.IdleTimeout}
	}
	return nil
}

// startBroker starts the in-process broker unless the configuration names
// another (mqtt.url).
func (a *App) startBroker() error {
	cfg := a.cfg
	a.mqttURL = cfg.MQTT.URL
	if !cfg.MQTT.Embedded {
		return nil
	}
	bopts, err := embeddedBrokerOptions(cfg, a.log.With("component", "broker"))
	if err != nil {
		return err
	}
	b, err := broker.Start(cfg.MQTT.EmbeddedAddr, bopts)
	if errors.Is(err, syscall.EADDRINUSE) {
		// Typically a system Mosquitto on 1883 (Debian starts one when the
		// package is installed). Everything in this process finds the
		// embedded broker by its real address, so any free port will do.
		a.log.Warn("embedded MQTT broker address in use; taking a free port instead", "addr", cfg.MQTT.EmbeddedAddr)
		b, err = broker.Start("127.0.0.1:0", bopts)
	}
	if err != nil {
		return fmt.Errorf("embedded MQTT broker on %s: %w", cfg.MQTT.EmbeddedAddr, err)
	}
	a.closers.push(func() { b.Close() })
	a.checks = append(a.checks, api.Check{Name: "broker", Check: b.Probe}) // accepts and answers MQTT
	a.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "aqwarn_broker_messages_dropped_total",
		Help: "Messages the embedded broker dropped because a client's queue was full (see broker.DefaultMaxPendingWrites)."},
		func() float64 { return float64(b.Dropped()) }))
	a.mqttURL = b.URL()
	fmt.Fprintf(a.opts.Stdout, "aqwarn: embedded MQTT broker on %s\n", a.mqttURL)
	return nil
}

// deadNoticeQueue bounds the dead-letter notices waiting for the broker.
const deadNoticeQueue = 256

// startIngest runs the pipeline and station health. The receiver's context
// bounds blocking on a full queue; it ends at shutdown, before the
// pipeline drains, and un-queued messages then come back from the broker.
func (a *App) startIngest(ctx context.Context) {
	pipeCtx, stopPipe := context.WithCancel(context.Background())
	var pipeWG sync.WaitGroup
	pipeWG.Add(1)
	// Not restarted in place (its queue and writers live in Run); a
	// panic there ends the process loudly, and unacknowledged readings
	// are redelivered by the broker.
	go func() { defer pipeWG.Done(); a.pipe.Run(pipeCtx) }()
	a.closers.push(func() { stopPipe(); pipeWG.Wait() })
	a.closers.push(a.stopRecv)

	// One publisher of the dead-letter notices (a bounded queue).
	topic := a.cfg.MQTT.TopicPrefix + "/deadletter"
	a.goLoop("deadletter-notices", func(ctx context.Context) {
		a.deadNotices.run(ctx, 10*time.Second, func(ctx context.Context, b []byte) error { return a.mq.Publish(ctx, topic, b, false) })
	})

	// Station health is evaluated on a ticker against the service's clock.
	a.goLoop("station-health", func(ctx context.Context) {
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				a.health.Evaluate(a.now())
			}
		}
	})
}

// goLoop runs fn in a goroutine until the service closes, started again
// after a panic (guard.Loop); closing waits for it to return.
func (a *App) goLoop(name string, fn func(ctx context.Context)) {
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.jobs.Loop(ctx, name, fn)
	}()
	a.closers.push(func() { stop(); wg.Wait() })
}

// schedule runs the service's one scheduler (cron specs in China Standard
// Time): the hourly AQI job at aqi.schedule (on the demo clock, every
// simulated hour), the warning evaluation, and the acknowledgement check.
func (a *App) schedule() error {
	cfg := a.cfg
	// gocron needs a named zone (it passes CRON_TZ to the parser);
	// time/tzdata makes it available on machines without a zoneinfo database.
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return fmt.Errorf("time zone Asia/Shanghai: %w", err)
	}
	sched, err := gocron.NewScheduler(gocron.WithLocation(shanghai))
	if err != nil {
		return err
	}
	// every is d of real time, or on the demo clock d of simulated time
	// (but no less than 200 ms of real time).
	every := func(d time.Duration) gocron.JobDefinition {
		if a.clock != nil {
			d = max(a.clock.RealAfter(d), 200*time.Millisecond)
		}
		return gocron.DurationJob(d)
	}
	var aqiDef gocron.JobDefinition = gocron.CronJob(cfg.AQI.Schedule, false)
	if a.clock != nil {
		aqiDef = every(time.Hour)
	}
	// The compliance engine reads weeks of meter data each run: on the
	// demo's clock, where its 15 minutes pass in a tenth of a second, it
	// runs every 5 s of real time at most, or it would starve the rest.
	complianceEvery := every(cfg.Inspection.Every)
	if a.clock != nil {
		complianceEvery = gocron.DurationJob(max(a.clock.RealAfter(cfg.Inspection.Every), 5*time.Second))
	}
	for _, j := range []struct {
		name  string
		def   gocron.JobDefinition
		run   func(context.Context)
		start bool
	}{
		{"hourly-aqi", aqiDef, a.runAQI, true},
		// Told by the AQI job after each run (evaluateOnAQI); this is the
		// hourly floor of the service's clock, should a run fail.
		{"warning-evaluation", every(time.Hour), a.evaluate, true},
		{"acknowledgements", every(time.Minute), a.delivery.checkAcks, false},
		{"reduction-list-reminders", every(time.Hour), a.delivery.remindListRevision, true},
		{"compliance-inspections", complianceEvery, a.complianceJob(), true},
	} {
		opts := []gocron.JobOption{gocron.WithSingletonMode(gocron.LimitModeReschedule), gocron.WithName(j.name)}
		if j.start {
			opts = append(opts, gocron.WithStartAt(gocron.WithStartImmediately()))
		}
		if _, err := sched.NewJob(j.def, gocron.NewTask(a.jobs.Job(j.name, j.run)), opts...); err != nil {
			sched.Shutdown()
			return fmt.Errorf("%s: %w", j.name, err)
		}
	}
	sched.Start()
	a.closers.push(func() { sched.Shutdown() })
	return nil
}

// runAQI is one run of the hourly AQI job.
func (a *App) runAQI(ctx context.Context) {
	if err := a.job.Run(ctx); err != nil {
		a.log.Error("hourly AQI failed", "err", err)
	}
}

// evaluator is the warning evaluation's state: what it last judged.
type evaluator struct {
	mu                 sync.Mutex // one evaluation at a time (told and scheduled)
	lastRuns, lastHour int64
}

// evaluate is the warning evaluation: right after each hourly AQI run (the
// job tells it, evaluateOnAQI) and at least once per hour of the
// service's clock. It judges again only when there is a new snapshot or a
// new hour. Forecasts and prompts are evaluated when they arrive
// (lifecycle.Service does it).
func (a *App) evaluate(ctx context.Context) {
	e := &a.eval
	e.mu.Lock()
	defer e.mu.Unlock()
	runs := a.job.Runs()
	hour := a.now().Truncate(time.Hour).Unix()
	if runs == e.lastRuns && hour == e.lastHour {
		return
	}
	log := a.log.With("component", "alert")
	// A publication that failed on a store error is retried first.
	if err := a.svc.Recover(ctx); err != nil {
		log.Error("publishing approved warnings failed", "err", err)
		return
	}
	snap := a.job.Current()
	if err := a.svc.EvaluateAll(ctx); err != nil {
		log.Error("evaluation failed", "err", err)
		return
	}
	e.lastRuns, e.lastHour = runs, hour
	if snap != nil {
		a.evaluated(snap)
	}
}

// evaluateOnAQI runs the warning evaluation each time the AQI job tells
// of a run (aqijob.Job.OnRun).
func (a *App) evaluateOnAQI() {
	a.onSignal(a.evalWake, a.jobs.Job("warning-evaluation", a.evaluate), 0)
}

// demoClockMaxHold is how long (real time) the demo clock waits for the
// service before running on. The clock runs at most demo.clock_lead (2 h)
// past the latest hour with data the warning evaluation has judged; the
// service judges as of the newest observed hour while it is under 3 h old
// (lifecycle's freshObservation), so a busy machine (the race detector on
// 2 cores, the meters' 16 streams) slows the demo down instead of having
// the service decide on data it has not caught up with, which is how a
// relaxing decision got taken on the hour before's data and reversed
// within the hour. A gap in the data longer than the lead, or the
// excerpt's end, costs one hold.
const demoClockMaxHold = 20 * time.Second

// evaluated records the latest hour with data of the snapshot an
// evaluation judged (any region's: a town's gap does not hold the county).
func (a *App) evaluated(snap *aqwarn.AQISnapshot) {
	var latest time.Time
	for _, rec := range snap.Regions {
		if rec.Time.After(latest) {
			latest = rec.Time
		}
	}
	if ns := latest.UnixNano(); !latest.IsZero() && ns > a.evaluatedData.Load() {
		a.evaluatedData.Store(ns)
	}
}

// demoClockLimit is how far the demo clock may run.
func (a *App) demoClockLimit() time.Time {
	return clockLimit(a.cfg.Demo.ClockLead, a.evaluatedData.Load(), a.meteredData.Load())
}

// clockLimit is lead past the earliest of the watermarks (Unix ns) that
// have one: the hour the warning evaluation judged last, the end of the
// newest durable meter reading. None yet (all 0): no limit (zero time), so
// the demo starts without waiting for its first data.
func clockLimit(lead time.Duration, marks ...int64) time.Time {
	var low int64
	for _, ns := range marks {
		if ns != 0 && (low == 0 || ns < low) {
			low = ns
		}
	}
	if low == 0 {
		return time.Time{}
	}
	return time.Unix(0, low).Add(lead)
}

// metered records the end of the newest durable meter reading.
func (a *App) metered(ps []aqwarn.PowerReading) {
	for _, p := range ps {
		ns := p.Time.UnixNano()
		for { // the pipeline's writers report concurrently: only ever raise it
			cur := a.meteredData.Load()
			if ns <= cur || a.meteredData.CompareAndSwap(cur, ns) {
				break
			}
		}
	}
}

// wakeAQIOnData runs the AQI job when new data are durable, at most once
// per aqi.on_data (real time; 0: only on schedule).
func (a *App) wakeAQIOnData() {
	if a.cfg.AQI.OnData <= 0 {
		return
	}
	a.onSignal(a.wake, a.jobs.Job("hourly-aqi", a.runAQI), a.cfg.AQI.OnData)
}

// onSignal runs run after each signal on wake, at most once per gap (real
// time), until the service closes.
func (a *App) onSignal(wake <-chan struct{}, run func(context.Context), gap time.Duration) {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-wake:
			}
			run(ctx)
			if gap <= 0 {
				continue
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(gap):
			}
		}
	}()
	a.closers.push(func() { stop(); <-done })
}

// newHTTP builds the HTTP API over everything; Start serves it.
func (a *App) newHTTP() {
	cfg := a.cfg
	staff := make([]api.StaffToken, 0, len(cfg.Auth.Tokens))
	for _, t := range cfg.Auth.Tokens {
		staff = append(staff, api.StaffToken{SHA256: t.SHA256, User: t.User, Roles: t.Roles})
	}
	a.srv = &http.Server{Handler: api.NewHandler(api.Deps{
		AQI: a.job, DeadLetters: a.db, Stations: cfg.Stations, Regions: cfg.Regions, Ready: a.checks,
		Metrics: promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{}), StaleAfter: cfg.AQI.StaleAfter,
		Now: a.now, Logger: a.log.With("component", "http"), StationHealth: a.health,
		History: a.db, CORSOrigins: cfg.HTTP.CORSOrigins, RateLimit: cfg.HTTP.RateLimit, RateBurst: cfg.HTTP.RateBurst,
		MaxBodyBytes: cfg.HTTP.MaxBodyBytes, TrustedProxies: cfg.HTTP.TrustedProxies,
		Alert: &api.AlertDeps{Service: a.svc}, Staff: staff, Publish: a.delivery.API, HSTS: cfg.HTTP.TLSCert != "",
		// The list's public pages; no list configured: a nil List, and they answer 503.
		Reduction: &api.ReductionDeps{List: a.delivery.list, Plan: a.svc.Plan, Now: a.now, BaseURL: a.delivery.API.BaseURL,
			Active: a.svc.Store, Primary: a.primaryPollutant},
		Lists: &api.ListDeps{Store: a.db, Audit: a.db, InForce: a.delivery.list, Now: a.now,
			Parse: func(b []byte) (*reduction.List, error) { return configs.ParseListFor(a.svc.Plan, b) }, Account: a.accounting()},
		Compliance: &api.ComplianceDeps{Service: a.inspect, Now: a.now},
		Stats:      a.statsDeps(),
	}), ReadHeaderTimeout: 10 * time.Second}
}

// servePprof serves profiling for benchmarks and incidents on its own
// listener, so it never shares the public API's port. Unauthenticated by
// nature: loopback only (audit L7).
func (a *App) servePprof(addr string) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return fmt.Errorf("--pprof %s: profiling is served on loopback only (127.0.0.1:6060 or [::1]:6060)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--pprof %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	a.closers.push(func() { srv.Close() })
	return nil
}

// listenHTTP binds the HTTP address; the demo takes a free port when the
// configured one is in use, the service proper refuses to start.
func listenHTTP(cfg *configs.Config, stderr io.Writer) (net.Listener, error) {
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if errors.Is(err, syscall.EADDRINUSE) && cfg.Demo.Enabled {
		// The demo should start whatever else runs here; the address it
		// takes instead is printed ("listening on …").
		if host, _, herr := net.SplitHostPort(cfg.HTTP.Addr); herr == nil {
			fmt.Fprintf(stderr, "aqwarn: %s is in use; the demo takes a free port instead (set AQWARN_HTTP_ADDR to choose one)\n", cfg.HTTP.Addr)
			ln, err = net.Listen("tcp", net.JoinHostPort(host, "0"))
		}
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("http.addr %s is in use by another program: stop it, or choose another address (http.addr, AQWARN_HTTP_ADDR): %w", cfg.HTTP.Addr, err)
	}
	if err != nil {
		return nil, fmt.Errorf("http.addr %s: %w", cfg.HTTP.Addr, err)
	}
	return ln, nil
}

// embeddedBrokerOptions are the embedded broker's accounts: the service's
// own two (bound to their client ids, with the configured password or one
// made for this process), and the configured ones. The demo lets anonymous
// clients in (its simulated stations and units); nothing else does.
func embeddedBrokerOptions(cfg *configs.Config, log *slog.Logger) (broker.Options, error) {
	if cfg.MQTT.Password == "" {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return broker.Options{}, err
		}
		cfg.MQTT.Password = hex.EncodeToString(b) // in-process only: never logged or stored
	}
	ingestUser, publishUser := cfg.MQTT.ClientID, cfg.MQTT.ClientID+"-publish"
	cfg.MQTT.Username, cfg.MQTT.PublishUsername = ingestUser, publishUser
	hash := broker.HashPassword(cfg.MQTT.Password)
	accounts := append([]broker.Account{
		{Username: ingestUser, Role: broker.RoleIngest, PasswordSHA256: hash, BindClientID: true},
		{Username: publishUser, Role: broker.RolePublish, PasswordSHA256: hash, BindClientID: true},
	}, cfg.MQTT.Accounts...)
	return broker.Options{Accounts: accounts, AllowAnonymous: cfg.Demo.Enabled, TopicPrefix: cfg.MQTT.TopicPrefix,
		MaxMessageBytes: cfg.MQTT.MaxMessageBytes, Logger: log}, nil
}

// raiseFileLimit lifts the soft limit of open files to the hard one: the
// listeners' caps keep floods below it, and the HTTP API, the store and
// the broker keep descriptors to spare (audit H3).
func raiseFileLimit(log *slog.Logger) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil || l.Cur >= l.Max {
		return
	}
	cur := l.Cur
	l.Cur = l.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		log.Warn("cannot raise the open-files limit", "soft", cur, "hard", l.Max, "err", err)
		return
	}
	log.Debug("open-files limit raised", "from", cur, "to", l.Max)
}
