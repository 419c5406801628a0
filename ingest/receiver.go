package ingest

import (
	"context"
	"time"
)

// Receiver turns messages into pipeline items: decode, validate, and either
// queue the reading (acknowledged once durable) or keep the rejection
// (acknowledged once the dead letter is stored).
type Receiver struct {
	Pipeline *Pipeline
	Registry *Registry
	// Sources are the reduction list's meters and online emission
	// monitors (nil: none; their data are refused).
	Sources *Sources
	Limits  Limits
	HJ212   HJ212Options
	Now     func() time.Time
}

// Each Handle method takes the context that bounds blocking on a full
// queue: it ends at shutdown, after which un-queued messages stay
// un-acknowledged and come back from the broker.

// HandleJSON takes a JSON reading received on the topic of station (""
// when the transport names no station).
func (rc *Receiver) HandleJSON(ctx context.Context, source, station string, payload []byte, ack func()) {
	r, rej := DecodeJSON(payload, station, rc.Registry, rc.Limits, rc.Now())
	if rej != nil {
		if err := rc.Pipeline.Reject(ctx, source, payload, rej); err == nil {
			ack()
		}
		return
	}
	if err := rc.Pipeline.Submit(ctx, Item{Reading: r, Ack: ack}); err != nil {
		return // shutting down: not acknowledged, the broker redelivers
	}
}

// RejectRaw keeps input that failed before decoding (e.g. a topic that
// names no station) and acknowledges it once kept.
func (rc *Receiver) RejectRaw(ctx context.Context, source string, payload []byte, rej *Rejection, ack func()) {
	if err := rc.Pipeline.Reject(ctx, source, payload, rej); err == nil && ack != nil {
		ack()
	}
}
