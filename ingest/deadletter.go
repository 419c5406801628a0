package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn"
)

// Dead letters are bounded (audit M2, M4): a payload is kept up to
// DeadLetterPayloadBytes with its full length and SHA-256, secrets masked;
// from one source and reason at most DeadLetterBurst are kept (and logged)
// per DeadLetterWindow, the rest only counted, so repeated garbage cannot
// fill the store or the log. The rejection counters stay exact.
const (
	DeadLetterPayloadBytes = 4096
	DeadLetterBurst        = 20
	DeadLetterWindow       = time.Minute
)

// hjPassword is the PW field of an HJ 212 frame (CP fields are ';' or
// '&&'-separated; PW sits in the header, ';'-terminated).
var hjPassword = regexp.MustCompile(`PW=[^;&]*`)

// Mask hides secrets in a payload before it is kept or shown: the HJ 212
// password.
func Mask(payload string) string {
	if !strings.Contains(payload, "PW=") {
		return payload
	}
	return hjPassword.ReplaceAllString(payload, "PW=***")
}

// boundDeadLetter masks the payload and keeps its first bytes, with its
// size and hash when cut.
func boundDeadLetter(d *aqwarn.DeadLetter, payload []byte) {
	d.Size = len(payload)
	if len(payload) > DeadLetterPayloadBytes {
		sum := sha256.Sum256(payload)
		d.SHA256 = hex.EncodeToString(sum[:])
		payload = payload[:DeadLetterPayloadBytes]
		d.Truncated = true
	}
	d.Payload = Mask(strings.ToValidUTF8(string(payload), "\uFFFD"))
}

// sampler lets through the first burst of (source, reason) per window.
type sampler struct {
	mu      sync.Mutex
	windows map[string]*sampleWindow
}

type sampleWindow struct {
	start   time.Time
	kept    int
	dropped int
}

// sourceClass is what one sender is: the topic for MQTT, the peer's
// address without the port for TCP.
func sourceClass(source string) string {
	if rest, ok := strings.CutPrefix(source, "tcp:"); ok {
		if host, _, err := net.SplitHostPort(rest); err == nil {
			return "tcp:" + host
		}
	}
	return source
}

// allow reports whether a rejection is kept, and how many of the key were
// dropped in the window that just ended (to log once).
func (s *sampler) allow(source, reason string, now time.Time) (keep bool, droppedBefore int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.windows == nil {
		s.windows = map[string]*sampleWindow{}
	}
	k := sourceClass(source) + "\x00" + reason
	w := s.windows[k]
	if w == nil || now.Sub(w.start) >= DeadLetterWindow {
		if w != nil {
			droppedBefore = w.dropped
		}
		if len(s.windows) > 10_000 { // many sources: forget old windows
			for key, old := range s.windows {
				if now.Sub(old.start) >= DeadLetterWindow {
					delete(s.windows, key)
				}
			}
		}
		w = &sampleWindow{start: now}
		s.windows[k] = w
	}
	if w.kept < DeadLetterBurst {
		w.kept++
		return true, droppedBefore
	}
	w.dropped++
	return false, droppedBefore
}
