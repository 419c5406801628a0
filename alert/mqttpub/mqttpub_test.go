package mqttpub_test

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/mqttpub"
	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/internal/testenv"
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testenv.Eventually(t, what, 20*time.Second, cond)
}

type inbox struct {
	mu   sync.Mutex
	msgs map[string][]paho.Message
}

func (b *inbox) handler(_ paho.Client, m paho.Message) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.msgs[m.Topic()] = append(b.msgs[m.Topic()], m)
}

func (b *inbox) get(topic string) []paho.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]paho.Message(nil), b.msgs[topic]...)
}

// TestRetainedWarningAndTasks: against a real Mosquitto, the public warning
// and a unit's tasks are retained — a client subscribing afterwards gets
// them — and an acknowledgement on the unit's ack topic reaches OnAck.
func TestRetainedWarningAndTasks(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	var ackMu sync.Mutex
	var acks []string
	pub := mqttpub.New(mqttpub.Config{URL: broker.URL(), ClientID: "aqwarn-publisher-test", Prefix: "aq",
		OnAck: func(unit string, payload []byte) {
			ackMu.Lock()
			acks = append(acks, unit+":"+string(payload))
			ackMu.Unlock()
		}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := pub.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer pub.Close()

	msg := notify.Message{Transition: "w1-t1", Kind: "issue", Region: "jianghua", LevelID: "yellow",
		HeadlineZH: "江华瑶族自治县发布重污染天气黄色预警", AdviceZH: []string{"易感人群留在室内"}}
	public := notify.Delivery{Key: "w1-t1/public/mqtt", Recipient: notify.Recipient{Unit: notify.PublicUnit},
		Channel: alert.Channel{Kind: "mqtt", Target: "warnings/jianghua"}, Message: msg}
	unitMsg := msg
	unitMsg.Tasks = []notify.Task{{ID: "r3-schools-reduce-outdoor", TextZH: "中小学减少户外活动"}}
	unit := notify.Delivery{Key: "w1-t1/education/mqtt", Recipient: notify.Recipient{Unit: "education"},
		Channel: notify.UnitChannel("education"), Message: unitMsg}
	for _, d := range []notify.Delivery{public, unit} {
		if retry, err := pub.Notify(ctx, d); err != nil {
			t.Fatalf("publish %s: retry=%v err=%v", d.Key, retry, err)
		}
	}

	// A separate client subscribes only now: retained messages arrive.
	in := &inbox{msgs: map[string][]paho.Message{}}
	sub := paho.NewClient(paho.NewClientOptions().AddBroker(broker.URL()).SetClientID("separate-subscriber").SetCleanSession(true))
	if tok := sub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber connect: %v", tok.Error())
	}
	defer sub.Disconnect(100)
	if tok := sub.SubscribeMultiple(map[string]byte{"aq/warnings/+": 1, "aq/units/+/tasks": 1}, in.handler); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	waitFor(t, "retained warning and tasks", func() bool {
		return len(in.get("aq/warnings/jianghua")) == 1 && len(in.get("aq/units/education/tasks")) == 1
	})
	w := in.get("aq/warnings/jianghua")[0]
	var got mqttpub.Payload
	if err := json.Unmarshal(w.Payload(), &got); err != nil || !w.Retained() || got.Message.LevelID != "yellow" {
		t.Errorf("warning: retained=%v payload=%s err=%v", w.Retained(), w.Payload(), err)
	}
	if err := json.Unmarshal(in.get("aq/units/education/tasks")[0].Payload(), &got); err != nil || len(got.Message.Tasks) != 1 {
		t.Errorf("tasks payload: %+v, %v", got, err)
	}

	// The lift replaces the retained state: a new subscriber sees only it.
	lift := public
	lift.Key, lift.Message.Kind, lift.Message.LevelID = "w1-t2/public/mqtt", "lift", "none"
	if _, err := pub.Notify(ctx, lift); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the lift on the live subscription", func() bool { return len(in.get("aq/warnings/jianghua")) == 2 })
	in2 := &inbox{msgs: map[string][]paho.Message{}}
	sub2 := paho.NewClient(paho.NewClientOptions().AddBroker(broker.URL()).SetClientID("late-subscriber").SetCleanSession(true))
	if tok := sub2.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer sub2.Disconnect(100)
	sub2.Subscribe("aq/warnings/jianghua", 1, in2.handler).WaitTimeout(10 * time.Second)
	waitFor(t, "retained lift", func() bool { return len(in2.get("aq/warnings/jianghua")) == 1 })
	json.Unmarshal(in2.get("aq/warnings/jianghua")[0].Payload(), &got)
	if got.Message.LevelID != "none" {
		t.Errorf("retained state after lift = %q", got.Message.LevelID)
	}

	// A unit acknowledges on its ack topic.
	sub.Publish("aq/units/education/ack", 1, false, `{"transition":"w1-t1"}`).WaitTimeout(10 * time.Second)
	waitFor(t, "the acknowledgement", func() bool { ackMu.Lock(); defer ackMu.Unlock(); return len(acks) == 1 })
	if acks[0] != `education:{"transition":"w1-t1"}` {
		t.Errorf("ack = %q", acks[0])
	}
}

func TestUnitFromAckTopic(t *testing.T) {
	tests := []struct {
		topic, unit string
		ok          bool
	}{
		{"aq/units/education/ack", "education", true}, // the unit's ack topic
		{"aq/units/education/tasks", "", false},       // not an ack
		{"aq/units//ack", "", false},                  // empty unit
		{"aq/units/a/b/ack", "", false},               // nested levels
		{"xx/units/education/ack", "", false},         // another prefix
	}
	for _, tc := range tests {
		unit, ok := mqttpub.UnitFromAckTopic("aq", tc.topic)
		if unit != tc.unit || ok != tc.ok {
			t.Errorf("%s: got %q %v", tc.topic, unit, ok)
		}
	}
}

// An overwritten public warning heals (audit H1): another client
// publishes a fake retained message on the region's topic; the publisher
// notices, says so, and publishes its own again, so a new subscriber
// gets the real one. A warning remembered from before a restart is
// guarded the same way from the first connection.
func TestOverwrittenWarningIsReasserted(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	var overwrites atomic.Int64
	pub := mqttpub.New(mqttpub.Config{URL: broker.URL(), ClientID: "aqwarn-publish-heal", Prefix: "aq",
		OnOverwrite: func(string) { overwrites.Add(1) }})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := pub.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	real := notify.Delivery{Key: "w1-t1/public/mqtt", Recipient: notify.Recipient{Unit: notify.PublicUnit},
		Channel: alert.Channel{Kind: "mqtt", Target: "warnings/jianghua"},
		Message: notify.Message{Transition: "w1-t1", Kind: "issue", Region: "jianghua", LevelID: "yellow"}}
	if _, err := pub.Notify(ctx, real); err != nil {
		t.Fatal(err)
	}
	forger := paho.NewClient(paho.NewClientOptions().AddBroker(broker.URL()).SetClientID("forger").SetCleanSession(true))
	if tok := forger.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer forger.Disconnect(100)
	forger.Publish("aq/warnings/jianghua", 1, true, `{"message":{"level":"red","headline_en":"FAKE"}}`).WaitTimeout(10 * time.Second)
	waitFor(t, "the overwrite noticed", func() bool { return overwrites.Load() == 1 })
	retained := func() mqttpub.Payload {
		in := &inbox{msgs: map[string][]paho.Message{}}
		sub := paho.NewClient(paho.NewClientOptions().AddBroker(broker.URL()).SetClientID("late").SetCleanSession(true))
		if tok := sub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
		defer sub.Disconnect(100)
		sub.Subscribe("aq/warnings/jianghua", 1, in.handler).WaitTimeout(10 * time.Second)
		waitFor(t, "the retained warning", func() bool { return len(in.get("aq/warnings/jianghua")) > 0 })
		var got mqttpub.Payload
		json.Unmarshal(in.get("aq/warnings/jianghua")[0].Payload(), &got)
		return got
	}
	waitFor(t, "ours retained again", func() bool { return retained().Message.LevelID == "yellow" })

	// Down, overwritten meanwhile, started again with the delivery log's
	// memory: healed on connect.
	pub.Close()
	forger.Publish("aq/warnings/jianghua", 1, true, `{"message":{"level":"red","headline_en":"FAKE while down"}}`).WaitTimeout(10 * time.Second)
	pub2 := mqttpub.New(mqttpub.Config{URL: broker.URL(), ClientID: "aqwarn-publish-heal", Prefix: "aq",
		OnOverwrite: func(string) { overwrites.Add(1) }})
	if err := pub2.Remember(real); err != nil {
		t.Fatal(err)
	}
	if err := pub2.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer pub2.Close()
	waitFor(t, "the overwrite made while down noticed", func() bool { return overwrites.Load() == 2 })
	waitFor(t, "ours retained after the restart", func() bool { return retained().Message.LevelID == "yellow" })
}
