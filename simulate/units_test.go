package simulate

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert/mqttpub"
	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/broker"
	ingestmqtt "github.com/aqwarn/aqwarn/ingest/mqtt"
)

func taskPayload(t *testing.T, warningID int64, ackURL string) []byte {
	t.Helper()
	b, err := json.Marshal(mqttpub.Payload{Key: "k", Message: notify.Message{WarningID: warningID, AckURL: ackURL}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAcknowledgement(t *testing.T) {
	task := taskPayload(t, 7, "http://127.0.0.1:8080/api/v1/units/police/ack")
	to, reply, ok := Acknowledgement("aq", "aq/units/police/tasks", task)
	if !ok || to != "aq/units/police/ack" || string(reply) != `{"warning_id":7,"task":"","note":"","by":"demo"}` {
		t.Errorf("police: %v %q %s", ok, to, reply)
	}
	for name, c := range map[string]struct {
		topic   string
		payload []byte
	}{
		"the silent unit":    {"aq/units/" + SilentUnit + "/tasks", task},
		"no acknowledgement": {"aq/units/police/tasks", taskPayload(t, 7, "")},
		"unreadable":         {"aq/units/police/tasks", []byte("{")},
		"not a task topic":   {"aq/units/police/ack", task},
		"another prefix":     {"xx/units/police/tasks", task},
	} {
		if to, _, ok := Acknowledgement("aq", c.topic, c.payload); ok {
			t.Errorf("%s: answered on %s", name, to)
		}
	}
}

// Through a broker: a unit's task message is acknowledged on its ack
// topic; the silent unit's is not.
func TestUnitsAcknowledgeOverMQTT(t *testing.T) {
	b, err := broker.Start("127.0.0.1:0", broker.Options{AllowAnonymous: true, TopicPrefix: "aq"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	acks := make(chan string, 10)
	watch := ingestmqtt.New(ingestmqtt.Config{URL: b.URL(), ClientID: "watch", CleanSession: true},
		[]ingestmqtt.Route{{Filter: "aq/units/+/ack", Handle: func(_ context.Context, topic string, payload []byte, ack func()) {
			acks <- topic + " " + string(payload)
			ack()
		}}})
	if err := watch.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	u, err := StartUnits(ctx, b.URL(), "aq", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()

	// The units subscribe once connected: publish until they answer.
	want := `aq/units/police/ack {"warning_id":3,"task":"","note":"","by":"demo"}`
	for answered := false; !answered; {
		for _, unit := range []string{SilentUnit, "police"} {
			if err := watch.Publish(ctx, "aq/units/"+unit+"/tasks", taskPayload(t, 3, "http://x/ack"), false); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case got := <-acks:
			if got != want {
				t.Errorf("acknowledged %q, want %q", got, want)
			}
			answered = true
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
			t.Fatal("no acknowledgement")
		}
	}
	// Subscribed now: the silent unit's task stays unanswered.
	if err := watch.Publish(ctx, "aq/units/"+SilentUnit+"/tasks", taskPayload(t, 3, "http://x/ack"), false); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(300 * time.Millisecond)
	for {
		select {
		case got := <-acks:
			if got != want { // a late answer to an earlier police message is fine
				t.Errorf("acknowledged %q", got)
			}
		case <-deadline:
			return
		}
	}
}
