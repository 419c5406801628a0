package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

// AlertDeps is the warning engine as the API sees it.
type AlertDeps struct {
	// Service, when set, stands for every seam below that is nil (the
	// service's own wiring passes just this).
	Service *lifecycle.Service

	Plan      *alert.Plan // read only
	Now       func() time.Time
	Warnings  WarningReader
	Desk      ProposalDesk
	Forecasts ForecastDesk
	Preview   Previewer
	Audit     AuditReader
}

// The seams api consumes, each as small as its handlers need.
type (
	// WarningReader reads warnings and their transitions.
	WarningReader interface {
		ActiveWarnings(ctx context.Context) ([]lifecycle.Warning, error)
		LiftedAfter(ctx context.Context, t time.Time) ([]lifecycle.Warning, error)
		Warning(ctx context.Context, id int64) (lifecycle.Warning, error)
		Transitions(ctx context.Context, after int64, limit int) ([]lifecycle.Transition, error)
	}
	// ProposalDesk is where proposals are read, signed and made.
	ProposalDesk interface {
		Proposals(ctx context.Context, f lifecycle.ProposalFilter) ([]lifecycle.ProposalRecord, error)
		Proposal(ctx context.Context, id int64) (lifecycle.ProposalRecord, error)
		SignAs(ctx context.Context, id int64, user string, roles []string, role string, approve bool, comment string) (lifecycle.ProposalRecord, error)
		ProposeManual(ctx context.Context, region string, m alert.ManualRequest, role string) (lifecycle.ProposalRecord, error)
		AddPrompt(ctx context.Context, u alert.UpstreamPrompt, by, role string) error
	}
	// ForecastDesk takes forecasts in and tells how they did and what the
	// engine misses.
	ForecastDesk interface {
		AddForecast(ctx context.Context, f alert.Forecast, by, role string) (alert.Forecast, error)
		Forecasts(ctx context.Context, region string, from, to time.Time) ([]alert.Forecast, error)
		Verification(ctx context.Context, from, to time.Time) ([]alert.VerificationRow, []alert.SourceScore, error)
		NeedForecast() map[string]alert.ForecastNeed
		LastEvaluation() time.Time
	}
	// Previewer is what the engine would decide now, without deciding.
	Previewer interface {
		Preview(ctx context.Context, region string, at time.Time) (alert.Situation, alert.Evaluation, error)
	}
	// AuditReader reads the audit log.
	AuditReader interface {
		Audit(ctx context.Context, after int64, limit int) ([]lifecycle.AuditEntry, error)
	}
)

// fill takes the seams left nil from Service.
func (a *AlertDeps) fill() {
	if a == nil || a.Service == nil {
		return
	}
	s := a.Service
	if a.Plan == nil {
		a.Plan = s.Plan
	}
	if a.Now == nil {
		a.Now = s.Now
	}
	if a.Warnings == nil {
		a.Warnings = s.Store
	}
	if a.Desk == nil {
		a.Desk = serviceDesk{s}
	}
	if a.Forecasts == nil {
		a.Forecasts = serviceForecasts{s}
	}
	if a.Preview == nil {
		a.Preview = s
	}
	if a.Audit == nil {
		a.Audit = s.Store
	}
}

type serviceDesk struct{ *lifecycle.Service }

func (d serviceDesk) Proposals(ctx context.Context, f lifecycle.ProposalFilter) ([]lifecycle.ProposalRecord, error) {
	return d.Store.Proposals(ctx, f)
}
func (d serviceDesk) Proposal(ctx context.Context, id int64) (lifecycle.ProposalRecord, error) {
	return d.Store.Proposal(ctx, id)
}

type serviceForecasts struct{ *lifecycle.Service }

func (f serviceForecasts) Forecasts(ctx context.Context, region string, from, to time.Time) ([]alert.Forecast, error) {
	if f.Service.Forecasts == nil {
		return nil, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "this service keeps no forecasts")
	}
	return f.Service.Forecasts.Forecasts(ctx, region, from, to)
}

func (a *AlertDeps) ready(c *gin.Context) bool {
	if a == nil || a.Plan == nil {
		writeError(c, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "the warning engine is not running"))
		return false
	}
	return true
}

func pathID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		writeError(c, aqwarn.Errorf(aqwarn.ENOTFOUND, "no such id: %q", c.Param("id")))
		return 0, false
	}
	return id, true
}

// respond answers {key: v} with status, or err when there is one.
func respond(c *gin.Context, status int, key string, v any, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(status, gin.H{key: v})
}

// respondList answers {key: list}, never null (none is []), or err when
// there is one.
func respondList[T any](c *gin.Context, key string, list []T, err error) {
	if list == nil {
		list = []T{}
	}
	respond(c, http.StatusOK, key, list, err)
}

func bindJSON(c *gin.Context, v any) bool {
	if err := c.ShouldBindJSON(v); err != nil {
		writeError(c, &aqwarn.Error{Code: "bad_request", Message: "the body is not valid JSON for this endpoint: " + err.Error()})
		return false
	}
	return true
}

// requirePlanRole admits staff whose token carries a role of the plan
// (the ids come from the plan file, not from code): 403 otherwise.
func requirePlanRole(a *AlertDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.ready(c) {
			return
		}
		if planRole(a.Plan, staffOf(c)) == "" {
			writeError(c, aqwarn.Errorf(aqwarn.EFORBIDDEN, "this needs a role of plan %s", a.Plan.ID))
			return
		}
		c.Next()
	}
}

// planRole is the caller's first role that the plan knows.
func planRole(p *alert.Plan, st Staff) string {
	for _, r := range st.Roles {
		if _, ok := p.Role(r); ok {
			return r
		}
	}
	return ""
}

// warningView is a warning as the public sees it.
type warningView struct {
	ID           int64      `json:"id"`
	Region       string     `json:"region"`
	Level        string     `json:"level"`
	NameZH       string     `json:"name_zh,omitempty"`
	NameEN       string     `json:"name_en,omitempty"`
	Color        string     `json:"color,omitempty"`
	Response     string     `json:"response,omitempty"`
	Since        time.Time  `json:"since"`
	EpisodeStart time.Time  `json:"episode_start"`
	ExpectedEnd  time.Time  `json:"expected_end"`
	Issued       time.Time  `json:"issued"`
	Lifted       *time.Time `json:"lifted,omitempty"`
	// EffectiveStart is when the response starts (it may follow the
	// publication); a paused warning's measures are suspended until
	// RestartAt; a lifted one's end at LiftEffective (Lifting: announced,
	// not yet in effect — its measures still apply).
	EffectiveStart time.Time  `json:"effective_start,omitzero"`
	Paused         bool       `json:"paused,omitempty"`
	RestartAt      *time.Time `json:"restart_at,omitempty"`
	LiftEffective  *time.Time `json:"lift_effective,omitempty"`
	Lifting        bool       `json:"lifting,omitempty"`
	Plan           string     `json:"plan"`
	// PublicMeasures are the plan's measures in force at this level that
	// concern the public (schools, traffic, outdoor burning…), cumulative.
	PublicMeasures []publicMeasure  `json:"public_measures"`
	Transitions    []transitionView `json:"transitions,omitempty"`
}

type publicMeasure struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	TextZH string `json:"text_zh"`
	TextEN string `json:"text_en"`
}

type transitionView struct {
	Kind        string    `json:"kind"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	At          time.Time `json:"at"`
	Start       time.Time `json:"start"`
	ExpectedEnd time.Time `json:"expected_end"`
}

func viewWarning(p *alert.Plan, w lifecycle.Warning, now time.Time) warningView {
	v := warningView{ID: w.ID, Region: w.Region, Level: w.LevelID, Since: w.Since.In(CST), EpisodeStart: w.EpisodeStart.In(CST),
		ExpectedEnd: w.ExpectedEnd.In(CST), Issued: w.Issued.In(CST), Lifted: w.Lifted, Plan: w.PlanID,
		PublicMeasures: []publicMeasure{}, Paused: w.Paused, RestartAt: inCST(w.RestartAt), LiftEffective: inCST(w.LiftEffective)}
	if !w.EffectiveStart.IsZero() {
		v.EffectiveStart = w.EffectiveStart.In(CST)
	}
	v.Lifting = w.Lifted != nil && w.LiftEffective != nil && w.LiftEffective.After(now)
	if l, ok := p.LevelByID(w.LevelID); ok {
		if s := p.Spec(l); s != nil {
			v.NameZH, v.NameEN, v.Color, v.Response = s.NameZH, s.NameEN, s.Color, s.Response
		}
		if w.Lifted == nil || v.Lifting {
			for _, m := range p.MeasuresFor(l) {
				if m.Public {
					v.PublicMeasures = append(v.PublicMeasures, publicMeasure{m.ID, m.Kind, m.TextZH, m.TextEN})
				}
			}
		}
	}
	for _, t := range w.Transitions {
		v.Transitions = append(v.Transitions, transitionView{Kind: t.Kind, From: t.FromID, To: t.ToID, At: t.At.In(CST),
			Start: t.Start.In(CST), ExpectedEnd: t.ExpectedEnd.In(CST)})
	}
	return v
}

func handleActiveWarnings(a *AlertDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.ready(c) {
			return
		}
		ws, err := a.Warnings.ActiveWarnings(c.Request.Context())
		if err != nil {
			writeError(c, err)
			return
		}
		// A lift announced for a later hour: still in force until then.
		lifting, err := a.Warnings.LiftedAfter(c.Request.Context(), a.Now())
		if err != nil {
			writeError(c, err)
			return
		}
		out := []warningView{}
		for _, w := range append(ws, lifting...) {
			out = append(out, viewWarning(a.Plan, w, a.Now()))
		}
		c.JSON(http.StatusOK, gin.H{"warnings": out})
	}
}

func handleWarning(a *AlertDeps) gin.HandlerFunc {
	return byID(a, func(ctx context.Context, id int64) (any, error) {
		w, err := a.Warnings.Warning(ctx, id)
		return viewWarning(a.Plan, w, a.Now()), err
	})
}

// byID serves GET …/{id}: the thing get finds, or the one error shape.
func byID(a *AlertDeps, get func(ctx context.Context, id int64) (any, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.ready(c) {
			return
		}
		id, ok := pathID(c)
		if !ok {
			return
		}
		v, err := get(c.Request.Context(), id)
		if err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, v)
	}
}

// proposalSummary is a proposal in a list (the evidence is in the detail).
type proposalSummary struct {
	ID          int64             `json:"id"`
	Key         string            `json:"key"`
	Region      string            `json:"region"`
	Status      string            `json:"status"`
	Action      alert.Action      `json:"action"`
	From        string            `json:"from"`
	Level       string            `json:"level"`
	Start       time.Time         `json:"start"`
	ExpectedEnd time.Time         `json:"expected_end"`
	LeadHours   float64           `json:"lead_hours"`
	ShortNotice bool              `json:"short_notice"`
	Baseline    bool              `json:"baseline_forecast"`
	Chain       string            `json:"chain"`
	NextRoles   []string          `json:"next_roles"`
	Signatures  []alert.Signature `json:"signatures"`
	Created     time.Time         `json:"created"`
	By          string            `json:"by"`
}

func summarise(r lifecycle.ProposalRecord) proposalSummary {
	next := r.Approval.NextRoles()
	if r.Status != lifecycle.StatusPending || next == nil {
		next = []string{}
	}
	sigs := r.Approval.Signatures
	if sigs == nil {
		sigs = []alert.Signature{}
	}
	return proposalSummary{ID: r.ID, Key: r.Key, Region: r.Region, Status: r.Status, Action: r.Proposal.Action,
		From: r.FromID, Level: r.LevelID, Start: r.Proposal.Start.In(CST), ExpectedEnd: r.Proposal.ExpectedEnd.In(CST),
		LeadHours: r.Proposal.LeadTime.Hours(), ShortNotice: r.Proposal.ShortNotice, Baseline: r.Baseline,
		Chain: r.Approval.ChainID, NextRoles: next, Signatures: sigs, Created: r.Created.In(CST), By: r.By}
}

// summaries is a list of proposals as the console lists them (never nil).
func summaries(ps []lifecycle.ProposalRecord) []proposalSummary {
	out := []proposalSummary{}
	for _, p := range ps {
		out = append(out, summarise(p))
	}
	return out
}

func handleProposals(a *AlertDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.ready(c) {
			return
		}
		limit, _ := strconv.Atoi(c.DefaultQuery("limit", "100"))
		ps, err := a.Desk.Proposals(c.Request.Context(), lifecycle.ProposalFilter{Status: c.Query("status"),
			Region: c.Query("region"), Limit: min(max(limit, 1), 1000)})
		if err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"proposals": summaries(ps)})
	}
}

func handleProposal(a *AlertDeps) gin.HandlerFunc {
	return byID(a, func(ctx context.Context, id int64) (any, error) {
		p, err := a.Desk.Proposal(ctx, id)
		return gin.H{"proposal": summarise(p), "detail": p.Proposal, "approval": p.Approval}, err
	})
}

type signRequest struct {
	Comment string `json:"comment"`
	// Role picks one of the token's roles; by default the one the chain
	// waits for.
	Role string `json:"role"`
}

// readSign reads a signature's request: the id of the path and the body
// (optional); a bad one is answered (false).
func readSign(c *gin.Context) (int64, signRequest, bool) {
	var req signRequest
	id, ok := pathID(c)
	if !ok || (c.Request.ContentLength != 0 && !bindJSON(c, &req)) {
		return 0, req, false
	}
	return id, req, true
}

func handleSign(a *AlertDeps, approve bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.ready(c) {
			return
		}
		id, req, ok := readSign(c)
		if !ok {
			return
		}
		st := staffOf(c)
		ctx := c.Request.Context()
		rec, err := a.Desk.SignAs(ctx, id, st.User, st.Roles, req.Role, approve, req.Comment)
		if err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"proposal": summarise(rec)})
	}
}

type manualRequest struct {
	Region string `json:"region"`
	Level  string `json:"level"` // a level id of the plan, "none" to lift
	// Action: "" for a decision by level; extend, pause or resume.
	Action string    `json:"action"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Reason string    `json:"reason"`
}

func handleManualProposal(a *AlertDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req manualRequest
		if !bindJSON(c, &req) {
			return
		}
		p := a.Plan
		lvl, ok := p.LevelByID(req.Level)
		if !ok && (req.Level != "" || req.Action == "") {
			writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "level %q is not a level of plan %s", req.Level, p.ID))
			return
		}
		st := staffOf(c)
		rec, err := a.Desk.ProposeManual(c.Request.Context(), req.Region, alert.ManualRequest{Action: alert.Action(req.Action), Level: lvl, Start: req.Start,
			End: req.End, Reason: req.Reason, By: st.User}, planRole(p, st))
		if err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusCreated, gin.H{"proposal": summarise(rec)})
	}
}

type promptRequest struct {
	ID        string    `json:"id"`
	Region    string    `json:"region"`
	Level     string    `json:"level"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Issuer    string    `json:"issuer"`
	Reference string    `json:"reference"`
}

func handleUpstreamPrompt(a *AlertDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req promptRequest
		if !bindJSON(c, &req) {
			return
		}
		p := a.Plan
		lvl, ok := p.LevelByID(req.Level)
		if !ok || lvl == alert.LevelNone {
			writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "level %q is not a warning level of plan %s", req.Level, p.ID))
			return
		}
		st := staffOf(c)
		u := alert.UpstreamPrompt{ID: req.ID, Region: req.Region, Level: lvl, Start: req.Start, End: req.End,
			Issuer: req.Issuer, Reference: req.Reference}
		if err := a.Desk.AddPrompt(c.Request.Context(), u, st.User, planRole(p, st)); err != nil {
			writeError(c, err)
			return
		}
		pending, err := a.Desk.Proposals(c.Request.Context(), lifecycle.ProposalFilter{Status: lifecycle.StatusPending})
		if err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusAccepted, gin.H{"pending": summaries(pending)})
	}
}

func handleAudit(a *AlertDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.ready(c) {
			return
		}
		after, _ := strconv.ParseInt(c.Query("after"), 10, 64)
		limit, _ := strconv.Atoi(c.DefaultQuery("limit", "500"))
		es, err := a.Audit.Audit(c.Request.Context(), after, limit)
		if err != nil {
			writeError(c, err)
			return
		}
		resp := gin.H{"audit": es}
		if len(es) > 0 {
			resp["next_after"] = es[len(es)-1].ID
		}
		c.JSON(http.StatusOK, resp)
	}
}

func handleTransitions(a *AlertDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.ready(c) {
			return
		}
		after, _ := strconv.ParseInt(c.Query("after"), 10, 64)
		limit, _ := strconv.Atoi(c.DefaultQuery("limit", "100"))
		ts, err := a.Warnings.Transitions(c.Request.Context(), after, limit)
		respondList(c, "transitions", ts, err)
	}
}

func inCST(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := t.In(CST)
	return &c
}
