package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	ingestmqtt "github.com/aqwarn/aqwarn/ingest/mqtt"
)

// The MQTT routes of the intake: what stations, gateways and forecasters
// publish under the topic prefix, each acknowledged once kept (durable, or
// rejected for good as a dead letter) and otherwise left for the broker to
// deliver again.

// StationReceiver takes what stations send (*Receiver).
type StationReceiver interface {
	HandleJSON(ctx context.Context, source, station string, payload []byte, ack func())
	HandleHJ212(ctx context.Context, source, station string, payload []byte, ack func())
	RejectRaw(ctx context.Context, source string, payload []byte, rej *Rejection, ack func())
}

var _ StationReceiver = (*Receiver)(nil)

// StationRoutes are the stations' topics: JSON readings on
// <prefix>/stations/{station}/readings, and HJ 212 text frames (one per
// message, from gateways that forward loggers over MQTT) on
// <prefix>/stations/{station}/hj212. A topic that names no station is
// rejected as unknown_station.
func StationRoutes(prefix string, recv StationReceiver) []ingestmqtt.Route {
	route := func(kind string, handle func(ctx context.Context, source, station string, payload []byte, ack func())) ingestmqtt.Route {
		return ingestmqtt.Route{Filter: prefix + "/stations/+/" + kind, Handle: func(ctx context.Context, topic string, payload []byte, ack func()) {
			station, _, err := ingestmqtt.StationFromTopic(prefix, topic)
			if err != nil {
				recv.RejectRaw(ctx, "mqtt:"+topic, payload, &Rejection{Reason: ReasonUnknownStation, Message: err.Error()}, ack)
				return
			}
			handle(ctx, "mqtt:"+topic, station, payload, ack)
		}}
	}
	return []ingestmqtt.Route{route("readings", recv.HandleJSON), route("hj212", recv.HandleHJ212)}
}

// Oversize rejects a message over limit bytes (mqtt.max_message_bytes) as
// too_large, keeping its first bytes (ingestmqtt.Config.OnOversize).
func Oversize(recv StationReceiver, limit int) func(ctx context.Context, topic string, size int, head []byte, ack func()) {
	return func(ctx context.Context, topic string, size int, head []byte, ack func()) {
		recv.RejectRaw(ctx, "mqtt:"+topic, head, &Rejection{Reason: ReasonTooLarge,
			Message: fmt.Sprintf("%d bytes, more than mqtt.max_message_bytes (%d); the first %d kept", size, limit, len(head))}, ack)
	}
}

// ForecastAdder keeps a forecast and evaluates its region
// (lifecycle.Service). An error that is an *alert.Error refuses the
// forecast for good; any other is the store's, worth another try.
type ForecastAdder interface {
	AddForecast(ctx context.Context, f alert.Forecast, by, role string) (alert.Forecast, error)
}

// RejectFunc is ingest's one rejection path (Pipeline.Reject): counted,
// bounded, kept and announced; an error when it could not be kept.
type RejectFunc func(ctx context.Context, source string, payload []byte, rej *Rejection) error

// ForecastRoute takes forecasts from <prefix>/forecasts/{region}: the JSON
// of POST /api/v1/forecasts, the region taken from the topic (a payload
// naming another is refused). A forecast is acknowledged once kept, or once
// refused for good and kept as a dead letter (reason forecast_invalid);
// when the store fails it is left unacknowledged, so the broker delivers
// it again. log may be nil.
func ForecastRoute(prefix string, adder ForecastAdder, reject RejectFunc, log *slog.Logger) ingestmqtt.Route {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return ingestmqtt.Route{Filter: prefix + "/forecasts/+", Handle: func(ctx context.Context, topic string, payload []byte, ack func()) {
		region := topic[strings.LastIndexByte(topic, '/')+1:]
		var f alert.Forecast
		err := json.Unmarshal(payload, &f)
		if err == nil {
			if f.Region != "" && f.Region != region {
				err = fmt.Errorf("the payload names region %q but the topic %q", f.Region, region)
			}
			f.Region, f.ID, f.Received = region, 0, time.Time{}
		}
		if err == nil {
			_, err = adder.AddForecast(ctx, f, "mqtt:"+topic, "")
			if err != nil && alert.ErrorCode(err) == "" {
				log.Error("forecast not kept", "topic", topic, "err", err)
				return
			}
		}
		if err != nil {
			if rerr := reject(ctx, "mqtt:"+topic, payload, &Rejection{Reason: alert.CodeForecastInvalid, Message: err.Error()}); rerr != nil {
				log.Error("forecast rejected and not kept; not acknowledged", "topic", topic, "err", err, "store", rerr)
				return
			}
		}
		ack()
	}}
}

// DeadLetterJSON is what <prefix>/deadletter carries of a rejection: which
// one, never its payload (which the staff API shows, masked).
func DeadLetterJSON(d aqwarn.DeadLetter) []byte {
	b, _ := json.Marshal(struct {
		ID       int64     `json:"id"`
		Received time.Time `json:"received"`
		Source   string    `json:"source"`
		Reason   string    `json:"reason"`
		Message  string    `json:"message"`
		Station  string    `json:"station,omitempty"`
		Size     int       `json:"size"`
	}{d.ID, d.Received, d.Source, d.Reason, d.Message, d.Station, d.Size})
	return b
}
