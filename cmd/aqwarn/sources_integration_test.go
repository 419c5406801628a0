package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/mqttpub"
	"github.com/aqwarn/aqwarn/alert/sms"
	"github.com/aqwarn/aqwarn/alert/webhook"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/reduction"
)

const e2eSMSSecret = "e2e-sms-secret"

// smsGateway is a slow SMS gateway on loopback: it answers one request at
// a time, each after delay, verifies each request's signature and keeps
// every idempotency key it was sent. inflight counts the requests received
// and not yet answered.
type smsGateway struct {
	serve    sync.Mutex // one request at a time
	mu       sync.Mutex
	keys     []string
	to       map[string]string // key → phone
	bad      int
	inflight int
	delay    time.Duration
}

func (g *smsGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.inflight++
	g.mu.Unlock()
	defer func() { g.mu.Lock(); g.inflight--; g.mu.Unlock() }()
	b, _ := io.ReadAll(r.Body)
	g.serve.Lock()
	defer g.serve.Unlock()
	time.Sleep(g.delay)
	var req sms.Request
	err := webhook.Verify([]byte(e2eSMSSecret), r.Header, b, time.Now(), webhook.DefaultTolerance)
	if err == nil {
		err = json.Unmarshal(b, &req)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if err != nil || req.Key == "" || !strings.Contains(req.Text, "验证码") {
		g.bad++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	g.keys = append(g.keys, req.Key)
	g.to[req.Key] = req.To
}

func (g *smsGateway) snapshot() (keys []string, distinct map[string]string, bad int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	d := map[string]string{}
	for k, v := range g.to {
		d[k] = v
	}
	return append([]string(nil), g.keys...), d, g.bad
}

func (g *smsGateway) inFlight() int { g.mu.Lock(); defer g.mu.Unlock(); return g.inflight }

// TestSourceNoticesSurviveKill: an approved warning tells every source of
// the demo reduction list its measures, on its retained task topic (real
// Mosquitto) and by SMS (a slow gateway on loopback). The service is
// killed with SIGKILL in the middle of the SMS fan-out and started again
// on the same SQLite store: every source still has exactly one notice per
// channel in the delivery log and one acknowledgement notice; every SMS
// number gets its message, the only repeats being the few in flight at
// the kill, under the same idempotency key (the gateway drops them).
func TestSourceNoticesSurviveKill(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	gw := &smsGateway{to: map[string]string{}, delay: 150 * time.Millisecond}
	srv := httptest.NewServer(gw)
	defer srv.Close()
	bin := buildAqwarn(t)

	// The demo list, as the service will read it: its SMS numbers.
	list := demoList(t)
	phones := map[string]string{} // phone → source
	for _, e := range list.Enterprises {
		for _, c := range e.Channels {
			if c.Kind == "sms" {
				phones[c.Target] = e.ID
			}
		}
	}
	if len(phones) < 20 {
		t.Fatalf("the demo list has %d SMS numbers", len(phones))
	}

	storeDir := filepath.Join(t.TempDir(), "store")
	cfgPath := alertTestConfig(t, broker.URL(), storeDir)
	cfgText, _ := os.ReadFile(cfgPath)
	// A short claim lease, so that what the killed process left claimed
	// comes back within the test (30 s in production).
	const lease = 2 * time.Second
	cfgText = append(cfgText, fmt.Sprintf("reduction_list: embedded:reduction/jianghua-2026.yaml\npublish: {channels: [mqtt, sms], sms: {gateway: %q}, claim_lease: %s}\n", srv.URL, lease)...)
	os.WriteFile(cfgPath, cfgText, 0o644)
	t.Setenv("AQWARN_NOTICE_KEY", "e2e-notice-key-0123456789abcdef")
	t.Setenv("AQWARN_SMS_SECRET", e2eSMSSecret)

	seen := &mqttSeen{live: map[string]int{}, payloads: map[string][]byte{}}
	sub := paho.NewClient(paho.NewClientOptions().AddBroker(broker.URL()).SetClientID("e2e-source-observer").SetCleanSession(true))
	if tok := sub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer sub.Disconnect(100)
	if tok := sub.Subscribe("aq/units/+/tasks", 1, seen.handle); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}

	svc := startBinary(t, bin, cfgPath)
	first := svc
	t.Cleanup(func() {
		if t.Failed() {
			b1, _ := os.ReadFile(first.log)
			b2, _ := os.ReadFile(svc.log)
			t.Logf("first run's log:\n%s\nsecond run's log:\n%s", b1, b2)
		}
	})
	base := func() string { return svc.url + "/api/v1" }
	v1 := base()

	issueYellow(t, v1, "e2e")

	// Kill it with SMS still going out, once more of them are answered than
	// the dispatcher sends at a time (16): a batch recorded only when whole
	// would then send all of them again.
	const killAfter = 18
	eventually(t, fmt.Sprintf("%d SMS answered", killAfter), 60*time.Second, func() bool { k, _, _ := gw.snapshot(); return len(k) >= killAfter })
	svc.kill(t)
	before, _, _ := gw.snapshot()
	inflight := gw.inFlight() // received, not answered: the service cannot know they went
	if len(before) >= len(phones) {
		t.Fatalf("the fan-out finished (%d SMS) before the kill: the test proves nothing", len(before))
	}
	t.Logf("killed after %d of %d SMS answered, %d in flight", len(before), len(phones), inflight)

	svc = startBinary(t, bin, cfgPath)
	v1 = base()
	eventually(t, "every SMS", 60*time.Second, func() bool { _, d, _ := gw.snapshot(); return len(d) >= len(phones) })
	// What the killed process left claimed comes back after the lease:
	// wait until the log has nothing left sending, and the gateway is idle.
	eventually(t, "no delivery left sending", 60*time.Second, func() bool {
		var dl struct{ Deliveries []struct{ Key string } }
		call(t, "GET", v1+"/deliveries?state=sending,pending", "duty_officer", "", nil, &dl)
		return len(dl.Deliveries) == 0 && gw.inFlight() == 0
	})
	all, distinct, bad := gw.snapshot()
	if bad != 0 {
		t.Errorf("%d SMS requests failed verification", bad)
	}
	if len(distinct) != len(phones) {
		t.Errorf("%d distinct SMS, want one per number (%d)", len(distinct), len(phones))
	}
	got := map[string]bool{}
	for _, phone := range distinct {
		got[phone] = true
	}
	for phone, src := range phones {
		if !got[phone] {
			t.Errorf("source %s (%s) got no SMS", src, phone)
		}
	}
	// Sent again (same idempotency key): only what was in flight at the
	// kill, plus the few answered in the instant before their results were
	// written (a loaded machine's SQLite commit can outlast the gateway's
	// 150 ms). A batch recorded only when whole would repeat all 18.
	if dup := len(all) - len(distinct); dup > inflight+4 {
		t.Errorf("%d SMS sent again after the restart; only the %d in flight at the kill may be", dup, inflight)
	} else {
		t.Logf("%d SMS repeated after the kill (%d were in flight), same idempotency key", dup, inflight)
	}

	// Every source's retained task message, once, with its measures and a serial.
	for _, e := range list.Enterprises {
		topic := "aq/units/" + e.ID + "/tasks"
		eventually(t, topic, 20*time.Second, func() bool { return seen.count(topic) >= 1 })
		var p mqttpub.Payload
		seen.mu.Lock()
		json.Unmarshal(seen.payloads[topic], &p)
		seen.mu.Unlock()
		if p.Unit.Role != alert.UnitSource || p.Message.Serial == "" || p.Message.VerifyCode == "" {
			t.Errorf("%s: %+v", topic, p)
		}
	}
	// The log: exactly one delivery per source and channel; the board:
	// one acknowledgement notice per source with measures.
	for _, e := range list.Enterprises {
		var dl struct {
			Deliveries []struct{ Key, Channel string }
		}
		call(t, "GET", v1+"/deliveries?unit="+e.ID, "duty_officer", "", nil, &dl)
		want := 1
		for _, c := range e.Channels {
			if c.Kind == "sms" {
				want++
			}
		}
		if len(dl.Deliveries) != want {
			t.Errorf("%s: %d deliveries in the log, want %d: %+v", e.ID, len(dl.Deliveries), want, dl.Deliveries)
		}
	}
	// A notice is genuine by its serial and code, and an invented one is not.
	var p mqttpub.Payload
	seen.mu.Lock()
	json.Unmarshal(seen.payloads["aq/units/cem-b/tasks"], &p)
	seen.mu.Unlock()
	var chk struct {
		Genuine   bool   `json:"genuine"`
		Recipient string `json:"recipient"`
	}
	if code := call(t, "GET", v1+"/notices/"+p.Message.Serial+"?code="+p.Message.VerifyCode, "", "", nil, &chk); code != 200 || !chk.Genuine {
		t.Errorf("verification of a real notice: %d %+v", code, chk)
	}
	if code := call(t, "GET", v1+"/notices/N1-ABCDEFGH?code=123456", "", "", nil, nil); code != 404 {
		t.Errorf("an invented serial: %d, want 404", code)
	}
}

// demoList is the bundled demo reduction list, parsed against the plan.
func demoList(t *testing.T) *reduction.List {
	t.Helper()
	b, err := configs.Lists.ReadFile("reduction/jianghua-2026.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := alert.LoadPlan(filepath.Join("..", "..", "configs", "plans", "jianghua-2024.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	refs := reduction.Refs{ChannelKinds: alert.ChannelKinds()}
	for _, u := range plan.Units {
		refs.Units = append(refs.Units, u.ID)
	}
	for _, r := range plan.Regions {
		refs.Regions = append(refs.Regions, r.ID)
	}
	l, err := reduction.Parse(b, refs)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
