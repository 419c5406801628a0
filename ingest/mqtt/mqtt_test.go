package mqtt_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/ingest/mqtt"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/simulate"
)

type inbox struct {
	mu   sync.Mutex
	msgs map[string]int
	acks []func()
}

func (b *inbox) handle(ack bool) mqtt.Handler {
	return func(_ context.Context, topic string, payload []byte, a func()) {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.msgs[string(payload)]++
		if ack {
			a()
		} else {
			b.acks = append(b.acks, a)
		}
	}
}

func (b *inbox) count() int { b.mu.Lock(); defer b.mu.Unlock(); return len(b.msgs) }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testenv.Eventually(t, what, 30*time.Second, cond)
}

// The never-lose contract against a real Mosquitto: messages the service
// received but did not acknowledge (it died before they were durable) are
// delivered again to the next client with the same id — the persistent
// session keeps them — and messages published while it was away wait too.
func TestUnackedMessagesComeBackAfterRestart(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	ctx := context.Background()
	first := &inbox{msgs: map[string]int{}}
	c1 := mqtt.New(mqtt.Config{URL: broker.URL(), ClientID: "ingest-under-test"},
		[]mqtt.Route{{Filter: "aq/stations/+/readings", Handle: first.handle(false)}})
	if err := c1.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	c1.WaitConnected(ctx)
	waitFor(t, "subscription", func() bool { return c1.Connected() })

	pub, err := simulate.DialMQTT(ctx, broker.URL(), "station-sim")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	// Subscribing happens asynchronously in OnConnect: publish until the
	// first message arrives, then the rest.
	waitFor(t, "first delivery", func() bool {
		pub.Publish(ctx, "aq/stations/s1/readings", []byte("probe"))
		return first.count() > 0
	})
	for i := range 10 {
		if err := pub.Publish(ctx, "aq/stations/s1/readings", fmt.Appendf(nil, "m%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "10 messages at the first client", func() bool { return first.count() == 11 })
	c1.Close() // dies without acknowledging anything

	for i := 10; i < 15; i++ { // published while the service is down
		pub.Publish(ctx, "aq/stations/s1/readings", fmt.Appendf(nil, "m%d", i))
	}
	second := &inbox{msgs: map[string]int{}}
	c2 := mqtt.New(mqtt.Config{URL: broker.URL(), ClientID: "ingest-under-test"},
		[]mqtt.Route{{Filter: "aq/stations/+/readings", Handle: second.handle(true)}})
	if err := c2.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	waitFor(t, "all 15 messages (10 redelivered + 5 queued) at the restarted client", func() bool {
		second.mu.Lock()
		defer second.mu.Unlock()
		for i := range 15 {
			if second.msgs[fmt.Sprintf("m%d", i)] == 0 {
				return false
			}
		}
		return true
	})
}

// After a broker restart the client reconnects and subscribes again by itself.
func TestResubscribesAfterBrokerRestart(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	ctx := context.Background()
	in := &inbox{msgs: map[string]int{}}
	c := mqtt.New(mqtt.Config{URL: broker.URL(), ClientID: "ingest-restart"},
		[]mqtt.Route{{Filter: "aq/stations/+/readings", Handle: in.handle(true)}})
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.WaitConnected(ctx)
	broker.Stop()
	waitFor(t, "client to notice", func() bool { return !c.Connected() })
	broker.Start()
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := c.WaitConnected(cctx); err != nil {
		t.Fatal(err)
	}
	pub, err := simulate.DialMQTT(ctx, broker.URL(), "station-sim-2")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	waitFor(t, "delivery after the broker restart", func() bool {
		pub.Publish(ctx, "aq/stations/s1/readings", []byte("after"))
		return in.count() > 0
	})
}

func TestStationFromTopic(t *testing.T) {
	cases := []struct {
		topic, station, kind string
		ok                   bool
	}{
		{"aq/stations/s1/readings", "s1", "readings", true},
		{"aq/stations/s1/hj212", "s1", "hj212", true},
		{"aq/stations//readings", "", "", false},
		{"aq/stations/s1", "", "", false},
		{"aq/other/s1/readings", "", "", false},
		{"aq/stations/s1/readings/extra", "", "", false},
	}
	for _, c := range cases {
		st, kind, err := mqtt.StationFromTopic("aq", c.topic)
		if (err == nil) != c.ok || st != c.station || kind != c.kind {
			t.Errorf("%s → %q %q %v", c.topic, st, kind, err)
		}
	}
}

// Two instances in one shared-subscription group split the load: every
// message reaches exactly one of them, and both get some.
func TestSharedSubscriptionSplitsTheLoad(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	ctx := context.Background()
	var boxes [2]*inbox
	for i := range boxes {
		boxes[i] = &inbox{msgs: map[string]int{}}
		c := mqtt.New(mqtt.Config{URL: broker.URL(), ClientID: fmt.Sprintf("ingest-shared-%d", i), SharedGroup: "aqwarn"},
			[]mqtt.Route{{Filter: "aq/stations/+/readings", Handle: boxes[i].handle(true)}})
		if err := c.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.WaitConnected(ctx)
	}
	pub, err := simulate.DialMQTT(ctx, broker.URL(), "station-sim-shared")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	// Both subscriptions are made asynchronously: probe until each instance
	// has had a message (Mosquitto deals shared messages round-robin).
	waitFor(t, "both instances subscribed", func() bool {
		pub.Publish(ctx, "aq/stations/s1/readings", []byte("probe"))
		return boxes[0].count() > 0 && boxes[1].count() > 0
	})
	const n = 200
	for i := range n {
		if err := pub.Publish(ctx, fmt.Sprintf("aq/stations/s%d/readings", i%7), fmt.Appendf(nil, "m%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	total := func() (sum, a, b int) {
		for i, box := range boxes {
			box.mu.Lock()
			for k := range n {
				c := box.msgs[fmt.Sprintf("m%d", k)]
				sum += c
				if i == 0 {
					a += c
				} else {
					b += c
				}
			}
			box.mu.Unlock()
		}
		return
	}
	waitFor(t, "all messages", func() bool { s, _, _ := total(); return s >= n })
	time.Sleep(200 * time.Millisecond) // a duplicate would arrive now
	sum, a, b := total()
	if sum != n {
		t.Fatalf("%d deliveries of %d messages: some reached both instances", sum, n)
	}
	if a == 0 || b == 0 {
		t.Fatalf("one instance took everything (%d / %d)", a, b)
	}
	for i := range n {
		key := fmt.Sprintf("m%d", i)
		if boxes[0].msgs[key]+boxes[1].msgs[key] != 1 {
			t.Fatalf("%s delivered %d + %d times", key, boxes[0].msgs[key], boxes[1].msgs[key])
		}
	}
}

// Another client taking our client id again and again (a session
// take-over, audit H2): every connection it makes drops ours. After three
// losses within a minute the session check fails naming the client id,
// and each loss was counted.
func TestSessionTakeoverIsNoticed(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	ctx := context.Background()
	var lost atomic.Int64
	c := mqtt.New(mqtt.Config{URL: broker.URL(), ClientID: "aqwarn-ingest", OnConnectionLost: func() { lost.Add(1) }},
		[]mqtt.Route{{Filter: "aq/stations/+/readings", Handle: (&inbox{msgs: map[string]int{}}).handle(true)}})
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.SessionCheck(ctx); err != nil {
		t.Fatalf("before any take-over: %v", err)
	}
	for i := range mqtt.TakeoverLosses {
		thief, err := simulate.DialMQTT(ctx, broker.URL(), "aqwarn-ingest")
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, fmt.Sprintf("loss %d", i+1), func() bool { return lost.Load() > int64(i) })
		thief.Close()
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = c.WaitConnected(cctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	err := c.SessionCheck(ctx)
	if err == nil || !strings.Contains(err.Error(), "aqwarn-ingest") || !strings.Contains(err.Error(), "lost 3 times") {
		t.Fatalf("after %d take-overs: %v", lost.Load(), err)
	}
}

// A message over the size cap never reaches a route: OnOversize gets its
// size, its first KiB and the ack; the next small message is routed.
func TestOversizedMessageRefused(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	ctx := context.Background()
	in := &inbox{msgs: map[string]int{}}
	type big struct {
		topic string
		size  int
		head  int
	}
	bigs := make(chan big, 4)
	c := mqtt.New(mqtt.Config{URL: broker.URL(), ClientID: "ingest-cap", MaxMessageBytes: 4096,
		OnOversize: func(_ context.Context, topic string, size int, head []byte, ack func()) {
			bigs <- big{topic, size, len(head)}
			ack()
		}},
		[]mqtt.Route{{Filter: "aq/stations/+/readings", Handle: in.handle(true)}})
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.WaitConnected(ctx)
	pub, err := simulate.DialMQTT(ctx, broker.URL(), "station-big")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	waitFor(t, "subscription", func() bool {
		pub.Publish(ctx, "aq/stations/s0/readings", []byte("small"))
		return in.count() > 0
	})
	if err := pub.Publish(ctx, "aq/stations/s1/readings", []byte(strings.Repeat("x", 200_000))); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-bigs:
		if b.topic != "aq/stations/s1/readings" || b.size != 200_000 || b.head != mqtt.OversizeKept {
			t.Errorf("refused %+v, want the topic, 200000 bytes, the first %d kept", b, mqtt.OversizeKept)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the oversized message was not refused")
	}
	// A small message after it is routed; the big one never was (the
	// inbox keys messages by payload).
	pub.Publish(ctx, "aq/stations/s2/readings", []byte("after"))
	waitFor(t, "the message after", func() bool { in.mu.Lock(); defer in.mu.Unlock(); return in.msgs["after"] > 0 })
	in.mu.Lock()
	defer in.mu.Unlock()
	for p := range in.msgs {
		if len(p) > 4096 {
			t.Errorf("the oversized message (%d bytes) reached the route", len(p))
		}
	}
}
