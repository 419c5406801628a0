package broker

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Which topics each role may use, as the embedded broker and the
// Mosquitto ACL apply them (one case per line).
func TestRules(t *testing.T) {
	st := Account{Username: "tuojiang-1", Role: RoleStation, Subject: "tuojiang-1"}
	unit := Account{Username: "unit-education", Role: RoleUnit, Subject: "education"}
	src := Account{Username: "source-cem-a", Role: RoleSource, Subject: "cem-a"}
	for _, tc := range []struct {
		acct  Account
		topic string
		write bool
		ok    bool
	}{
		// A station writes its own readings and HJ 212 frames …
		{st, "aq/stations/tuojiang-1/readings", true, true},
		{st, "aq/stations/tuojiang-1/hj212", true, true},
		// … not another station's, not a forecast, not the public warning.
		{st, "aq/stations/shuikou-1/readings", true, false},
		{st, "aq/forecasts/jianghua", true, false},
		{st, "aq/warnings/jianghua", true, false},
		// A station reads nothing (not even its own topic).
		{st, "aq/stations/tuojiang-1/readings", false, false},
		// A unit acknowledges for itself only and reads its own tasks.
		{unit, "aq/units/education/ack", true, true},
		{unit, "aq/units/finance/ack", true, false},
		{unit, "aq/units/education/tasks", false, true},
		{unit, "aq/units/+/tasks", false, false},
		{unit, "#", false, false},
		// A listed source acknowledges and reads its tasks like a unit …
		{src, "aq/units/cem-a/ack", true, true},
		{src, "aq/units/cem-a/tasks", false, true},
		// … and writes its own meters' power and its monitors' frames, at any depth under its id …
		{src, "aq/power/cem-a/cem-a-m1", true, true},
		{src, "aq/power/cem-a/x/y", true, true},
		{src, "aq/emissions/cem-a/hj212", true, true},
		// … never another firm's, nor a station's.
		{src, "aq/power/cem-b/cem-b-m1", true, false},
		{src, "aq/emissions/cem-b/hj212", true, false},
		{src, "aq/stations/tuojiang-1/hj212", true, false},
		{src, "aq/power/+/cem-b-m1", false, false},
		// A member unit writes no power data.
		{unit, "aq/power/education/m1", true, false},
		// The ingest client subscribes to every station's readings, also shared.
		{Account{Role: RoleIngest}, "aq/stations/+/readings", false, true},
		{Account{Role: RoleIngest}, "$share/aqwarn/aq/stations/+/readings", false, true},
		{Account{Role: RoleIngest}, "aq/stations/#", false, false},
		{Account{Role: RoleIngest}, "aq/warnings/jianghua", true, false},
		// … and to everything under power/ and the monitors' frames.
		{Account{Role: RoleIngest}, "aq/power/#", false, true},
		{Account{Role: RoleIngest}, "aq/emissions/+/hj212", false, true},
		{Account{Role: RoleIngest}, "aq/power/cem-a/m1", true, false},
		// Only the delivery client writes warnings and tasks.
		{Account{Role: RolePublish}, "aq/warnings/jianghua", true, true},
		{Account{Role: RolePublish}, "aq/units/education/tasks", true, true},
		{Account{Role: RolePublish}, "aq/stations/tuojiang-1/readings", true, false},
		// The forecaster writes forecasts for any region.
		{Account{Role: RoleForecaster}, "aq/forecasts/jianghua", true, true},
		{Account{Role: RoleForecaster}, "aq/forecasts/jianghua/x", true, false},
		// An observer reads the public warnings.
		{Account{Role: RoleObserver}, "aq/warnings/+", false, true},
		{Account{Role: RoleObserver}, "aq/deadletter", false, false},
	} {
		rules, err := RulesFor("aq", tc.acct)
		if err != nil {
			t.Fatal(err)
		}
		if got := Allowed(rules, tc.topic, tc.write); got != tc.ok {
			t.Errorf("%s %s write=%v: %v, want %v", tc.acct.Role, tc.topic, tc.write, got, tc.ok)
		}
	}
	if _, err := RulesFor("aq", Account{Username: "x", Role: "admin"}); err == nil {
		t.Error("an unknown role was accepted")
	}
	if _, err := RulesFor("aq", Account{Username: "x", Role: RoleStation, Subject: "#"}); err == nil {
		t.Error("a station account with a wildcard subject was accepted")
	}
	if _, err := RulesFor("aq", Account{Username: "x", Role: RoleSource, Subject: "+"}); err == nil {
		t.Error("a source account with a wildcard subject was accepted")
	}
}

type inbox struct {
	mu   sync.Mutex
	msgs map[string][]string
}

func (in *inbox) handle(_ paho.Client, m paho.Message) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.msgs[m.Topic()] = append(in.msgs[m.Topic()], string(m.Payload()))
}

func (in *inbox) count(topic string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.msgs[topic])
}

func connect(b *Broker, id, user, pw string) (paho.Client, error) {
	o := paho.NewClientOptions().AddBroker(b.URL()).SetClientID(id).SetUsername(user).SetPassword(pw).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(5 * time.Second)
	c := paho.NewClient(o)
	tok := c.Connect()
	if !tok.WaitTimeout(10 * time.Second) {
		return nil, tok.Error()
	}
	return c, tok.Error()
}

// The embedded broker outside the demo: anonymous clients, unknown users
// and wrong passwords are refused; the service's session cannot be taken
// with another account or id; a station's publish to another station's
// topic is dropped while its own arrives; an oversized message
// disconnects its sender and is not delivered.
func TestEmbeddedBrokerAuthenticates(t *testing.T) {
	accounts := []Account{
		{Username: "aqwarn-ingest", Role: RoleIngest, PasswordSHA256: HashPassword("svc-secret"), BindClientID: true},
		{Username: "tuojiang-1", Role: RoleStation, Subject: "tuojiang-1", PasswordSHA256: HashPassword("st-secret")},
	}
	b, err := Start("127.0.0.1:0", Options{Accounts: accounts, TopicPrefix: "aq", MaxMessageBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	for _, tc := range []struct{ name, id, user, pw, reason string }{
		{"anonymous", "anon", "", "", "anonymous"},
		{"unknown user", "x", "mallory", "x", "unknown_user"},
		{"wrong password", "st", "tuojiang-1", "guess", "bad_password"},
		// The station's own account cannot take the service's client id.
		{"stolen client id", "aqwarn-ingest", "tuojiang-1", "st-secret", "client_id_taken"},
		// The service's account under another id is refused too.
		{"bound account, other id", "aqwarn-ingest-2", "aqwarn-ingest", "svc-secret", "client_id_not_bound"},
	} {
		c, err := connect(b, tc.id, tc.user, tc.pw)
		if err == nil {
			c.Disconnect(0)
			t.Errorf("%s: connected", tc.name)
			continue
		}
		if tc.reason != "" && b.Refused()[tc.reason] == 0 {
			t.Errorf("%s: refusal not counted as %s: %v", tc.name, tc.reason, b.Refused())
		}
	}

	svc, err := connect(b, "aqwarn-ingest", "aqwarn-ingest", "svc-secret")
	if err != nil {
		t.Fatalf("the service's own account: %v", err)
	}
	defer svc.Disconnect(0)
	in := &inbox{msgs: map[string][]string{}}
	if tok := svc.Subscribe("aq/stations/+/readings", 1, in.handle); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	st, err := connect(b, "tuojiang-1", "tuojiang-1", "st-secret")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Disconnect(0)
	st.Publish("aq/stations/tuojiang-1/readings", 1, false, "own").WaitTimeout(5 * time.Second)
	// A forged publish (QoS 1, MQTT 3.1.1) is dropped and its sender
	// disconnected, as MQTT 3.1.1 prescribes for a refused publish.
	st.Publish("aq/stations/shuikou-1/readings", 1, false, "forged").WaitTimeout(5 * time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for in.count("aq/stations/tuojiang-1/readings") == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if in.count("aq/stations/tuojiang-1/readings") != 1 {
		t.Fatalf("the station's own reading did not arrive")
	}
	if n := in.count("aq/stations/shuikou-1/readings"); n != 0 {
		t.Errorf("a forged reading for another station was delivered %d times", n)
	}
	if b.Refused()["acl"] == 0 {
		t.Errorf("the forged publish was not counted: %v", b.Refused())
	}
	// A subscription beyond its rules fails (SUBACK 0x80).
	st2, err := connect(b, "tuojiang-1c", "tuojiang-1", "st-secret")
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Disconnect(0)
	tok := st2.Subscribe("aq/stations/+/readings", 1, nil)
	tok.WaitTimeout(5 * time.Second)
	if r := tok.(*paho.SubscribeToken).Result()["aq/stations/+/readings"]; r != 0x80 {
		t.Errorf("a station subscribed to every reading: SUBACK %#x", r)
	}

	// 100 KiB over a 64 KiB cap: the sender is dropped, nothing delivered.
	big, err := connect(b, "tuojiang-1b", "tuojiang-1", "st-secret")
	if err != nil {
		t.Fatal(err)
	}
	big.Publish("aq/stations/tuojiang-1/readings", 1, false, strings.Repeat("x", 100<<10)).WaitTimeout(5 * time.Second)
	deadline = time.Now().Add(10 * time.Second)
	for big.IsConnectionOpen() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if big.IsConnectionOpen() {
		t.Error("the sender of an oversized message is still connected")
	}
	if n := in.count("aq/stations/tuojiang-1/readings"); n != 1 {
		t.Errorf("%d readings delivered, want only the first (the oversized one dropped)", n)
	}
}

// The listener survives accept errors (too many open files in a flood,
// audit H3): after them clients connect again and the probe answers; the
// connection cap closes extra connections at once.
func TestListenerSurvivesAcceptErrors(t *testing.T) {
	probeEvery = 0 // every probe connects
	defer func() { probeEvery = 5 * time.Second }()
	b, err := Start("127.0.0.1:0", Options{AllowAnonymous: true, MaxConns: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	if err := b.Probe(ctx); err != nil {
		t.Fatalf("probe of a healthy broker: %v", err)
	}
	// The next accepts fail as with EMFILE.
	var fails atomic.Int64
	b.tcp.mu.Lock()
	real := b.tcp.accept
	b.tcp.accept = func() (net.Conn, error) {
		if fails.Add(1) <= 5 {
			return nil, &net.OpError{Op: "accept", Err: syscall.EMFILE}
		}
		return real()
	}
	b.tcp.mu.Unlock()
	c, err := connect(b, "after-emfile", "", "")
	if err != nil {
		t.Fatalf("a client after accept errors: %v", err)
	}
	defer c.Disconnect(0)
	if err := b.Probe(ctx); err != nil {
		t.Errorf("probe after accept errors: %v", err)
	}
	// Two more clients fill the cap of 3 (once the probe's connection has
	// ended); a fourth is closed at once.
	for deadline := time.Now().Add(10 * time.Second); b.tcp.open.Load() != 1 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	for _, id := range []string{"c2", "c3"} {
		cl, err := connect(b, id, "", "")
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Disconnect(0)
	}
	if cl, err := connect(b, "c4", "", ""); err == nil {
		cl.Disconnect(0)
		t.Error("a fourth connection over the cap of 3 was served")
	}
}

// The readiness probe of an authenticating broker logs in as itself: it is
// answered (CONNACK accepted) and leaves no anonymous refusal behind.
func TestProbeAuthenticatedBrokerQuietly(t *testing.T) {
	b, err := Start("127.0.0.1:0", Options{TopicPrefix: "aq",
		Accounts: []Account{{Username: "svc", Role: RoleIngest, PasswordSHA256: HashPassword("pw")}}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Probe(context.Background()); err != nil {
		t.Fatalf("probe: %v", err)
	}
	if n := len(b.Refused()); n != 0 {
		t.Errorf("the probe left refusals: %v", b.Refused())
	}
	// Someone else using the probe's name without its password is refused.
	if c, err := connect(b, b.probeUser, b.probeUser, "guess"); err == nil {
		c.Disconnect(0)
		t.Error("the probe's login worked with a guessed password")
	}
}

// Close does not wait for a connection the broker has accepted but does
// not know as a client yet (one that connected as the broker closed and
// has not finished its CONNECT): the listener closes what is still open.
func TestCloseWithAConnectionHalfOpen(t *testing.T) {
	b, err := Start("127.0.0.1:0", Options{TopicPrefix: "aq"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Half a CONNECT: the fixed header's type byte only.
	if _, err := c.Write([]byte{0x10}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { b.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close still waits for the half-open connection after 10 s")
	}
}

// A subscriber that stops reading has what no longer fits its bounded
// queue dropped — counted (Broker.Dropped), not silently lost.
func TestDropsCounted(t *testing.T) {
	b, err := Start("127.0.0.1:0", Options{AllowAnonymous: true, TopicPrefix: "aq", MaxPendingWrites: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// A raw subscriber to "t" (QoS 1) that never reads its socket.
	c, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	connectPkt := []byte{0x10, 0x0d, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x01, 'x'}
	subscribePkt := []byte{0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 't', 0x01}
	if _, err := c.Write(append(connectPkt, subscribePkt...)); err != nil {
		t.Fatal(err)
	}
	pub, err := connect(b, "pub", "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Disconnect(0)
	payload := make([]byte, 64<<10)
	deadline := time.Now().Add(20 * time.Second)
	for b.Dropped() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("nothing counted as dropped after 20 s of publishing to a subscriber that does not read")
		}
		for range 50 {
			pub.Publish("t", 0, false, payload).Wait()
		}
	}
}
