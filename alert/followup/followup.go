// Package followup holds the rules after a notice is sent: acknowledgement
// (叫应) with re-sends and escalation to the command office when a unit does
// not answer, the states of each unit's tasks (the duty board), and the
// plan-7 follow-up deadlines counted in working days. It is pure: callers
// pass now.
package followup

import (
	"time"
)

// Policy is when to remind and when to escalate, counted from the first
// send of a notice.
type Policy struct {
	ResendAfter   time.Duration // remind after this long without an acknowledgement (default 15 min)
	MaxResends    int           // at most this many reminders (default 2)
	EscalateAfter time.Duration // then escalate (default 45 min): to the command office, or for a listed source to its supervising units
	// OfficeAfter, when set, is a second escalation: a listed source that
	// still has not acknowledged is reported to the command office too
	// (the reduction list's notices: 1 h to the supervising unit, 2 h to
	// the office). Zero: one escalation only.
	OfficeAfter time.Duration
}

func (p Policy) WithDefaults() Policy {
	if p.ResendAfter <= 0 {
		p.ResendAfter = 15 * time.Minute
	}
	if p.MaxResends < 0 {
		p.MaxResends = 0
	} else if p.MaxResends == 0 {
		p.MaxResends = 2
	}
	if p.EscalateAfter <= 0 {
		p.EscalateAfter = 45 * time.Minute
	}
	return p
}

// Notice is one unit's notice of one transition, as far as acknowledgement goes.
type Notice struct {
	Transition string    `json:"transition"`
	WarningID  int64     `json:"warning_id"`
	Unit       string    `json:"unit"`
	Sent       time.Time `json:"sent"`
	AckedAt    time.Time `json:"acked_at,omitzero"`
	AckBy      string    `json:"ack_by,omitempty"`
	Resends    int       `json:"resends"`
	Escalated  time.Time `json:"escalated_at,omitzero"`
	// Escalations counts the escalations made (the first at Escalated; a
	// second, to the office, under Policy.OfficeAfter).
	Escalations int  `json:"escalations,omitempty"`
	Closed      bool `json:"closed,omitempty"` // superseded by a later transition or a lift
}

// Action is what is due for a notice.
type Action int

const (
	None Action = iota
	Resend
	Escalate
	EscalateOffice // the second escalation (Policy.OfficeAfter)
)

func (a Action) String() string {
	return [...]string{"none", "resend", "escalate", "escalate-office"}[a]
}

// Due decides what is due for n at now: nothing once acknowledged or
// closed; the k-th reminder at Sent + k·ResendAfter (k ≤ MaxResends); one
// escalation at Sent + EscalateAfter; with OfficeAfter set, a second one
// at Sent + OfficeAfter.
func Due(n Notice, now time.Time, p Policy) Action {
	p = p.WithDefaults()
	if !n.AckedAt.IsZero() || n.Closed {
		return None
	}
	age := now.Sub(n.Sent)
	if n.Escalated.IsZero() && age >= p.EscalateAfter {
		return Escalate
	}
	if !n.Escalated.IsZero() && n.Escalations < 2 && p.OfficeAfter > 0 && age >= p.OfficeAfter {
		return EscalateOffice
	}
	if n.Resends < p.MaxResends && age >= time.Duration(n.Resends+1)*p.ResendAfter && n.Escalated.IsZero() {
		return Resend
	}
	return None
}

// Task states on the duty board.
const (
	TaskAssigned     = "assigned"     // sent, not yet acknowledged
	TaskAcknowledged = "acknowledged" // the unit confirmed receipt
	TaskDone         = "done"         // reported done, with a note
	TaskReleased     = "released"     // no longer applies after a downgrade
	TaskClosed       = "closed"       // closed by the lift
	TaskSuspended    = "suspended"    // paused with the warning, until it resumes
)

// TaskState is one cell of the board: unit × task.
type TaskState struct {
	WarningID int64     `json:"warning_id"`
	Unit      string    `json:"unit"`
	Task      string    `json:"task"`
	Kind      string    `json:"kind"` // measure kind, or "followup" for the plan-7 reports
	TextZH    string    `json:"text_zh"`
	TextEN    string    `json:"text_en"`
	State     string    `json:"state"`
	Assigned  time.Time `json:"assigned"`
	Due       time.Time `json:"due,omitzero"`
	Updated   time.Time `json:"updated"`
	Note      string    `json:"note,omitempty"`
}

// Late reports whether a task with a deadline was not done in time by now.
func (t TaskState) Late(now time.Time) bool {
	if t.Due.IsZero() {
		return false
	}
	if t.State == TaskDone {
		return t.Updated.After(t.Due)
	}
	return now.After(t.Due)
}

// Merge is the state a task takes when a transition assigns it next again:
// a report of done stands; an acknowledged task stays acknowledged when the
// same task is assigned again (a retry, an upgrade); otherwise the newer
// state wins (a released task can be assigned again on an upgrade).
func Merge(old, next string) string {
	switch {
	case old == "":
		return next
	case old == TaskDone:
		return TaskDone
	case next == TaskAssigned && old == TaskAcknowledged:
		return TaskAcknowledged
	}
	return next
}

// CurrentNotice is the notice of a unit that counts: the open one of the
// current transition; after a lift, the newest. Nil when it has none.
func CurrentNotice(notices []Notice, unit string) *Notice {
	var cur *Notice
	for i, n := range notices {
		if n.Unit != unit {
			continue
		}
		if cur == nil || (cur.Closed && !n.Closed) || (cur.Closed == n.Closed && n.Sent.After(cur.Sent)) {
			cur = &notices[i]
		}
	}
	return cur
}

// Evidence is a photo attached to a task's execution report.
type Evidence struct {
	WarningID   int64     `json:"warning_id"`
	Unit        string    `json:"unit"`
	Task        string    `json:"task"`
	SHA256      string    `json:"sha256"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	At          time.Time `json:"at"`
	By          string    `json:"by"`
}
