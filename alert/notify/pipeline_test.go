package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/cap"
	"github.com/aqwarn/aqwarn/alert/checklist"
	"github.com/aqwarn/aqwarn/alert/mqttpub"
	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/alert/publish"
	"github.com/aqwarn/aqwarn/alert/webhook"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

const secret = "pipeline-secret"

var cst = time.FixedZone("CST", 8*3600)

func loadPlan(t testing.TB) *alert.Plan {
	t.Helper()
	p, err := alert.LoadPlan(filepath.Join("..", "..", "configs", "plans", "jianghua-2024.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	testenv.Eventually(t, what, 30*time.Second, cond)
}

// hook is a local webhook receiver that verifies every request and counts
// receipts per unit and per idempotency key.
type hook struct {
	srv       *httptest.Server
	mu        sync.Mutex
	byUnit    map[string]int
	byKey     map[string]int
	redeliver int
	bad       int
	status    func(key string) int // nil: 200
}

func newHook(t testing.TB) *hook {
	h := &hook{byUnit: map[string]int{}, byKey: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var p webhook.Payload
		err := webhook.Verify([]byte(secret), r.Header, b, time.Now(), webhook.DefaultTolerance)
		if err == nil {
			err = json.Unmarshal(b, &p)
		}
		status := http.StatusOK
		if h.status != nil {
			status = h.status(r.Header.Get(webhook.HeaderKey))
		}
		h.mu.Lock()
		switch {
		case err != nil:
			h.bad++
			status = http.StatusUnauthorized
		case status == http.StatusOK:
			h.byUnit[p.Unit.Unit+"|"+p.Message.Transition]++
			h.byKey[p.Key]++
			if r.Header.Get(webhook.HeaderRedelivery) == "true" {
				h.redeliver++
			}
		}
		h.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) snapshot() (byUnit, byKey map[string]int, redeliver, bad int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	byUnit, byKey = map[string]int{}, map[string]int{}
	for k, v := range h.byUnit {
		byUnit[k] = v
	}
	for k, v := range h.byKey {
		byKey[k] = v
	}
	return byUnit, byKey, h.redeliver, h.bad
}

// tasksSeen counts messages per unit task topic and transition, from a
// separate MQTT client.
type tasksSeen struct {
	mu sync.Mutex
	n  map[string]int
}

func subscribe(t testing.TB, broker *testenv.Mosquitto) *tasksSeen {
	s := &tasksSeen{n: map[string]int{}}
	c := paho.NewClient(paho.NewClientOptions().AddBroker(broker.URL()).SetClientID(fmt.Sprintf("observer-%d", time.Now().UnixNano())).SetCleanSession(true))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("observer connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	tok := c.Subscribe("aq/#", 1, func(_ paho.Client, m paho.Message) {
		if m.Retained() {
			return // state from before this subscription
		}
		var p mqttpub.Payload
		json.Unmarshal(m.Payload(), &p)
		s.mu.Lock()
		s.n[m.Topic()+"|"+p.Message.Transition]++
		s.mu.Unlock()
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("observer subscribe: %v", tok.Error())
	}
	return s
}

func (s *tasksSeen) get(k string) int { s.mu.Lock(); defer s.mu.Unlock(); return s.n[k] }

// rig is the delivery side wired as the service wires it, with every unit's
// channels pointed at one local webhook receiver.
type rig struct {
	plan   *alert.Plan
	dir    string
	db     *sqlite.DB
	log    *sqlite.Deliveries
	disp   *notify.Dispatcher
	pub    *publish.Publisher
	mqtt   *mqttpub.Publisher
	hook   *hook
	broker *testenv.Mosquitto
}

func (r *rig) open(t testing.TB, wrap func(notify.Log) notify.Log) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, r.dir)
	if err != nil {
		t.Fatal(err)
	}
	r.db = db
	if r.log, err = sqlite.NewDeliveries(ctx, db); err != nil {
		t.Fatal(err)
	}
	r.mqtt = mqttpub.New(mqttpub.Config{URL: r.broker.URL(), ClientID: fmt.Sprintf("aqwarn-pub-%d", time.Now().UnixNano()), Prefix: "aq"})
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := r.mqtt.Connect(cctx); err != nil {
		t.Fatal(err)
	}
	var log notify.Log = r.log
	if wrap != nil {
		log = wrap(log)
	}
	r.disp = &notify.Dispatcher{Log: log, Batch: 8, Workers: 4, Poll: 20 * time.Millisecond,
		Policy: notify.Policy{Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond, MaxAttempts: 4},
		Notifiers: map[string]notify.Notifier{
			notify.ChannelWebhook: &webhook.Notifier{Secret: func(string) string { return secret }},
			notify.ChannelMQTT:    r.mqtt,
		}}
	r.pub = &publish.Publisher{Plan: r.plan, Sender: cap.Sender{ID: "ecology.jianghua.example", NameZH: "指挥部办公室",
		DivisionCode: "431129", AgencyCode: "011"}, Status: "Test", CAPs: r.log, Fanout: r.disp,
		AckURL: func(u string) string { return "http://127.0.0.1/api/v1/units/" + u + "/ack" }}
}

func (r *rig) close() {
	r.mqtt.Close()
	r.db.Close()
}

func newRig(t testing.TB, units int) *rig {
	t.Helper()
	r := &rig{plan: loadPlan(t), dir: t.TempDir(), hook: newHook(t), broker: testenv.StartMosquitto(t)}
	target := r.hook.srv.URL + "/hook"
	if units == 0 {
		for i := range r.plan.Units {
			r.plan.Units[i].Channels = []alert.Channel{{Kind: notify.ChannelWebhook, Target: target}}
		}
	} else {
		// units synthetic member units, for the benchmark.
		r.plan.Units = nil
		for i := range units {
			r.plan.Units = append(r.plan.Units, alert.Unit{ID: fmt.Sprintf("unit%02d", i), NameZH: fmt.Sprintf("单位%02d", i),
				Channels: []alert.Channel{{Kind: notify.ChannelWebhook, Target: target}}})
		}
	}
	return r
}

func issue(key string, at time.Time) publish.Change {
	return publish.Change{Key: key, WarningID: 1, Kind: "issue", Region: "jianghua", From: "none", To: "yellow",
		At: at, Start: at.Add(8 * time.Hour), ExpectedEnd: at.Add(56 * time.Hour), MaxAQI: 230}
}

// expected is how many deliveries a transition makes: the public one, plus
// per non-upstream unit MQTT and its channels, plus the upstream's channels.
func expected(p *alert.Plan) int {
	n := 1
	for _, u := range p.Units {
		n += len(u.Channels)
		if u.Role != alert.UnitUpstream {
			n++
		}
	}
	return n
}

// TestPipeline: one transition reaches every unit once on its webhook (the
// signature verifies) and on its MQTT task topic; publishing it again sends
// nothing more; the upstream command gets the CAP document.
func TestPipeline(t *testing.T) {
	r := newRig(t, 0)
	seen := subscribe(t, r.broker)
	r.open(t, nil)
	defer r.close()
	var done atomic.Int64
	r.disp.OnResult = func(notify.Entry, notify.Result) { done.Add(1) }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.disp.Run(ctx)

	c := issue("w1-t1", time.Date(2026, 12, 1, 16, 0, 0, 0, cst))
	for range 2 {
		if err := r.pub.Publish(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	total := expected(r.plan)
	waitFor(t, "every delivery", func() bool { return done.Load() >= int64(total) })
	byUnit, _, _, bad := r.hook.snapshot()
	if bad != 0 {
		t.Errorf("%d requests failed verification", bad)
	}
	for _, u := range r.plan.Units {
		if n := byUnit[u.ID+"|w1-t1"]; n != 1 {
			t.Errorf("unit %s: %d webhook notices, want 1", u.ID, n)
		}
		if u.Role == alert.UnitUpstream {
			continue
		}
		topic := "aq/units/" + u.ID + "/tasks|w1-t1"
		waitFor(t, topic, func() bool { return seen.get(topic) >= 1 })
	}
	waitFor(t, "public warning", func() bool { return seen.get("aq/warnings/jianghua|w1-t1") == 1 })
	if done.Load() != int64(total) {
		t.Errorf("%d results, want %d (the second publish must add nothing)", done.Load(), total)
	}
	entries, err := r.log.DeliveryEntries(ctx, sqlite.DeliveryFilter{Unit: "city_command"})
	if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Message.CAP, "<msgType>Alert</msgType>") {
		t.Errorf("upstream entries = %d, %v", len(entries), err)
	}
	edu, _ := r.log.DeliveryEntries(ctx, sqlite.DeliveryFilter{Unit: "education"})
	for _, e := range edu {
		if e.Message.CAP != "" || len(e.Message.Tasks) == 0 || e.State != notify.StateSent {
			t.Errorf("education entry %s: state %s, %d tasks, cap %d bytes", e.Key, e.State, len(e.Message.Tasks), len(e.Message.CAP))
		}
	}
}

// TestStopMidFanout: the service stops in the middle of a fan-out (after
// the first batch); after a restart on the same store every unit has exactly
// one notice for the transition, on the webhook and on MQTT.
func TestStopMidFanout(t *testing.T) {
	r := newRig(t, 0)
	seen := subscribe(t, r.broker)
	r.open(t, nil)
	ctx, stop := context.WithCancel(context.Background())
	var first atomic.Int64
	r.disp.OnResult = func(notify.Entry, notify.Result) {
		if first.Add(1) == 5 {
			stop() // mid-batch: the batch finishes and is recorded, nothing more starts
		}
	}
	c := issue("w1-t1", time.Date(2026, 12, 1, 16, 0, 0, 0, cst))
	if err := r.pub.Publish(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := r.disp.Run(ctx); err != nil {
		t.Fatal(err)
	}
	r.close()
	total := expected(r.plan)
	if n := first.Load(); n == 0 || n >= int64(total) {
		t.Fatalf("first run delivered %d of %d: not a stop in the middle", n, total)
	}

	// Restart: a new process on the same store. The lifecycle hands the
	// same transition over again (it cannot know how far delivery got).
	r.open(t, nil)
	defer r.close()
	var second atomic.Int64
	r.disp.OnResult = func(notify.Entry, notify.Result) { second.Add(1) }
	ctx2, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.disp.Run(ctx2)
	if err := r.pub.Publish(ctx2, c); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the rest of the fan-out", func() bool { return first.Load()+second.Load() >= int64(total) })
	for _, u := range r.plan.Units {
		if u.Role == alert.UnitUpstream {
			continue
		}
		topic := "aq/units/" + u.ID + "/tasks|w1-t1"
		waitFor(t, topic, func() bool { return seen.get(topic) >= 1 })
	}
	byUnit, _, redeliver, bad := r.hook.snapshot()
	for _, u := range r.plan.Units {
		if n := byUnit[u.ID+"|w1-t1"]; n != 1 {
			t.Errorf("unit %s: %d webhook notices, want exactly 1", u.ID, n)
		}
		if u.Role == alert.UnitUpstream {
			continue
		}
		if n := seen.get("aq/units/" + u.ID + "/tasks|w1-t1"); n != 1 {
			t.Errorf("unit %s: %d MQTT task messages, want exactly 1", u.ID, n)
		}
	}
	if redeliver != 0 || bad != 0 {
		t.Errorf("redeliveries %d, bad %d; a clean stop must not redeliver", redeliver, bad)
	}
	if got := first.Load() + second.Load(); got != int64(total) {
		t.Errorf("%d results in all, want %d", got, total)
	}
}

// failingRecord is a log whose Record fails once armed: the process "dies"
// after sending and before recording.
type failingRecord struct {
	notify.Log
	armed atomic.Bool
}

func (f *failingRecord) Record(ctx context.Context, rs []notify.Result) error {
	if f.armed.Load() {
		return errors.New("power cut")
	}
	return f.Log.Record(ctx, rs)
}

// TestCrashBetweenSendAndRecord: the one case a sender cannot settle alone.
// The notices of the interrupted batch are sent again after the restart,
// flagged as redeliveries with the same idempotency key, so each unit still
// sees exactly one distinct notice; nothing is lost.
func TestCrashBetweenSendAndRecord(t *testing.T) {
	r := newRig(t, 0)
	var wrapped *failingRecord
	r.open(t, func(l notify.Log) notify.Log { wrapped = &failingRecord{Log: l}; return wrapped })
	wrapped.armed.Store(true)
	ctx := context.Background()
	c := issue("w1-t1", time.Date(2026, 12, 1, 16, 0, 0, 0, cst))
	if err := r.pub.Publish(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := r.disp.RunOnce(ctx); err == nil {
		t.Fatal("record did not fail")
	}
	r.close() // the crash: claimed entries stay "sending"

	r.open(t, nil)
	defer r.close()
	// The entries the dead process left sending come back once its claim
	// lease is over (30 s by default); the test does not wait that long.
	r.log.ClaimLease = time.Millisecond
	var results atomic.Int64
	r.disp.OnResult = func(notify.Entry, notify.Result) { results.Add(1) }
	ctx2, cancel := context.WithCancel(ctx)
	defer cancel()
	go r.disp.Run(ctx2)
	r.disp.Wake()
	total := expected(r.plan)
	waitFor(t, "every delivery recorded", func() bool { return results.Load() >= int64(total) })
	_, byKey, redeliver, _ := r.hook.snapshot()
	if redeliver == 0 {
		t.Error("no redelivery flagged")
	}
	distinct := map[string]bool{}
	for k := range byKey {
		distinct[strings.SplitN(k, "/", 3)[1]] = true
	}
	for _, u := range r.plan.Units {
		if !distinct[u.ID] {
			t.Errorf("unit %s never got its notice", u.ID)
		}
	}
	sent, _ := r.log.DeliveryEntries(ctx, sqlite.DeliveryFilter{States: []string{notify.StateSent}})
	if len(sent) != total {
		t.Errorf("%d sent entries, want %d", len(sent), total)
	}
}

// TestRetryAndFailureVisible: a receiver failing twice with 503 gets the
// notice on the third attempt; one answering 400 is given up at once and
// the entry is listed as failed for duty staff.
func TestRetryAndFailureVisible(t *testing.T) {
	r := newRig(t, 2)
	var tries sync.Map
	r.hook.status = func(key string) int {
		n, _ := tries.LoadOrStore(key, new(atomic.Int64))
		k := n.(*atomic.Int64).Add(1)
		switch {
		case strings.Contains(key, "/unit00/") && k <= 2:
			return http.StatusServiceUnavailable
		case strings.Contains(key, "/unit01/"):
			return http.StatusBadRequest
		}
		return http.StatusOK
	}
	r.open(t, nil)
	defer r.close()
	var final atomic.Int64
	r.disp.OnResult = func(_ notify.Entry, res notify.Result) {
		if res.State != notify.StatePending {
			final.Add(1)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.disp.Run(ctx)
	if err := r.pub.Publish(ctx, issue("w1-t1", time.Date(2026, 12, 1, 16, 0, 0, 0, cst))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "final states", func() bool { return final.Load() >= int64(expected(r.plan)) })
	entries, err := r.log.DeliveryEntries(ctx, sqlite.DeliveryFilter{Unit: "unit00"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Channel.Kind == notify.ChannelWebhook && (e.State != notify.StateSent || e.Attempts != 3) {
			t.Errorf("unit00 webhook: %s after %d attempts (%s)", e.State, e.Attempts, e.LastError)
		}
	}
	failed, _ := r.log.DeliveryEntries(ctx, sqlite.DeliveryFilter{States: []string{notify.StateFailed}})
	if len(failed) != 1 || failed[0].Recipient.Unit != "unit01" || failed[0].Attempts != 1 || !strings.Contains(failed[0].LastError, "400") {
		t.Errorf("failed entries = %+v", failed)
	}
}

// TestRoute: who gets what.
func TestRoute(t *testing.T) {
	p := loadPlan(t)
	yellow, _ := p.LevelByID("yellow")
	tasks, released := checklist.Change(p, alert.LevelNone, yellow, false)
	ev := notify.Event{Message: notify.Message{Transition: "t", Kind: "issue", Region: "jianghua", CAP: "<alert/>",
		AdviceZH: []string{"a"}}, Tasks: tasks, Released: released}
	ds := notify.Route(ev, p.Units)
	keys := map[string]bool{}
	for _, d := range ds {
		if keys[d.Key] {
			t.Errorf("duplicate key %s", d.Key)
		}
		keys[d.Key] = true
		switch {
		case d.Recipient.Unit == notify.PublicUnit:
			if d.Channel.Target != "warnings/jianghua" || len(d.Message.AdviceZH) == 0 {
				t.Errorf("public delivery %+v", d.Channel)
			}
		case d.Recipient.Role == alert.UnitUpstream:
			if d.Message.CAP == "" {
				t.Error("upstream command without the warning document")
			}
		default:
			if d.Message.CAP != "" || len(d.Message.AdviceZH) != 0 || len(d.Message.Tasks) == 0 {
				t.Errorf("unit %s: cap %q, %d tasks", d.Recipient.Unit, d.Message.CAP, len(d.Message.Tasks))
			}
		}
	}
	if len(ds) != expected(p) {
		t.Errorf("%d deliveries, want %d", len(ds), expected(p))
	}
	// A health notice reaches the public and only the units with tasks.
	hn := notify.Event{Message: notify.Message{Transition: "h", Kind: "health_notice", Region: "jianghua"},
		Tasks: checklist.For(p, alert.LevelNone)}
	units := map[string]bool{}
	for _, d := range notify.Route(hn, p.Units) {
		units[d.Recipient.Unit] = true
	}
	if !units[notify.PublicUnit] || !units["health"] || units["education"] || units["city_command"] {
		t.Errorf("health notice recipients %v", units)
	}
}
