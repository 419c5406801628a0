package aqwarn

import (
	"time"
)

// CST is China Standard Time (UTC+8), the zone of every time the service
// shows and of Chinese hour labels (HJ 633, HJ 212 DataTime). A fixed zone:
// nothing depends on the host's tzdata (China has had no daylight saving
// time since 1991). The one definition; aqi.CST is this.
var CST = time.FixedZone("CST", 8*60*60)

// Pollutant codes used on the wire, in storage and in the API.
// Concentrations are µg/m³, CO in mg/m³.
const (
	PM25 = "pm25"
	PM10 = "pm10"
	SO2  = "so2"
	NO2  = "no2"
	CO   = "co"
	O3   = "o3"
)

// Pollutants lists the six pollutants of the AQI in a stable order.
var Pollutants = []string{SO2, NO2, PM10, CO, O3, PM25}

// Data flags of HJ 212. Only FlagNormal values count for the AQI; the
// others are stored with their flag and left out of statistics.
const (
	FlagNormal = "N"
)

// Measure is one pollutant's value in a reading.
type Measure struct {
	Pollutant string  `json:"pollutant"`
	Value     float64 `json:"value"`
	Flag      string  `json:"flag,omitempty"` // "" or "N" is valid data
}

// Valid reports whether the value may be used for the AQI.
func (m Measure) Valid() bool { return m.Flag == "" || m.Flag == FlagNormal }

// Reading is what one station measured over one averaging interval.
// Time is the END of the interval (Chinese hour labels: 13:00 covers
// 12:00–13:00), always stored in UTC.
type Reading struct {
	Station  string
	Time     time.Time
	Interval time.Duration
	Values   []Measure
}

// Value returns the valid value of pollutant p, or ok=false.
func (r Reading) Value(p string) (v float64, ok bool) {
	for _, m := range r.Values {
		if m.Pollutant == p {
			return m.Value, m.Valid()
		}
	}
	return 0, false
}

// Key identifies a reading: the same station, interval end and interval
// always name the same stored point, which makes every write idempotent.
func (r Reading) Key() string {
	return r.Station + "|" + r.Time.UTC().Format(time.RFC3339) + "|" + r.Interval.String()
}

// DeadLetter is a rejected input kept for inspection.
type DeadLetter struct {
	ID       int64     `json:"id"`
	Received time.Time `json:"received"`
	Source   string    `json:"source"` // e.g. "mqtt:aq/stations/s1/readings", "tcp:127.0.0.1:5555"
	Reason   string    `json:"reason"` // machine reason code, also the metric label
	Message  string    `json:"message"`
	Station  string    `json:"station,omitempty"`
	Payload  string    `json:"payload"` // masked (no HJ 212 PW), at most 4 KiB
	// Size is the payload's length as received; SHA256 its hash when
	// Truncated (only the first bytes are kept).
	Size      int    `json:"size"`
	SHA256    string `json:"sha256,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
}

// Station is a monitoring station of the registry (configured, not learnt).
type Station struct {
	ID         string   `yaml:"id" json:"id"`
	NameZH     string   `yaml:"name_zh" json:"name_zh"`
	NameEN     string   `yaml:"name_en" json:"name_en"`
	Region     string   `yaml:"region" json:"region"`
	Lat        float64  `yaml:"lat" json:"lat"`
	Lon        float64  `yaml:"lon" json:"lon"`
	Type       string   `yaml:"type" json:"type"` // national, provincial, county, micro
	Pollutants []string `yaml:"pollutants" json:"pollutants"`
	MN         string   `yaml:"mn" json:"-"`       // HJ 212 device id
	Password   string   `yaml:"password" json:"-"` // HJ 212 PW
	ModbusCRC  bool     `yaml:"modbus_crc" json:"-"`
}

// Region is the county or one of its towns. The county's region has no
// parent; a town names the county as its parent. Region AQI is computed from
// the mean concentrations of the stations whose Region is this one or a
// descendant.
type Region struct {
	ID     string `yaml:"id" json:"id"`
	NameZH string `yaml:"name_zh" json:"name_zh"`
	NameEN string `yaml:"name_en" json:"name_en"`
	Parent string `yaml:"parent" json:"parent,omitempty"`
	Code   string `yaml:"code" json:"code,omitempty"` // GB/T 2260 division code
	// Warnings false lists a region (in the plan) for its AQI and its
	// units only: the plan's warnings are not evaluated for it (a
	// county-wide plan whose towns are not warning areas of their own).
	// Absent means true.
	Warnings *bool `yaml:"warnings,omitempty" json:"warnings,omitempty"`
}

// Warned reports whether the plan evaluates warnings for the region.
func (r Region) Warned() bool { return r.Warnings == nil || *r.Warnings }

// SpoolBatch is a run of spooled readings, oldest first, with the id of the
// last one so it can be dropped once the primary store has it. The listed
// sources' meter and emission readings share the spool with the stations'.
type SpoolBatch struct {
	Readings  []Reading
	Power     []PowerReading
	Emissions []EmissionReading
	LastID    int64
}

// StationStatus is what duty staff see of one station.
type StationStatus struct {
	Station   string    `json:"station"`
	Online    bool      `json:"online"`
	Reason    string    `json:"reason,omitempty"` // silent or invalid_data while offline
	Since     time.Time `json:"since"`            // when the current state began
	LastSeen  time.Time `json:"last_seen"`        // last message of any kind (zero: none since start)
	LastValid time.Time `json:"last_valid"`       // last reading with a valid value
}

// SortMeasures orders values by Pollutants, so that equal readings render
// (and compare) equally.
func SortMeasures(ms []Measure) {
	sortByOrder(ms, func(m Measure) string { return m.Pollutant }, Pollutants)
}

// sortByOrder sorts xs stably by where name(x) stands in order (names not
// in it last): an insertion sort, as the lists are a handful long and
// this allocates nothing.
func sortByOrder[T any](xs []T, name func(T) string, order []string) {
	rank := func(x T) int {
		n := name(x)
		for i, q := range order {
			if q == n {
				return i
			}
		}
		return len(order)
	}
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && rank(xs[j]) < rank(xs[j-1]); j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}
