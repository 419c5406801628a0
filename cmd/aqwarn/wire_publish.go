package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/cap"
	"github.com/aqwarn/aqwarn/alert/dingtalk"
	"github.com/aqwarn/aqwarn/alert/email"
	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/alert/mqttpub"
	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/alert/publish"
	"github.com/aqwarn/aqwarn/alert/report"
	"github.com/aqwarn/aqwarn/alert/webhook"
	"github.com/aqwarn/aqwarn/alert/wecom"
	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/configs"
	ingestmqtt "github.com/aqwarn/aqwarn/ingest/mqtt"
	"github.com/aqwarn/aqwarn/internal/guard"
	"github.com/aqwarn/aqwarn/simulate"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// The seam with the warning lifecycle: lifecycle.Service records each published
// transition (Store.Transitions, an outbox ordered by id) and calls
// OnPublish. The feeder below reads the transitions after its watermark
// (kept in the store), maps each onto publish.Change and hands it to the
// publisher, which is idempotent per transition: a restart re-reads from the
// watermark and nothing is sent twice or forgotten.
const publishWatermark = "publish.transitions.watermark"

// publishWiring is warning delivery as serve wires it.
type publishWiring struct {
	API     *api.PublishDeps
	plan    *alert.Plan
	svc     *lifecycle.Service
	db      *sqlite.DB
	log     *sqlite.Deliveries
	disp    *notify.Dispatcher
	pub     *publish.Publisher
	tracker *followup.Tracker
	mqtt    *mqttpub.Publisher
	now     func() time.Time
	logger  *slog.Logger
	wake    chan struct{}
	demo    *demoAcks
	replies *followup.Replies
	prefix  string
}

// wirePublish builds delivery for the warning engine and starts it: the
// MQTT publisher, the dispatcher, the transition feeder and the
// acknowledgement job. It must run before the engine starts (warn.start),
// so transitions recovered at start are delivered too.
func wirePublish(ctx context.Context, cfg *configs.Config, getenv func(string) string, db *sqlite.DB, warn *alertWiring,
	mqttURL, publicBase string, now func() time.Time, clock *simulate.Clock, reg prometheus.Registerer, jobs *guard.Guard, logger *slog.Logger, closers *[]func()) (*publishWiring, error) {
	logger = logger.With("component", "publish")
	pc := cfg.Publish
	mqttTLS, err := cfg.MQTT.TLSConfig()
	if err != nil {
		return nil, err
	}
	dl, err := sqlite.NewDeliveries(ctx, db)
	if err != nil {
		return nil, err
	}
	cal, err := followup.NewCalendar(api.CST, pc.Holidays, pc.Workdays)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	plan := *warn.Service.Plan
	plan.Units = usableChannels(plan.Units, pc.Channels, cfg.Demo.Enabled, logger)
	base := pc.BaseURL
	if base == "" {
		base = publicBase // the bound address (the demo may have moved)
	}
	w := &publishWiring{plan: &plan, svc: warn.Service, db: db, log: dl, now: now, logger: logger, wake: make(chan struct{}, 1)}

	ackRoute := func(unit string, payload []byte) { w.onMQTTAck(unit, payload) }
	overwrites := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aqwarn_mqtt_retained_overwrites_total",
		Help: "Retained public warnings overwritten by another client (and published again)."}, []string{"topic"})
	if err := reg.Register(overwrites); err != nil {
		return nil, err
	}
	w.mqtt = mqttpub.New(mqttpub.Config{URL: mqttURL, ClientID: cfg.MQTT.ClientID + "-publish", Username: cmp.Or(cfg.MQTT.PublishUsername, cfg.MQTT.Username),
		Password: cfg.MQTT.Password, Prefix: cfg.MQTT.TopicPrefix, OnAck: ackRoute, Logger: logger,
		OnOverwrite: func(topic string) { overwrites.WithLabelValues(topic).Inc() }, TLS: mqttTLS})
	// What the public topics carried before a restart is guarded too.
	last, err := dl.LastSent(ctx, notify.PublicUnit)
	if err != nil {
		return nil, err
	}
	for _, e := range last {
		if e.Channel.Kind == notify.ChannelMQTT {
			if err := w.mqtt.Remember(e.Delivery); err != nil {
				return nil, err
			}
		}
	}
	// A broker that is down at start is no reason not to start: paho keeps
	// retrying, deliveries wait and retry, and /readyz says what is missing.
	cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := w.mqtt.Connect(cctx); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		logger.Warn("MQTT broker not reachable yet; deliveries will retry", "broker", mqttURL, "err", err)
	}
	*closers = append(*closers, w.mqtt.Close)

	secret := func(name string) string {
		if name == "" {
			name = "AQWARN_WEBHOOK_SECRET"
		}
		return getenv(name)
	}
	w.disp = &notify.Dispatcher{Log: dl, Now: now, Logger: logger, Notifiers: map[string]notify.Notifier{
		notify.ChannelMQTT:     w.mqtt,
		notify.ChannelWebhook:  &webhook.Notifier{Secret: secret},
		notify.ChannelDingTalk: &dingtalk.Notifier{Secret: secret},
		notify.ChannelWeCom:    &wecom.Notifier{},
		notify.ChannelEmail:    &email.Notifier{Addr: pc.SMTP.Addr, From: pc.SMTP.From, Username: pc.SMTP.Username, Password: pc.SMTP.Password, TLS: pc.SMTP.TLS},
	}}
	// Metrics: outcomes per channel and state, and how long a notice took
	// from the fan-out to its receiver (the figure bench-publish measures).
	results := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aqwarn_deliveries_total",
		Help: "Delivery attempts by channel kind and resulting state (sent, pending = will retry, failed)."}, []string{"channel", "state"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "aqwarn_delivery_latency_seconds",
		Help: "From the fan-out being recorded to the notice delivered.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)}, []string{"channel"})
	if err := errors.Join(reg.Register(results), reg.Register(latency)); err != nil {
		return nil, err
	}
	w.disp.OnResult = func(e notify.Entry, r notify.Result) {
		results.WithLabelValues(e.Channel.Kind, r.State).Inc()
		if r.State == notify.StateSent && clock == nil {
			latency.WithLabelValues(e.Channel.Kind).Observe(r.At.Sub(e.Created).Seconds())
		}
	}
	status := "Actual"
	if cfg.Demo.Enabled {
		status = "Exercise"
	}
	w.pub = &publish.Publisher{Plan: &plan, Status: status, CAPs: dl, Fanout: w.disp, Sent: dl, Calendar: cal,
		Sender: cap.Sender{ID: pc.SenderID, NameZH: pc.SenderNameZH, NameEN: pc.SenderNameEN,
			DivisionCode: pc.DivisionCode, AgencyCode: pc.AgencyCode, Web: base + "/"},
		AckURL: func(unit string) string { return base + "/api/v1/units/" + unit + "/ack" }}
	policy := followup.Policy{ResendAfter: pc.AckResendAfter, MaxResends: pc.AckMaxResends, EscalateAfter: pc.AckEscalateAfter}
	if clock != nil {
		// On the demo's compressed clock a real second is hours: give the
		// simulated units a few real seconds before reminders and escalation.
		second := time.Duration(float64(time.Second) * clock.Speed)
		policy.ResendAfter = max(policy.ResendAfter, 2*second)
		policy.EscalateAfter = max(policy.EscalateAfter, 6*second)
	}
	w.tracker = &followup.Tracker{Store: dl, Now: now, Policy: policy, Remind: w.pub.Remind, Escalate: w.pub.Escalate, Logger: logger}
	w.pub.Tracker = w.tracker
	w.replies = &followup.Replies{Store: dl, Audit: db, DeadLetters: db, Now: now}
	w.prefix = cfg.MQTT.TopicPrefix
	w.API = &api.PublishDeps{Store: dl, Units: plan.Units, BaseURL: base, Now: now, Report: w.reportInput, Replies: w.replies,
		Feed: cap.FeedMeta{ID: "tag:" + pc.SenderID + ":warnings", Title: plan.NameZH + " 预警 / " + plan.NameEN + " warnings",
			Author: pc.SenderNameZH},
		Deliveries: func(ctx context.Context, states []string, unit string, limit int) ([]notify.Entry, error) {
			return dl.DeliveryEntries(ctx, sqlite.DeliveryFilter{States: states, Unit: unit, Limit: limit})
		}}

	// Every transition the engine records wakes the feeder.
	warn.Service.OnPublish = func(lifecycle.Transition) { w.wakeFeed() }

	// Run: dispatcher, feeder, acknowledgement job; stopped in reverse.
	runCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		jobs.Loop(runCtx, "delivery-dispatcher", func(ctx context.Context) { w.disp.Run(ctx) })
	}()
	go func() { defer wg.Done(); jobs.Loop(runCtx, "transition-feeder", w.feed) }()
	*closers = append(*closers, func() { stop(); wg.Wait() })

	sched, err := gocron.NewScheduler()
	if err != nil {
		return nil, err
	}
	every := time.Minute
	if clock != nil {
		every = max(clock.RealAfter(time.Minute), 200*time.Millisecond)
	}
	if _, err := sched.NewJob(gocron.DurationJob(every), gocron.NewTask(jobs.Job("acknowledgements", func(ctx context.Context) {
		if err := w.tracker.Check(ctx); err != nil {
			logger.Error("acknowledgement check failed", "err", err)
		}
	})), gocron.WithSingletonMode(gocron.LimitModeReschedule), gocron.WithName("acknowledgements")); err != nil {
		return nil, err
	}
	sched.Start()
	*closers = append(*closers, func() { sched.Shutdown() })

	if cfg.Demo.Enabled && cfg.Demo.AutoApprove {
		d, err := startDemoAcks(ctx, cfg, mqttURL, logger.With("component", "demo-units"))
		if err != nil {
			return nil, err
		}
		*closers = append(*closers, d.Close)
		w.demo = d
	}
	return w, nil
}

// usableChannels keeps the channel kinds configured (all when none are); in
// the demo only MQTT, since the plan's other targets are placeholders.
func usableChannels(units []alert.Unit, kinds []string, demo bool, log *slog.Logger) []alert.Unit {
	if len(kinds) == 0 && demo {
		kinds = []string{notify.ChannelMQTT}
		log.Info("demo: delivering on MQTT only (the plan's webhook, robot and e-mail targets are placeholders)")
	}
	if len(kinds) == 0 {
		return units
	}
	out := make([]alert.Unit, len(units))
	for i, u := range units {
		u.Channels = slices.DeleteFunc(slices.Clone(u.Channels), func(c alert.Channel) bool { return !slices.Contains(kinds, c.Kind) })
		out[i] = u
	}
	return out
}

func (w *publishWiring) wakeFeed() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// feed hands every transition after the watermark to the publisher.
func (w *publishWiring) feed(ctx context.Context) {
	for {
		if err := w.feedOnce(ctx); err != nil && ctx.Err() == nil {
			w.logger.Error("delivering warning transitions failed; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-time.After(5 * time.Second):
		}
	}
}

func (w *publishWiring) feedOnce(ctx context.Context) error {
	v, _, err := w.db.Get(ctx, publishWatermark)
	if err != nil {
		return err
	}
	after, _ := strconv.ParseInt(v, 10, 64)
	for {
		ts, err := w.svc.Store.Transitions(ctx, after, 100)
		if err != nil || len(ts) == 0 {
			return err
		}
		for _, t := range ts {
			if err := w.pub.Publish(ctx, changeOf(t)); err != nil {
				return fmt.Errorf("transition %d (%s %s): %w", t.ID, t.Kind, t.Region, err)
			}
			after = t.ID
			if err := w.db.Put(ctx, publishWatermark, strconv.FormatInt(after, 10)); err != nil {
				return err
			}
		}
	}
}

// changeOf maps a recorded transition onto the publisher's input.
func changeOf(t lifecycle.Transition) publish.Change {
	maxAQI := 0
	for _, win := range t.Proposal.Evidence.Windows {
		maxAQI = max(maxAQI, win.AQI)
	}
	return publish.Change{Key: fmt.Sprintf("w%d-t%d", t.WarningID, t.ID), WarningID: t.WarningID, Kind: t.Kind,
		Region: t.Region, From: t.FromID, To: t.ToID, At: t.At, Start: t.Start, ExpectedEnd: t.ExpectedEnd,
		RestartAt: t.Proposal.RestartAt, MaxAQI: maxAQI}
}

// unitReply is what a unit sends on <prefix>/units/{unit}/ack: an
// acknowledgement, or with task set a report that the task is done.
type unitReply struct {
	WarningID int64  `json:"warning_id"`
	Task      string `json:"task"`
	Note      string `json:"note"`
	By        string `json:"by"`
}

func (w *publishWiring) onMQTTAck(unit string, payload []byte) {
	ctx := context.Background()
	topic := w.prefix + "/units/" + unit + "/ack"
	var r unitReply
	if len(payload) > 0 {
		if err := json.Unmarshal(payload, &r); err != nil {
			if _, derr := w.db.AddDeadLetter(ctx, aqwarn.DeadLetter{Source: "mqtt:" + topic, Reason: "reply_invalid",
				Message: "unreadable unit reply: " + err.Error(), Payload: string(payload)}); derr != nil {
				w.logger.Error("unit reply refused and not kept", "unit", unit, "err", derr)
			}
			return
		}
	}
	// Over MQTT the unit is known from the topic, which only its own
	// account may write (the broker's ACL, see aqwarn broker-acl): that
	// account is the actor; the sender's "by" is kept as a comment.
	rp := followup.Reply{Channel: "mqtt", Source: topic, Unit: unit, Actor: "unit-" + unit, Role: "unit:" + unit,
		WarningID: r.WarningID, Task: r.Task, Note: r.Note, By: r.By, Payload: string(payload)}
	var err error
	if r.Task != "" {
		err = w.replies.Done(ctx, rp)
	} else {
		_, err = w.replies.Acknowledge(ctx, rp)
	}
	switch {
	case errors.Is(err, followup.ErrUnmatched):
		w.logger.Warn("unit reply matches nothing open; kept as a dead letter", "unit", unit, "task", r.Task, "err", err)
	case err != nil:
		w.logger.Error("unit reply not kept", "unit", unit, "task", r.Task, "err", err)
	}
}

// reportInput gathers an episode's report: the warning (one episode from
// issue to lift), the hourly AQI of its region and sub-regions, the
// acknowledgements and the board.
func (w *publishWiring) reportInput(ctx context.Context, id int64) (report.Input, error) {
	wr, err := w.svc.Store.Warning(ctx, id)
	if err != nil {
		return report.Input{}, err
	}
	in := report.Input{Title: w.plan.NameZH, EpisodeID: fmt.Sprintf("%s-%d", wr.Region, wr.ID), Start: wr.Issued,
		End: w.now(), GeneratedAt: w.now()}
	if wr.Lifted != nil {
		in.End = *wr.Lifted
	}
	if !wr.EpisodeStart.IsZero() && wr.EpisodeStart.Before(in.Start) {
		in.Start = wr.EpisodeStart
	}
	for _, r := range w.plan.Regions {
		if r.ID != wr.Region && r.Parent != wr.Region {
			continue
		}
		recs, err := w.db.AQIHistory(ctx, aqwarn.ScopeRegion, r.ID, in.Start.Add(-24*time.Hour), in.End.Add(24*time.Hour))
		if err != nil {
			return in, err
		}
		s := report.Series{Region: r.ID, NameZH: r.NameZH, NameEN: r.NameEN}
		for _, rec := range recs {
			if rec.Hourly.AQI != nil {
				s.Points = append(s.Points, report.Point{T: rec.Time, AQI: *rec.Hourly.AQI})
			}
		}
		if len(s.Points) > 0 {
			in.Series = append(in.Series, s)
		}
		in.Forecasts = append(in.Forecasts, w.dayForecasts(ctx, r.ID, in.Start, in.End)...)
	}
	for _, t := range wr.Transitions {
		st := report.Step{At: t.At, Kind: t.Kind, Region: t.Region, LevelID: t.ToID}
		if l, ok := w.plan.LevelByID(t.ToID); ok && l != alert.LevelNone {
			spec := w.plan.Spec(l)
			st.LevelZH, st.LevelEN, st.Color = spec.NameZH, spec.NameEN, spec.Color
		} else {
			st.LevelZH, st.LevelEN = "无预警", "No warning"
		}
		in.Steps = append(in.Steps, st)
	}
	for _, u := range w.plan.Units {
		in.Units = append(in.Units, report.UnitName{ID: u.ID, NameZH: u.NameZH, NameEN: u.NameEN})
	}
	if in.Notices, err = w.log.Notices(ctx, id); err != nil {
		return in, err
	}
	if in.Tasks, err = w.log.Board(ctx, id); err != nil {
		return in, err
	}
	return in, nil
}

// dayForecasts are, per day of [from, to], the daily AQI forecast issued
// last before the day began (forecasters' ones, not the persistence
// baseline): forecast against observed in the report.
func (w *publishWiring) dayForecasts(ctx context.Context, region string, from, to time.Time) []report.DayForecast {
	if w.svc.Forecasts == nil {
		return nil
	}
	fs, err := w.svc.Forecasts.Forecasts(ctx, region, from.Add(-72*time.Hour), to)
	if err != nil {
		w.logger.Warn("report without forecasts", "region", region, "err", err)
		return nil
	}
	best := map[string]report.DayForecast{}
	issued := map[string]time.Time{}
	for _, f := range fs {
		if f.Source == alert.BaselinePersistence {
			continue
		}
		for _, d := range f.Daily {
			start, err := time.ParseInLocation(time.DateOnly, d.Date, api.CST)
			if err != nil || !f.IssuedAt.Before(start) || f.IssuedAt.Before(issued[d.Date]) {
				continue
			}
			issued[d.Date] = f.IssuedAt
			best[d.Date] = report.DayForecast{Region: region, Day: d.Date, AQI: d.AQI, Source: f.Source}
		}
	}
	out := make([]report.DayForecast, 0, len(best))
	for _, f := range best {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b report.DayForecast) int { return strings.Compare(a.Day, b.Day) })
	return out
}

// demoAcks plays the member units in the demo: each acknowledges its task
// message at once — except the finance bureau, which stays silent so the
// demo shows reminders and the escalation to the command office.
type demoAcks struct {
	c *ingestmqtt.Client
}

const demoSilentUnit = "finance"

func startDemoAcks(ctx context.Context, cfg *configs.Config, mqttURL string, log *slog.Logger) (*demoAcks, error) {
	prefix := cfg.MQTT.TopicPrefix
	d := &demoAcks{}
	d.c = ingestmqtt.New(ingestmqtt.Config{URL: mqttURL, ClientID: "aqwarn-demo-units", CleanSession: true, Logger: log},
		[]ingestmqtt.Route{{Filter: prefix + "/units/+/tasks", Handle: func(topic string, payload []byte, ack func()) {
			defer ack()
			unit := strings.TrimSuffix(strings.TrimPrefix(topic, prefix+"/units/"), "/tasks")
			var p mqttpub.Payload
			if json.Unmarshal(payload, &p) != nil || p.Message.AckURL == "" || unit == demoSilentUnit {
				return
			}
			reply, _ := json.Marshal(unitReply{WarningID: p.Message.WarningID, By: "demo"})
			go func() {
				if err := d.c.Publish(context.Background(), prefix+"/units/"+unit+"/ack", reply, false); err != nil {
					log.Warn("demo acknowledgement not sent", "unit", unit, "err", err)
				}
			}()
		}}})
	if err := d.c.Connect(ctx); err != nil {
		return nil, fmt.Errorf("demo units: %w", err)
	}
	return d, nil
}

func (d *demoAcks) Close() { d.c.Close() }
