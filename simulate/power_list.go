package simulate

import (
	"slices"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/reduction"
)

// The demo's scripted misbehaviour (issue 16), for the compliance engine to
// find: NightProducer, told to stop its kilns at orange, complies by day and
// runs them at 90 % at night (22:00–06:00) while an orange or red warning is
// in force; TreatmentOff switches its dust treatment off (2 % of its draw)
// while any warning is in force, its production running as its measures
// allow. Every other source complies.
const (
	NightProducer = "cem-c"
	TreatmentOff  = "cast-b"
)

// Standby is the share of its normal draw a stopped unit still draws
// (controls, lighting, pre-heating).
const Standby = 0.03

// Response tells what the listed sources must do at t: the level of the
// warning whose measures are in force ("" none) and each source's
// instruction at it.
type Response func(t time.Time) (level string, bySource map[string]reduction.Instruction)

// ListMeters are the meters of a list's sources (monitoring.meters), each
// with its unit and that unit's kind. Full loads follow the units'
// capacities (4 kW per t/d of a kiln's base, at least 300 kW); a treatment
// facility draws 15 % of what it serves, a meter of no unit 500 kW. Cement,
// glass and brick kilns run around the clock, the rest on day shifts.
func ListMeters(l *reduction.List) []PowerMeter {
	var out []PowerMeter
	for _, e := range l.Enterprises {
		continuous := e.GuideIndustry == "cement_clinker" || e.GuideIndustry == "flat_glass" || e.GuideIndustry == "brick"
		unitOf := map[string]*reduction.Unit{}
		for i := range e.Units {
			for _, m := range e.Units[i].Meters {
				unitOf[m] = &e.Units[i]
			}
		}
		prodKW := func(u *reduction.Unit) float64 {
			if u.Capacity.Unit == "t/d" {
				return max(300, 4*u.Base())
			}
			return 800
		}
		for _, m := range e.Monitoring.Meters {
			pm := PowerMeter{Source: e.ID, Meter: m, FullKW: 500, Continuous: continuous}
			if u := unitOf[m]; u != nil {
				pm.Unit, pm.Kind = u.ID, u.Kind
				switch u.Kind {
				case reduction.UnitProduction:
					pm.FullKW = prodKW(u)
				case reduction.UnitTreatment:
					served := 0.0
					for i := range e.Units {
						if slices.Contains(e.Units[i].LinkedTreatment, u.ID) {
							served += prodKW(&e.Units[i])
						}
					}
					pm.FullKW = max(100, 0.15*served)
				case reduction.UnitAuxiliary:
					pm.FullKW = 300
				}
			}
			out = append(out, pm)
		}
	}
	return out
}

// ListScripts are the meters' scripts under resp: every meter complies with
// its source's measures in force (CompliantFactor), except the meters of
// NightProducer and TreatmentOff, which misbehave as described there.
func ListScripts(l *reduction.List, meters []PowerMeter, resp Response) map[string]PowerScript {
	out := map[string]PowerScript{}
	for _, m := range meters {
		e, ok := l.Enterprise(m.Source)
		if !ok {
			continue
		}
		compliant := func(end time.Time, normal float64) (float64, bool) {
			_, by := resp(end)
			return normal * CompliantFactor(e, m, by[m.Source]), true
		}
		script := compliant
		switch {
		case m.Source == NightProducer && m.Kind == reduction.UnitProduction:
			script = func(end time.Time, normal float64) (float64, bool) {
				level, _ := resp(end)
				if (level == reduction.LevelOrange || level == reduction.LevelRed) && night(end) {
					return 0.9 * normal, true
				}
				return compliant(end, normal)
			}
		case m.Source == TreatmentOff && m.Kind == reduction.UnitTreatment:
			script = func(end time.Time, normal float64) (float64, bool) {
				if level, _ := resp(end); level != "" {
					return 0.02 * normal, true
				}
				return compliant(end, normal)
			}
		}
		out[m.Key()] = script
	}
	return out
}

// night reports whether the interval ending at end lies in 22:00–06:00
// China time.
func night(end time.Time) bool {
	h := end.Add(-time.Minute).In(aqi.CST).Hour()
	return h >= 22 || h < 6
}

// CompliantFactor is the share of its normal draw meter m of source e
// draws when the source carries out in (its instruction in force; the zero
// value: nothing to do): a stopped unit draws Standby, a unit limited by X %
// draws 1 − X/100 (a cap on a key indicator: the limit over the base), a
// treatment facility runs as the production it serves does, a meter of no
// unit as the source's production on average, an auxiliary unit as usual.
func CompliantFactor(e *reduction.Enterprise, m PowerMeter, in reduction.Instruction) float64 {
	unitFactor := func(u string) float64 {
		f := 1.0
		for _, ms := range in.Measures {
			if len(ms.Targets) > 0 && !slices.Contains(ms.Targets, u) {
				continue
			}
			switch ms.Action {
			case reduction.ActionStopUnit, reduction.ActionStopProcess:
				f = min(f, Standby)
			case reduction.ActionLimitPct:
				f = min(f, 1-ms.Value/100)
			case reduction.ActionCapIndicator:
				if k := ms.KeyIndicator; k != nil && k.Base > 0 {
					f = min(f, k.Limit/k.Base)
				}
			}
		}
		return f
	}
	production := func() float64 {
		sum, n := 0.0, 0
		for _, u := range e.Units {
			if u.Kind == reduction.UnitProduction {
				sum += unitFactor(u.ID)
				n++
			}
		}
		if n == 0 {
			return 1
		}
		return sum / float64(n)
	}
	switch m.Kind {
	case reduction.UnitProduction:
		return unitFactor(m.Unit)
	case reduction.UnitTreatment:
		f := 0.0
		served := false
		for _, u := range e.Units {
			if u.Kind == reduction.UnitProduction && slices.Contains(u.LinkedTreatment, m.Unit) {
				f, served = max(f, unitFactor(u.ID)), true
			}
		}
		if !served {
			return production()
		}
		return f
	case reduction.UnitAuxiliary:
		return 1
	}
	return production()
}
