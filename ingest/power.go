package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/aqwarn/aqwarn"
	ingestmqtt "github.com/aqwarn/aqwarn/ingest/mqtt"
)

// PowerJSON is the payload on <prefix>/power/{source}/{meter}: the energy a
// listed source's meter drew over one 15-minute interval.
//
//	{"time": "2026-12-01T13:15:00+08:00", "kwh": 412.5, "kw": 1650, "flag": "N"}
//
// time is the END of the interval, on a quarter hour, with an offset; kwh is
// required; kw (the power the meter reports with it) and flag (an HJ 212
// data flag, N when valid) are optional. Other keys are ignored.
type PowerJSON struct {
	Time string   `json:"time"`
	KWh  *float64 `json:"kwh"`
	KW   *float64 `json:"kw,omitempty"`
	Flag string   `json:"flag,omitempty"`
}

// Bounds of a meter reading. 100,000 kWh in a quarter hour is a mean of
// 400 MW, more than any county firm's grid connection: above it a reading
// is a meter or collector fault, not production. kw has the same bound.
const (
	MaxIntervalKWh = 1e5
	MaxMeterKW     = 4e5
)

// DecodePower turns the payload received on the topic of a source's meter
// into a reading, or explains why not. srcs knows the listed meters; now
// is the receiver's clock.
func DecodePower(payload []byte, source, meter string, srcs *Sources, lim Limits, now time.Time) (aqwarn.PowerReading, *Rejection) {
	rej := func(reason, format string, args ...any) (aqwarn.PowerReading, *Rejection) {
		r := reject(reason, "", "%s/%s: %s", source, meter, fmt.Sprintf(format, args...))
		r.Kind = KindPower
		return aqwarn.PowerReading{}, r
	}
	unit, sourceKnown, meterKnown := srcs.Meter(source, meter)
	switch {
	case !sourceKnown:
		return rej(ReasonUnknownMeter, "source %q is not in the emission-reduction list", source)
	case !meterKnown:
		return rej(ReasonUnknownMeter, "source %q lists no meter %q (monitoring.meters)", source, meter)
	}
	var in PowerJSON
	if err := json.Unmarshal(payload, &in); err != nil {
		return rej(ReasonMalformedJSON, "payload is not the power JSON ({\"time\", \"kwh\", \"kw\"?, \"flag\"?}): %v", err)
	}
	t, err := time.Parse(time.RFC3339, in.Time)
	if err != nil {
		return rej(ReasonBadTime, "time %q is not RFC 3339 with an offset (e.g. 2026-12-01T13:15:00+08:00)", in.Time)
	}
	t = t.UTC()
	if t.Unix()%int64(aqwarn.PowerInterval/time.Second) != 0 || t.Nanosecond() != 0 {
		return rej(ReasonPowerInvalid, "time %s is not the end of a 15-minute interval (:00, :15, :30, :45)", in.Time)
	}
	if r := checkAt(t, "", lim, now); r != nil {
		r.Message, r.Kind = source+"/"+meter+": "+r.Message, KindPower
		return aqwarn.PowerReading{}, r
	}
	switch {
	case in.KWh == nil:
		return rej(ReasonPowerInvalid, "kwh is missing")
	case *in.KWh < 0 || *in.KWh > MaxIntervalKWh || math.IsNaN(*in.KWh):
		return rej(ReasonPowerInvalid, "kwh = %v is not a possible 15-minute energy (0 to %g kWh)", *in.KWh, float64(MaxIntervalKWh))
	case in.KW != nil && (*in.KW < 0 || *in.KW > MaxMeterKW):
		return rej(ReasonPowerInvalid, "kw = %v is not a possible power (0 to %g kW)", *in.KW, float64(MaxMeterKW))
	}
	flag, ok := powerFlag(in.Flag)
	if !ok {
		return rej(ReasonPowerInvalid, "flag %q is not an HJ 212 data flag (one or two letters, N when valid)", in.Flag)
	}
	return aqwarn.PowerReading{Enterprise: source, Unit: unit, Meter: meter, Time: t, KWh: *in.KWh, KW: in.KW, Flag: flag}, nil
}

// powerFlag upper-cases a data flag of one or two ASCII letters ("" stays "").
func powerFlag(f string) (string, bool) {
	if len(f) > 2 {
		return "", false
	}
	for i := range len(f) {
		if c := f[i] | 0x20; c < 'a' || c > 'z' {
			return "", false
		}
	}
	return flagName([]byte(f)), true
}

// HandlePower takes a meter's reading received on <prefix>/power/{source}/{meter}:
// queued (acknowledged once durable) or kept as a dead letter
// (acknowledged once kept).
func (rc *Receiver) HandlePower(ctx context.Context, source, enterprise, meter string, payload []byte, ack func()) {
	p, rej := DecodePower(payload, enterprise, meter, rc.Sources, rc.Limits, rc.Now())
	if rej != nil {
		rc.RejectRaw(ctx, source, payload, rej, ack)
		return
	}
	if err := rc.Pipeline.Submit(ctx, Item{Power: &p, Ack: ack}); err != nil {
		return // shutting down: not acknowledged, the broker redelivers
	}
}

// SourceReceiver takes what listed sources send (*Receiver).
type SourceReceiver interface {
	HandlePower(ctx context.Context, source, enterprise, meter string, payload []byte, ack func())
	HandleEmissionHJ212(ctx context.Context, source, enterprise string, payload []byte, ack func())
	RejectRaw(ctx context.Context, source string, payload []byte, rej *Rejection, ack func())
}

var _ SourceReceiver = (*Receiver)(nil)

// SourceRoutes are the listed sources' topics: meter readings (PowerJSON)
// on <prefix>/power/{source}/{meter} and HJ 212 frames of their online
// emission monitors on <prefix>/emissions/{source}/hj212. Everything under
// <prefix>/power/ is taken, so that a topic of another shape is kept as a
// dead letter (unknown_meter) rather than lost unseen.
func SourceRoutes(prefix string, recv SourceReceiver) []ingestmqtt.Route {
	return []ingestmqtt.Route{
		{Filter: prefix + "/power/#", Handle: func(ctx context.Context, topic string, payload []byte, ack func()) {
			lv := topicLevels(prefix, "power", topic)
			if len(lv) != 2 || lv[0] == "" || lv[1] == "" {
				recv.RejectRaw(ctx, "mqtt:"+topic, payload, &Rejection{Reason: ReasonUnknownMeter, Kind: KindPower,
					Message: fmt.Sprintf("topic %q is not %s/power/{source}/{meter}", topic, prefix)}, ack)
				return
			}
			recv.HandlePower(ctx, "mqtt:"+topic, lv[0], lv[1], payload, ack)
		}},
		{Filter: prefix + "/emissions/+/hj212", Handle: func(ctx context.Context, topic string, payload []byte, ack func()) {
			lv := topicLevels(prefix, "emissions", topic)
			recv.HandleEmissionHJ212(ctx, "mqtt:"+topic, lv[0], payload, ack)
		}},
	}
}
