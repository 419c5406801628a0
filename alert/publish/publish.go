// Package publish turns a published warning transition into what is
// delivered: the CAP 1.2 document (kept, so retries and the feed reuse the
// same identifier), the public message and every unit's checklist, and hands
// the fan-out to the delivery pipeline (package notify).
//
// Its input, Change, is a small type of its own: the warning lifecycle maps
// its recorded transitions onto it (see alert/publish/relay.go (ChangeOf)).
package publish

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/cap"
	"github.com/aqwarn/aqwarn/alert/checklist"
	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/alert/notify"
)

// Change is one published transition of a region's warning.
type Change struct {
	Key       string // the transition's idempotency key (unique)
	WarningID int64
	Kind      string // issue | upgrade | downgrade | lift | health_notice
	Region    string
	From, To  string // plan level ids ("none" for no warning)
	At        time.Time
	// Start is when the transition takes effect: the response's
	// effective start on an issue, the announced hour of a lift.
	Start       time.Time
	ExpectedEnd time.Time
	RestartAt   time.Time // a pause's planned restart
	MaxAQI      int       // highest AQI forecast, 0 when unknown
}

// CAPRecord is a CAP message as kept.
type CAPRecord struct {
	Transition string    `json:"transition"`
	WarningID  int64     `json:"warning_id"`
	Region     string    `json:"region"`
	Identifier string    `json:"identifier"`
	Sender     string    `json:"sender"`
	Sent       time.Time `json:"sent"`
	MsgType    string    `json:"msg_type"`
	XML        string    `json:"-"`
}

// ErrIdentifierTaken is AddCAP's answer when another message has the
// identifier: two messages in the same second need different sequence digits.
var ErrIdentifierTaken = errors.New("publish: CAP identifier already used")

// CAPStore keeps the CAP messages.
type CAPStore interface {
	// AddCAP stores rec unless its transition has one; it returns the
	// stored record either way, or ErrIdentifierTaken.
	AddCAP(ctx context.Context, rec CAPRecord) (CAPRecord, error)
	// WarningCAPs lists a warning's messages, oldest first.
	WarningCAPs(ctx context.Context, warningID int64) ([]CAPRecord, error)
}

// Fanout is the delivery pipeline's entry (notify.Dispatcher).
type Fanout interface {
	Publish(ctx context.Context, ev notify.Event, units []alert.Unit) (int, error)
	Enqueue(ctx context.Context, ds []notify.Delivery) (int, error)
}

// SentLog finds what a unit was sent for a transition (reminders repeat it).
type SentLog interface {
	UnitDeliveries(ctx context.Context, transition, unit string) ([]notify.Delivery, error)
}

// Publisher composes and hands over.
type Publisher struct {
	Plan   *alert.Plan
	Sender cap.Sender
	Status string // CAP status: Actual, or Exercise in the demo
	CAPs   CAPStore
	Fanout Fanout
	AckURL func(unit string) string
	// Tracker, if set, records notices and task states (acknowledgement,
	// the board); Calendar dates the plan-7 follow-ups of a lift (the
	// plan's followups section; weekends only when nil).
	Tracker  *followup.Tracker
	Calendar *followup.Calendar
	Sent     SentLog
	// Sources, if set, is the emission-reduction list: its sources are
	// told their own measures with each transition (sources.go). Primary
	// gives a region's primary pollutant now (only PM-driven warnings
	// push the list's measures); NoticeKey makes the notices'
	// verification codes and VerifyURL says where to check one.
	Sources Sources
	// SourceReportWithin is how long after the response starts a source's
	// execution report is due (the list's notices.report_within).
	SourceReportWithin time.Duration
	Primary            func(region string) string
	NoticeKey          []byte
	VerifyURL          func(serial string) string
}

// Publish composes the messages of c, records the checklists and enqueues
// the delivery. Calling it again for the same transition sends nothing new
// and changes no recorded state.
func (p *Publisher) Publish(ctx context.Context, c Change) error {
	ev, err := p.Compose(ctx, c)
	if err != nil {
		return err
	}
	units := p.Plan.Units
	if p.Sources != nil && c.Kind != string(alert.ActionHealthNotice) {
		units = append(slices.Clip(units), p.Sources.Recipients(c.Region)...)
	}
	// Deliveries first: a notice the tracker waits on exists in the log.
	if _, err := p.Fanout.Publish(ctx, ev, units); err != nil {
		return err
	}
	if p.Tracker != nil {
		var follow []followup.TaskState
		for unit, ts := range ev.Tasks {
			for _, t := range ts {
				if t.Kind == TaskKindFollowup {
					follow = append(follow, followup.TaskState{WarningID: c.WarningID, Unit: unit, Task: t.ID, Kind: t.Kind,
						TextZH: t.TextZH, TextEN: t.TextEN, State: followup.TaskAssigned, Assigned: c.At, Due: t.Due, Updated: c.At})
				}
			}
		}
		tasks := ev.Tasks
		lift := c.Kind == string(alert.ActionLift)
		if lift {
			tasks = nil
		}
		if err := p.Tracker.Record(ctx, followup.Assignment{WarningID: c.WarningID, Transition: c.Key, At: c.At, Lift: lift,
			Tasks: tasks, Released: ev.Released, Suspended: ev.Suspended, Followups: follow}); err != nil {
			return fmt.Errorf("publish: record checklists of %s: %w", c.Key, err)
		}
	}
	return nil
}

// TaskKindFollowup marks the plan-7 follow-up tasks.
const TaskKindFollowup = "followup"

// followups are the plan-7 tasks created on lift, as the plan's followups
// section lists them: the office's go to every unit with role office, the
// others to each member unit that had tasks (released ones); the upstream
// command gets none. Each is due the given number of working days after at.
func (p *Publisher) followups(released map[string][]notify.Task, at time.Time) map[string][]notify.Task {
	cal := p.Calendar
	if cal == nil {
		cal, _ = followup.NewCalendar(nil, nil, nil)
	}
	out := map[string][]notify.Task{}
	for _, u := range p.Plan.Units {
		to := alert.FollowUpToUnitsWithTasks
		switch {
		case u.Role == alert.UnitOffice:
			to = alert.FollowUpToOffice
		case u.Role == alert.UnitUpstream, len(released[u.ID]) == 0:
			continue
		}
		for _, f := range p.Plan.FollowUps {
			if f.To == to {
				out[u.ID] = append(out[u.ID], notify.Task{ID: f.ID, Kind: TaskKindFollowup,
					Due: cal.Deadline(at, f.DueWorkingDays), TextZH: f.TextZH, TextEN: f.TextEN})
			}
		}
	}
	return out
}

// Remind re-sends a unit's notice of a transition (the k-th reminder).
func (p *Publisher) Remind(ctx context.Context, n followup.Notice, k int) error {
	sent, err := p.Sent.UnitDeliveries(ctx, n.Transition, n.Unit)
	if err != nil {
		return err
	}
	var ds []notify.Delivery
	for _, d := range sent {
		if strings.Contains(d.Key, "#") {
			continue // an earlier reminder
		}
		d.Key = fmt.Sprintf("%s#r%d", d.Key, k)
		d.Message.Reminder = k
		ds = append(ds, d)
	}
	_, err = p.Fanout.Enqueue(ctx, ds)
	return err
}

// Escalate reports that a recipient has not acknowledged: a member unit
// to the command office; a listed source first to its supervising units
// (n.Escalations 0), then to the office.
func (p *Publisher) Escalate(ctx context.Context, n followup.Notice) error {
	sent, err := p.Sent.UnitDeliveries(ctx, n.Transition, n.Unit)
	if err != nil {
		return err
	}
	if len(sent) == 0 {
		return fmt.Errorf("publish: nothing was sent to %s for %s", n.Unit, n.Transition)
	}
	orig := sent[0]
	to := func(u alert.Unit) bool { return u.Role == alert.UnitOffice }
	stage := "#escalate-"
	if orig.Recipient.Role == alert.UnitSource && p.Sources != nil {
		if n.Escalations == 0 {
			sup := p.Sources.Supervisors(n.Unit)
			to = func(u alert.Unit) bool { return slices.Contains(sup, u.ID) }
			stage = "#supervisor-"
		}
	}
	var ds []notify.Delivery
	for _, u := range p.Plan.Units {
		if !to(u) {
			continue
		}
		m := orig.Message
		m.Overdue = &orig.Recipient
		m.AckURL = ""
		for _, c := range append([]alert.Channel{notify.UnitChannel(u.ID)}, u.Channels...) {
			ds = append(ds, notify.Delivery{
				Key:       notify.DeliveryKey(n.Transition+stage+n.Unit, u.ID, c),
				Recipient: notify.Recipient{Unit: u.ID, NameZH: u.NameZH, NameEN: u.NameEN, Role: u.Role},
				Channel:   c, Message: m})
		}
	}
	if len(ds) == 0 {
		return fmt.Errorf("publish: nobody to escalate %s's notice to (plan %s: no command office, or the source's supervising units are not units of the plan)", n.Unit, p.Plan.ID)
	}
	_, err = p.Fanout.Enqueue(ctx, ds)
	return err
}

func (p *Publisher) level(id string) (alert.Level, error) {
	l, ok := p.Plan.LevelByID(id)
	if !ok {
		return 0, fmt.Errorf("publish: level %q is not in plan %s", id, p.Plan.ID)
	}
	return l, nil
}

// Compose builds the event of a transition, storing its CAP message the
// first time.
func (p *Publisher) Compose(ctx context.Context, c Change) (notify.Event, error) {
	var ev notify.Event
	region, ok := p.Plan.Region(c.Region)
	if !ok {
		return ev, fmt.Errorf("publish: region %q is not in plan %s", c.Region, p.Plan.ID)
	}
	lift := c.Kind == string(alert.ActionLift)
	m := notify.Message{Transition: c.Key, WarningID: c.WarningID, Kind: c.Kind, Region: c.Region,
		RegionZH: region.NameZH, RegionEN: region.NameEN, LevelID: c.To, At: c.At, Start: c.Start, ExpectedEnd: c.ExpectedEnd,
		RestartAt: c.RestartAt}
	if c.Kind == string(alert.ActionHealthNotice) {
		hn := p.Plan.HealthNotice
		m.LevelZH, m.LevelEN = hn.NameZH, hn.NameEN
		m.HeadlineZH, m.HeadlineEN = region.NameZH+"发布"+hn.NameZH, region.NameEN+": "+hn.NameEN
		m.AdviceZH, m.AdviceEN = checklist.Public(p.Plan, alert.LevelNone)
		ev.Tasks = checklist.For(p.Plan, alert.LevelNone)
		ev.Message, ev.AckURL = m, p.AckURL
		return ev, nil
	}
	from, err := p.level(c.From)
	if err != nil {
		return ev, err
	}
	to, err := p.level(c.To)
	if err != nil {
		return ev, err
	}
	shown := to // the level the message is about: the lifted one on lift
	if lift {
		shown = from
	}
	spec := p.Plan.Spec(shown)
	if spec == nil {
		return ev, fmt.Errorf("publish: %s %s → %s names no level", c.Kind, c.From, c.To)
	}
	if lift {
		m.LevelZH, m.LevelEN = p.Plan.None.NameZH, p.Plan.None.NameEN
	} else {
		m.LevelZH, m.LevelEN, m.ResponseZH, m.ResponseEN, m.Color = spec.NameZH, spec.NameEN, spec.ResponseZH, spec.ResponseEN, spec.Color
		m.AdviceZH, m.AdviceEN = checklist.Public(p.Plan, to)
	}
	rec, a, err := p.capFor(ctx, c, region, *spec, lift)
	if err != nil {
		return ev, err
	}
	m.CAPID, m.CAP = rec.Identifier, rec.XML
	m.HeadlineZH, m.HeadlineEN = a.Infos[0].Headline, a.Infos[1].Headline
	ev.Message, ev.AckURL = m, p.AckURL
	switch c.Kind {
	case cap.KindPause:
		// Every task of the level is suspended until the restart; nothing
		// is assigned or released.
		ev.Suspended = checklist.For(p.Plan, from)
	default:
		ev.Tasks, ev.Released = checklist.Change(p.Plan, from, to, lift)
	}
	if lift {
		// The response ends at the lift's announced hour: the plan-7
		// deadlines count from it.
		ev.Tasks = p.followups(ev.Released, later(c.At, c.Start))
	}
	if p.Sources != nil {
		p.sourceTasks(&ev, c, c.Region)
	}
	return ev, nil
}

// capFor returns the transition's CAP message, building and storing it the
// first time (so a retry reuses the identifier).
func (p *Publisher) capFor(ctx context.Context, c Change, region alert.Region, spec alert.LevelSpec, lift bool) (CAPRecord, *cap.Alert, error) {
	earlier, err := p.CAPs.WarningCAPs(ctx, c.WarningID)
	if err != nil {
		return CAPRecord{}, nil, err
	}
	var refs []cap.Reference
	for _, r := range earlier {
		if r.Transition == c.Key {
			break
		}
		refs = append(refs, cap.Reference{Sender: r.Sender, Identifier: r.Identifier, Sent: r.Sent})
	}
	n := cap.Notice{Kind: c.Kind, Status: p.Status, Sent: c.At, Region: region, Level: spec,
		Onset: c.Start, Expires: c.ExpectedEnd, MaxAQI: c.MaxAQI, References: refs}
	if !lift {
		to, _ := p.level(c.To)
		n.Measures = checklist.PublicMeasures(p.Plan, to)
	}
	// The identifier's last digit tells apart messages sent in the same
	// second (several regions at once): take the first free one.
	for seq := 0; seq <= 9; seq++ {
		n.Seq = seq
		a, err := cap.Build(p.Sender, n)
		if err != nil {
			return CAPRecord{}, nil, err
		}
		xml, err := a.XML()
		if err != nil {
			return CAPRecord{}, nil, err
		}
		rec, err := p.CAPs.AddCAP(ctx, CAPRecord{Transition: c.Key, WarningID: c.WarningID, Region: c.Region,
			Identifier: a.Identifier, Sender: a.Sender, Sent: c.At, MsgType: a.MsgType, XML: string(xml)})
		if errors.Is(err, ErrIdentifierTaken) {
			continue
		}
		if err != nil {
			return CAPRecord{}, nil, err
		}
		if rec.Identifier != a.Identifier { // stored before (a retry): use what was published
			if a, err = cap.Parse([]byte(rec.XML)); err != nil {
				return CAPRecord{}, nil, err
			}
		}
		return rec, a, nil
	}
	return CAPRecord{}, nil, fmt.Errorf("publish: ten CAP messages in the second of %s already", c.At)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
