// Package ingest turns what stations send into readings and makes them
// durable exactly once: decode → validate → queue → batch write (or spool)
// → acknowledge. Anything rejected is counted by reason and kept as a dead
// letter. Adapters live in sub-packages: ingest/mqtt (paho subscriber) and
// ingest/hj212 (the HJ 212 station protocol).
package ingest

import "fmt"

// Reasons a message is rejected. Each is the label of
// aqwarn_ingest_rejected_total and the reason of the dead letter.
const (
	ReasonMalformedJSON   = "malformed_json"   // payload is not the documented JSON
	ReasonMalformedFrame  = "malformed_frame"  // HJ 212 frame cannot be parsed
	ReasonBadLength       = "bad_length"       // HJ 212 length field disagrees
	ReasonBadCRC          = "bad_crc"          // HJ 212 CRC does not match
	ReasonBadPassword     = "bad_password"     // HJ 212 PW does not match the station's
	ReasonUnknownStation  = "unknown_station"  // station id or MN not in the registry
	ReasonStationMismatch = "station_mismatch" // topic names another station than the payload
	ReasonBadTime         = "bad_time"         // missing or unparsable timestamp, or no offset
	ReasonFutureTime      = "future_time"      // more than max_future ahead of now
	ReasonTooOld          = "too_old"          // outside the retention window
	ReasonBadInterval     = "bad_interval"     // averaging interval not 1m, 5m or 1h
	ReasonUnitMissing     = "unit_missing"     // a value without a unit
	ReasonUnitUnknown     = "unit_unknown"     // a unit we cannot convert
	ReasonBadValue        = "bad_value"        // NaN, negative or physically impossible
	ReasonNoValues        = "no_values"        // nothing we measure in the message
	ReasonUnsupported     = "unsupported"      // a valid frame of a kind we do not take (e.g. ST, CN)
	ReasonTooLarge        = "too_large"        // a message over mqtt.max_message_bytes (its first KiB kept)

	// The listed sources' meters and online emission monitors (power.go,
	// emission.go).
	ReasonUnknownMeter   = "unknown_meter"   // the topic names a source or meter the reduction list does not have
	ReasonPowerInvalid   = "power_invalid"   // kwh missing, negative or implausible; time not on a 15-minute boundary; a bad kw or flag
	ReasonUnknownMonitor = "unknown_monitor" // an HJ 212 MN that is no listed source's online monitor
	ReasonSourceMismatch = "source_mismatch" // the topic names another source than the monitor's
)

// Kinds of what listed sources send, the label of the source-readings
// metrics (station readings have none).
const (
	KindPower    = "power"
	KindEmission = "emission"
)

// Rejection explains why a message was turned away.
type Rejection struct {
	Reason  string
	Message string
	Station string
	// Kind is KindPower or KindEmission for what a listed source sent
	// ("" for stations): such rejections are also counted per kind.
	Kind string
}

func (r *Rejection) Error() string { return r.Reason + ": " + r.Message }

func reject(reason, station, format string, args ...any) *Rejection {
	return &Rejection{Reason: reason, Station: station, Message: fmt.Sprintf(format, args...)}
}
