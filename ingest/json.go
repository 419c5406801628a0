package ingest

import (
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn"
)

// JSONReading is the documented JSON payload on aq/stations/{station}/readings.
//
//	{"station": "tuojiang-1", "time": "2026-12-01T13:00:00+08:00", "interval": "1h",
//	 "values": {"pm25": {"value": 35, "unit": "ug/m3"},
//	            "no2":  {"value": 21.5, "unit": "ppb", "flag": "N"},
//	            "co":   {"value": 0.8, "unit": "mg/m3"}}}
//
// time is the END of the averaging interval and must carry an offset.
type JSONReading struct {
	Station  string               `json:"station"`
	Time     string               `json:"time"`
	Interval string               `json:"interval"`
	Values   map[string]JSONValue `json:"values"`
}

// JSONValue is one pollutant's value with its unit and optional HJ 212 flag.
type JSONValue struct {
	Value *float64 `json:"value"`
	Unit  string   `json:"unit"`
	Flag  string   `json:"flag,omitempty"`
}

// Limits bound what a reading may say about time and values.
type Limits struct {
	MaxFuture time.Duration // readings further ahead than this are rejected
	Retention time.Duration // readings older than this are rejected (0: no limit)
}

// Molar masses (g/mol) and the molar volume at GB 3095's reference state
// (298.15 K, 1013.25 hPa): 24.465 L/mol. µg/m³ = ppb × M / 24.465.
const molarVolume = 24.465

var molarMass = map[string]float64{aqwarn.SO2: 64.066, aqwarn.NO2: 46.0055, aqwarn.O3: 47.9982, aqwarn.CO: 28.0101}

// upper bounds of what an analyser can report; above them a value is a
// fault, not air. Generous: Beijing's worst hours stay far below.
var impossible = map[string]float64{
	aqwarn.PM25: 5000, aqwarn.PM10: 10000, aqwarn.SO2: 20000, aqwarn.NO2: 10000,
	aqwarn.O3: 5000, aqwarn.CO: 200, // CO mg/m³
}

var intervals = map[string]time.Duration{"1m": time.Minute, "5m": 5 * time.Minute, "1h": time.Hour,
	"PT1M": time.Minute, "PT5M": 5 * time.Minute, "PT1H": time.Hour}

// DecodeJSON turns a JSON payload received on the topic of topicStation into
// a reading, or explains why not. now is the receiver's clock.
func DecodeJSON(payload []byte, topicStation string, reg *Registry, lim Limits, now time.Time) (aqwarn.Reading, *Rejection) {
	var in rawReading
	if !parseJSONFast(payload, &in) {
		var slow JSONReading
		if err := json.Unmarshal(payload, &slow); err != nil {
			return aqwarn.Reading{}, reject(ReasonMalformedJSON, topicStation, "payload is not valid JSON: %v", err)
		}
		in.fromJSON(slow)
	}
	// in holds views into payload: every string the reading keeps comes
	// from the registry, the pollutant list or a copy.
	station := topicStation
	if len(in.station) > 0 {
		if topicStation != "" && string(in.station) != topicStation {
			return aqwarn.Reading{}, reject(ReasonStationMismatch, topicStation, "topic names station %q but payload says %q", topicStation, in.station)
		}
		station = string(in.station)
	}
	st, ok := reg.Station(station)
	if !ok {
		return aqwarn.Reading{}, reject(ReasonUnknownStation, station, "station %q is not in the registry", station)
	}
	t, err := time.Parse(time.RFC3339, string(in.time))
	if err != nil {
		return aqwarn.Reading{}, reject(ReasonBadTime, st.ID, "time %q is not RFC 3339 with an offset (e.g. 2026-12-01T13:00:00+08:00)", in.time)
	}
	iv, ok := intervals[string(in.interval)]
	if !ok {
		return aqwarn.Reading{}, reject(ReasonBadInterval, st.ID, "interval %q must be 1m, 5m or 1h", in.interval)
	}
	r := aqwarn.Reading{Station: st.ID, Time: t.UTC(), Interval: iv}
	if rej := checkTime(r, lim, now); rej != nil {
		return aqwarn.Reading{}, rej
	}
	for i := range in.n {
		v := in.at(i)
		p, known := pollutantName(v.name)
		if !known {
			continue // weather and other parameters are not ours to keep
		}
		if r.Values == nil {
			r.Values = make([]aqwarn.Measure, 0, in.n)
		}
		for _, m := range r.Values {
			if m.Pollutant == p {
				// "pm25" and "PM2.5" in one payload: which to keep would
				// depend on the sender's order, so neither is taken.
				return aqwarn.Reading{}, reject(ReasonMalformedJSON, st.ID, "%s is given twice (as %q and another spelling)", p, v.name)
			}
		}
		if !v.hasValue {
			return aqwarn.Reading{}, reject(ReasonBadValue, st.ID, "%s has no value", p)
		}
		unit := unitName(v.unit)
		val, rej := toStandardUnit(p, v.value, unit, st.ID)
		if rej != nil {
			return aqwarn.Reading{}, rej
		}
		if rej := checkValue(p, val, v.value, unit, st.ID); rej != nil {
			return aqwarn.Reading{}, rej
		}
		r.Values = append(r.Values, aqwarn.Measure{Pollutant: p, Value: val, Flag: flagName(v.flag)})
	}
	if len(r.Values) == 0 {
		return aqwarn.Reading{}, reject(ReasonNoValues, st.ID, "no pollutant values (want any of %s)", strings.Join(aqwarn.Pollutants, ", "))
	}
	aqwarn.SortMeasures(r.Values)
	return r, nil
}

// pollutantName returns our name of a pollutant named in a payload (any
// case; "pm2.5" for pm25), or false for anything we do not keep.
func pollutantName(b []byte) (string, bool) {
	for _, p := range aqwarn.Pollutants {
		if string(b) == p {
			return p, true
		}
	}
	lower := strings.ToLower(string(b))
	if lower == "pm2.5" {
		return aqwarn.PM25, true
	}
	for _, p := range aqwarn.Pollutants {
		if lower == p {
			return p, true
		}
	}
	return "", false
}

// unitName returns the unit as a string, without allocating for the
// common spellings.
func unitName(b []byte) string {
	for _, u := range [...]string{"ug/m3", "mg/m3", "ppb", "ppm", ""} {
		if string(b) == u {
			return u
		}
	}
	return string(b)
}

// upperFlags holds the one-letter HJ 212 flags, upper-cased.
var upperFlags = func() (t [128]string) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c], t[c+'a'-'A'] = string(c), string(c)
	}
	return t
}()

// flagName upper-cases a flag; the usual one-letter flags without
// allocating.
func flagName(b []byte) string {
	if len(b) == 1 && b[0] < 128 && upperFlags[b[0]] != "" {
		return upperFlags[b[0]]
	}
	return strings.ToUpper(string(b))
}

func checkTime(r aqwarn.Reading, lim Limits, now time.Time) *Rejection {
	return checkAt(r.Time, r.Station, lim, now)
}

// checkAt rejects a time (an interval's end) too far ahead of now or older
// than the retention; station names the sender in the rejection.
func checkAt(t time.Time, station string, lim Limits, now time.Time) *Rejection {
	if lim.MaxFuture > 0 && t.Sub(now) > lim.MaxFuture {
		return reject(ReasonFutureTime, station, "time %s is %s ahead of the receiver's clock (limit %s)",
			t.Format(time.RFC3339), t.Sub(now).Round(time.Second), lim.MaxFuture)
	}
	if lim.Retention > 0 && now.Sub(t) > lim.Retention {
		return reject(ReasonTooOld, station, "time %s is older than the retention of %s", t.Format(time.RFC3339), lim.Retention)
	}
	return nil
}

// checkValue rejects NaN, infinite, negative and impossible values; val is
// in our unit, sent and unit are what the station said (for the message).
func checkValue(p string, val, sent float64, unit, station string) *Rejection {
	if math.IsNaN(val) || math.IsInf(val, 0) || val < 0 || val > impossible[p] {
		return reject(ReasonBadValue, station, "%s = %v %s is not a possible concentration", p, sent, unit)
	}
	return nil
}

// toStandardUnit converts to µg/m³ (CO: mg/m³).
func toStandardUnit(p string, v float64, unit, station string) (float64, *Rejection) {
	u := unit
	switch unit {
	case "ug/m3", "mg/m3", "ppb", "ppm": // the common spellings, without allocating
	default:
		u = strings.ToLower(strings.ReplaceAll(unit, "³", "3"))
		u = strings.ReplaceAll(u, "µ", "u")
		u = strings.ReplaceAll(u, "μ", "u")
	}
	switch u {
	case "":
		return 0, reject(ReasonUnitMissing, station, "%s has no unit (want ug/m3, mg/m3, ppb or ppm)", p)
	case "ug/m3":
		if p == aqwarn.CO {
			return v / 1000, nil
		}
		return v, nil
	case "mg/m3":
		if p == aqwarn.CO {
			return v, nil
		}
		return v * 1000, nil
	case "ppb", "ppm":
		m, ok := molarMass[p]
		if !ok {
			return 0, reject(ReasonUnitUnknown, station, "%s cannot be given in %s (particles are measured by mass)", p, unit)
		}
		ppb := v
		if u == "ppm" {
			ppb = v * 1000
		}
		ug := ppb * m / molarVolume
		if p == aqwarn.CO {
			return ug / 1000, nil
		}
		return ug, nil
	}
	return 0, reject(ReasonUnitUnknown, station, "%s unit %q is not one of ug/m3, mg/m3, ppb, ppm", p, unit)
}
