package ingest

import (
	"bytes"
	"context"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/ingest/hj212"
)

// HJ 212 ambient-air pollutant codes and ours. Concentrations arrive in
// µg/m³ (CO mg/m³), the units of GB 3095, so no conversion is needed; other
// codes (weather, TSP, NO, NOx) are not ours to keep and are ignored.
var hj212Pollutants = map[string]string{
	"a34004": aqwarn.PM25,
	"a34002": aqwarn.PM10,
	"a21026": aqwarn.SO2,
	"a21004": aqwarn.NO2,
	"a21005": aqwarn.CO,
	"a05024": aqwarn.O3,
}

// HJ212Options are the per-deployment choices of HJ 212 ingest.
type HJ212Options struct {
	// MinuteInterval is the averaging interval of CN=2051 minute data, which
	// the frame does not state (loggers are set to 1 or 5 minutes).
	// 0: one minute.
	MinuteInterval time.Duration
}

// hj212Reasons maps the codec's reasons onto ours, so both transports count
// rejections under one set of labels.
var hj212Reasons = map[string]string{
	hj212.ReasonFrameMalformed:     ReasonMalformedFrame,
	hj212.ReasonBadLength:          ReasonBadLength,
	hj212.ReasonBadCRC:             ReasonBadCRC,
	hj212.ReasonUnsupportedSystem:  ReasonUnsupported,
	hj212.ReasonUnsupportedCommand: ReasonUnsupported,
	hj212.ReasonBadField:           ReasonMalformedFrame,
	hj212.ReasonBadTime:            ReasonBadTime,
}

// HJ212Rejection turns a decode error of package hj212 into a rejection.
// The station is looked up from the MN in the raw bytes when possible so
// the dead letter (and station health) can name it.
func HJ212Rejection(reg *Registry, raw []byte, err error) *Rejection {
	reason, ok := hj212Reasons[hj212.Reason(err)]
	if !ok {
		reason = ReasonMalformedFrame
	}
	station := ""
	if st, ok := reg.ByMN(rawMN(raw)); ok {
		station = st.ID
	}
	return reject(reason, station, "%s", err.Error())
}

// rawMN finds the MN field in undecoded bytes ("" when there is none).
func rawMN(raw []byte) string {
	i := bytes.Index(raw, []byte(";MN="))
	if i < 0 {
		return ""
	}
	rest := raw[i+len(";MN="):]
	if j := bytes.IndexByte(rest, ';'); j >= 0 {
		return string(rest[:j])
	}
	return ""
}

// DecodeOptions returns the codec options for the registry: a MODBUS CRC is
// accepted only from stations configured with modbus_crc.
func (r *Registry) DecodeOptions() hj212.DecodeOptions {
	return hj212.DecodeOptions{AllowModbusCRC: func(mn string) bool {
		st, ok := r.byMN[mn]
		return ok && st.ModbusCRC
	}}
}

// FromHJ212 turns a decoded data frame into a reading, or explains why not.
// topicStation is the station named by the MQTT topic ("" over TCP, where
// the MN alone names the station).
//
// Mapping: CN 2011 (real-time) takes -Rtd as a 1-minute reading ending at
// DataTime; CN 2051 (minute) and 2061 (hourly) take -Avg, and DataTime is
// the START of their interval (as the logger's QN shows: hourly data for
// 10:00–11:00 carry DataTime 10:00 and are sent just after 11:00), so the
// reading ends at DataTime + interval. CN 2031 (daily) is rejected as
// unsupported: daily values are computed here from hourly ones with the
// validity rules of HJ 633, never taken from a logger. -Flag becomes
// Measure.Flag (only N counts for the AQI, in the 2017 and 2025 flag sets).
func FromHJ212(f hj212.Frame, topicStation string, reg *Registry, lim Limits, opt HJ212Options, now time.Time) (aqwarn.Reading, *Rejection) {
	st, ok := reg.ByMN(f.MN)
	if !ok {
		return aqwarn.Reading{}, reject(ReasonUnknownStation, topicStation, "MN %q is not in the registry", f.MN)
	}
	if topicStation != "" && topicStation != st.ID {
		return aqwarn.Reading{}, reject(ReasonStationMismatch, topicStation, "topic names station %q but MN %s is station %q", topicStation, f.MN, st.ID)
	}
	if st.Password != "" && f.PW != st.Password {
		return aqwarn.Reading{}, reject(ReasonBadPassword, st.ID, "PW does not match the password configured for MN %s", f.MN)
	}
	var iv, shift time.Duration
	suffix := "Avg"
	switch f.CN {
	case hj212.CNRealtime:
		iv, suffix = time.Minute, "Rtd"
	case hj212.CNMinute:
		iv = opt.MinuteInterval
		if iv <= 0 {
			iv = time.Minute
		}
		shift = iv
	case hj212.CNHourly:
		iv, shift = time.Hour, time.Hour
	case hj212.CNDaily:
		return aqwarn.Reading{}, reject(ReasonUnsupported, st.ID, "CN=2031 daily data are not taken: daily values are computed from hourly data")
	default:
		return aqwarn.Reading{}, reject(ReasonUnsupported, st.ID, "CN=%s is not a data upload", f.CN)
	}
	r := aqwarn.Reading{Station: st.ID, Time: f.DataTime.Add(shift).UTC(), Interval: iv}
	if rej := checkTime(r, lim, now); rej != nil {
		return aqwarn.Reading{}, rej
	}
	for code, v := range f.Values {
		p, ok := hj212Pollutants[strings.ToLower(code)]
		if !ok {
			continue
		}
		x := v.Avg
		if suffix == "Rtd" {
			x = v.Rtd
		}
		if x == nil {
			continue // e.g. only -Min/-Max, or a flag without a value
		}
		if rej := checkValue(p, *x, *x, "", st.ID); rej != nil {
			return aqwarn.Reading{}, rej
		}
		r.Values = append(r.Values, aqwarn.Measure{Pollutant: p, Value: *x, Flag: strings.ToUpper(v.Flag)})
	}
	if len(r.Values) == 0 {
		return aqwarn.Reading{}, reject(ReasonNoValues, st.ID, "CN=%s frame has no -%s value of %s", f.CN, suffix, strings.Join(aqwarn.Pollutants, ", "))
	}
	sortMeasures(r.Values)
	return r, nil
}

// HandleHJ212 takes an HJ 212 text frame received over MQTT on the topic of
// station: decoded, checked against the registry, queued (acknowledged once
// durable) or kept as a dead letter (acknowledged once kept).
func (rc *Receiver) HandleHJ212(source, station string, payload []byte, ack func()) {
	f, err := hj212.Decode(payload, rc.Registry.DecodeOptions())
	if err != nil {
		rc.RejectRaw(source, payload, HJ212Rejection(rc.Registry, payload, err), ack)
		return
	}
	if !hj212.IsData(f.CN) {
		ack() // a reply (9011–9014) sent our way carries nothing to store
		return
	}
	r, rej := FromHJ212(f, station, rc.Registry, rc.Limits, rc.HJ212, rc.Now())
	if rej != nil {
		rc.RejectRaw(source, payload, rej, ack)
		return
	}
	if err := rc.Pipeline.Submit(rc.Ctx, Item{Reading: r, Ack: ack}); err != nil {
		return // shutting down: not acknowledged, the broker redelivers
	}
}

// HJ212Handler is the ingest side of the HJ 212 TCP listener.
type HJ212Handler struct {
	Receiver *Receiver
}

var _ hj212.Handler = (*HJ212Handler)(nil)

// HandleFrame returns only once the frame's reading is durable (the listener
// then sends the ACK the logger asked for) or its rejection is kept. Frames
// from an unknown MN or with a wrong password are kept but not acknowledged:
// we do not answer a sender we cannot authenticate.
func (h *HJ212Handler) HandleFrame(ctx context.Context, f hj212.Frame, raw []byte) error {
	rc := h.Receiver
	if !hj212.IsData(f.CN) {
		return nil
	}
	source := "tcp:" + hj212.PeerAddr(ctx)
	r, rej := FromHJ212(f, "", rc.Registry, rc.Limits, rc.HJ212, rc.Now())
	if rej != nil {
		if err := rc.Pipeline.Reject(ctx, source, raw, rej); err != nil {
			return err
		}
		if rej.Reason == ReasonUnknownStation || rej.Reason == ReasonBadPassword {
			return rej
		}
		return nil
	}
	durable := make(chan struct{})
	if err := rc.Pipeline.Submit(ctx, Item{Reading: r, Ack: func() { close(durable) }}); err != nil {
		return err
	}
	select {
	case <-durable:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// HandleInvalid keeps bytes that are not a valid frame as a dead letter.
// Nothing is acknowledged, so a logger whose frame was mangled on the way
// sends it again.
func (h *HJ212Handler) HandleInvalid(ctx context.Context, raw []byte, err error) {
	rc := h.Receiver
	_ = rc.Pipeline.Reject(ctx, "tcp:"+hj212.PeerAddr(ctx), raw, HJ212Rejection(rc.Registry, raw, err))
}
