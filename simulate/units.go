package simulate

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aqwarn/aqwarn/alert/mqttpub"
	ingestmqtt "github.com/aqwarn/aqwarn/ingest/mqtt"
)

// SilentUnit is the member unit the demo leaves silent (the finance
// bureau), so that the demo shows reminders and the escalation to the
// command office.
const SilentUnit = "finance"

// SilentSource is the listed source the demo leaves silent (an unrated
// coating firm), so that the demo shows a source escalated to its
// supervising units and then to the command office.
const SilentSource = "coat-u"

// Units plays the member units in the demo: each acknowledges a task
// message (<prefix>/units/{unit}/tasks) at once on <prefix>/units/{unit}/ack,
// as a unit's duty officer would, except SilentUnit; the listed sources
// of the reduction list, which get their notices on the same topics, do
// the same, except SilentSource.
type Units struct {
	c *ingestmqtt.Client
}

// unitReply is a unit's reply as the service reads it on
// <prefix>/units/{unit}/ack: an acknowledgement (no task).
type unitReply struct {
	WarningID int64  `json:"warning_id"`
	Task      string `json:"task"`
	Note      string `json:"note"`
	By        string `json:"by"`
}

// Acknowledgement is what a simulated unit answers to a message received on
// topic: the acknowledgement's topic and payload, or ok false when it stays
// silent (SilentUnit, a message that is not a unit's task message, one
// that asks no acknowledgement).
func Acknowledgement(prefix, topic string, payload []byte) (ackTopic string, reply []byte, ok bool) {
	rest, found := strings.CutPrefix(topic, prefix+"/units/")
	unit, found2 := strings.CutSuffix(rest, "/tasks")
	if !found || !found2 || unit == "" || strings.Contains(unit, "/") || unit == SilentUnit || unit == SilentSource {
		return "", nil, false
	}
	var p mqttpub.Payload
	if json.Unmarshal(payload, &p) != nil || p.Message.AckURL == "" {
		return "", nil, false
	}
	reply, _ = json.Marshal(unitReply{WarningID: p.Message.WarningID, By: "demo"})
	return prefix + "/units/" + unit + "/ack", reply, true
}

// StartUnits connects the simulated units to the broker at url.
func StartUnits(ctx context.Context, url, prefix string, log *slog.Logger) (*Units, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	u := &Units{}
	u.c = ingestmqtt.New(ingestmqtt.Config{URL: url, ClientID: "aqwarn-demo-units", CleanSession: true, Logger: log},
		[]ingestmqtt.Route{{Filter: prefix + "/units/+/tasks", Handle: func(_ context.Context, topic string, payload []byte, ack func()) {
			defer ack()
			to, reply, ok := Acknowledgement(prefix, topic, payload)
			if !ok {
				return
			}
			// Not in the handler: the publish waits for its PUBACK on this client.
			go func() {
				if err := u.c.Publish(context.Background(), to, reply, false); err != nil {
					log.Warn("demo acknowledgement not sent", "topic", to, "err", err)
				}
			}()
		}}})
	if err := u.c.Connect(ctx); err != nil {
		return nil, fmt.Errorf("demo units: %w", err)
	}
	return u, nil
}

// Close disconnects the units.
func (u *Units) Close() { u.c.Close() }
