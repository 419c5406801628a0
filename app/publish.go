package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

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
	"github.com/aqwarn/aqwarn/alert/sms"
	"github.com/aqwarn/aqwarn/alert/webhook"
	"github.com/aqwarn/aqwarn/alert/wecom"
	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/reduction"
	"github.com/aqwarn/aqwarn/simulate"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// delivery is warning delivery: the MQTT publisher, the dispatcher over
// every channel, the publisher of transitions with its relay from the
// engine's outbox, the acknowledgement tracker and the units' replies.
type delivery struct {
	API     *api.PublishDeps
	mqtt    *mqttpub.Publisher
	disp    *notify.Dispatcher
	relay   *publish.Relay
	tracker *followup.Tracker
	// verifier checks listed sources' notices; nil without a list.
	verifier *publish.Verifier
	// list is the reduction list in force (nil: none) and versions its
	// revisions kept in the store; office are the plan's command offices
	// (the revision reminders go to them).
	list     *reduction.List
	versions listVersions
	office   []alert.Unit
	// units are the plan's units with the channels delivery may use.
	units []alert.Unit
	// base is the public base URL of links in messages.
	base string
	now  func() time.Time
	log  *slog.Logger
}

// listVersions are the reduction list's versions (store/sqlite.DB).
type listVersions interface {
	ListVersions(ctx context.Context, year int) ([]reduction.Version, error)
}

// listInForce is the reduction list the service runs on: the newest
// version published through the yearly revision (plan 9.3) unless it is
// for an earlier year than the configured file's; otherwise the file.
// A published version that no longer loads against the plan is reported
// and the file is used.
func (a *App) listInForce(ctx context.Context) (*reduction.List, error) {
	list := a.cfg.ParsedList()
	if list == nil {
		return nil, nil
	}
	vs, err := a.db.ListVersions(ctx, 0)
	if err != nil {
		return nil, err
	}
	for _, v := range vs { // newest first
		if v.State != reduction.StatePublished || v.Year < list.Year {
			continue
		}
		_, text, err := a.db.ListVersion(ctx, v.ID)
		if err != nil {
			return nil, err
		}
		published, err := configs.ParseListFor(a.svc.Plan, []byte(text))
		if err != nil {
			a.log.Error("the published reduction list does not load against the plan; running on the configured one", "version", v.ID, "year", v.Year, "err", err)
			break
		}
		a.log.Info("running on the reduction list published through the revision", "version", v.ID, "year", v.Year, "sources", len(published.Enterprises))
		return published, nil
	}
	return list, nil
}

// nilIfNone keeps a nil *Verifier from becoming a non-nil interface.
func nilIfNone(v *publish.Verifier) api.NoticeVerifier {
	if v == nil {
		return nil
	}
	return v
}

// demoNoticeKey makes the demo's verification codes (the demo's secrets
// are public; outside the demo AQWARN_NOTICE_KEY is required).
const demoNoticeKey = "aqwarn-demo-notice-key"

// primaryPollutant is what drives a region's warning as far as the
// reduction list goes: "o3" only while the region's 24-hour AQI is above
// 100 with ozone as its only primary pollutant; otherwise "" (PM or not
// known), so that a warning issued ahead of a PM episode, on a clean
// afternoon whose small AQI happens to be ozone's, still pushes the list's
// measures. Missing a PM episode's cuts is the worse mistake.
func (a *App) primaryPollutant(region string) string {
	if a.job == nil {
		return ""
	}
	snap := a.job.Current()
	if snap == nil {
		return ""
	}
	r := snap.Regions[region].Rolling24h
	if r.AQI != nil && *r.AQI > 100 && len(r.Primary) == 1 && r.Primary[0] == "o3" {
		return "o3"
	}
	return ""
}

// newDelivery builds delivery for the warning engine. Nothing is sent
// until startDelivery.
func (a *App) newDelivery(ctx context.Context) error {
	cfg, pc := a.cfg, a.cfg.Publish
	log := a.log.With("component", "publish")
	d := &delivery{log: log}
	a.delivery = d
	mqttTLS, err := cfg.MQTT.TLSConfig()
	if err != nil {
		return err
	}
	dl, err := sqlite.NewDeliveries(ctx, a.db)
	if err != nil {
		return err
	}
	dl.ClaimLease = cfg.Publish.ClaimLease // 0: the default
	cal, err := followup.NewCalendar(api.CST, pc.Holidays, pc.Workdays)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	plan := *a.svc.Plan
	plan.Units = usableChannels(plan.Units, pc.Channels, cfg.Demo.Enabled, log)
	base := cmp.Or(pc.BaseURL, a.publicBase) // the bound address (the demo may have moved)

	metrics := notify.NewMetrics(a.reg)
	metrics.NoLatency = a.clock != nil
	replies := &followup.Replies{Store: dl, Audit: a.db, DeadLetters: a.db, Now: a.now}
	d.mqtt = mqttpub.New(mqttpub.Config{URL: a.mqttURL, ClientID: cfg.MQTT.ClientID + "-publish", Username: cmp.Or(cfg.MQTT.PublishUsername, cfg.MQTT.Username),
		Password: cfg.MQTT.Password, Prefix: cfg.MQTT.TopicPrefix, OnAck: unitReplies(cfg.MQTT.TopicPrefix, replies, a.db, log), Logger: log,
		OnOverwrite: metrics.Overwritten, TLS: mqttTLS})
	// What the public topics carried before a restart is guarded too.
	last, err := dl.LastSent(ctx, notify.PublicUnit)
	if err != nil {
		return err
	}
	for _, e := range last {
		if e.Channel.Kind == notify.ChannelMQTT {
			if err := d.mqtt.Remember(e.Delivery); err != nil {
				return err
			}
		}
	}

	secret := func(name string) string { return a.opts.Getenv(cmp.Or(name, "AQWARN_WEBHOOK_SECRET")) }
	d.disp = &notify.Dispatcher{Log: dl, Now: a.now, Logger: log, OnResult: metrics.Result, Notifiers: map[string]notify.Notifier{
		notify.ChannelMQTT:     d.mqtt,
		notify.ChannelWebhook:  &webhook.Notifier{Secret: secret},
		notify.ChannelDingTalk: &dingtalk.Notifier{Secret: secret},
		notify.ChannelWeCom:    &wecom.Notifier{},
		notify.ChannelEmail:    &email.Notifier{Addr: pc.SMTP.Addr, From: pc.SMTP.From, Username: pc.SMTP.Username, Password: pc.SMTP.Password, TLS: pc.SMTP.TLS},
		notify.ChannelSMS:      &sms.Notifier{Gateway: pc.SMS.Gateway, Secret: pc.SMS.Secret},
	}}
	status := "Actual"
	if cfg.Demo.Enabled {
		status = "Exercise"
	}
	pub := &publish.Publisher{Plan: &plan, Status: status, CAPs: dl, Fanout: d.disp, Sent: dl, Calendar: cal,
		Sender: cap.Sender{ID: pc.SenderID, NameZH: pc.SenderNameZH, NameEN: pc.SenderNameEN,
			DivisionCode: pc.DivisionCode, AgencyCode: pc.AgencyCode, Web: base + "/"},
		AckURL: func(unit string) string { return base + "/api/v1/units/" + unit + "/ack" }}
	policy := followup.Policy{ResendAfter: pc.AckResendAfter, MaxResends: pc.AckMaxResends, EscalateAfter: pc.AckEscalateAfter}
	if a.clock != nil {
		// On the demo's compressed clock a real second is hours: give the
		// simulated units a few real seconds before reminders and escalation.
		second := time.Duration(float64(time.Second) * a.clock.Speed)
		policy.ResendAfter = max(policy.ResendAfter, 2*second)
		policy.EscalateAfter = max(policy.EscalateAfter, 6*second)
	}
	d.tracker = &followup.Tracker{Store: dl, Now: a.now, Policy: policy, Remind: pub.Remind, Escalate: pub.Escalate, Logger: log}
	recipients := plan.Units
	var verifier *publish.Verifier
	list, err := a.listInForce(ctx)
	if err != nil {
		return err
	}
	if list != nil {
		src := publish.ListSources{List: list, Plan: &plan, Kinds: channelKinds(pc.Channels, cfg.Demo.Enabled)}
		pub.Sources, pub.SourceReportWithin, pub.Primary = src, list.Notices.ReportWithin.Duration, a.primaryPollutant
		pub.NoticeKey = []byte(cmp.Or(pc.NoticeKey, demoNoticeKey))
		pub.VerifyURL = func(serial string) string { return base + "/verify?serial=" + serial }
		srcPolicy := src.Policy()
		if a.clock != nil { // as for the units, a few real seconds on the demo's clock
			second := time.Duration(float64(time.Second) * a.clock.Speed)
			srcPolicy.ResendAfter = max(srcPolicy.ResendAfter, 2*second)
			srcPolicy.EscalateAfter = max(srcPolicy.EscalateAfter, 6*second)
			srcPolicy.OfficeAfter = max(srcPolicy.OfficeAfter, 10*second)
		}
		d.tracker.PolicyFor = func(unit string) followup.Policy {
			if src.IsSource(unit) {
				return srcPolicy
			}
			return policy
		}
		recipients = append(slices.Clip(recipients), src.Recipients(list.County)...)
		verifier = &publish.Verifier{CAPs: dl, Sent: dl, Key: pub.NoticeKey, Guesses: &publish.Guesses{}, Now: a.now, Sources: func() []string {
			ids := make([]string, len(list.Enterprises))
			for i, e := range list.Enterprises {
				ids[i] = e.ID
			}
			return ids
		}}
		log.Info("emission-reduction list loaded: its sources are told their measures", "list", list.ID, "sources", len(list.Enterprises))
	}
	d.verifier = verifier
	d.list, d.versions, d.now, d.units, d.base = list, a.db, a.now, plan.Units, base
	for _, u := range plan.Units {
		if u.Role == alert.UnitOffice {
			d.office = append(d.office, u)
		}
	}
	pub.Tracker = d.tracker
	// The engine's outbox → the publisher; every transition recorded wakes it.
	d.relay = &publish.Relay{Transitions: a.svc.Store, Marks: a.db, Publisher: pub, Logger: log}
	a.svc.OnPublish = func(lifecycle.Transition) { d.relay.Wake() }

	sources := report.Sources{Plan: &plan, Warnings: a.svc.Store, History: a.db, Followups: dl, Logger: log}
	if a.svc.Forecasts != nil {
		sources.Forecasts = a.svc.Forecasts
	}
	d.API = &api.PublishDeps{Store: dl, Units: recipients, BaseURL: base, Now: a.now, Replies: replies,
		Verifier: nilIfNone(verifier), Evidence: a.db,
		Report: func(ctx context.Context, id int64) (report.Input, error) {
			src := sources
			if a.inspect != nil { // the listed sources' compliance (built after delivery)
				src.Compliance = a.inspect
			}
			return report.Gather(ctx, src, id, a.now())
		},
		Feed: cap.FeedMeta{ID: "tag:" + pc.SenderID + ":warnings", Title: plan.NameZH + " 预警 / " + plan.NameEN + " warnings",
			Author: pc.SenderNameZH},
		Deliveries: func(ctx context.Context, states []string, unit string, limit int) ([]notify.Entry, error) {
			return dl.DeliveryEntries(ctx, sqlite.DeliveryFilter{States: states, Unit: unit, Limit: limit})
		}}
	return nil
}

// startDelivery connects the MQTT publisher and runs the dispatcher and
// the relay (the acknowledgement check is scheduled with the other jobs);
// in the auto-approving demo the simulated units answer too.
func (a *App) startDelivery(ctx context.Context) error {
	d := a.delivery
	// A broker that is down at start is no reason not to start: paho keeps
	// retrying, deliveries wait and retry, and /readyz says what is missing.
	cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := d.mqtt.Connect(cctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d.log.Warn("MQTT broker not reachable yet; deliveries will retry", "broker", a.mqttURL, "err", err)
	}
	a.closers.push(d.mqtt.Close)

	runCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		a.jobs.Loop(runCtx, "delivery-dispatcher", func(ctx context.Context) { d.disp.Run(ctx) })
	}()
	go func() { defer wg.Done(); a.jobs.Loop(runCtx, "transition-feeder", d.relay.Run) }()
	a.closers.push(func() { stop(); wg.Wait() })

	if a.cfg.Demo.Enabled && a.cfg.Demo.AutoApprove {
		u, err := simulate.StartUnits(ctx, a.mqttURL, a.cfg.MQTT.TopicPrefix, d.log.With("component", "demo-units"))
		if err != nil {
			return err
		}
		a.closers.push(u.Close)
	}
	return nil
}

// remindListRevision is the reduction list's revision reminder (plan 9.3):
// 60, 30 and 7 days before 30 September, while the year's list is neither
// the one in force nor published in the store, the command office is told
// on its channels other than its retained task topic (which holds its
// checklist). Each reminder is one idempotency key: a check run again the
// same day sends nothing new.
func (d *delivery) remindListRevision(ctx context.Context) {
	if d.list == nil {
		return
	}
	now := d.now()
	year := now.In(alert.CST).Year()
	days, ok := reduction.DueReminder(year, now)
	if !ok || d.list.Year >= year {
		return
	}
	vs, err := d.versions.ListVersions(ctx, year)
	if err != nil {
		d.log.Error("reduction list reminder: versions not read", "err", err)
		return
	}
	for _, v := range vs {
		if v.State == reduction.StatePublished {
			return
		}
	}
	key := fmt.Sprintf("list-revision-%d-%dd", year, days)
	m := notify.Message{Transition: key, Kind: "list_revision", Region: d.list.County, At: now,
		HeadlineZH: fmt.Sprintf("重污染天气应急减排清单年度修订提醒：距 %d 年 9 月 30 日修订、备案截止还有 %d 天（预案 9.3）", year, days),
		HeadlineEN: fmt.Sprintf("Emission-reduction list: %d days left to revise, file and publish the %d list by 30 September (plan 9.3)", days, year)}
	var ds []notify.Delivery
	for _, u := range d.office {
		for _, c := range u.Channels {
			ds = append(ds, notify.Delivery{Key: notify.DeliveryKey(key, u.ID, c), Channel: c, Message: m,
				Recipient: notify.Recipient{Unit: u.ID, NameZH: u.NameZH, NameEN: u.NameEN, Role: u.Role}})
		}
	}
	d.log.Warn("the reduction list's yearly revision is due", "year", year, "days_left", days, "deliveries", len(ds))
	if _, err := d.disp.Enqueue(ctx, ds); err != nil {
		d.log.Error("reduction list reminder not enqueued", "err", err)
	}
}

// checkAcks is the acknowledgement job: reminders and escalation.
func (d *delivery) checkAcks(ctx context.Context) {
	if err := d.tracker.Check(ctx); err != nil {
		d.log.Error("acknowledgement check failed", "err", err)
	}
}

// channelKinds are the kinds delivered on: those configured; in the demo,
// when none are, MQTT only (usableChannels).
func channelKinds(kinds []string, demo bool) []string {
	if len(kinds) == 0 && demo {
		return []string{notify.ChannelMQTT}
	}
	return kinds
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

// unitReply is what a unit sends on <prefix>/units/{unit}/ack: an
// acknowledgement, or with task set a report that the task is done.
type unitReply struct {
	WarningID int64  `json:"warning_id"`
	Task      string `json:"task"`
	Note      string `json:"note"`
	By        string `json:"by"`
}

// deadLetters keeps what is refused.
type deadLetters interface {
	AddDeadLetter(ctx context.Context, d aqwarn.DeadLetter) (int64, error)
}

// replyTimeout bounds the writing of one unit reply received over MQTT.
const replyTimeout = 30 * time.Second

// unitReplies takes the units' replies over MQTT (mqttpub.Config.OnAck)
// into the one path replies take (followup.Replies); an unreadable one is
// kept as a dead letter.
func unitReplies(prefix string, replies *followup.Replies, dead deadLetters, log *slog.Logger) func(unit string, payload []byte) {
	return func(unit string, payload []byte) {
		// Not the service's context: a reply being written when shutdown
		// begins is finished; but never waited on for ever (the store is
		// one writer, and this runs on the MQTT client's goroutine).
		ctx, cancel := context.WithTimeout(context.Background(), replyTimeout)
		defer cancel()
		topic := prefix + "/units/" + unit + "/ack"
		var r unitReply
		if len(payload) > 0 {
			if err := json.Unmarshal(payload, &r); err != nil {
				if _, derr := dead.AddDeadLetter(ctx, aqwarn.DeadLetter{Source: "mqtt:" + topic, Reason: "reply_invalid",
					Message: "unreadable unit reply: " + err.Error(), Payload: string(payload)}); derr != nil {
					log.Error("unit reply refused and not kept", "unit", unit, "err", derr)
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
			err = replies.Done(ctx, rp)
		} else {
			_, err = replies.Acknowledge(ctx, rp)
		}
		switch {
		case errors.Is(err, followup.ErrUnmatched):
			log.Warn("unit reply matches nothing open; kept as a dead letter", "unit", unit, "task", r.Task, "err", err)
		case err != nil:
			log.Error("unit reply not kept", "unit", unit, "task", r.Task, "err", err)
		}
	}
}
