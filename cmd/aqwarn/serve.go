package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // Asia/Shanghai for the cron schedules, whatever the host has

	"github.com/go-co-op/gocron/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/aqijob"
	"github.com/aqwarn/aqwarn/broker"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/ingest"
	ingestmqtt "github.com/aqwarn/aqwarn/ingest/mqtt"
	"github.com/aqwarn/aqwarn/internal/guard"
	"github.com/aqwarn/aqwarn/simulate"
	"github.com/aqwarn/aqwarn/store/influx"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// runServe starts the service and blocks until ctx ends, then shuts down in
// the reverse order of start.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", getenv("AQWARN_CONFIG"), "configuration file (default: the embedded demo configuration)")
	// These override the configuration when given (--demo=false too).
	fs.Bool("demo", false, "replay the bundled smog episode through the broker as the stations would (--demo=false: off)")
	fs.Bool("demo-auto-approve", false, "sign every proposal as the demo roles (demo only)")
	fs.String("http", "", "HTTP listen address (overrides http.addr)")
	fs.String("mqtt-embedded-addr", "", "embedded broker address (overrides mqtt.embedded_addr)")
	fs.String("store-dir", "", "embedded store directory (overrides store.dir)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	pprofAddr := fs.String("pprof", getenv("AQWARN_PPROF_ADDR"), "serve net/http/pprof on this address (keep it on loopback), e.g. 127.0.0.1:6060")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: aqwarn serve [flags]\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nEnvironment overrides: %s\n", strings.Join(configs.EnvNames(), ", "))
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	// Flags given on the command line override the file and the
	// environment; they are checked with the rest, in one pass.
	flagEnv := map[string]string{}
	fs.Visit(func(f *flag.Flag) {
		if name, ok := map[string]string{"demo": "AQWARN_DEMO", "demo-auto-approve": "AQWARN_DEMO_AUTO_APPROVE",
			"http": "AQWARN_HTTP_ADDR", "mqtt-embedded-addr": "AQWARN_MQTT_EMBEDDED_ADDR", "store-dir": "AQWARN_STORE_DIR"}[f.Name]; ok {
			flagEnv[name] = f.Value.String()
		}
	})
	cfg, err := configs.Load(*configPath, func(k string) string {
		if v, ok := flagEnv[k]; ok {
			return v
		}
		return getenv(k)
	})
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	raiseFileLimit(log)

	if *pprofAddr != "" {
		// Profiling for benchmarks and incidents, on its own listener so it
		// never shares the public API's port.
		// Unauthenticated by nature: loopback only (audit L7).
		host, _, err := net.SplitHostPort(*pprofAddr)
		if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			return fmt.Errorf("--pprof %s: profiling is served on loopback only (127.0.0.1:6060 or [::1]:6060)", *pprofAddr)
		}
		pln, err := net.Listen("tcp", *pprofAddr)
		if err != nil {
			return fmt.Errorf("--pprof %s: %w", *pprofAddr, err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		psrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go psrv.Serve(pln)
		defer psrv.Close()
	}

	// Closers run in reverse order at the end, whatever happens.
	var closers []func()
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}()

	// HTTP is bound first: links in notices (acknowledgement pages, CAP)
	// are built from the address it really has, also when the demo
	// falls back to a free port. It serves once everything is wired.
	ln, err := listenHTTP(cfg, stderr)
	if err != nil {
		return err
	}
	closers = append(closers, func() { ln.Close() })
	scheme := "http"
	if cfg.HTTP.TLSCert != "" {
		scheme = "https"
	}
	publicBase := scheme + "://" + ln.Addr().String()
	mqttTLS, err := cfg.MQTT.TLSConfig()
	if err != nil {
		return err
	}

	// Time is an argument: in the demo the whole service lives on the
	// simulator's compressed clock, so "now" matches the replayed data.
	now := time.Now
	var clock *simulate.Clock
	if cfg.Demo.Enabled {
		start, err := time.ParseInLocation("2006-01-02", cfg.Demo.From, api.CST)
		if err != nil {
			return fmt.Errorf("demo.from: %w", err)
		}
		clock = &simulate.Clock{Start: start, Origin: time.Now(), Speed: cfg.Demo.Speed}
		now = clock.Now
	}

	if cfg.Demo.Enabled { // each demo run starts afresh in its own store (demo.go)
		if cfg.Store.Dir, err = freshDemoStore(cfg.Store.Dir, stdout); err != nil {
			return err
		}
	}
	db, err := sqlite.Open(ctx, cfg.Store.Dir)
	if err != nil {
		return err
	}
	db.Now = now
	closers = append(closers, func() { db.Close() })
	warn, err := wireAlert(cfg, db, now, log) // the warning engine (wire_alert.go)
	if err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every scheduled job and background loop runs guarded: a panic is
	// logged with its stack, counted and shown on /readyz, never silent.
	jobs := guard.New(reg, log.With("component", "jobs"))

	// Readings go to InfluxDB or the embedded store.
	var primary interface {
		ingest.Writer
		aqijob.Readings
	} = db
	checks := []api.Check{{Name: "store", Check: db.Probe}, {Name: "jobs", Check: jobs.Check, Degraded: true}}
	aqiWriters := []aqijob.AQIWriter{db}
	var spool ingest.Spool
	if cfg.Store.Readings == "influx" {
		ix := influx.Open(influx.Config{URL: cfg.Influx.URL, Token: cfg.Influx.Token, Org: cfg.Influx.Org, Bucket: cfg.Influx.Bucket})
		closers = append(closers, ix.Close)
		if err := ix.Ping(ctx); err != nil {
			log.Warn("InfluxDB not reachable yet; readings are spooled until it is", "url", cfg.Influx.URL, "err", err)
		}
		primary, spool = ix, db
		aqiWriters = append(aqiWriters, ix)
		checks = append(checks, api.Check{Name: "influxdb", Check: ix.Ping})
	}

	// The broker: in-process unless configured otherwise.
	mqttURL := cfg.MQTT.URL
	if cfg.MQTT.Embedded {
		bopts, err := embeddedBrokerOptions(cfg, log.With("component", "broker"))
		if err != nil {
			return err
		}
		b, err := broker.Start(cfg.MQTT.EmbeddedAddr, bopts)
		if errors.Is(err, syscall.EADDRINUSE) {
			// Typically a system Mosquitto on 1883 (Debian starts one when the
			// package is installed). Everything in this process finds the
			// embedded broker by its real address, so any free port will do.
			log.Warn("embedded MQTT broker address in use; taking a free port instead", "addr", cfg.MQTT.EmbeddedAddr)
			b, err = broker.Start("127.0.0.1:0", bopts)
		}
		if err != nil {
			return fmt.Errorf("embedded MQTT broker on %s: %w", cfg.MQTT.EmbeddedAddr, err)
		}
		closers = append(closers, func() { b.Close() })
		checks = append(checks, api.Check{Name: "broker", Check: b.Probe}) // accepts and answers MQTT
		mqttURL = b.URL()
		fmt.Fprintf(stdout, "aqwarn: embedded MQTT broker on %s\n", mqttURL)
	}

	// The hourly AQI job (scheduled below), made here so ingest can tell it
	// which hours got new readings.
	job := &aqijob.Job{Readings: primary, Writers: aqiWriters, Stations: cfg.Stations, Regions: cfg.Regions,
		Now: now, Logger: log.With("component", "aqi")}
	if cfg.AQI.Edition != "auto" {
		ed, _ := aqi.ParseEdition(cfg.AQI.Edition)
		job.Edition = func(time.Time) aqi.Edition { return ed }
	}

	// Ingest: MQTT → receiver → pipeline → store, acknowledged when durable.
	pipe := ingest.NewPipeline(primary, cfg.Ingest.QueueSize)
	pipe.Spool = spool
	pipe.DeadLetters = db
	pipe.Metrics = ingest.NewMetrics(reg)
	pipe.Logger = log.With("component", "ingest")
	pipe.Now = now
	pipe.BatchSize, pipe.BatchWait, pipe.Writers = cfg.Ingest.BatchSize, cfg.Ingest.BatchWait, cfg.Ingest.Writers
	wake := make(chan struct{}, 1) // new durable data for the AQI job
	pipe.OnDurable = func([]aqwarn.Reading) {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	pipe.OnStored = job.Forget // their hours are read again, also hours the job had settled
	pipeCtx, stopPipe := context.WithCancel(context.Background())
	var pipeWG sync.WaitGroup
	pipeWG.Add(1)
	// Not restarted in place (its queue and writers live in Run); a
	// panic there ends the process loudly, and unacknowledged readings
	// are redelivered by the broker.
	go func() { defer pipeWG.Done(); pipe.Run(pipeCtx) }()
	closers = append(closers, func() { stopPipe(); pipeWG.Wait() })

	recvCtx, stopRecv := context.WithCancel(context.Background())
	closers = append(closers, stopRecv)
	recv := &ingest.Receiver{Pipeline: pipe, Registry: ingest.NewRegistry(cfg.Stations), Now: now, Ctx: recvCtx,
		Limits: ingest.Limits{MaxFuture: cfg.Ingest.MaxFuture, Retention: cfg.Ingest.Retention}}
	prefix := cfg.MQTT.TopicPrefix
	mqttLost := prometheus.NewCounter(prometheus.CounterOpts{Name: "aqwarn_mqtt_connection_lost_total",
		Help: "Lost connections of the ingest MQTT client (repeated ones within a minute look like a session take-over)."})
	reg.MustRegister(mqttLost)
	mq := ingestmqtt.New(ingestmqtt.Config{URL: mqttURL, ClientID: cfg.MQTT.ClientID, Username: cfg.MQTT.Username,
		Password: cfg.MQTT.Password, SharedGroup: cfg.MQTT.SharedGroup, Logger: log.With("component", "mqtt"),
		OnConnectionLost: mqttLost.Inc, TLS: mqttTLS, MaxMessageBytes: cmp.Or(cfg.MQTT.MaxMessageBytes, broker.DefaultMaxMessageBytes),
		OnOversize: func(topic string, size int, head []byte, ack func()) {
			recv.RejectRaw("mqtt:"+topic, head, &ingest.Rejection{Reason: ingest.ReasonTooLarge,
				Message: fmt.Sprintf("%d bytes, more than mqtt.max_message_bytes (%d); the first %d kept", size,
					cmp.Or(cfg.MQTT.MaxMessageBytes, broker.DefaultMaxMessageBytes), len(head))}, ack)
		}},
		[]ingestmqtt.Route{{Filter: prefix + "/stations/+/readings", Handle: func(topic string, payload []byte, ack func()) {
			station, _, err := ingestmqtt.StationFromTopic(prefix, topic)
			if err != nil {
				recv.RejectRaw("mqtt:"+topic, payload, &ingest.Rejection{Reason: ingest.ReasonUnknownStation, Message: err.Error()}, ack)
				return
			}
			recv.HandleJSON("mqtt:"+topic, station, payload, ack)
		}}, hj212Route(prefix, recv), warn.forecastRoute(prefix, pipe.Reject)})
	pipe.OnDeadLetter = func(d aqwarn.DeadLetter) {
		go mq.Publish(context.Background(), prefix+"/deadletter", deadLetterJSON(d), false)
	}
	health, err := wireIngest(ctx, cfg, pipe, recv, reg, jobs, now, log, stdout, &closers) // HJ 212 listener, station health
	if err != nil {
		return err
	}
	if err := mq.Connect(ctx); err != nil {
		return fmt.Errorf("MQTT broker %s: %w", mqttURL, err)
	}
	// Closing the subscriber first stops intake; the pipeline then drains.
	closers = append(closers, mq.Close)
	checks = append(checks, api.Check{Name: "mqtt", Check: func(context.Context) error {
		if !mq.Connected() {
			return errors.New("not connected to " + mqttURL)
		}
		return nil
	}}, api.Check{Name: "mqtt-session", Check: mq.SessionCheck, Degraded: true})

	// The hourly AQI job runs at minute 5 (on the demo clock: every simulated hour); scheduled below.
	// Cron specs are read in China Standard Time. gocron needs a named zone
	// (it passes CRON_TZ to the parser); time/tzdata makes it available
	// on machines without a zoneinfo database.
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return fmt.Errorf("time zone Asia/Shanghai: %w", err)
	}
	sched, err := gocron.NewScheduler(gocron.WithLocation(shanghai))
	if err != nil {
		return err
	}
	runJob := jobs.Job("hourly-aqi", func(ctx context.Context) {
		if err := job.Run(ctx); err != nil {
			log.Error("hourly AQI failed", "err", err)
		}
	})
	var def gocron.JobDefinition = gocron.CronJob(cfg.AQI.Schedule, false)
	if clock != nil {
		def = gocron.DurationJob(max(clock.RealAfter(time.Hour), 200*time.Millisecond))
	}
	if _, err := sched.NewJob(def, gocron.NewTask(runJob), gocron.WithSingletonMode(gocron.LimitModeReschedule),
		gocron.WithName("hourly-aqi"), gocron.WithStartAt(gocron.WithStartImmediately())); err != nil {
		return fmt.Errorf("aqi.schedule %q: %w", cfg.AQI.Schedule, err)
	}
	sched.Start()
	closers = append(closers, func() { sched.Shutdown() })
	pubw, err := wirePublish(ctx, cfg, getenv, db, warn, mqttURL, publicBase, now, clock, reg, jobs, log, &closers) // delivery (wire_publish.go)
	if err != nil {
		return err
	}
	if err := warn.start(ctx, job.Runs, jobs, &closers); err != nil {
		return err
	}
	if cfg.AQI.OnData > 0 {
		// New data wakes the job, at most once per interval (real time).
		jctx, stopJob := context.WithCancel(context.Background())
		jobDone := make(chan struct{})
		go func() {
			defer close(jobDone)
			for {
				select {
				case <-jctx.Done():
					return
				case <-wake:
				}
				runJob(jctx)
				select {
				case <-jctx.Done():
					return
				case <-time.After(cfg.AQI.OnData):
				}
			}
		}()
		closers = append(closers, func() { stopJob(); <-jobDone })
	}

	srv := &http.Server{Handler: api.NewHandler(api.Deps{
		AQI: job, DeadLetters: db, Stations: cfg.Stations, Regions: cfg.Regions, Ready: checks,
		Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), StaleAfter: cfg.AQI.StaleAfter,
		Now: now, Logger: log.With("component", "http"), StationHealth: health,
		History: db, CORSOrigins: cfg.HTTP.CORSOrigins, RateLimit: cfg.HTTP.RateLimit, RateBurst: cfg.HTTP.RateBurst,
		MaxBodyBytes: cfg.HTTP.MaxBodyBytes, TrustedProxies: cfg.HTTP.TrustedProxies,
		Alert: warn.API, Staff: warn.Staff, Publish: pubw.API, HSTS: cfg.HTTP.TLSCert != "",
	}), ReadHeaderTimeout: 10 * time.Second}
	httpDone := make(chan error, 1)
	if cfg.HTTP.TLSCert != "" {
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		go func() { httpDone <- srv.ServeTLS(ln, cfg.HTTP.TLSCert, cfg.HTTP.TLSKey) }()
	} else {
		go func() { httpDone <- srv.Serve(ln) }()
	}
	closers = append(closers, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	})
	fmt.Fprintf(stdout, "aqwarn: listening on %s\n", publicBase)

	// The demo stations.
	if cfg.Demo.Enabled {
		if err := startDemo(ctx, cfg, mqttURL, clock, log.With("component", "simulator"), &closers); err != nil {
			if ctx.Err() != nil {
				return nil // stopped while the demo was starting: a shutdown, not a failure
			}
			return err
		}
		fmt.Fprintf(stdout, "aqwarn: demo replaying %s .. %s at %gx; try: curl http://%s/api/v1/aqi/current\n",
			cfg.Demo.From, cfg.Demo.To, cfg.Demo.Speed, ln.Addr())
	}

	select {
	case <-ctx.Done():
		log.Info("shutting down")
		return nil
	case err := <-httpDone:
		return fmt.Errorf("http server: %w", err)
	}
}

// deadLetterJSON is what <prefix>/deadletter carries: which rejection,
// never its payload (which the staff API shows, masked).
func deadLetterJSON(d aqwarn.DeadLetter) []byte {
	b, _ := json.Marshal(struct {
		ID       int64     `json:"id"`
		Received time.Time `json:"received"`
		Source   string    `json:"source"`
		Reason   string    `json:"reason"`
		Message  string    `json:"message"`
		Station  string    `json:"station,omitempty"`
		Size     int       `json:"size"`
	}{d.ID, d.Received, d.Source, d.Reason, d.Message, d.Station, d.Size})
	return b
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
