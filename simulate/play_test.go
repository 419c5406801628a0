package simulate_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/simulate"
)

func TestParseSources(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    map[string]string
		wantErr bool
	}{
		// Two stations played from two of the data set's.
		{in: "Dongsi=a,Wanliu=b", want: map[string]string{"a": "Dongsi", "b": "Wanliu"}},
		// A pair without "=" is refused, not dropped.
		{in: "Dongsi=a,Wanliu", wantErr: true},
		// An empty side is refused.
		{in: "=a", wantErr: true},
		{in: "Dongsi=", wantErr: true},
	} {
		got, err := simulate.ParseSources(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: error %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if !tc.wantErr && (len(got) != len(tc.want) || got["a"] != tc.want["a"] || got["b"] != tc.want["b"]) {
			t.Errorf("%q: %v, want %v", tc.in, got, tc.want)
		}
	}
}

// Play publishes one reading per station-hour of the period on the
// stations' topics of a real Mosquitto, and says how many.
func TestPlayPublishesEveryStationHour(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	var mu sync.Mutex
	topics := map[string]int{}
	c := paho.NewClient(paho.NewClientOptions().AddBroker(broker.URL()).SetClientID("play-listener"))
	if tok := c.Connect(); tok.Wait() && tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	if tok := c.Subscribe("demo/stations/+/readings", 1, func(_ paho.Client, m paho.Message) {
		mu.Lock()
		topics[m.Topic()]++
		mu.Unlock()
	}); tok.Wait() && tok.Error() != nil {
		t.Fatal(tok.Error())
	}

	from := time.Date(2015, 12, 1, 0, 0, 0, 0, aqi.CST)
	var out, progress bytes.Buffer
	err := simulate.Play(context.Background(), simulate.PlayConfig{Broker: broker.URL(), TopicPrefix: "demo", ClientID: "play",
		Sources: map[string]string{"x": "Dongsi"}, From: from, To: from.Add(6 * time.Hour)}, &out, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "published 6 readings") {
		t.Errorf("output %q, want published 6 readings", out.String())
	}
	testenv.Eventually(t, "6 readings on demo/stations/x/readings", 10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return topics["demo/stations/x/readings"] == 6 && len(topics) == 1
	})

	// A period without data is an error, not an empty success.
	err = simulate.Play(context.Background(), simulate.PlayConfig{Broker: broker.URL(), TopicPrefix: "demo", ClientID: "play",
		Sources: map[string]string{"x": "Dongsi"}, From: from.AddDate(5, 0, 0), To: from.AddDate(5, 0, 1)}, &out, &progress)
	if err == nil || !strings.Contains(err.Error(), "no readings") {
		t.Errorf("a period without data: %v, want no readings", err)
	}
}
