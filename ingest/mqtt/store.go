package mqtt

import (
	"strings"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// outboundStore keeps only what we send. paho also files every QoS 1
// message it receives under "i.<id>" until the PUBACK goes out; in memory
// that copy protects nothing (a crash loses it, and the broker delivers an
// unacknowledged message again anyway), but at tens of thousands of messages
// a second the bookkeeping — a lock and a map write and delete per message —
// showed in the profile. Our own QoS 1 publishes ("o.<id>") are kept as
// before, so they are sent again after a reconnect.
type outboundStore struct{ *paho.MemoryStore }

func newOutboundStore() *outboundStore { return &outboundStore{paho.NewMemoryStore()} }

func inbound(key string) bool { return strings.HasPrefix(key, "i.") }

func (s *outboundStore) Put(key string, m packets.ControlPacket) {
	if !inbound(key) {
		s.MemoryStore.Put(key, m)
	}
}

func (s *outboundStore) Del(key string) {
	if !inbound(key) {
		s.MemoryStore.Del(key)
	}
}
