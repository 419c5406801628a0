package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/simulate"
)

const aclConfig = `
http: {addr: "127.0.0.1:0"}
mqtt: {embedded: false, url: %q, client_id: aqwarn-acl, username: aqwarn-acl, publish_username: aqwarn-acl-publish, topic_prefix: aq}
store: {dir: %q, readings: embedded}
aqi: {edition: auto, schedule: "5 * * * *", on_data: 100ms}
demo: {enabled: false}
plan: embedded:plans/jianghua-2024.yaml
stations:
  - {id: sa, name_zh: 甲站, name_en: Station A, region: tuojiang, pollutants: [pm25]}
  - {id: sb, name_zh: 乙站, name_en: Station B, region: tuojiang, pollutants: [pm25]}
`

func mqttLogin(url, id, user, pw string) (paho.Client, error) {
	o := paho.NewClientOptions().AddBroker(url).SetClientID(id).SetUsername(user).SetPassword(pw).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(5 * time.Second)
	c := paho.NewClient(o)
	tok := c.Connect()
	if !tok.WaitTimeout(10 * time.Second) {
		return nil, fmt.Errorf("connect timed out")
	}
	return c, tok.Error()
}

// `aqwarn broker-acl` against a real Mosquitto: the files it writes make
// MQTT a trust boundary. The service logs in with its own accounts; a
// station's reading arrives, the same station's forgery on another
// station's topic does not; anonymous clients and wrong passwords are
// refused; a station taking the service's client id gets its own instead
// (the service keeps its session and loses nothing); a unit cannot read
// another unit's tasks.
func TestBrokerACLWithMosquitto(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "aqwarn.yaml")
	// The broker's URL is known only once it runs; the files do not depend on it.
	os.WriteFile(cfgPath, fmt.Appendf(nil, aclConfig, "tcp://127.0.0.1:1", filepath.Join(dir, "store")), 0o644)
	out := filepath.Join(dir, "broker")
	var stdout, stderr strings.Builder
	if err := run(context.Background(), []string{"broker-acl", "--config", cfgPath, "--out", out}, func(string) string { return "" }, nil, &stdout, &stderr); err != nil {
		t.Fatalf("broker-acl: %v\n%s", err, stderr.String())
	}
	for _, f := range []string{"passwd", "credentials.txt"} {
		if fi, err := os.Stat(filepath.Join(out, f)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600", f, err, fi.Mode().Perm())
		}
	}
	creds := map[string]string{}
	f, err := os.Open(filepath.Join(out, "credentials.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fs := strings.Fields(sc.Text()); len(fs) >= 2 && !strings.HasPrefix(fs[0], "#") {
			creds[fs[0]] = fs[1]
		}
	}
	f.Close()
	for _, u := range []string{"aqwarn-acl", "aqwarn-acl-publish", "forecaster", "sa", "sb", "unit-education", "unit-finance"} {
		if creds[u] == "" {
			t.Fatalf("no account %s in credentials.txt: %v", u, creds)
		}
	}
	conf, err := os.ReadFile(filepath.Join(out, "mosquitto.conf"))
	if err != nil {
		t.Fatal(err)
	}
	mq := testenv.StartMosquittoWith(t, string(conf))

	os.WriteFile(cfgPath, fmt.Appendf(nil, aclConfig, mq.URL(), filepath.Join(dir, "store")), 0o644)
	svc := startService(t, []string{"serve", "--config", cfgPath}, map[string]string{"AQWARN_MQTT_PASSWORD": creds["aqwarn-acl"]})
	// Both of the service's clients (ingest and delivery) log in with the
	// one service password; readiness checks both.
	if creds["aqwarn-acl"] != creds["aqwarn-acl-publish"] {
		t.Errorf("the service's two logins got different passwords; it has one (mqtt.password)")
	}
	eventually(t, "/readyz ready with the service's own accounts", 30*time.Second, func() bool { return getJSON(t, svc.URL+"/readyz", nil) == 200 })

	// Refused at the door.
	for _, tc := range []struct{ id, user, pw string }{
		{"anon", "", ""},
		{"guess", "sa", "123456"},
		{"nobody", "mallory", "x"},
	} {
		if c, err := mqttLogin(mq.URL(), tc.id, tc.user, tc.pw); err == nil {
			c.Disconnect(0)
			t.Errorf("user %q with password %q connected", tc.user, tc.pw)
		}
	}

	last := time.Now().Truncate(time.Hour) // the newest hour that has ended
	prev := last.Add(-time.Hour)
	reading := func(st string, hour time.Time, v float64) []byte {
		return simulate.EncodeJSON(aqwarn.Reading{Station: st, Time: hour, Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: v}}})
	}
	sa, err := mqttLogin(mq.URL(), "sa", "sa", creds["sa"])
	if err != nil {
		t.Fatal(err)
	}
	defer sa.Disconnect(0)
	sb, err := mqttLogin(mq.URL(), "sb", "sb", creds["sb"])
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Disconnect(0)
	sb.Publish("aq/stations/sb/readings", 1, false, reading("sb", prev.Add(-time.Hour), 40)).WaitTimeout(5 * time.Second)
	// Station A forges station B's newest hour, then sends its own.
	sa.Publish("aq/stations/sb/readings", 1, false, reading("sb", prev, 500)).WaitTimeout(5 * time.Second)
	sa.Publish("aq/stations/sa/readings", 1, false, reading("sa", prev, 80)).WaitTimeout(5 * time.Second)

	type entry struct {
		ID     string    `json:"id"`
		Time   time.Time `json:"time"`
		Hourly struct {
			AQI *int `json:"aqi"`
		} `json:"hourly"`
	}
	var cur struct{ Stations []entry }
	current := func() map[string]entry {
		cur.Stations = nil
		getJSON(t, svc.URL+"/api/v1/aqi/current", &cur)
		m := map[string]entry{}
		for _, e := range cur.Stations {
			m[e.ID] = e
		}
		return m
	}
	eventually(t, "station A's own reading", 30*time.Second, func() bool {
		c := current()
		return c["sa"].Time.Equal(prev) && c["sb"].Time.Equal(prev.Add(-time.Hour))
	})
	if c := current()["sb"]; !c.Time.Equal(prev.Add(-time.Hour)) {
		t.Errorf("station B's newest hour is %v: the forgery was stored", c.Time)
	}

	// Station B's account takes the service's client id: with
	// use_username_as_clientid its id is its username, so the service's
	// session stays; readings published meanwhile all arrive.
	thief, err := mqttLogin(mq.URL(), "aqwarn-acl", "sb", creds["sb"])
	if err != nil {
		t.Fatalf("sb (as aqwarn-acl): %v", err)
	}
	defer thief.Disconnect(0)
	for i := 3; i <= 6; i++ {
		sa.Publish("aq/stations/sa/readings", 1, false, reading("sa", last.Add(-time.Duration(i)*time.Hour), 60)).WaitTimeout(5 * time.Second)
	}
	sa.Publish("aq/stations/sa/readings", 1, false, reading("sa", last, 70)).WaitTimeout(5 * time.Second)
	eventually(t, "the reading sent while the client id was 'taken'", 30*time.Second, func() bool {
		return current()["sa"].Time.Equal(last)
	})

	// A unit reads only its own topics: subscribed to every station's
	// readings, it gets none of them (Mosquitto grants the subscription
	// and applies the read ACL at delivery), while the service gets them.
	edu, err := mqttLogin(mq.URL(), "unit-education", "unit-education", creds["unit-education"])
	if err != nil {
		t.Fatal(err)
	}
	defer edu.Disconnect(0)
	got := make(chan string, 10)
	edu.Subscribe("aq/stations/+/readings", 1, func(_ paho.Client, m paho.Message) { got <- m.Topic() }).WaitTimeout(5 * time.Second)
	sa.Publish("aq/stations/sa/readings", 1, false, reading("sa", last.Add(-7*time.Hour), 60)).WaitTimeout(5 * time.Second)
	sa.Publish("aq/stations/sa/readings", 1, false, reading("sa", last.Add(-8*time.Hour), 60)).WaitTimeout(5 * time.Second)
	time.Sleep(500 * time.Millisecond) // a delivery would take milliseconds; waiting longer proves nothing more
	select {
	case topic := <-got:
		t.Errorf("a unit account received a station's reading on %s", topic)
	default:
	}
	if strings.Contains(mq.Log(), "1883") {
		t.Errorf("the settings opened the default listener:\n%s", mq.Log())
	}
}
