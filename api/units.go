package api

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/cap"
	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/alert/publish"
	"github.com/aqwarn/aqwarn/alert/report"
)

// PublishStore is what the delivery endpoints read and change.
type PublishStore interface {
	RecentCAPs(ctx context.Context, limit int) ([]publish.CAPRecord, error)
	WarningCAPs(ctx context.Context, warningID int64) ([]publish.CAPRecord, error)
	Acknowledge(ctx context.Context, warningID int64, unit, by string, at time.Time) (int, error)
	FinishTask(ctx context.Context, warningID int64, unit, task, note string, at time.Time) error
	Board(ctx context.Context, warningID int64) ([]followup.TaskState, error)
	Notices(ctx context.Context, warningID int64) ([]followup.Notice, error)
}

// PublishDeps are the delivery side's dependencies (units.go, feed.go);
// nil: those routes answer 503.
type PublishDeps struct {
	Store PublishStore
	// Deliveries lists the notification log by state ("" for all), newest
	// problems first for duty staff.
	Deliveries func(ctx context.Context, states []string, unit string, limit int) ([]notify.Entry, error)
	// Report gathers an episode's report input (the episode is the warning).
	Report func(ctx context.Context, warningID int64) (report.Input, error)
	Units  []alert.Unit
	// Replies records units' acknowledgements and done reports, audited
	// (the same path as MQTT replies).
	Replies *followup.Replies
	Feed    cap.FeedMeta
	BaseURL string // public address; empty: from the request
	Now     func() time.Time
	// Verifier checks a listed source's notice by its serial and code
	// (publish.Verifier); nil when no reduction list is kept.
	Verifier NoticeVerifier
	// Evidence keeps the photos of execution reports (evidence.go); nil: 503.
	Evidence EvidenceStore
}

// NoticeVerifier says whether a notice with this serial and code was
// issued, and what it said.
type NoticeVerifier interface {
	Verify(ctx context.Context, serial, code string) (publish.NoticeCheck, error)
}

func (p *PublishDeps) ready(c *gin.Context) bool {
	if p == nil || p.Store == nil {
		writeError(c, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "warning delivery is not running"))
		return false
	}
	return true
}

// reply is a unit's reply made through the API by the signed-in user.
func (p *PublishDeps) reply(c *gin.Context, unit string, warningID int64, task, note string) followup.Reply {
	st := staffOf(c)
	return followup.Reply{Channel: "api", Source: c.FullPath(), Unit: unit, Actor: st.User,
		Role: strings.Join(st.Roles, ","), WarningID: warningID, Task: task, Note: note}
}

// base is the public address links are built from: configured (or the
// address the service listens on), never the request's Host header, which
// the client chooses (audit L6).
func (p *PublishDeps) base(*gin.Context) string {
	if p.BaseURL != "" {
		return strings.TrimSuffix(p.BaseURL, "/")
	}
	return "http://localhost"
}

func (p *PublishDeps) unit(c *gin.Context) (alert.Unit, bool) {
	id := c.Param("unit")
	for _, u := range p.Units {
		if u.ID == id {
			return u, true
		}
	}
	writeError(c, aqwarn.Errorf(aqwarn.ENOTFOUND, "no member unit %q in the plan", id))
	return alert.Unit{}, false
}

type ackRequest struct {
	WarningID int64 `json:"warning_id"` // 0: every open notice of the unit
}

// handleAck records a unit's acknowledgement (叫应) of its notices.
func handleAck(p *PublishDeps) gin.HandlerFunc {
	return p.forUnit(func(c *gin.Context, u alert.Unit) {
		var req ackRequest
		if c.Request.ContentLength > 0 && !bindJSON(c, &req) {
			return
		}
		n, err := p.Replies.Acknowledge(c.Request.Context(), p.reply(c, u.ID, req.WarningID, "", ""))
		if err != nil && !errors.Is(err, followup.ErrUnmatched) { // acknowledging twice is no error
			writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"unit": u.ID, "acknowledged": n})
	})
}

type doneRequest struct {
	WarningID int64  `json:"warning_id" binding:"required"`
	Note      string `json:"note"`
}

// handleTaskDone records a unit's report that a task is done, with a note.
func handleTaskDone(p *PublishDeps) gin.HandlerFunc {
	return p.forUnit(func(c *gin.Context, u alert.Unit) {
		var req doneRequest
		if !bindJSON(c, &req) {
			return
		}
		if err := p.Replies.Done(c.Request.Context(), p.reply(c, u.ID, req.WarningID, c.Param("task"), req.Note)); err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"unit": u.ID, "task": c.Param("task"), "state": followup.TaskDone})
	})
}

// boardView is the duty board of a warning: unit × task × state, and each
// unit's acknowledgement.
type boardView struct {
	WarningID int64                 `json:"warning_id"`
	Units     []boardUnit           `json:"units"`
	Tasks     []followup.TaskState  `json:"tasks"`
	Notices   []followup.Notice     `json:"notices"`
	Counts    map[string]int        `json:"counts"`
	Late      []report.LateUnit     `json:"late"`
	unitIndex map[string]*boardUnit `json:"-"`
}

type boardUnit struct {
	ID      string         `json:"id"`
	NameZH  string         `json:"name_zh"`
	NameEN  string         `json:"name_en"`
	Acked   bool           `json:"acknowledged"`
	Tasks   map[string]int `json:"tasks"` // state → count
	Pending int            `json:"notices_unacknowledged"`
	// Role is the recipient's: member, office, or source (a listed
	// source, with its town, type and grade for the board's filters).
	Role string `json:"role"`
	*sourceFacts
	// AckDue is when the current notice had to be acknowledged (a listed
	// source: the list's notices.ack_within after it was sent); Overdue:
	// it is open, unacknowledged and past that, or escalated.
	AckDue  time.Time `json:"ack_due,omitzero"`
	Overdue bool      `json:"overdue"`
}

// handleBoard shows duty staff where every unit stands; rd, when the
// list is kept, describes the listed sources' rows.
func handleBoard(p *PublishDeps, rd *ReductionDeps) gin.HandlerFunc {
	return p.forID(func(c *gin.Context, id int64) {
		ctx := c.Request.Context()
		tasks, err := p.Store.Board(ctx, id)
		if err != nil {
			writeError(c, err)
			return
		}
		notices, err := p.Store.Notices(ctx, id)
		if err != nil {
			writeError(c, err)
			return
		}
		v := boardView{WarningID: id, Tasks: tasks, Notices: notices, Counts: map[string]int{}, unitIndex: map[string]*boardUnit{}}
		for _, u := range p.Units {
			if u.Role == alert.UnitUpstream {
				continue
			}
			bu := boardUnit{ID: u.ID, NameZH: u.NameZH, NameEN: u.NameEN, Tasks: map[string]int{}, Role: cmp.Or(u.Role, alert.UnitMember)}
			if e, ok := rd.source(u); ok {
				f := rd.facts(e, p.Now())
				bu.sourceFacts = &f
			}
			v.Units = append(v.Units, bu)
		}
		for i := range v.Units {
			v.unitIndex[v.Units[i].ID] = &v.Units[i]
		}
		for _, t := range tasks {
			v.Counts[t.State]++
			if u := v.unitIndex[t.Unit]; u != nil {
				u.Tasks[t.State]++
			}
		}
		for _, n := range notices {
			if u := v.unitIndex[n.Unit]; u != nil {
				if n.AckedAt.IsZero() && !n.Closed {
					u.Pending++
				}
				u.Acked = u.Acked || !n.AckedAt.IsZero()
			}
		}
		for i := range v.Units {
			u := &v.Units[i]
			cur := followup.CurrentNotice(notices, u.ID)
			if cur == nil {
				continue
			}
			if u.Role == alert.UnitSource && rd != nil && rd.List != nil && rd.List.Notices.AckWithin.Duration > 0 {
				u.AckDue = cur.Sent.Add(rd.List.Notices.AckWithin.Duration).In(CST)
			}
			open := cur.AckedAt.IsZero() && !cur.Closed
			u.Overdue = open && (!cur.Escalated.IsZero() || (!u.AckDue.IsZero() && p.Now().After(u.AckDue)))
		}
		var names []report.UnitName
		for _, u := range p.Units {
			names = append(names, report.UnitName{ID: u.ID, NameZH: u.NameZH, NameEN: u.NameEN})
		}
		v.Late = report.Compute(report.Input{GeneratedAt: p.Now(), Units: names, Notices: notices, Tasks: tasks}).Late
		c.JSON(http.StatusOK, v)
	})
}

// handleDeliveries lists the notification log (?state=failed for what duty
// staff must follow up by other means).
func handleDeliveries(p *PublishDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !p.ready(c) || p.Deliveries == nil {
			if p != nil && p.Store != nil {
				writeError(c, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "the notification log is not available"))
			}
			return
		}
		var states []string
		if s := c.Query("state"); s != "" {
			states = strings.Split(s, ",")
		}
		limit, _ := strconv.Atoi(c.DefaultQuery("limit", "200"))
		es, err := p.Deliveries(c.Request.Context(), states, c.Query("unit"), max(1, min(limit, 1000)))
		if err != nil {
			writeError(c, err)
			return
		}
		type row struct {
			Key       string    `json:"key"`
			Unit      string    `json:"unit"`
			Channel   string    `json:"channel"`
			Target    string    `json:"target"`
			State     string    `json:"state"`
			Attempts  int       `json:"attempts"`
			Created   time.Time `json:"created"`
			SentAt    time.Time `json:"sent_at,omitzero"`
			NextAt    time.Time `json:"next_at,omitzero"`
			LastError string    `json:"last_error,omitempty"`
		}
		out := make([]row, 0, len(es))
		for _, e := range es {
			target := e.Channel.Target
			if i := strings.IndexByte(target, '?'); i >= 0 {
				target = target[:i] + "?…" // robot tokens stay out of the API
			}
			out = append(out, row{e.Key, e.Recipient.Unit, e.Channel.Kind, target, e.State, e.Attempts, e.Created, e.SentAt, e.NextAt, e.LastError})
		}
		c.JSON(http.StatusOK, gin.H{"deliveries": out})
	}
}

// handleReport serves the episode report: ?format=csv, HTML otherwise.
func handleReport(p *PublishDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !p.ready(c) || p.Report == nil {
			if p != nil && p.Store != nil {
				writeError(c, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "reports are not available"))
			}
			return
		}
		id, ok := pathID(c)
		if !ok {
			return
		}
		in, err := p.Report(c.Request.Context(), id)
		if err != nil {
			writeError(c, err)
			return
		}
		writeReport(c, c.Query("format") == "csv", "episode-"+strconv.FormatInt(id, 10),
			func() ([]byte, error) { return report.HTML(in) }, func() ([]byte, error) { return report.CSV(in) })
	}
}

// unitView is a member unit as duty staff see it: who, role, duty and how
// it is reached (channel kinds; targets are not shown, they may hold tokens).
type unitView struct {
	ID       string   `json:"id"`
	NameZH   string   `json:"name_zh"`
	NameEN   string   `json:"name_en"`
	Role     string   `json:"role"`
	Contact  string   `json:"contact,omitempty"`
	DutyZH   string   `json:"duty_zh,omitempty"`
	DutyEN   string   `json:"duty_en,omitempty"`
	Channels []string `json:"channels"`
}

// handleUnits lists the plan's member units.
func handleUnits(p *PublishDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !p.ready(c) {
			return
		}
		out := make([]unitView, 0, len(p.Units))
		for _, u := range p.Units {
			v := unitView{ID: u.ID, NameZH: u.NameZH, NameEN: u.NameEN, Role: u.Role, Contact: u.Contact, DutyZH: u.DutyZH, DutyEN: u.DutyEN}
			if v.Role == "" {
				v.Role = alert.UnitMember
			}
			if u.Role != alert.UnitUpstream {
				v.Channels = append(v.Channels, notify.ChannelMQTT)
			}
			for _, ch := range u.Channels {
				v.Channels = append(v.Channels, ch.Kind)
			}
			out = append(out, v)
		}
		c.JSON(http.StatusOK, gin.H{"units": out})
	}
}

// forUnit serves a member unit's endpoint: delivery running and the unit
// of the path in the plan, else the one error shape.
func (p *PublishDeps) forUnit(h func(c *gin.Context, u alert.Unit)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !p.ready(c) {
			return
		}
		if u, ok := p.unit(c); ok {
			h(c, u)
		}
	}
}

// forID serves an endpoint about one warning: delivery running and a
// valid id in the path.
func (p *PublishDeps) forID(h func(c *gin.Context, id int64)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !p.ready(c) {
			return
		}
		if id, ok := pathID(c); ok {
			h(c, id)
		}
	}
}
