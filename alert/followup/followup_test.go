package followup

import (
	"testing"
	"time"
)

var cst = time.FixedZone("CST", 8*3600)

func TestDue(t *testing.T) {
	sent := time.Date(2026, 12, 1, 16, 0, 0, 0, cst)
	p := Policy{ResendAfter: 10 * time.Minute, MaxResends: 2, EscalateAfter: 30 * time.Minute}
	tests := []struct {
		name string
		n    Notice
		at   time.Duration // after sent
		want Action
	}{
		// Too early for anything.
		{"fresh", Notice{}, 5 * time.Minute, None},
		// First reminder after ResendAfter.
		{"first reminder", Notice{}, 10 * time.Minute, Resend},
		// Not again until 2·ResendAfter.
		{"reminded once, early", Notice{Resends: 1}, 15 * time.Minute, None},
		{"second reminder", Notice{Resends: 1}, 20 * time.Minute, Resend},
		// Reminders used up: wait for escalation.
		{"reminders used up", Notice{Resends: 2}, 25 * time.Minute, None},
		// Escalation after EscalateAfter, even if a reminder is also due.
		{"escalate", Notice{Resends: 1}, 31 * time.Minute, Escalate},
		// Escalated once only, and no reminders after it.
		{"escalated", Notice{Resends: 2, Escalated: sent.Add(30 * time.Minute)}, 2 * time.Hour, None},
		// An acknowledged notice needs nothing.
		{"acknowledged", Notice{AckedAt: sent.Add(time.Minute)}, 2 * time.Hour, None},
		// A closed notice (superseded, lifted) needs nothing.
		{"closed", Notice{Closed: true}, 2 * time.Hour, None},
		// Without OfficeAfter there is no second escalation, however long.
		{"one escalation only", Notice{Escalated: sent.Add(30 * time.Minute), Escalations: 1}, 5 * time.Hour, None},
	}
	// A listed source (the reduction list's defaults): a reminder at
	// 30 min, its supervising unit at 1 h, the command office at 2 h.
	src := Policy{ResendAfter: 30 * time.Minute, MaxResends: 1, EscalateAfter: time.Hour, OfficeAfter: 2 * time.Hour}
	srcTests := []struct {
		name string
		n    Notice
		at   time.Duration
		want Action
	}{
		// 30 min: the one reminder.
		{"source reminder", Notice{}, 30 * time.Minute, Resend},
		// 1 h: the supervising unit.
		{"source to supervisor", Notice{Resends: 1}, time.Hour, Escalate},
		// 1 h 59 min: nothing more yet.
		{"source escalated once, early", Notice{Resends: 1, Escalated: sent.Add(time.Hour), Escalations: 1}, 119 * time.Minute, None},
		// 2 h: the command office.
		{"source to office", Notice{Resends: 1, Escalated: sent.Add(time.Hour), Escalations: 1}, 2 * time.Hour, EscalateOffice},
		// Both done: nothing more, ever.
		{"source escalated twice", Notice{Resends: 1, Escalated: sent.Add(time.Hour), Escalations: 2}, 9 * time.Hour, None},
		// Acknowledged after the first escalation: the office is not told.
		{"source acknowledged late", Notice{Escalated: sent.Add(time.Hour), Escalations: 1, AckedAt: sent.Add(90 * time.Minute)}, 3 * time.Hour, None},
	}
	for _, tc := range srcTests {
		t.Run(tc.name, func(t *testing.T) {
			tc.n.Sent = sent
			if got := Due(tc.n, sent.Add(tc.at), src); got != tc.want {
				t.Errorf("Due = %s, want %s", got, tc.want)
			}
		})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.n.Sent = sent
			if got := Due(tc.n, sent.Add(tc.at), p); got != tc.want {
				t.Errorf("Due = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestDeadline(t *testing.T) {
	// 2026: National Day holiday Oct 1–7 (Thu–Wed) with make-up working
	// days Sun Sep 27 and Sat Oct 10 (illustrative configuration).
	cal, err := NewCalendar(cst, []string{"2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"},
		[]string{"2026-09-27", "2026-10-10"})
	if err != nil {
		t.Fatal(err)
	}
	at := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, cst) }
	tests := []struct {
		name string
		from time.Time
		n    int
		want time.Time // end of that day
	}{
		// Tuesday + 1 working day: end of Wednesday.
		{"weekday", at(12, 1, 16), 1, at(12, 3, 0)},
		// Friday evening + 1: end of Monday.
		{"over a weekend", at(12, 4, 20), 1, at(12, 8, 0)},
		// Friday + 5: end of the next Friday.
		{"five days", at(12, 4, 9), 5, at(12, 12, 0)},
		// Saturday + 1: Monday.
		{"from a Saturday", at(12, 5, 9), 1, at(12, 8, 0)},
		// Sep 30 + 1: the holiday and weekend are skipped, but Oct 3–4 are a
		// weekend and Oct 8 (Thu) is the first working day.
		{"national day", at(9, 30, 18), 1, at(10, 9, 0)},
		// Sep 26 (Sat) + 1: the make-up Sunday Sep 27 counts.
		{"make-up working day", at(9, 26, 10), 1, at(9, 28, 0)},
		// Oct 9 (Fri) + 1: the make-up Saturday Oct 10 counts.
		{"make-up saturday", at(10, 9, 10), 1, at(10, 11, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cal.Deadline(tc.from, tc.n); !got.Equal(tc.want) {
				t.Errorf("Deadline = %s, want %s", got.In(cst), tc.want)
			}
		})
	}
	if _, err := NewCalendar(cst, []string{"2026-13-01"}, nil); err == nil {
		t.Error("bad date accepted")
	}
}

func TestLate(t *testing.T) {
	due := time.Date(2026, 12, 3, 0, 0, 0, 0, cst)
	tests := []struct {
		name string
		ts   TaskState
		now  time.Time
		want bool
	}{
		{"open before the deadline", TaskState{State: TaskAssigned, Due: due}, due.Add(-time.Hour), false},
		{"open after the deadline", TaskState{State: TaskAcknowledged, Due: due}, due.Add(time.Hour), true},
		{"done in time", TaskState{State: TaskDone, Due: due, Updated: due.Add(-time.Hour)}, due.Add(48 * time.Hour), false},
		{"done late", TaskState{State: TaskDone, Due: due, Updated: due.Add(time.Hour)}, due.Add(48 * time.Hour), true},
		{"no deadline", TaskState{State: TaskAssigned}, due.Add(480 * time.Hour), false},
	}
	for _, tc := range tests {
		if got := tc.ts.Late(tc.now); got != tc.want {
			t.Errorf("%s: Late = %v", tc.name, got)
		}
	}
}

func TestMerge(t *testing.T) {
	tests := []struct{ old, next, want string }{
		{"", TaskAssigned, TaskAssigned},                   // new task
		{TaskAcknowledged, TaskAssigned, TaskAcknowledged}, // re-assigned: the acknowledgement stands
		{TaskDone, TaskClosed, TaskDone},                   // done stays done at the lift
		{TaskDone, TaskAssigned, TaskDone},                 // and on a retry
		{TaskReleased, TaskAssigned, TaskAssigned},         // upgraded again after a downgrade
		{TaskAcknowledged, TaskReleased, TaskReleased},     // downgrade releases
		{TaskAssigned, TaskClosed, TaskClosed},             // lift closes
	}
	for _, tc := range tests {
		if got := Merge(tc.old, tc.next); got != tc.want {
			t.Errorf("Merge(%q, %q) = %q, want %q", tc.old, tc.next, got, tc.want)
		}
	}
}

// The notice that counts for a unit: the open one (of the current
// transition), else the newest closed one; other units' are ignored.
func TestCurrentNotice(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	ns := []Notice{
		{Transition: "t1", Unit: "edu", Sent: t0, Closed: true},
		{Transition: "t2", Unit: "edu", Sent: t0.Add(time.Hour)},
		{Transition: "t3", Unit: "fin", Sent: t0.Add(2 * time.Hour)},
		{Transition: "t0", Unit: "edu", Sent: t0.Add(-time.Hour), Closed: true},
	}
	if n := CurrentNotice(ns, "edu"); n == nil || n.Transition != "t2" {
		t.Errorf("open notice: %+v, want t2", n)
	}
	ns[1].Closed = true // lifted: every notice closed
	if n := CurrentNotice(ns, "edu"); n == nil || n.Transition != "t2" {
		t.Errorf("after the lift: %+v, want the newest, t2", n)
	}
	if n := CurrentNotice(ns, "police"); n != nil {
		t.Errorf("a unit without notices: %+v", n)
	}
}
