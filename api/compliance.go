package api

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/compliance/inspect"
)

// The inspection loop of compliance (compliance/inspect): the engine's
// findings and the consequences for staff; the inspections for staff and
// for the inspecting unit's own token (a unit:<id> token sees and records
// only its unit's); the phone page /inspect.

// ComplianceDeps is the inspection loop; nil (or no Service): 503.
type ComplianceDeps struct {
	Service *inspect.Service
	Now     func() time.Time
}

func (d *ComplianceDeps) ready(c *gin.Context) bool {
	if d == nil || d.Service == nil {
		writeError(c, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "the inspection loop is not running / 现场检查功能不可用"))
		return false
	}
	return true
}

func (d *ComplianceDeps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	if d.Service.Now != nil {
		return d.Service.Now()
	}
	return time.Now()
}

// handleInspectPage serves the inspector's page (/inspect).
func handleInspectPage() gin.HandlerFunc { return handlePage("inspect.html") }

// eventView is an event in a list: its figures without the evidence series.
type eventView struct {
	inspect.EventRecord
}

func eventViews(es []inspect.EventRecord) []eventView {
	out := make([]eventView, 0, len(es))
	for _, e := range es {
		e.Evidence = nil
		out = append(out, eventView{e})
	}
	return out
}

// handleComplianceEvents is GET /api/v1/compliance/events?state=&enterprise=&rule=&limit=.
func handleComplianceEvents(d *ComplianceDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !d.ready(c) {
			return
		}
		f := inspect.EventFilter{State: compliance.State(c.Query("state")), Enterprise: c.Query("enterprise"), Rule: compliance.Rule(c.Query("rule"))}
		if f.State != "" && !slices.Contains([]compliance.State{compliance.StateOpen, compliance.StateInspecting, compliance.StateConfirmed, compliance.StateDismissed}, f.State) {
			writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "state %q is not open, inspecting, confirmed or dismissed / 状态无效", f.State))
			return
		}
		if f.Rule != "" && !slices.Contains(compliance.Rules, f.Rule) {
			writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "rule %q is not one of %v / 规则无效", f.Rule, compliance.Rules))
			return
		}
		var ok bool
		if f.Limit, ok = limitParam(c); !ok {
			return
		}
		es, err := d.Service.Store.Events(c.Request.Context(), f)
		if err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"events": eventViews(es)})
	}
}

// limitParam reads ?limit= (0 when absent; at most inspect.PageSize).
func limitParam(c *gin.Context) (int, bool) {
	s := c.Query("limit")
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > inspect.PageSize {
		writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "limit %q must be 1 to %d / 条数无效", s, inspect.PageSize))
		return 0, false
	}
	return n, true
}

// handleComplianceEvent is GET /api/v1/compliance/events/{id}: the event
// with its evidence and its inspection.
func handleComplianceEvent(d *ComplianceDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !d.ready(c) {
			return
		}
		ctx := c.Request.Context()
		e, err := d.Service.Store.Event(ctx, c.Param("id"))
		if err != nil {
			writeError(c, err)
			return
		}
		out := gin.H{"event": e}
		if e.InspectionID != 0 {
			in, err := d.Service.Store.Inspection(ctx, e.InspectionID)
			if err != nil {
				writeError(c, err)
				return
			}
			out["inspection"] = d.view(in)
		}
		c.JSON(http.StatusOK, out)
	}
}

// inspectionView is an inspection with where it stands now.
type inspectionView struct {
	inspect.Inspection
	Overdue bool `json:"overdue"`
	Late    bool `json:"late"`
}

func (d *ComplianceDeps) view(in inspect.Inspection) inspectionView {
	now := d.now()
	return inspectionView{Inspection: in, Overdue: in.Overdue(now), Late: in.Late(now)}
}

// units are the units a token inspects for: nil for staff (every unit).
func inspectingUnits(st Staff) []string {
	if st.isStaff() {
		return nil
	}
	var out []string
	for _, r := range st.Roles {
		if u, ok := UnitOfRole(r); ok {
			out = append(out, u)
		}
	}
	return out
}

// handleInspections is GET /api/v1/inspections?unit=&open=&overdue=: the
// newest first; a unit's token sees its unit's only.
func handleInspections(d *ComplianceDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !d.ready(c) {
			return
		}
		st := staffOf(c)
		unit := c.Query("unit")
		own := inspectingUnits(st)
		switch {
		case own == nil: // staff: any unit
		case unit == "" && len(own) == 1:
			unit = own[0]
		case !slices.Contains(own, unit):
			writeError(c, aqwarn.Errorf(aqwarn.EFORBIDDEN, "this token inspects for %v, not %q / 此令牌不属于该单位", own, unit))
			return
		}
		f := inspect.InspectionFilter{Unit: unit}
		flag := func(name string) (*bool, bool) {
			switch c.Query(name) {
			case "":
				return nil, true
			case "true", "1":
				v := true
				return &v, true
			case "false", "0":
				v := false
				return &v, true
			}
			writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "%s must be true or false / 参数无效", name))
			return nil, false
		}
		var ok bool
		if f.Open, ok = flag("open"); !ok {
			return
		}
		overdue, ok := flag("overdue")
		if !ok {
			return
		}
		if f.Limit, ok = limitParam(c); !ok {
			return
		}
		ins, err := d.Service.Store.Inspections(c.Request.Context(), f)
		if err != nil {
			writeError(c, err)
			return
		}
		out := []inspectionView{}
		for _, in := range ins {
			v := d.view(in)
			if overdue == nil || v.Overdue == *overdue {
				out = append(out, v)
			}
		}
		c.JSON(http.StatusOK, gin.H{"inspections": out})
	}
}

// inspection is the inspection of the path, when the token may act for
// its unit (403 otherwise, 404 for none).
func (d *ComplianceDeps) inspection(c *gin.Context) (inspect.Inspection, bool) {
	if !d.ready(c) {
		return inspect.Inspection{}, false
	}
	id, ok := pathID(c)
	if !ok {
		return inspect.Inspection{}, false
	}
	in, err := d.Service.Store.Inspection(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return in, false
	}
	if !staffOf(c).mayActFor(in.Unit) {
		writeError(c, aqwarn.Errorf(aqwarn.EFORBIDDEN, "inspection %d is %s's, not this token's unit / 该检查任务不属于本单位", in.ID, in.Unit))
		return in, false
	}
	return in, true
}

// handleInspection is GET /api/v1/inspections/{id}: the inspection with
// its events' evidence and, for staff, its consequences.
func handleInspection(d *ComplianceDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		in, ok := d.inspection(c)
		if !ok {
			return
		}
		d.writeInspection(c, http.StatusOK, in, nil)
	}
}

// writeInspection answers with an inspection, its events and (for staff,
// or given) its consequences.
func (d *ComplianceDeps) writeInspection(c *gin.Context, status int, in inspect.Inspection, cs []inspect.Consequence) {
	ctx := c.Request.Context()
	events := make([]inspect.EventRecord, 0, len(in.Events))
	for _, id := range in.Events {
		e, err := d.Service.Store.Event(ctx, id)
		if err != nil {
			writeError(c, err)
			return
		}
		events = append(events, e)
	}
	if cs == nil && staffOf(c).isStaff() {
		var err error
		if cs, err = d.Service.Store.Consequences(ctx, inspect.ConsequenceFilter{Inspection: in.ID}); err != nil {
			writeError(c, err)
			return
		}
	}
	if cs == nil {
		cs = []inspect.Consequence{}
	}
	c.JSON(status, gin.H{"inspection": d.view(in), "events": events, "consequences": cs})
}

type findingsRequest struct {
	Findings []inspect.FindingInput `json:"findings"`
	Position *struct {
		Lat       float64 `json:"lat"`
		Lon       float64 `json:"lon"`
		AccuracyM float64 `json:"accuracy_m"`
	} `json:"position"`
}

// handleFindings is POST /api/v1/inspections/{id}/findings.
func handleFindings(d *ComplianceDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		in, ok := d.inspection(c)
		if !ok {
			return
		}
		var req findingsRequest
		if !bindJSON(c, &req) {
			return
		}
		var pos *inspect.Position
		if p := req.Position; p != nil {
			pos = &inspect.Position{Lat: p.Lat, Lon: p.Lon, AccuracyM: p.AccuracyM}
		}
		got, err := d.Service.Record(c.Request.Context(), in.ID, staffOf(c).User, req.Findings, pos)
		if err != nil {
			writeError(c, err)
			return
		}
		d.writeInspection(c, http.StatusOK, got, nil)
	}
}

// handleInspectionPhoto is POST /api/v1/inspections/{id}/photos: one JPEG
// or PNG as the body (checked by its bytes).
func handleInspectionPhoto(d *ComplianceDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		in, ok := d.inspection(c)
		if !ok {
			return
		}
		b, ct, ok := readPhoto(c)
		if !ok {
			return
		}
		p, err := d.Service.AddPhoto(c.Request.Context(), in.ID, staffOf(c).User, ct, b)
		if err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusCreated, gin.H{"photo": p, "url": "/api/v1/evidence/" + p.SHA256})
	}
}

type concludeRequest struct {
	Outcome compliance.State `json:"outcome"`
	Text    string           `json:"text"`
}

// handleConclude is POST /api/v1/inspections/{id}/conclude: confirmed or
// dismissed, with a text; the consequences a confirmation proposes come
// with the answer.
func handleConclude(d *ComplianceDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		in, ok := d.inspection(c)
		if !ok {
			return
		}
		var req concludeRequest
		if !bindJSON(c, &req) {
			return
		}
		got, cs, err := d.Service.Conclude(c.Request.Context(), in.ID, staffOf(c).User, req.Outcome, req.Text)
		if err != nil {
			writeError(c, err)
			return
		}
		if cs == nil {
			cs = []inspect.Consequence{}
		}
		d.writeInspection(c, http.StatusOK, got, cs)
	}
}

// handleConsequences is GET /api/v1/compliance/consequences?status=&kind=&enterprise=.
func handleConsequences(d *ComplianceDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !d.ready(c) {
			return
		}
		f := inspect.ConsequenceFilter{Status: c.Query("status"), Kind: c.Query("kind"), Enterprise: c.Query("enterprise")}
		if f.Status != "" && !slices.Contains([]string{inspect.StatusPending, inspect.StatusApproved, inspect.StatusRejected}, f.Status) {
			writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "status %q is not pending, approved or rejected / 状态无效", f.Status))
			return
		}
		if f.Kind != "" && !slices.Contains(inspect.Kinds, f.Kind) {
			writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "kind %q is not one of %v / 类别无效", f.Kind, inspect.Kinds))
			return
		}
		var ok bool
		if f.Limit, ok = limitParam(c); !ok {
			return
		}
		cs, err := d.Service.Store.Consequences(c.Request.Context(), f)
		respondList(c, "consequences", cs, err)
	}
}

// handleConsequenceSign is POST /api/v1/compliance/consequences/{id}/approve|reject
// {comment, role}: the chain's next signer; not the conclusion's recorder.
func handleConsequenceSign(d *ComplianceDeps, approve bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !d.ready(c) {
			return
		}
		id, req, ok := readSign(c)
		if !ok {
			return
		}
		st := staffOf(c)
		got, err := d.Service.Sign(c.Request.Context(), id, st.User, st.Roles, req.Role, approve, req.Comment)
		respond(c, http.StatusOK, "consequence", got, err)
	}
}

// handleCases is GET /api/v1/compliance/cases.csv: the confirmed cases for
// the discipline commission (plan 2.1.4).
func handleCases(d *ComplianceDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !d.ready(c) {
			return
		}
		var b bytes.Buffer
		if err := d.Service.WriteCases(c.Request.Context(), &b); err != nil {
			writeError(c, err)
			return
		}
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="compliance-cases-%s.csv"`, d.now().In(CST).Format("20060102")))
		c.Data(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
	}
}

// handleRecordApproval is POST /api/v1/compliance/approvals
// ({enterprise, unit?, from, until?, ref}): duty staff record a restart
// approval (复产审批), so the compliance engine does not count that
// restart as one without approval.
func handleRecordApproval(d *ComplianceDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !d.ready(c) {
			return
		}
		var a compliance.Approval
		if !bindJSON(c, &a) {
			return
		}
		rec, err := d.Service.RecordApproval(c.Request.Context(), a, staffOf(c).User)
		respond(c, http.StatusCreated, "approval", rec, err)
	}
}

// handleApprovals is GET /api/v1/compliance/approvals?from=&to= (RFC 3339;
// default the 30 days around now): the restart approvals in force at some
// time of the period, the oldest first.
func handleApprovals(d *ComplianceDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !d.ready(c) {
			return
		}
		now := d.now()
		from, to := now.AddDate(0, 0, -30), now.AddDate(0, 0, 30)
		for _, p := range []struct {
			name string
			t    *time.Time
		}{{"from", &from}, {"to", &to}} {
			if v := c.Query(p.name); v != "" {
				t, err := time.Parse(time.RFC3339, v)
				if err != nil {
					writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "%s %q is not an RFC 3339 time / 时间格式无效", p.name, v))
					return
				}
				*p.t = t
			}
		}
		if !to.After(from) {
			writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "to must be after from / 结束时间须晚于开始时间"))
			return
		}
		as, err := d.Service.Store.Approvals(c.Request.Context(), from, to)
		respond(c, http.StatusOK, "approvals", as, err)
	}
}
