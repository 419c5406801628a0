// Package notify delivers published warnings: a chain of small stages in the
// manner of Alertmanager's notify package.
//
//	route   one transition → one Delivery per (unit, channel), plus the
//	        public message (Route, pure)
//	dedup   the fan-out is written to a persisted log keyed by
//	        (transition, unit, channel) before anything is sent; a key already
//	        there is not added again (Log.Enqueue), and only pending, due
//	        entries are claimed (Log.Claim)
//	retry   a notifier answers (retry bool, err); Next turns that into the
//	        entry's next state with exponential backoff (pure)
//	record  the results of a batch are written in one transaction (Log.Record)
//
// A restart never forgets to send (the fan-out is durable before the first
// send; unclaimed and interrupted entries are picked up again) and a clean
// stop never sends twice (claimed entries finish and are recorded before Run
// returns). After a hard crash between a send and its record the entry is
// sent again flagged as a redelivery with the same idempotency key, which
// receivers use to drop the duplicate: that is the one case the sender alone
// cannot decide.
package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/aqwarn/aqwarn/alert"
)

// Channel kinds with built-in notifiers; a plan may name no other
// (alert.ChannelKinds, checked in kinds_test.go).
const (
	ChannelMQTT     = "mqtt"
	ChannelWebhook  = "webhook"
	ChannelDingTalk = "dingtalk"
	ChannelWeCom    = "wecom"
	ChannelEmail    = "email"
	ChannelSMS      = "sms" // an SMS gateway's HTTP API (alert/sms); the target is the phone number
)

// PublicUnit is the recipient id of the public message.
const PublicUnit = "public"

// Task is one item of a unit's checklist: a measure of the plan the unit
// carries out at the level in force.
type Task struct {
	ID     string `json:"id"` // the measure id
	Kind   string `json:"kind"`
	TextZH string `json:"text_zh"`
	TextEN string `json:"text_en"`
	// Due is the deadline of a follow-up task (plan 7); zero for measures.
	Due time.Time `json:"due,omitzero"`
}

// Message is what one recipient is told about one transition.
type Message struct {
	Transition  string    `json:"transition"` // stable key of the warning transition
	WarningID   int64     `json:"warning_id,omitempty"`
	Kind        string    `json:"kind"` // issue | upgrade | downgrade | lift | health_notice
	Region      string    `json:"region"`
	RegionZH    string    `json:"region_zh"`
	RegionEN    string    `json:"region_en"`
	LevelID     string    `json:"level"` // in force after the transition ("none" after a lift)
	LevelZH     string    `json:"level_zh"`
	LevelEN     string    `json:"level_en"`
	ResponseZH  string    `json:"response_zh,omitempty"`
	ResponseEN  string    `json:"response_en,omitempty"`
	Color       string    `json:"color,omitempty"`
	At          time.Time `json:"at"`
	Start       time.Time `json:"start"`
	ExpectedEnd time.Time `json:"expected_end,omitzero"`
	HeadlineZH  string    `json:"headline_zh"`
	HeadlineEN  string    `json:"headline_en"`
	// Public measures and health advice (the public message) or, for a
	// unit, its checklist and the tasks released by this transition.
	AdviceZH []string `json:"advice_zh,omitempty"`
	AdviceEN []string `json:"advice_en,omitempty"`
	Tasks    []Task   `json:"tasks,omitempty"`
	Released []Task   `json:"released,omitempty"`
	// A pause suspends tasks until RestartAt (the planned restart).
	Suspended []Task    `json:"suspended,omitempty"`
	RestartAt time.Time `json:"restart_at,omitzero"`
	// Reminder counts the re-sends of an unacknowledged notice (0: the
	// first send); Overdue names the unit an escalation is about.
	Reminder int        `json:"reminder,omitempty"`
	Overdue  *Recipient `json:"overdue,omitempty"`
	// AckURL is where the unit acknowledges (叫应); empty for the public.
	AckURL string `json:"ack_url,omitempty"`
	// A listed source's notice carries a serial and a verification code
	// that anyone can check at VerifyURL (forged stop-production notices
	// are a known problem), and names the units that supervise it.
	Serial      string   `json:"serial,omitempty"`
	VerifyCode  string   `json:"verify_code,omitempty"`
	VerifyURL   string   `json:"verify_url,omitempty"`
	Supervisors []string `json:"supervisors,omitempty"`
	// CAP is the warning document (CAP 1.2 XML), for the public feed and
	// the report to the city command.
	CAPID string `json:"cap_id,omitempty"`
	CAP   string `json:"cap,omitempty"`
}

// Recipient is who a delivery is for.
type Recipient struct {
	Unit   string `json:"unit"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
	Role   string `json:"role,omitempty"`
}

// Delivery is one notice on one channel. Key is its idempotency key.
type Delivery struct {
	Key       string        `json:"key"`
	Recipient Recipient     `json:"recipient"`
	Channel   alert.Channel `json:"channel"`
	Message   Message       `json:"message"`
	// Redelivery is set when an earlier attempt may have reached the
	// receiver (the process stopped between sending and recording).
	Redelivery bool `json:"redelivery,omitempty"`
}

// DeliveryKey is the idempotency key of (transition, unit, channel).
func DeliveryKey(transition, unit string, c alert.Channel) string {
	h := sha256.Sum256([]byte(c.Target))
	return transition + "/" + unit + "/" + c.Kind + "-" + hex.EncodeToString(h[:4])
}

// Notifier sends one delivery. retry reports whether a failure may pass if
// tried again (a timeout, a 5xx, a rate limit) or not (a 4xx, a bad address).
type Notifier interface {
	Notify(ctx context.Context, d Delivery) (retry bool, err error)
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, d Delivery) (bool, error)

func (f NotifierFunc) Notify(ctx context.Context, d Delivery) (bool, error) { return f(ctx, d) }

// Entry states.
const (
	StatePending = "pending" // waiting for its (next) attempt
	StateSending = "sending" // claimed by a dispatcher
	StateSent    = "sent"
	StateFailed  = "failed" // gave up: duty staff must act
)

// Entry is a delivery as the log keeps it.
type Entry struct {
	Delivery
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	Created   time.Time `json:"created"`
	NextAt    time.Time `json:"next_at"`
	SentAt    time.Time `json:"sent_at,omitzero"`
	LastError string    `json:"last_error,omitempty"`
}

// Result is the outcome of one attempt, as recorded.
type Result struct {
	Key       string
	State     string // pending (retry later), sent or failed
	At        time.Time
	NextAt    time.Time
	LastError string
}

// Log is the persisted notification log (the outbox).
type Log interface {
	// Enqueue adds deliveries whose key is new, in one transaction, and
	// returns how many were new.
	Enqueue(ctx context.Context, ds []Delivery, now time.Time) (int, error)
	// Claim marks up to limit entries as sending by owner and returns them:
	// pending entries due at now, and entries another owner left sending
	// longer than the log's claim lease ago (those come back with
	// Redelivery set).
	Claim(ctx context.Context, owner string, now time.Time, limit int) ([]Entry, error)
	// Record writes the results of attempts, in one transaction.
	Record(ctx context.Context, rs []Result) error
}

// Payload is what a delivery puts on the wire as JSON (the webhook's body,
// the retained MQTT message): the idempotency key, the recipient, whether
// it is a redelivery, and the message.
type Payload struct {
	Key        string    `json:"key"`
	Unit       Recipient `json:"unit"`
	Redelivery bool      `json:"redelivery,omitempty"`
	Message    Message   `json:"message"`
}

// PayloadOf is the wire form of a delivery.
func PayloadOf(d Delivery) Payload {
	return Payload{Key: d.Key, Unit: d.Recipient, Redelivery: d.Redelivery, Message: d.Message}
}
