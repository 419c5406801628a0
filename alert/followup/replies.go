package followup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

// ReplyStore changes notices and task states on a unit's word.
type ReplyStore interface {
	// Acknowledge marks the unit's open notices (of one warning, or all
	// when warningID is 0) and assigned tasks acknowledged, returning
	// how many notices it closed.
	Acknowledge(ctx context.Context, warningID int64, unit, by string, at time.Time) (int, error)
	// FinishTask marks one open task done with a note (an aqwarn
	// ECONFLICT error when the unit has no such open task).
	FinishTask(ctx context.Context, warningID int64, unit, task, note string, at time.Time) error
}

// DeadLetters keeps what is refused for inspection.
type DeadLetters interface {
	AddDeadLetter(ctx context.Context, d aqwarn.DeadLetter) (int64, error)
}

// Reply is a member unit's acknowledgement (叫应) or, with Task set, its
// report that a task is done. Actor is who the channel authenticated
// ("api:<user>", or "mqtt:<account>" — the broker's ACL lets a unit's
// account write only its own ack topic); By is what the sender says of
// itself, kept as a comment, never as the actor.
type Reply struct {
	Channel   string // "api" or "mqtt"
	Source    string // the topic or route, for dead letters
	Unit      string
	Actor     string
	Role      string
	WarningID int64
	Task      string
	Note      string
	By        string
	Payload   string // as received, for dead letters
}

// Replies is the one path units' replies take, from HTTP and MQTT alike:
// the store changes, and an audit line for each reply that changed
// something. A reply that matches nothing open (no notice to acknowledge,
// no such open task) changes nothing and is not audited: it is refused,
// and kept as a dead letter with its reason.
type Replies struct {
	Store       ReplyStore
	Audit       lifecycle.AuditLog
	DeadLetters DeadLetters
	Now         func() time.Time
}

// Reasons a reply is refused.
const (
	ReasonNothingToAcknowledge = "reply_nothing_to_acknowledge"
	ReasonNoOpenTask           = "reply_no_open_task"
)

// ErrUnmatched wraps the refusal of a reply that matches nothing open.
var ErrUnmatched = errors.New("followup: the reply matches nothing open")

// Acknowledge records an acknowledgement: the number of notices it
// closed, or an error wrapping ErrUnmatched when there was none.
func (r *Replies) Acknowledge(ctx context.Context, rp Reply) (int, error) {
	n, err := r.Store.Acknowledge(ctx, rp.WarningID, rp.Unit, rp.Channel+":"+rp.Actor, r.Now())
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, r.refuse(ctx, rp, ReasonNothingToAcknowledge,
			fmt.Sprintf("unit %s has no unacknowledged notice%s", rp.Unit, ofWarning(rp.WarningID)))
	}
	return n, r.audit(ctx, rp, "unit_ack", fmt.Sprintf("warning %d unit %s", rp.WarningID, rp.Unit), "")
}

// Done records a task reported done.
func (r *Replies) Done(ctx context.Context, rp Reply) error {
	err := r.Store.FinishTask(ctx, rp.WarningID, rp.Unit, rp.Task, rp.Note, r.Now())
	if aqwarn.ErrorCode(err) == aqwarn.ECONFLICT {
		return r.refuse(ctx, rp, ReasonNoOpenTask, fmt.Sprintf("unit %s has no open task %s%s", rp.Unit, rp.Task, ofWarning(rp.WarningID)))
	}
	if err != nil {
		return err
	}
	return r.audit(ctx, rp, "task_done", fmt.Sprintf("warning %d unit %s task %s", rp.WarningID, rp.Unit, rp.Task), rp.Note)
}

func ofWarning(id int64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprintf(" in warning %d", id)
}

func (r *Replies) audit(ctx context.Context, rp Reply, action, subject, comment string) error {
	if r.Audit == nil {
		return nil
	}
	if rp.By != "" {
		if comment != "" {
			comment += " — "
		}
		comment += "reported by (as sent): " + rp.By
	}
	return r.Audit.AppendAudit(ctx, lifecycle.AuditEntry{At: r.Now(), Actor: rp.Actor, Role: rp.Role, Action: action,
		Subject: subject, Comment: comment})
}

// refuse returns the refusal; a reply that came over MQTT (no one to
// answer) is kept as a dead letter too.
func (r *Replies) refuse(ctx context.Context, rp Reply, reason, msg string) error {
	if r.DeadLetters != nil && rp.Channel != "api" {
		if _, err := r.DeadLetters.AddDeadLetter(ctx, aqwarn.DeadLetter{Source: rp.Channel + ":" + rp.Source, Reason: reason,
			Message: msg, Payload: rp.Payload}); err != nil {
			return err
		}
	}
	return &aqwarn.Error{Code: aqwarn.ECONFLICT, Op: "followup.Replies", Message: msg, Err: ErrUnmatched}
}
