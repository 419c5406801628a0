// Package webhook delivers notices as signed JSON POSTs.
//
// The body is JSON (Payload). Two headers let the receiver check it came from
// us and is fresh: X-Aqwarn-Timestamp (unix seconds) and X-Aqwarn-Signature,
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)). Receivers
// reject timestamps outside a tolerance (replay) and use
// X-Aqwarn-Idempotency-Key to drop a redelivered notice (Verify does the
// first two).
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/aqwarn/aqwarn/alert/notify"
)

// Header names.
const (
	HeaderTimestamp  = "X-Aqwarn-Timestamp"
	HeaderSignature  = "X-Aqwarn-Signature"
	HeaderKey        = "X-Aqwarn-Idempotency-Key"
	HeaderRedelivery = "X-Aqwarn-Redelivery"
	DefaultTolerance = 5 * time.Minute
	signaturePrefix  = "sha256="
)

// Payload is the JSON body.
type Payload = notify.Payload

// Notifier posts to the channel's target URL.
type Notifier struct {
	Client *http.Client // default: 10 s timeout
	// Secret returns the signing key of a channel by its secret_env name
	// (typically os.Getenv); the empty name asks for the default key.
	Secret func(name string) string
	Now    func() time.Time
}

var _ notify.Notifier = (*Notifier)(nil)

// Sign returns the signature header value of body sent at ts.
func Sign(secret []byte, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return signaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// Headers are the signature, timestamp and idempotency headers of body
// sent at ts for delivery d (and the gateways that take the same scheme).
func Headers(secret []byte, ts int64, body []byte, d notify.Delivery) http.Header {
	h := http.Header{}
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, Sign(secret, ts, body))
	h.Set(HeaderKey, d.Key)
	if d.Redelivery {
		h.Set(HeaderRedelivery, "true")
	}
	return h
}

// Errors of Verify.
var (
	ErrBadSignature = errors.New("webhook: signature does not match")
	ErrStale        = errors.New("webhook: timestamp outside tolerance (replay?)")
)

// Verify checks a received request's timestamp and signature headers.
func Verify(secret []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: bad %s: %w", HeaderTimestamp, err)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	if !hmac.Equal([]byte(h.Get(HeaderSignature)), []byte(Sign(secret, ts, body))) {
		return ErrBadSignature
	}
	return nil
}

// Notify posts one delivery.
func (n *Notifier) Notify(ctx context.Context, d notify.Delivery) (bool, error) {
	secret := ""
	if n.Secret != nil {
		secret = n.Secret(d.Channel.SecretEnv)
	}
	if secret == "" {
		return false, fmt.Errorf("webhook %s: no signing secret (set %s)", d.Channel.Target, orDefault(d.Channel.SecretEnv))
	}
	body, err := json.Marshal(notify.PayloadOf(d))
	if err != nil {
		return false, err
	}
	now := time.Now
	if n.Now != nil {
		now = n.Now
	}
	_, retry, err := notify.Post(ctx, n.Client, d.Channel.Target, body, Headers([]byte(secret), now().Unix(), body, d))
	if err != nil {
		return retry, fmt.Errorf("webhook: %w", err)
	}
	return false, nil
}

func orDefault(name string) string {
	if name == "" {
		return "the default webhook secret"
	}
	return name
}
