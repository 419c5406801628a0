package aqwarn

import "time"

// PowerInterval is the interval of meter readings: 15 minutes, the rate of
// the national key-energy-user online system (reduction-list notes §3.1).
const PowerInterval = 15 * time.Minute

// PowerReading is the energy one electricity meter of a listed source drew
// over one 15-minute interval. Time is the END of the interval, in UTC.
// Meters and the units (lines, treatment facilities) they belong to are
// reduction-list data.
type PowerReading struct {
	Enterprise string    `json:"enterprise"`     // the list's source id
	Unit       string    `json:"unit,omitempty"` // the list's unit the meter belongs to ("" when no unit lists it)
	Meter      string    `json:"meter"`
	Time       time.Time `json:"time"`
	KWh        float64   `json:"kwh"`          // energy drawn in the interval
	KW         *float64  `json:"kw,omitempty"` // the power the meter reported with it, when it did
	Flag       string    `json:"flag,omitempty"`
}

// Valid reports whether the reading is usable data ("" or N, as for
// stations).
func (p PowerReading) Valid() bool { return p.Flag == "" || p.Flag == FlagNormal }

// Key identifies a meter's interval: writing a reading with the same key
// again replaces it, so redelivery is harmless.
func (p PowerReading) Key() string {
	return p.Enterprise + "|" + p.Meter + "|" + p.Time.UTC().Format(time.RFC3339)
}

// The pollutants of online emission monitors that are kept: the list's
// four (notes §2.2), named as reduction.Pollutants names them.
const (
	EmissionSO2  = "so2"
	EmissionNOx  = "nox"
	EmissionPM   = "pm"
	EmissionVOCs = "vocs"
)

// EmissionPollutants lists them in a stable order.
var EmissionPollutants = []string{EmissionSO2, EmissionNOx, EmissionPM, EmissionVOCs}

// EmissionReading is what one online emission monitor (HJ 212, air pollution
// source) of a listed source reported for one interval. Time is the END of
// the interval, in UTC.
type EmissionReading struct {
	Enterprise string          `json:"enterprise"` // the list's source id
	MN         string          `json:"mn"`         // the monitor's HJ 212 device id
	Time       time.Time       `json:"time"`
	Interval   time.Duration   `json:"interval"`
	Values     []EmissionValue `json:"values"`
}

// EmissionValue is one pollutant of an emission reading; a nil field was
// not sent.
type EmissionValue struct {
	Pollutant string   `json:"pollutant"`        // so2, nox, pm, vocs
	Avg       *float64 `json:"avg,omitempty"`    // mean concentration, mg/m³ (-Avg)
	ZsAvg     *float64 `json:"zs_avg,omitempty"` // mean concentration converted to the reference oxygen, mg/m³ (-ZsAvg)
	Cou       *float64 `json:"cou,omitempty"`    // amount emitted in the interval, kg (-Cou)
	Flag      string   `json:"flag,omitempty"`
}

// Valid reports whether the value is usable data ("" or N).
func (v EmissionValue) Valid() bool { return v.Flag == "" || v.Flag == FlagNormal }

// Rate is pollutant p's mean emission rate in kg/h over the interval, from
// the amount emitted (-Cou); ok false when p was not sent with an amount
// or its flag says it is not valid.
func (r EmissionReading) Rate(p string) (kgPerHour float64, ok bool) {
	if r.Interval <= 0 {
		return 0, false
	}
	for _, v := range r.Values {
		if v.Pollutant == p && v.Cou != nil && v.Valid() {
			return *v.Cou / r.Interval.Hours(), true
		}
	}
	return 0, false
}

// SortEmissionValues orders values as EmissionPollutants, so that equal
// readings compare equally.
func SortEmissionValues(vs []EmissionValue) {
	sortByOrder(vs, func(v EmissionValue) string { return v.Pollutant }, EmissionPollutants)
}

// Len counts what a spool batch holds.
func (b SpoolBatch) Len() int { return len(b.Readings) + len(b.Power) + len(b.Emissions) }
