package hj212

import (
	"time"

	"github.com/aqwarn/aqwarn"
)

// System codes (ST).
const (
	STAmbientAir = "22" // ambient air quality: the stations' system
	STAirSource  = "31" // air pollution source: online emission monitors (taken when DecodeOptions.AllowSystem says so)
	STSystem     = "91" // system interaction, used by replies
)

// Command codes (CN) this package understands.
const (
	CNRealtime  = "2011" // real-time data, -Rtd
	CNMinute    = "2051" // minute data, -Avg/-Min/-Max
	CNHourly    = "2061" // hourly data
	CNDaily     = "2031" // daily data
	CNReply     = "9011" // request reply (station to host)
	CNResult    = "9012" // execution result (station to host)
	CNNotifyAck = "9013" // notification ACK
	CNDataAck   = "9014" // data ACK (host to station)
)

// Protocol versions as found in Flag bits 7..2.
const (
	Version2005 = 2005
	Version2017 = 2017
	Version2025 = 2025
)

// Flag bits below the version.
const (
	flagAck   = 1 << 0 // the sender wants a CN=9014 reply
	flagSplit = 1 << 1 // PNUM/PNO present
)

// beijing is UTC+8 as a fixed zone, so decoding does not depend on the
// tzdata of the host (China has no daylight saving time since 1991).
var beijing = aqwarn.CST

// Beijing returns the fixed UTC+8 zone DataTime is expressed in.
func Beijing() *time.Location { return beijing }

// Value is what one frame says about one pollutant code: the interval
// statistics and the data flag. A nil pointer means the frame did not carry
// that suffix.
type Value struct {
	Rtd *float64 // -Rtd: real-time value
	Avg *float64 // -Avg: interval mean
	Min *float64 // -Min
	Max *float64 // -Max
	Cou *float64 // -Cou: cumulative value

	// Converted values (折算值), mostly sent by pollution-source loggers.
	ZsRtd, ZsAvg, ZsMin, ZsMax *float64

	// Flag is the data flag (N normal, F stopped, M maintenance, S manual,
	// D fault, C calibration, T over range, B communication failure); ""
	// when the frame did not carry one. Only N is valid data for the AQI;
	// deciding that is left to ingest.
	Flag string

	// Other keeps suffixes this package does not interpret (EFlag,
	// SampleTime, …) as sent, so nothing a logger reports is silently lost.
	Other map[string]string
}

// numberSuffixes are the suffixes of a Value's numbers, in the order Encode
// writes them (Cou, Min, Avg, Max, Rtd, then the converted values); decoding
// and encoding both go through Value.number, so the two agree on them.
var numberSuffixes = [...]string{"Cou", "Min", "Avg", "Max", "Rtd", "ZsMin", "ZsAvg", "ZsMax", "ZsRtd"}

// number returns the field of a numeric suffix, nil for any other suffix
// (Flag, or one kept in Other).
func (v *Value) number(suffix string) **float64 {
	switch suffix {
	case "Rtd":
		return &v.Rtd
	case "Avg":
		return &v.Avg
	case "Min":
		return &v.Min
	case "Max":
		return &v.Max
	case "Cou":
		return &v.Cou
	case "ZsRtd":
		return &v.ZsRtd
	case "ZsAvg":
		return &v.ZsAvg
	case "ZsMin":
		return &v.ZsMin
	case "ZsMax":
		return &v.ZsMax
	}
	return nil
}

// Frame is a decoded HJ 212 frame.
type Frame struct {
	QN   string // request id YYYYMMDDhhmmsszzz; "" only in 2005 frames without one
	ST   string // system code
	CN   string // command code
	PW   string // access password, checked by ingest
	MN   string // device id, checked by ingest
	Flag int    // raw Flag field; 0 when absent

	// PNUM and PNO number the parts of a split packet; 0 when absent.
	PNUM, PNO int

	Version  int  // 2005, 2017 or 2025, from Flag bits 7..2
	WantsAck bool // Flag bit 0: the logger expects a CN=9014 reply

	// DataTime is the time the values refer to, in the fixed UTC+8 zone
	// returned by Beijing. Zero for replies without one.
	DataTime time.Time

	// Values is keyed by pollutant code, e.g. "a34004". Unknown codes are
	// kept; ingest ignores what it does not know.
	Values map[string]Value

	// Extra holds CP fields that are neither DataTime nor pollutant items
	// (RtdInterval, QnRtn, ExeRtn, …), as sent.
	Extra map[string]string

	// CRCKind says which checksum matched.
	CRCKind CRCKind
}

// IsData reports whether cn is a data upload this receiver stores.
func IsData(cn string) bool {
	switch cn {
	case CNRealtime, CNMinute, CNHourly, CNDaily:
		return true
	}
	return false
}

func isReply(cn string) bool {
	switch cn {
	case CNReply, CNResult, CNNotifyAck, CNDataAck:
		return true
	}
	return false
}

// versionBits maps a protocol version to Flag bits 7..2 (already shifted
// down). Unknown versions encode as 2017, the edition most loggers speak.
func versionBits(v int) int {
	switch v {
	case Version2005:
		return 0
	case Version2025:
		return 2
	}
	return 1
}

func versionFromBits(b int) (int, bool) {
	switch b {
	case 0:
		return Version2005, true
	case 1:
		return Version2017, true
	case 2:
		return Version2025, true
	}
	return 0, false
}
