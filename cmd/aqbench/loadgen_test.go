package main

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ingestmqtt "github.com/aqwarn/aqwarn/ingest/mqtt"
	"github.com/aqwarn/aqwarn/internal/testenv"
)

// The load generator's publishes reach a subscriber through a real
// Mosquitto, each exactly once, every station's in order.
func TestLoadgenDeliversEveryPublishInOrder(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	const stations, perStation = 10, 300
	ms := payloads(stations, perStation, time.Now().UTC().Truncate(time.Minute), 0)

	var mu sync.Mutex
	got := map[string][]string{}
	all := make(chan struct{})
	n := 0
	var probed atomic.Bool
	sub := ingestmqtt.New(ingestmqtt.Config{URL: broker.URL(), ClientID: "loadgen-test-sub", CleanSession: true},
		[]ingestmqtt.Route{{Filter: "t/stations/+/readings", Handle: func(_ context.Context, topic string, payload []byte, ack func()) {
			ack()
			if topic == "t/stations/probe/readings" {
				probed.Store(true)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			got[topic] = append(got[topic], string(payload))
			if n++; n == len(ms) {
				close(all)
			}
		}}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sub.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sub.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	// The subscription is made in the OnConnect handler: probe until it takes messages.
	probe, err := dialLoadgen(broker.URL(), "loadgen-test-probe", 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); !probed.Load(); {
		if time.Now().After(deadline) {
			t.Fatal("the subscriber took no probe within 10 s")
		}
		if err := probe.publishAll([]msg{{station: "probe", payload: []byte("probe")}}, "t"); err != nil {
			t.Fatal(err)
		}
	}
	probe.close()

	// The lean subscriber of the forwarding ceiling gets them all too.
	lean, err := startNullSub(broker.URL(), "loadgen-test-lean", "t/stations/+/readings", int64(len(ms)))
	if err != nil {
		t.Fatal(err)
	}
	defer lean.close()

	g, err := dialLoadgen(broker.URL(), "loadgen-test", 3, 64) // a small window: publishing waits for PUBACKs
	if err != nil {
		t.Fatal(err)
	}
	defer g.close()
	if err := g.publishAll(ms, "t"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-all:
	case <-time.After(30 * time.Second):
		mu.Lock()
		t.Fatalf("%d of %d messages arrived", n, len(ms))
	}
	select {
	case <-lean.all:
	case <-time.After(30 * time.Second):
		t.Fatalf("the lean subscriber got %d of %d messages", lean.got.Load(), len(ms))
	}
	mu.Lock()
	defer mu.Unlock()
	var sent, acked int64
	for _, pc := range g.conns {
		sent, acked = sent+pc.Sent.Load(), acked+pc.Acked.Load()
	}
	if sent != int64(len(ms)) || acked != sent {
		t.Errorf("sent %d, acknowledged %d, want %d each", sent, acked, len(ms))
	}
	for _, m := range ms[:stations] {
		topic := "t/stations/" + m.station + "/readings"
		var want []string
		for _, x := range ms {
			if x.station == m.station {
				want = append(want, string(x.payload))
			}
		}
		if len(got[topic]) != len(want) {
			t.Fatalf("%s: %d messages, want %d", topic, len(got[topic]), len(want))
		}
		for i := range want {
			if got[topic][i] != want[i] {
				t.Fatalf("%s: message %d out of order", topic, i)
			}
		}
	}
}

func TestCPUTimeOfThisProcessGrows(t *testing.T) {
	a, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for x, deadline := 0, time.Now().Add(10*time.Second); time.Now().Before(deadline); x++ {
		b, err := cpuTime(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if b > a {
			return
		}
		_ = x * x // burn CPU until the clock ticks
	}
	t.Fatal("CPU time did not grow in 10 s of spinning")
}
