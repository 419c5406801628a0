package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

// unitWarning is one warning as a member unit sees it: the warning, the
// unit's notice for its current transition and the unit's tasks.
type unitWarning struct {
	warningView
	RegionZH     string               `json:"region_name_zh,omitempty"`
	RegionEN     string               `json:"region_name_en,omitempty"`
	Acknowledged bool                 `json:"acknowledged"`
	AckedAt      time.Time            `json:"acked_at,omitzero"`
	NoticeSent   time.Time            `json:"notice_sent,omitzero"`
	Escalated    time.Time            `json:"escalated_at,omitzero"`
	Tasks        []followup.TaskState `json:"tasks"`
}

// handleUnitTasks shows a member unit its tasks: for the active warnings,
// or for ?warning_id= (a lifted one, with its follow-up reports).
func handleUnitTasks(a *AlertDeps, p *PublishDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.ready(c) || !p.ready(c) {
			return
		}
		u, ok := p.unit(c)
		if !ok {
			return
		}
		ctx := c.Request.Context()
		var ws []lifecycle.Warning
		if s := c.Query("warning_id"); s != "" {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id < 1 {
				writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "warning_id must be a warning id, not %q", s))
				return
			}
			w, err := a.Warnings.Warning(ctx, id)
			if err != nil {
				writeError(c, err)
				return
			}
			ws = append(ws, w)
		} else {
			var err error
			if ws, err = a.Warnings.ActiveWarnings(ctx); err != nil {
				writeError(c, err)
				return
			}
		}
		out := []unitWarning{}
		for _, w := range ws {
			v := unitWarning{warningView: viewWarning(a.Plan, w, a.Now()), Tasks: []followup.TaskState{}}
			v.Transitions = nil
			if r, ok := a.Plan.Region(w.Region); ok {
				v.RegionZH, v.RegionEN = r.NameZH, r.NameEN
			}
			tasks, err := p.Store.Board(ctx, w.ID)
			if err != nil {
				writeError(c, err)
				return
			}
			for _, t := range tasks {
				if t.Unit == u.ID {
					v.Tasks = append(v.Tasks, t)
				}
			}
			notices, err := p.Store.Notices(ctx, w.ID)
			if err != nil {
				writeError(c, err)
				return
			}
			if cur := followup.CurrentNotice(notices, u.ID); cur != nil {
				v.Acknowledged, v.AckedAt, v.NoticeSent, v.Escalated = !cur.AckedAt.IsZero(), cur.AckedAt, cur.Sent, cur.Escalated
			}
			out = append(out, v)
		}
		c.JSON(http.StatusOK, gin.H{"unit": unitView{ID: u.ID, NameZH: u.NameZH, NameEN: u.NameEN, Role: u.Role,
			Contact: u.Contact, DutyZH: u.DutyZH, DutyEN: u.DutyEN, Channels: []string{}}, "warnings": out})
	}
}
