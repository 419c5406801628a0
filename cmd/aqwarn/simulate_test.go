package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/ingest"
	"github.com/aqwarn/aqwarn/internal/testenv"
)

// `aqwarn simulate` publishes what a station would: a subscriber on a real
// Mosquitto receives one valid JSON reading per station-hour of the chosen
// period, under the mapped station ids.
func TestSimulatePublishesStationJSON(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	var mu sync.Mutex
	got := map[string]aqwarn.Reading{}
	opts := paho.NewClientOptions().AddBroker(broker.URL()).SetClientID("sim-listener")
	c := paho.NewClient(opts)
	if tok := c.Connect(); tok.Wait() && tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	reg := ingest.NewRegistry([]aqwarn.Station{{ID: "a"}, {ID: "b"}})
	var bad []string
	tok := c.Subscribe("aq/stations/+/readings", 1, func(_ paho.Client, m paho.Message) {
		station := strings.Split(m.Topic(), "/")[2]
		r, rej := ingest.DecodeJSON(m.Payload(), station, reg, ingest.Limits{}, time.Now())
		mu.Lock()
		defer mu.Unlock()
		if rej != nil {
			bad = append(bad, rej.Error())
			return
		}
		got[r.Key()] = r
	})
	tok.Wait()

	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"simulate", "--broker", broker.URL(), "--map", "Dongsi=a,Wanliu=b",
		"--from", "2015-12-01", "--to", "2015-12-02"}, nil, nil, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "published 48 readings") {
		t.Errorf("output %q", out.String())
	}
	eventually(t, "48 readings at the subscriber", 10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 48
	})
	mu.Lock()
	defer mu.Unlock()
	if len(bad) > 0 {
		t.Errorf("the simulator sent readings ingest rejects: %v", bad)
	}
	// Dongsi, 2015-12-01 12:00 +08:00 (the row "2015,12,1,12"): PM2.5 637 µg/m³, CO 9900 µg/m³ → 9.9 mg/m³.
	r, ok := got[aqwarn.Reading{Station: "a", Time: time.Date(2015, 12, 1, 4, 0, 0, 0, time.UTC), Interval: time.Hour}.Key()]
	if !ok {
		t.Fatal("Dongsi 2015-12-01 12:00 not published")
	}
	if v, _ := r.Value("pm25"); v != 637 {
		t.Errorf("PM2.5 = %v, want 637", v)
	}
	if v, _ := r.Value("co"); v != 9.9 {
		t.Errorf("CO = %v mg/m³, want 9.9", v)
	}
}
