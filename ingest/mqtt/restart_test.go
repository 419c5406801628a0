package mqtt_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aqwarn/aqwarn/ingest/mqtt"
	"github.com/aqwarn/aqwarn/internal/testenv"
)

// The broker half of the never-lose contract: messages delivered to the
// service but not yet acknowledged, and messages queued for it, survive a
// restart of Mosquitto (persistence on) and are delivered again.
func TestUnackedMessagesSurviveBrokerRestart(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	ctx := context.Background()
	held := &inbox{msgs: map[string]int{}}
	sub := mqtt.New(mqtt.Config{URL: broker.URL(), ClientID: "ingest-broker-restart"},
		[]mqtt.Route{{Filter: "aq/stations/+/readings", Handle: held.handle(false)}})
	if err := sub.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	sub.WaitConnected(ctx)
	pub := mqtt.New(mqtt.Config{URL: broker.URL(), ClientID: "gateway-broker-restart"}, nil)
	if err := pub.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	pub.WaitConnected(ctx)
	defer pub.Close()
	waitFor(t, "subscription", func() bool {
		pub.Publish(ctx, "aq/stations/s1/readings", []byte("probe"), false)
		return held.count() > 0
	})
	const n = 200
	for i := range n {
		if err := pub.Publish(ctx, "aq/stations/s1/readings", fmt.Appendf(nil, "m%d", i), false); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "some deliveries before the restart", func() bool { return held.count() > 1 })
	sub.Close()
	broker.Stop()
	broker.Start()
	again := &inbox{msgs: map[string]int{}}
	sub2 := mqtt.New(mqtt.Config{URL: broker.URL(), ClientID: "ingest-broker-restart"},
		[]mqtt.Route{{Filter: "aq/stations/+/readings", Handle: again.handle(true)}})
	if err := sub2.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer sub2.Close()
	defer func() {
		if t.Failed() {
			again.mu.Lock()
			t.Logf("after the restart: %d distinct messages; broker log:\n%s", len(again.msgs), broker.Log())
			again.mu.Unlock()
		}
	}()
	waitFor(t, "every message after the broker restart", func() bool {
		again.mu.Lock()
		defer again.mu.Unlock()
		for i := range n {
			if again.msgs[fmt.Sprintf("m%d", i)] == 0 {
				return false
			}
		}
		return true
	})
}
