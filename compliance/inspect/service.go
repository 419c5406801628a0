package inspect

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/reduction"
)

// EventSource is the compliance engine as the loop sees it: the events it
// finds at now (the same finding again has the same id).
type EventSource interface {
	Events(ctx context.Context, now time.Time) ([]compliance.Event, error)
}

// Regrader makes the reduction list's draft that carries an approved
// downgrade, and returns the draft's version id (ListDraft).
type Regrader interface {
	Regrade(ctx context.Context, c Consequence, by string, at time.Time) (int64, error)
}

// Service runs the inspection loop over a Store. Its methods are safe for
// concurrent use; time comes from Now.
type Service struct {
	Store Store
	// Plan signs the consequences (its roles; alert.Approval's rules).
	Plan *alert.Plan
	// List is the reduction list in force: the sources, their grades and
	// supervising units (nil: every source is inspected by Office with
	// the "other" checklist and no downgrade is proposed).
	List       *reduction.List
	Checklists *Checklists
	Rules      *Consequences
	// Regrader makes the list draft of an approved downgrade (nil: the
	// approval is recorded, and the draft must be made by hand).
	Regrader Regrader
	// Decide decides the consequences of a case (nil: decideConsequences).
	Decide Decide
	// Accounting and Inventory give the report's reduction accounting
	// (nil: the section has none).
	Accounting *compliance.AccountingParams
	Inventory  *compliance.Inventory
	// Drops, when set, gives the report the sources' power drop observed
	// during [from, to] against what their measures ask (the engine over
	// the stored meter data).
	Drops  func(ctx context.Context, from, to time.Time) ([]compliance.SourceDrop, error)
	Now    func() time.Time
	Logger *slog.Logger

	mu sync.Mutex
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// office is the unit that inspects a source the list does not know.
func (s *Service) office() string {
	if s.List != nil && s.List.Notices.Office != "" {
		return s.List.Notices.Office
	}
	return "ecology_branch"
}

func (s *Service) enterprise(id string) *reduction.Enterprise {
	if s.List == nil {
		return nil
	}
	e, _ := s.List.Enterprise(id)
	return e
}

// SyncResult says what a Sync did.
type SyncResult struct {
	New, Updated, Inspections, Attached int
}

// Sync keeps the engine's events: new ones are stored open and each joins
// its source's open inspection or makes a new one for the source's
// supervising unit; known ones grow (End, evidence) and keep their state.
func (s *Service) Sync(ctx context.Context, events []compliance.Event) (SyncResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res SyncResult
	now := s.now()
	// The earliest finding first: it is the one that makes the task.
	events = slices.Clone(events)
	slices.SortStableFunc(events, func(a, b compliance.Event) int { return cmp.Or(a.Start.Compare(b.Start), strings.Compare(a.ID, b.ID)) })
	for _, ev := range events {
		if ev.ID == "" {
			ev.ID = compliance.EventID(ev.Rule, ev.Enterprise, ev.Unit, ev.Start)
		}
		rec, created, err := s.Store.UpsertEvent(ctx, ev, now, lifecycle.AuditEntry{At: now, Actor: lifecycle.ActorEngine, Action: "compliance_event",
			Subject: "compliance event " + ev.ID, Comment: fmt.Sprintf("%s %s %s", ev.Rule, ev.Enterprise, ev.Unit)})
		if err != nil {
			return res, err
		}
		if created {
			res.New++
		} else {
			res.Updated++
		}
		if rec.InspectionID != 0 || rec.State != compliance.StateOpen {
			continue
		}
		open := true
		ins, err := s.Store.Inspections(ctx, InspectionFilter{Enterprise: rec.Enterprise, Open: &open, Limit: 1})
		if err != nil {
			return res, err
		}
		if len(ins) > 0 {
			if _, err := s.Store.AttachEvent(ctx, ins[0].ID, rec.ID, lifecycle.AuditEntry{At: now, Actor: lifecycle.ActorEngine, Action: "inspection_attach",
				Subject: fmt.Sprintf("inspection %d", ins[0].ID), Comment: rec.ID}); err != nil {
				return res, err
			}
			res.Attached++
			continue
		}
		in := NewInspection(rec.Event, s.enterprise(rec.Enterprise), s.office(), s.Checklists, now)
		in, err = s.Store.AddInspection(ctx, in, lifecycle.AuditEntry{At: now, Actor: lifecycle.ActorEngine, Action: "inspection_task",
			Comment: fmt.Sprintf("%s → %s, due %s", rec.Enterprise, in.Unit, in.Due.In(cst).Format(time.DateTime))})
		if err != nil {
			return res, err
		}
		res.Inspections++
		s.log().Info("inspection task", "inspection", in.ID, "source", in.Enterprise, "unit", in.Unit, "event", rec.ID, "rule", rec.Rule)
	}
	return res, nil
}

// Poll asks the engine for its events at now and keeps them (Sync), then
// makes the list drafts of approved downgrades that have none yet (a
// failure at approval is retried here).
func (s *Service) Poll(ctx context.Context, src EventSource) (SyncResult, error) {
	var res SyncResult
	if src != nil {
		events, err := src.Events(ctx, s.now())
		if err != nil {
			return res, fmt.Errorf("compliance events: %w", err)
		}
		if res, err = s.Sync(ctx, events); err != nil {
			return res, err
		}
	}
	return res, s.Effects(ctx)
}

// Record records findings and a position on an inspection, by the
// inspector by; its open events become inspecting.
func (s *Service) Record(ctx context.Context, id int64, by string, fs []FindingInput, pos *Position) (Inspection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.Store.Inspection(ctx, id)
	if err != nil {
		return in, err
	}
	now := s.now()
	if in, err = ApplyFindings(in, fs, pos, by, now); err != nil {
		return in, err
	}
	moves, err := s.moves(ctx, in, compliance.StateInspecting)
	if err != nil {
		return in, err
	}
	detail, _ := json.Marshal(struct {
		Findings []FindingInput `json:"findings,omitempty"`
		Position *Position      `json:"position,omitempty"`
	}{fs, pos})
	if err := s.Store.UpdateInspection(ctx, in, moves, lifecycle.AuditEntry{At: now, Actor: by, Action: "inspection_findings",
		Subject: fmt.Sprintf("inspection %d", id), Detail: detail}); err != nil {
		return in, err
	}
	return s.Store.Inspection(ctx, id)
}

// moves are the steps that bring an inspection's events to to.
func (s *Service) moves(ctx context.Context, in Inspection, to compliance.State) ([]Move, error) {
	states := map[string]compliance.State{}
	for _, id := range in.Events {
		e, err := s.Store.Event(ctx, id)
		if err != nil {
			return nil, err
		}
		states[id] = e.State
	}
	if to == compliance.StateInspecting { // only the ones not yet looked at
		for id, st := range states {
			if st != compliance.StateOpen {
				states[id] = to
			}
		}
	}
	return Moves(states, in.Events, to), nil
}

// AddPhoto keeps a photo from the site (contentType checked by the
// caller from its bytes) for an open inspection.
func (s *Service) AddPhoto(ctx context.Context, id int64, by, contentType string, data []byte) (Photo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.Store.Inspection(ctx, id)
	if err != nil {
		return Photo{}, err
	}
	now := s.now()
	p, err := s.Store.AddPhoto(ctx, id, Photo{ContentType: contentType, By: by, At: now}, data, s.Checklists.MaxPhotos,
		lifecycle.AuditEntry{At: now, Actor: by, Action: "inspection_photo", Subject: fmt.Sprintf("inspection %d", id)})
	if err != nil || !in.Open() || !in.Started.IsZero() {
		return p, err
	}
	// A photo is the inspector at work: the inspection has started.
	in.Started = now
	moves, err := s.moves(ctx, in, compliance.StateInspecting)
	if err != nil {
		return p, err
	}
	return p, s.Store.UpdateInspection(ctx, in, moves, lifecycle.AuditEntry{At: now, Actor: by, Action: "inspection_start", Subject: fmt.Sprintf("inspection %d", id)})
}

// Conclude closes an inspection with its outcome (confirmed or
// dismissed) and text, recorded by by; its events take the outcome. A
// confirmed case proposes its consequences, which it returns.
func (s *Service) Conclude(ctx context.Context, id int64, by string, outcome compliance.State, text string) (Inspection, []Consequence, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.Store.Inspection(ctx, id)
	if err != nil {
		return in, nil, err
	}
	now := s.now()
	if in, err = Conclude(in, outcome, text, by, s.Checklists.PhotoToConfirm, now); err != nil {
		return in, nil, err
	}
	moves, err := s.moves(ctx, in, outcome)
	if err != nil {
		return in, nil, err
	}
	if err := s.Store.UpdateInspection(ctx, in, moves, lifecycle.AuditEntry{At: now, Actor: by, Action: "inspection_conclude",
		Subject: fmt.Sprintf("inspection %d", id), Comment: string(outcome) + ": " + in.Conclusion.Text}); err != nil {
		return in, nil, err
	}
	s.log().Info("inspection concluded", "inspection", id, "source", in.Enterprise, "outcome", outcome, "by", by)
	if outcome != compliance.StateConfirmed {
		return in, nil, nil
	}
	cs, err := s.propose(ctx, in, now)
	return in, cs, err
}

// CaseOf is the case a confirmed inspection makes, with the firm's count
// of confirmed cases in its season.
func (s *Service) CaseOf(ctx context.Context, in Inspection) (Case, error) {
	c := Case{Enterprise: in.Enterprise, SourceType: in.SourceType}
	for _, id := range in.Events {
		e, err := s.Store.Event(ctx, id)
		if err != nil {
			return c, err
		}
		if !slices.Contains(c.Rules, e.Rule) {
			c.Rules = append(c.Rules, e.Rule)
		}
		c.DuringResponse = c.DuringResponse || e.Warning != "" || e.Level != ""
	}
	slices.Sort(c.Rules)
	if e := s.enterprise(in.Enterprise); e != nil {
		c.Grade, _ = e.GradeAt(in.Since)
		c.LowerGrade, _ = s.List.LowerGrade(e, c.Grade)
	}
	downs, err := s.Store.Consequences(ctx, ConsequenceFilter{Kind: KindDowngrade, Enterprise: in.Enterprise})
	if err != nil {
		return c, err
	}
	c.Downgrading = slices.ContainsFunc(downs, func(d Consequence) bool {
		return d.Status != StatusRejected && d.FromGrade == c.Grade && d.Inspection != in.ID
	})
	c.SeasonFrom, c.SeasonTo = Season(in.Since, s.Rules.Repeat.SeasonStarts)
	concluded := false
	past, err := s.Store.Inspections(ctx, InspectionFilter{Enterprise: in.Enterprise, Open: &concluded})
	if err != nil {
		return c, err
	}
	for _, p := range past {
		if p.Conclusion.Outcome == compliance.StateConfirmed && !p.Since.Before(c.SeasonFrom) && (c.SeasonTo.IsZero() || p.Since.Before(c.SeasonTo)) {
			c.Cases++
		}
	}
	return c, nil
}

// propose makes the consequences of a confirmed inspection, once per
// kind (a retry finds them made).
func (s *Service) propose(ctx context.Context, in Inspection, now time.Time) ([]Consequence, error) {
	c, err := s.CaseOf(ctx, in)
	if err != nil {
		return nil, err
	}
	decide := s.Decide
	if decide == nil {
		decide = decideConsequences
	}
	var out []Consequence
	for _, d := range decide(c, s.Rules) {
		ch, ok := s.Rules.Chain(d.Kind)
		if !ok {
			return out, aqwarn.Errorf(aqwarn.EINTERNAL, "no approval chain for consequence kind %q", d.Kind)
		}
		key := fmt.Sprintf("inspection-%d/%s", in.ID, d.Kind)
		cq := Consequence{Key: key, Kind: d.Kind, Enterprise: in.Enterprise, NameZH: in.NameZH, Inspection: in.ID,
			Events: in.Events, Rules: c.Rules, FromGrade: d.FromGrade, ToGrade: d.ToGrade, BasisID: d.Basis.ID, Text: d.Basis.Text,
			FineZH: d.Basis.FineZH, FineEN: d.Basis.FineEN, ReasonZH: d.ReasonZH, ReasonEN: d.ReasonEN, Status: StatusPending,
			ChainZH: ch.NameZH, ChainEN: ch.NameEN, ConcludedBy: in.Conclusion.By, Created: now, Updated: now,
			Approval: alert.Approval{ProposalKey: key, Action: alert.Action(d.Kind), LevelID: cmp.Or(d.ToGrade, in.Enterprise), ChainID: d.Kind,
				Steps: slices.Clone(ch.Steps), Signatures: []alert.Signature{}}}
		if d.Kind == KindStopOrder {
			cq.Cases, cq.SeasonFrom, cq.SeasonTo = c.Cases, c.SeasonFrom, c.SeasonTo
		}
		cq.NextRoles = cq.Approval.NextRoles()
		got, created, err := s.Store.AddConsequence(ctx, cq, lifecycle.AuditEntry{At: now, Actor: lifecycle.ActorEngine, Action: "consequence_propose",
			Comment: fmt.Sprintf("%s %s (inspection %d)", d.Kind, in.Enterprise, in.ID)})
		if err != nil {
			return out, err
		}
		if created {
			s.log().Info("consequence proposed", "consequence", got.ID, "kind", got.Kind, "source", got.Enterprise)
		}
		out = append(out, got)
	}
	return out, nil
}

// ReasonFourEyes is the Reason of a signature by the person who recorded
// the inspection's conclusion.
const ReasonFourEyes = "four_eyes"

// Sign signs a consequence as user, in the one of roles that may sign it
// now (role when given: one of roles). The person who recorded the
// inspection's conclusion does not sign its consequences (four eyes). An
// approved downgrade then makes its list draft (Regrader).
func (s *Service) Sign(ctx context.Context, id int64, user string, roles []string, role string, approve bool, comment string) (Consequence, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.Store.Consequence(ctx, id)
	if err != nil {
		return c, err
	}
	if c.Status != StatusPending {
		return c, &alert.Error{Code: alert.CodeApprovalClosed, Message: "the proposal is " + c.Status, MessageZH: "该处理建议已关闭（" + c.Status + "）"}
	}
	if user == c.ConcludedBy {
		return c, &aqwarn.Error{Code: aqwarn.EFORBIDDEN, Reason: ReasonFourEyes,
			Message: fmt.Sprintf("%s recorded the conclusion of inspection %d and cannot sign its consequences / 检查结论记录人不能签批其处理建议", user, c.Inspection)}
	}
	if role, err = s.roleFor(c, roles, role); err != nil {
		return c, err
	}
	now := s.now()
	if err := c.Approval.Sign(s.Plan, role, user, now, approve, comment); err != nil {
		return c, err
	}
	c.Status = map[string]string{"approved": StatusApproved, "rejected": StatusRejected}[c.Approval.Status()]
	if c.Status == "" {
		c.Status = StatusPending
	}
	c.NextRoles, c.Updated = c.Approval.NextRoles(), now
	verb := "consequence_approve"
	if !approve {
		verb = "consequence_reject"
	}
	detail, _ := json.Marshal(struct {
		Step   int    `json:"step"`
		Status string `json:"status"`
	}{c.Approval.Signatures[len(c.Approval.Signatures)-1].Step, c.Status})
	if err := s.Store.UpdateConsequence(ctx, c, lifecycle.AuditEntry{At: now, Actor: user, Role: role, Action: verb,
		Subject: fmt.Sprintf("consequence %d", c.ID), Comment: comment, Detail: detail}); err != nil {
		return c, err
	}
	if c.Status == StatusApproved {
		if err := s.effect(ctx, &c, user, now); err != nil {
			// The approval stands; Poll makes the draft again.
			s.log().Error("the approved downgrade's list draft failed; retried by the next poll", "consequence", c.ID, "err", err)
		}
	}
	return c, nil
}

// roleFor picks the role a signature is made in, as lifecycle's SignAs.
func (s *Service) roleFor(c Consequence, roles []string, role string) (string, error) {
	if role != "" {
		if !slices.Contains(roles, role) {
			return "", &alert.Error{Code: alert.CodeUnknownRole, Message: fmt.Sprintf("the token does not carry the role %q", role),
				MessageZH: fmt.Sprintf("令牌不具备角色“%s”", role)}
		}
		return role, nil
	}
	for _, r := range roles {
		if slices.Contains(c.NextRoles, r) {
			return r, nil
		}
	}
	for _, r := range roles {
		if _, ok := s.Plan.Role(r); ok {
			return r, nil // the chain refuses it with its reason
		}
	}
	return "", &alert.Error{Code: alert.CodeUnknownRole, Message: fmt.Sprintf("the token carries no role of plan %s", s.Plan.ID),
		MessageZH: fmt.Sprintf("令牌不具备预案 %s 的任何角色", s.Plan.ID)}
}

// effect makes an approved downgrade's list draft, once.
func (s *Service) effect(ctx context.Context, c *Consequence, by string, now time.Time) error {
	if c.Kind != KindDowngrade || c.Status != StatusApproved || c.DraftVersion != 0 || s.Regrader == nil {
		return nil
	}
	v, err := s.Regrader.Regrade(ctx, *c, by, now)
	if err != nil {
		return err
	}
	c.DraftVersion, c.Updated = v, now
	return s.Store.UpdateConsequence(ctx, *c, lifecycle.AuditEntry{At: now, Actor: by, Action: "consequence_effect",
		Subject: fmt.Sprintf("consequence %d", c.ID), Comment: fmt.Sprintf("reduction list draft %d: %s %s → %s", v, c.Enterprise, c.FromGrade, c.ToGrade)})
}

// Effects makes the drafts of approved downgrades that have none.
func (s *Service) Effects(ctx context.Context) error {
	if s.Regrader == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, err := s.Store.Consequences(ctx, ConsequenceFilter{Status: StatusApproved, Kind: KindDowngrade})
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.DraftVersion == 0 {
			by := lifecycle.ActorEngine
			if n := len(c.Approval.Signatures); n > 0 {
				by = c.Approval.Signatures[n-1].User
			}
			if err := s.effect(ctx, &c, by, s.now()); err != nil {
				return err
			}
		}
	}
	return nil
}
