package ingest

import (
	"context"
	"crypto/subtle"
	"math"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/ingest/hj212"
)

// HJ 212 codes of an air pollution source (ST=31) that are kept: the
// list's four pollutants. 烟尘 (a34013) is the stack's particulate matter and
// 非甲烷总烃 (a24088, NMHC) the usual online measure of VOCs. Flue-gas flow
// (a00000), O2, temperature, pressure and humidity are not kept.
var hj212Emissions = map[string]string{
	"a21026": aqwarn.EmissionSO2,
	"a21002": aqwarn.EmissionNOx,
	"a34013": aqwarn.EmissionPM,
	"a24088": aqwarn.EmissionVOCs,
}

// Bounds of an emission value: a concentration above 100,000 mg/m³ (10 %
// of the flue gas) or more than 10⁶ kg emitted in one interval is an
// analyser or logger fault.
const (
	maxEmissionMgM3 = 1e5
	maxEmissionKg   = 1e6
)

// DecodeOptions are the codec options of the receiver: a MODBUS CRC only
// from stations configured for it (Registry.DecodeOptions), and data of
// air pollution sources (ST=31) only from the listed sources' monitors.
func (rc *Receiver) DecodeOptions() hj212.DecodeOptions {
	o := rc.Registry.DecodeOptions()
	// rc.Sources is read at each frame: the app fills it once the list in
	// force is known, after building the listener.
	o.AllowSystem = func(st, mn string) bool { return st == hj212.STAirSource && rc.Sources.isMonitor(mn) }
	return o
}

// monitorPassword checks the PW of a monitor's frame against the password
// configured for it; a monitor without one is refused.
func monitorPassword(f hj212.Frame, m Monitor) *Rejection {
	var r *Rejection
	switch {
	case m.Password == "":
		r = reject(ReasonBadPassword, "", "no HJ 212 password is configured for the online monitor MN %s of source %s (hj212.monitors): its frames are refused", f.MN, m.Source)
	case subtle.ConstantTimeCompare([]byte(f.PW), []byte(m.Password)) != 1:
		r = reject(ReasonBadPassword, "", "PW does not match the password configured for the online monitor MN %s (source %s)", f.MN, m.Source)
	default:
		return nil
	}
	r.Kind = KindEmission
	return r
}

// FromHJ212Emission turns a data frame of a listed source's online emission
// monitor into an emission reading, or explains why not. topicSource is the
// source named by the MQTT topic ("" over TCP, where the MN alone names it).
//
// Taken: ST=31 (air pollution source) frames of CN 2051 (minute data, the
// interval of hj212.minute_interval) and CN 2061 (hourly data), whose
// DataTime is the START of the interval, so the reading ends at DataTime +
// interval, as for stations. Per kept code (hj212Emissions) -Avg (mg/m³),
// -ZsAvg (mg/m³ at the reference oxygen) and -Cou (kg emitted in the
// interval) as sent, and -Flag. CN 2011 (real-time samples) and 2031 (daily
// data) are rejected as unsupported: set the logger to send minute or hourly
// data to this service.
func FromHJ212Emission(f hj212.Frame, topicSource string, srcs *Sources, lim Limits, opt HJ212Options, now time.Time) (aqwarn.EmissionReading, *Rejection) {
	m, ok := srcs.Monitor(f.MN)
	if !ok {
		r := reject(ReasonUnknownMonitor, "", "MN %q is no listed source's online monitor (monitoring.hj212_mn)", f.MN)
		r.Kind = KindEmission
		return aqwarn.EmissionReading{}, r
	}
	if topicSource != "" && topicSource != m.Source {
		r := reject(ReasonSourceMismatch, "", "topic names source %q but MN %s is a monitor of source %q", topicSource, f.MN, m.Source)
		r.Kind = KindEmission
		return aqwarn.EmissionReading{}, r
	}
	if r := monitorPassword(f, m); r != nil {
		return aqwarn.EmissionReading{}, r
	}
	return emissionReading(f, m, lim, opt, now)
}

// emissionReading converts the frame of an authenticated monitor.
func emissionReading(f hj212.Frame, m Monitor, lim Limits, opt HJ212Options, now time.Time) (aqwarn.EmissionReading, *Rejection) {
	rej := func(reason, format string, args ...any) (aqwarn.EmissionReading, *Rejection) {
		r := reject(reason, "", format, args...)
		r.Kind = KindEmission
		return aqwarn.EmissionReading{}, r
	}
	if f.ST != hj212.STAirSource {
		return rej(ReasonUnsupported, "MN %s is an online emission monitor: its data are ST=31 (air pollution source), not ST=%s", f.MN, f.ST)
	}
	var iv time.Duration
	switch f.CN {
	case hj212.CNMinute:
		iv = opt.MinuteInterval
		if iv <= 0 {
			iv = time.Minute
		}
	case hj212.CNHourly:
		iv = time.Hour
	default:
		return rej(ReasonUnsupported, "CN=%s from an online emission monitor is not taken: send minute (2051) or hourly (2061) data", f.CN)
	}
	e := aqwarn.EmissionReading{Enterprise: m.Source, MN: f.MN, Time: f.DataTime.Add(iv).UTC(), Interval: iv}
	if r := checkAt(e.Time, "", lim, now); r != nil {
		r.Kind = KindEmission
		return aqwarn.EmissionReading{}, r
	}
	for code, v := range f.Values {
		p, ok := hj212Emissions[strings.ToLower(code)]
		if !ok || (v.Avg == nil && v.ZsAvg == nil && v.Cou == nil) {
			continue
		}
		for _, x := range []struct {
			v   *float64
			max float64
			sfx string
		}{{v.Avg, maxEmissionMgM3, "Avg"}, {v.ZsAvg, maxEmissionMgM3, "ZsAvg"}, {v.Cou, maxEmissionKg, "Cou"}} {
			if x.v != nil && (math.IsNaN(*x.v) || *x.v < 0 || *x.v > x.max) {
				return rej(ReasonBadValue, "%s-%s = %v is not a possible value", code, x.sfx, *x.v)
			}
		}
		e.Values = append(e.Values, aqwarn.EmissionValue{Pollutant: p, Avg: v.Avg, ZsAvg: v.ZsAvg, Cou: v.Cou, Flag: strings.ToUpper(v.Flag)})
	}
	if len(e.Values) == 0 {
		return rej(ReasonNoValues, "CN=%s frame has no -Avg, -ZsAvg or -Cou of a21026 (SO2), a21002 (NOx), a34013 (PM) or a24088 (VOCs)", f.CN)
	}
	aqwarn.SortEmissionValues(e.Values)
	return e, nil
}

// HandleEmissionHJ212 takes an HJ 212 frame of a listed source's online
// monitor received over MQTT on <prefix>/emissions/{source}/hj212: decoded,
// checked against the list's monitors and their passwords, queued
// (acknowledged once durable) or kept as a dead letter (acknowledged once
// kept).
func (rc *Receiver) HandleEmissionHJ212(ctx context.Context, source, enterprise string, payload []byte, ack func()) {
	f, err := hj212.Decode(payload, rc.DecodeOptions())
	if err != nil {
		rej := HJ212Rejection(rc.Registry, payload, err)
		rej.Kind = KindEmission
		rc.RejectRaw(ctx, source, payload, rej, ack)
		return
	}
	if !hj212.IsData(f.CN) {
		ack() // a reply sent our way carries nothing to store
		return
	}
	e, rej := FromHJ212Emission(f, enterprise, rc.Sources, rc.Limits, rc.HJ212, rc.Now())
	if rej != nil {
		rc.RejectRaw(ctx, source, payload, rej, ack)
		return
	}
	if err := rc.Pipeline.Submit(ctx, Item{Emission: &e, Ack: ack}); err != nil {
		return // shutting down: not acknowledged, the broker redelivers
	}
}
