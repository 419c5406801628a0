package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/aqwarn/aqwarn/alert/mqttpub"
	"github.com/aqwarn/aqwarn/alert/webhook"
	"github.com/aqwarn/aqwarn/internal/testenv"
)

const e2eWebhookSecret = "e2e-webhook-secret"

// unitHooks is the units' webhook endpoint: it verifies each request and
// counts notices per unit and transition.
type unitHooks struct {
	mu     sync.Mutex
	counts map[string]int // unit|transition
	bad    int
}

func (h *unitHooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var p webhook.Payload
	err := webhook.Verify([]byte(e2eWebhookSecret), r.Header, b, time.Now(), webhook.DefaultTolerance)
	if err == nil {
		err = json.Unmarshal(b, &p)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		h.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	h.counts[p.Unit.Unit+"|"+p.Message.Transition]++
}

func (h *unitHooks) snapshot() (map[string]int, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for k, v := range h.counts {
		out[k] = v
	}
	return out, h.bad
}

// mqttSeen counts the messages a separate client receives per topic.
type mqttSeen struct {
	mu       sync.Mutex
	live     map[string]int
	payloads map[string][]byte
}

func (m *mqttSeen) handle(_ paho.Client, msg paho.Message) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !msg.Retained() {
		m.live[msg.Topic()]++
	}
	m.payloads[msg.Topic()] = msg.Payload()
}

func (m *mqttSeen) count(topic string) int { m.mu.Lock(); defer m.mu.Unlock(); return m.live[topic] }

// TestPublishEndToEnd: an approved yellow warning is delivered by the
// running service — CAP in the Atom feed and at cap.xml, the retained public
// message and every unit's tasks on a real Mosquitto (seen by a separate
// client), signed webhooks to the units that have one — a unit
// acknowledges through the API and the board shows it, another answers over
// MQTT and the audit log names it, a restart sends
// nothing again, and the episode report is served as HTML and CSV.
func TestPublishEndToEnd(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	hooks := &unitHooks{counts: map[string]int{}}
	srv := httptest.NewServer(hooks)
	defer srv.Close()

	// The county plan with its webhook targets pointed at the local receiver.
	planText, err := os.ReadFile(filepath.Join("..", "..", "configs", "plans", "jianghua-2024.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	planText = regexp.MustCompile(`\{kind: webhook, target: "[^"]*"`).ReplaceAll(planText, []byte(`{kind: webhook, target: "`+srv.URL+`/hook"`))
	planPath := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(planPath, planText, 0o644); err != nil {
		t.Fatal(err)
	}
	storeDir := filepath.Join(t.TempDir(), "store")
	cfgPath := alertTestConfig(t, broker.URL(), storeDir)
	cfgText, _ := os.ReadFile(cfgPath)
	cfgText = []byte(strings.Replace(string(cfgText), "plan: embedded:plans/jianghua-2024.yaml", "plan: "+planPath, 1) +
		"publish: {channels: [mqtt, webhook]}\n")
	os.WriteFile(cfgPath, cfgText, 0o644)
	webhookUnits := regexp.MustCompile(`(?m)^  - id: (\w+)\n(?:    .*\n)*?      - \{kind: webhook`).FindAllSubmatch(planText, -1)
	if len(webhookUnits) < 5 {
		t.Fatalf("found %d units with a webhook in the plan", len(webhookUnits))
	}

	seen := &mqttSeen{live: map[string]int{}, payloads: map[string][]byte{}}
	sub := paho.NewClient(paho.NewClientOptions().AddBroker(broker.URL()).SetClientID("e2e-observer").SetCleanSession(true))
	if tok := sub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer sub.Disconnect(100)
	if tok := sub.Subscribe("aq/#", 1, seen.handle); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}

	env := map[string]string{"AQWARN_WEBHOOK_SECRET": e2eWebhookSecret}
	svc := startService(t, []string{"serve", "--config", cfgPath}, env)
	v1 := svc.URL + "/api/v1"

	// A forecast over 200 tomorrow → a yellow proposal; the chain signs it.
	issueYellow(t, v1, "e2e")

	// Delivered: MQTT for every member unit and the public, webhooks for
	// the units that have one, each exactly once and verified.
	var transition string
	eventually(t, "the public warning on MQTT", 20*time.Second, func() bool { return seen.count("aq/warnings/jianghua") == 1 })
	var pub mqttpub.Payload
	json.Unmarshal(seen.payloads["aq/warnings/jianghua"], &pub)
	transition = pub.Message.Transition
	if pub.Message.LevelID != "yellow" || len(pub.Message.AdviceZH) == 0 || !strings.Contains(pub.Message.HeadlineZH, "黄色预警") {
		t.Errorf("public message = %+v", pub.Message)
	}
	for _, u := range []string{"education", "public_security", "housing", "towns", "finance"} {
		topic := "aq/units/" + u + "/tasks"
		eventually(t, topic, 20*time.Second, func() bool { return seen.count(topic) == 1 })
	}
	eventually(t, "the webhooks", 20*time.Second, func() bool {
		got, _ := hooks.snapshot()
		return len(got) == len(webhookUnits)
	})
	got, bad := hooks.snapshot()
	for _, m := range webhookUnits {
		if n := got[string(m[1])+"|"+transition]; n != 1 {
			t.Errorf("unit %s: %d webhook notices", m[1], n)
		}
	}
	if bad != 0 {
		t.Errorf("%d webhook requests failed verification", bad)
	}

	// Duty staff see the outcome in the metrics too.
	eventually(t, "delivery metrics", 10*time.Second, func() bool {
		return strings.Contains(get(t, svc.URL+"/metrics", ""), `aqwarn_deliveries_total{channel="webhook",state="sent"}`)
	})

	// CAP: in the feed and at cap.xml.
	var act struct {
		Warnings []struct {
			ID int64 `json:"id"`
		} `json:"warnings"`
	}
	call(t, "GET", v1+"/warnings/active", "", "", nil, &act)
	if len(act.Warnings) != 1 {
		t.Fatalf("active warnings: %+v", act)
	}
	wid := act.Warnings[0].ID
	feed := get(t, v1+"/warnings/feed.atom", "")
	if !strings.Contains(feed, "<entry>") || !strings.Contains(feed, fmt.Sprintf("/api/v1/warnings/%d/cap.xml", wid)) {
		t.Errorf("feed:\n%s", feed)
	}
	// Links come from the service's own address, never the request's Host
	// header (audit L6).
	req, _ := http.NewRequest("GET", v1+"/warnings/feed.atom", nil)
	req.Host = "evil.example"
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "evil.example") || !strings.Contains(string(b), svc.URL+"/api/v1/warnings/") {
			t.Errorf("feed links follow the Host header, or not the service's address %s:\n%s", svc.URL, b)
		}
	}
	capXML := get(t, fmt.Sprintf("%s/warnings/%d/cap.xml", v1, wid), "")
	if !strings.Contains(capXML, "<msgType>Alert</msgType>") || !strings.Contains(capXML, "+08:00</sent>") {
		t.Errorf("cap.xml:\n%s", capXML)
	}

	// Education acknowledges through the API; the board shows it.
	if code := call(t, "POST", v1+"/units/education/ack", "duty_officer", "application/json", []byte(fmt.Sprintf(`{"warning_id":%d}`, wid)), nil); code != 200 {
		t.Fatalf("ack: %d", code)
	}
	var board struct {
		Units []struct {
			ID    string `json:"id"`
			Acked bool   `json:"acknowledged"`
		} `json:"units"`
		Counts map[string]int `json:"counts"`
	}
	call(t, "GET", fmt.Sprintf("%s/warnings/%d/board", v1, wid), "commander", "", nil, &board)
	acked := map[string]bool{}
	for _, u := range board.Units {
		acked[u.ID] = u.Acked
	}
	if !acked["education"] || acked["finance"] || board.Counts["acknowledged"] == 0 || board.Counts["assigned"] == 0 {
		t.Errorf("board = %+v", board)
	}
	if code := call(t, "POST", v1+"/units/education/tasks/r3-schools-reduce-outdoor/done", "duty_officer", "application/json",
		[]byte(fmt.Sprintf(`{"warning_id":%d,"note":"已通知全县学校"}`, wid)), nil); code != 200 {
		t.Fatalf("task done: %d", code)
	}

	// Public security answers over MQTT: it acknowledges and reports a task
	// done. Both are kept and audited with the sender's name and the unit of
	// the topic. (Once its notice is recorded: a unit answering within
	// milliseconds of the send could beat the record.)
	var notices struct {
		Units []struct {
			ID      string `json:"id"`
			Pending int    `json:"notices_unacknowledged"`
		} `json:"units"`
	}
	eventually(t, "public security's notice on the board", 20*time.Second, func() bool {
		call(t, "GET", fmt.Sprintf("%s/warnings/%d/board", v1, wid), "commander", "", nil, &notices)
		for _, u := range notices.Units {
			if u.ID == "public_security" && u.Pending > 0 {
				return true
			}
		}
		return false
	})
	for _, reply := range []string{
		fmt.Sprintf(`{"warning_id":%d,"by":"值班员李"}`, wid),
		fmt.Sprintf(`{"warning_id":%d,"task":"r3-mobile-sources","note":"已加强渣土车巡查","by":"值班员李"}`, wid),
	} {
		if tok := sub.Publish("aq/units/public_security/ack", 1, false, reply); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("MQTT reply: %v", tok.Error())
		}
	}
	var audit struct {
		Audit []struct{ Actor, Role, Action, Subject, Comment string } `json:"audit"`
	}
	eventually(t, "the MQTT replies in the audit log", 20*time.Second, func() bool {
		call(t, "GET", v1+"/audit", "commander", "", nil, &audit)
		n := 0
		for _, a := range audit.Audit {
			// The actor is the account the broker lets write that topic; what
			// the sender says of itself is a comment.
			if a.Actor == "unit-public_security" && a.Role == "unit:public_security" && strings.HasSuffix(a.Comment, "reported by (as sent): 值班员李") &&
				(a.Action == "unit_ack" || a.Action == "task_done" && strings.HasPrefix(a.Comment, "已加强渣土车巡查")) {
				n++
			}
		}
		return n == 2
	})
	// Acknowledging again matches nothing open: kept as a dead letter
	// with its reason, not audited as a reply.
	if tok := sub.Publish("aq/units/public_security/ack", 1, false, fmt.Sprintf(`{"warning_id":%d,"by":"again"}`, wid)); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("MQTT reply: %v", tok.Error())
	}
	var dead struct {
		DeadLetters []struct{ Source, Reason string } `json:"deadletters"`
	}
	eventually(t, "the unmatched reply as a dead letter", 20*time.Second, func() bool {
		call(t, "GET", v1+"/ingest/deadletters", "commander", "", nil, &dead)
		for _, d := range dead.DeadLetters {
			if d.Reason == "reply_nothing_to_acknowledge" && d.Source == "mqtt:aq/units/public_security/ack" {
				return true
			}
		}
		return false
	})
	call(t, "GET", v1+"/audit", "commander", "", nil, &audit)
	for _, a := range audit.Audit {
		if strings.Contains(a.Comment, "again") {
			t.Errorf("an unmatched reply was audited: %+v", a)
		}
	}
	eventually(t, "public security acknowledged on the board", 20*time.Second, func() bool {
		call(t, "GET", fmt.Sprintf("%s/warnings/%d/board", v1, wid), "commander", "", nil, &board)
		for _, u := range board.Units {
			if u.ID == "public_security" {
				return u.Acked
			}
		}
		return false
	})

	var units struct {
		Units []struct {
			ID       string   `json:"id"`
			Channels []string `json:"channels"`
		} `json:"units"`
	}
	call(t, "GET", v1+"/units", "commander", "", nil, &units)
	if len(units.Units) != 25 || units.Units[0].Channels[0] != "mqtt" {
		t.Errorf("units = %+v", units)
	}

	// Restart: nothing is sent again.
	var before struct {
		Deliveries []struct{ Key, State string } `json:"deliveries"`
	}
	call(t, "GET", v1+"/deliveries", "commander", "", nil, &before)
	svc.Stop(t)
	svc = startService(t, []string{"serve", "--config", cfgPath}, env)
	v1 = svc.URL + "/api/v1"
	var after struct {
		Deliveries []struct{ Key, State string } `json:"deliveries"`
	}
	call(t, "GET", v1+"/deliveries", "commander", "", nil, &after)
	if len(after.Deliveries) != len(before.Deliveries) {
		t.Errorf("deliveries %d before the restart, %d after", len(before.Deliveries), len(after.Deliveries))
	}
	for _, u := range []string{"education", "housing"} {
		if n := seen.count("aq/units/" + u + "/tasks"); n != 1 {
			t.Errorf("unit %s: %d task messages after the restart", u, n)
		}
	}
	if got, _ := hooks.snapshot(); got["housing|"+transition] != 1 {
		t.Errorf("housing webhooks after the restart: %d", got["housing|"+transition])
	}

	// The episode report.
	html := get(t, fmt.Sprintf("%s/episodes/%d/report", v1, wid), "commander")
	if !strings.Contains(html, "<svg") || !strings.Contains(html, "已通知全县学校") {
		t.Errorf("report HTML lacks the chart or the task note")
	}
	csvText := get(t, fmt.Sprintf("%s/episodes/%d/report?format=csv", v1, wid), "commander")
	if !strings.HasPrefix(csvText, "section,time,region,unit,item,value,detail") || !strings.Contains(csvText, "warning,") {
		t.Errorf("report CSV:\n%s", csvText)
	}
}

func get(t *testing.T, url, role string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if role != "" {
		req.Header.Set("Authorization", "Bearer tok-"+role)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	return string(b)
}

// TestDemoPublishCycle: `serve --demo --demo-auto-approve` runs the whole
// cycle unattended — the replayed episode raises warnings, the demo roles
// approve, CAP messages appear in the feed (an Alert and, when the episode
// ends, a Cancel), the retained public message is on the embedded broker,
// the simulated units acknowledge, and the lift creates the follow-ups.
func TestDemoPublishCycle(t *testing.T) {
	svc := startService(t, []string{"serve", "--demo", "--demo-auto-approve", "--http", "127.0.0.1:0",
		"--mqtt-embedded-addr", "127.0.0.1:0", "--store-dir", filepath.Join(t.TempDir(), "store")},
		map[string]string{"AQWARN_DEMO_SPEED": "72000"}) // as fast as the service keeps up (the elastic clock)
	v1 := svc.URL + "/api/v1"
	eventually(t, "an Alert and a Cancel in the feed", 480*time.Second, func() bool {
		feed := get(t, v1+"/warnings/feed.atom", "")
		return strings.Contains(feed, "发布重污染天气") && strings.Contains(feed, "解除重污染天气")
	})
	m := regexp.MustCompile(`embedded MQTT broker on (tcp://\S+)`).FindStringSubmatch(svc.Stdout.String())
	if m == nil {
		t.Fatalf("no broker address in:\n%s", svc.Stdout.String())
	}
	seen := &mqttSeen{live: map[string]int{}, payloads: map[string][]byte{}}
	sub := paho.NewClient(paho.NewClientOptions().AddBroker(m[1]).SetClientID("demo-observer").SetCleanSession(true))
	if tok := sub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer sub.Disconnect(100)
	sub.Subscribe("aq/warnings/+", 1, seen.handle).WaitTimeout(10 * time.Second)
	eventually(t, "a retained public warning", 10*time.Second, func() bool {
		seen.mu.Lock()
		defer seen.mu.Unlock()
		return len(seen.payloads) > 0
	})
	// The first warning: acknowledged by the simulated units, follow-ups after its lift.
	var board struct {
		Counts map[string]int `json:"counts"`
		Units  []struct {
			ID    string `json:"id"`
			Acked bool   `json:"acknowledged"`
		} `json:"units"`
	}
	eventually(t, "acknowledgements and follow-ups on the board of warning 1", 60*time.Second, func() bool {
		req, _ := http.NewRequest("GET", v1+"/warnings/1/board", nil)
		req.Header.Set("Authorization", "Bearer demo-commander")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		json.NewDecoder(resp.Body).Decode(&board)
		acked := 0
		for _, u := range board.Units {
			if u.Acked {
				acked++
			}
		}
		return acked > 10 && board.Counts["closed"] > 0 && board.Counts["assigned"] > 0
	})
}
