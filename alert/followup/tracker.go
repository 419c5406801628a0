package followup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aqwarn/aqwarn/alert/notify"
)

// Store keeps notices and task states for the tracker. (Units change them
// through the store's Acknowledge and FinishTask, called by the API and
// the MQTT ack route.)
type Store interface {
	// Assign records a transition's outcome in one transaction: earlier
	// open notices of the warning close; notices are added (known
	// (transition, unit) pairs are kept); tasks are upserted with the
	// state Merge gives.
	Assign(ctx context.Context, warningID int64, notices []Notice, tasks []TaskState) error
	// OpenNotices lists notices neither acknowledged nor closed.
	OpenNotices(ctx context.Context) ([]Notice, error)
	// MarkNotice saves the resend count and escalation time.
	MarkNotice(ctx context.Context, n Notice) error
}

// Tracker applies the acknowledgement policy.
type Tracker struct {
	Store  Store
	Policy Policy
	// PolicyFor, if set, gives the policy of a recipient (the reduction
	// list's sources have their own); Policy otherwise.
	PolicyFor func(unit string) Policy
	Now       func() time.Time
	// Remind re-sends a notice (k-th reminder); Escalate reports that a
	// recipient has not acknowledged: n.Escalations is 0 for the first
	// escalation and 1 for the second (to the office). Both enqueue
	// deliveries.
	Remind   func(ctx context.Context, n Notice, k int) error
	Escalate func(ctx context.Context, n Notice) error
	Logger   *slog.Logger
}

// Assignment is what one transition does to the units' tasks.
type Assignment struct {
	WarningID  int64
	Transition string
	At         time.Time
	Lift       bool
	// Tasks are assigned (the level's checklist), Released no longer
	// apply (closed on a lift), Suspended are paused until the restart.
	Tasks, Released, Suspended map[string][]notify.Task
	Followups                  []TaskState
}

// Record stores what a transition assigned: a notice for each unit that
// must acknowledge (those given or suspended tasks), and every task state.
func (t *Tracker) Record(ctx context.Context, a Assignment) error {
	warningID, transition, at, lift, tasks, released := a.WarningID, a.Transition, a.At, a.Lift, a.Tasks, a.Released
	// The acknowledgement clock starts when the notice goes out, which
	// may be later than the transition (a delivery resumed after a stop).
	sent := at
	if t.Now != nil {
		sent = t.Now()
	}
	var notices []Notice
	var states []TaskState
	for unit, ts := range tasks {
		if !lift {
			notices = append(notices, Notice{Transition: transition, WarningID: warningID, Unit: unit, Sent: sent})
		}
		for _, task := range ts {
			states = append(states, TaskState{WarningID: warningID, Unit: unit, Task: task.ID, Kind: task.Kind,
				TextZH: task.TextZH, TextEN: task.TextEN, State: TaskAssigned, Assigned: at, Due: task.Due, Updated: at})
		}
	}
	for unit, ts := range released {
		state := TaskReleased
		if lift {
			state = TaskClosed
		}
		for _, task := range ts {
			states = append(states, TaskState{WarningID: warningID, Unit: unit, Task: task.ID, Kind: task.Kind,
				TextZH: task.TextZH, TextEN: task.TextEN, State: state, Assigned: at, Updated: at})
		}
	}
	for unit, ts := range a.Suspended {
		notices = append(notices, Notice{Transition: transition, WarningID: warningID, Unit: unit, Sent: sent})
		for _, task := range ts {
			states = append(states, TaskState{WarningID: warningID, Unit: unit, Task: task.ID, Kind: task.Kind,
				TextZH: task.TextZH, TextEN: task.TextEN, State: TaskSuspended, Assigned: at, Updated: at})
		}
	}
	states = append(states, a.Followups...)
	return t.Store.Assign(ctx, warningID, notices, states)
}

// Check acts on every open notice that is due: reminders, then escalation.
// Run it periodically (gocron); it is safe to run again after a failure.
func (t *Tracker) Check(ctx context.Context) error {
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	open, err := t.Store.OpenNotices(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range open {
		policy := t.Policy
		if t.PolicyFor != nil {
			policy = t.PolicyFor(n.Unit)
		}
		switch Due(n, now(), policy) {
		case Resend:
			if t.Remind == nil {
				continue
			}
			if err := t.Remind(ctx, n, n.Resends+1); err != nil {
				errs = append(errs, fmt.Errorf("remind %s of %s: %w", n.Unit, n.Transition, err))
				continue
			}
			n.Resends++
		case Escalate, EscalateOffice:
			if t.Escalate == nil {
				continue
			}
			if err := t.Escalate(ctx, n); err != nil {
				errs = append(errs, fmt.Errorf("escalate %s of %s: %w", n.Unit, n.Transition, err))
				continue
			}
			if n.Escalated.IsZero() {
				n.Escalated = now()
			}
			n.Escalations++
			if t.Logger != nil {
				t.Logger.Warn("notice not acknowledged; escalated", "unit", n.Unit, "transition", n.Transition, "escalation", n.Escalations)
			}
		default:
			continue
		}
		if err := t.Store.MarkNotice(ctx, n); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
