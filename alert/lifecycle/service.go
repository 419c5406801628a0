package lifecycle

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn/alert"
)

// Observations hands out a region's observed daily-AQI windows (the rolling
// 24 h AQI ending at each hour) with ends in (from, to].
type Observations interface {
	Observed(ctx context.Context, region string, from, to time.Time) ([]alert.Window, error)
}

// HourlyObservations hands out a region's hourly values with hour ends in
// (from, to]: the observed part of the blended series an hourly forecast
// continues. Optional: an Observations that also implements it is asked.
type HourlyObservations interface {
	ObservedHours(ctx context.Context, region string, from, to time.Time) ([]alert.SeriesHour, error)
}

// Service is the warning lifecycle: situations → proposals → approvals →
// published transitions and the warning in force, all kept in a Store so a
// restart resumes where it stopped. It decides nothing itself (Evaluate
// does) and reads no clock: every method takes now from Now.
type Service struct {
	Plan         *alert.Plan
	Store        Store
	Observations Observations  // optional: no observed windows without it
	Forecasts    ForecastStore // optional
	// AutoApprove signs every proposal as the plan's roles (demo and
	// replay only); each signature is audited as "demo auto-approve".
	AutoApprove bool
	Now         func() time.Time
	Logger      *slog.Logger
	// OnPublish is called after a transition is recorded (optional); a
	// publisher that misses a call still finds it in Store.Transitions.
	OnPublish func(Transition)

	mu       sync.Mutex // one lifecycle step at a time: evaluations, signatures
	needs    map[string]*alert.ForecastNeed
	lastEval time.Time
	prev     map[string]time.Time // when each region was last evaluated
}

// freshObservation: an observation this recent stands for now.
const freshObservation = 3 * time.Hour

// ActorEngine signs the engine's own audit entries.
const ActorEngine = "engine"

// Auto-approve comment, as the demo's audit log shows it.
const autoApproveComment = "demo auto-approve"

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

// EvaluateAll evaluates every region of the plan at now. One region's
// failure does not stop the others; the first error is returned.
func (s *Service) EvaluateAll(ctx context.Context) error {
	now := s.now()
	var first error
	for _, r := range s.Plan.WarningRegions() {
		if _, err := s.EvaluateRegion(ctx, r.ID, now); err != nil {
			s.log().Error("evaluation failed", "region", r.ID, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	if first == nil {
		s.mu.Lock()
		s.lastEval = now
		s.mu.Unlock()
	}
	return first
}

// LastEvaluation is the instant of the last complete EvaluateAll.
func (s *Service) LastEvaluation() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastEval
}

// NeedForecast reports the regions for which the engine runs on the
// persistence baseline because no forecast covers the horizon (for the duty
// console).
func (s *Service) NeedForecast() map[string]alert.ForecastNeed {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]alert.ForecastNeed{}
	for r, n := range s.needs {
		out[r] = *n
	}
	return out
}

// Situation builds what is known about a region at now from the stores.
func (s *Service) Situation(ctx context.Context, region string, now time.Time) (alert.Situation, error) {
	sit := alert.Situation{Now: now, Region: region}
	if s.Observations != nil {
		obs, err := s.Observations.Observed(ctx, region, now.Add(-s.Plan.Lookback()), now)
		if err != nil {
			return sit, err
		}
		sit.Observed = obs
		// Judge as of the newest observed hour when it is recent: the
		// hourly AQI lands minutes after the hour, and an instant between
		// it and now would cut the observed run off from what follows.
		if n := len(obs); n > 0 && !obs[n-1].End.After(now) && now.Sub(obs[n-1].End) < freshObservation {
			sit.Now = obs[n-1].End
		}
		if ho, ok := s.Observations.(HourlyObservations); ok {
			back := s.Plan.Window() + alertHours(s.Plan.Decisions.BiasCorrection.ObservedHours)
			if sit.ObservedHours, err = ho.ObservedHours(ctx, region, sit.Now.Add(-back), sit.Now); err != nil {
				return sit, err
			}
		}
	}
	if s.Forecasts != nil {
		// A forecast issued up to a few days ago may still cover the future.
		fs, err := s.Forecasts.Forecasts(ctx, region, now.Add(-10*24*time.Hour), now)
		if err != nil {
			return sit, err
		}
		m := alert.MergeForecasts(fs)
		sit.Forecast, sit.ForecastConc, sit.ForecastCoverageEnd = m.Daily, m.Conc, m.End
		sit.ForecastHours, sit.ForecastHoursSource = m.Hours, m.Source
	}
	active, err := s.active(ctx, region)
	if err != nil {
		return sit, err
	}
	sit.Active = s.activeWarning(active)
	prompts, err := s.Store.Prompts(ctx, now)
	if err != nil {
		return sit, err
	}
	sit.Upstream = prompts
	return sit, nil
}

// EvaluateRegion evaluates one region at now and stores a new proposal,
// if any. When the evaluation asks for a forecast that nobody supplied, it
// runs again on the persistence baseline (labelled as such in the
// evidence) and the need is kept for the duty console.
func (s *Service) EvaluateRegion(ctx context.Context, region string, now time.Time) (alert.Evaluation, error) {
	if r, ok := s.Plan.Region(region); ok && !r.Warned() {
		return alert.Evaluation{Now: now, Region: region}, nil // listed for its AQI, not a warning area
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sit, err := s.Situation(ctx, region, now)
	if err != nil {
		return alert.Evaluation{}, err
	}
	if s.prev == nil {
		s.prev = map[string]time.Time{}
	}
	sit.Previous = s.prev[region]
	ev := s.evaluate(region, sit)
	s.prev[region] = sit.Now
	if ev.Proposal != nil {
		if _, _, err := s.propose(ctx, *ev.Proposal, ActorEngine, "", now); err != nil {
			return ev, err
		}
	}
	return ev, nil
}

// Decide evaluates a situation built by the caller (a replay feeds
// observations and forecasts itself): the warning in force and the
// upstream prompts come from the store, and a new proposal is stored.
func (s *Service) Decide(ctx context.Context, sit alert.Situation) (alert.Evaluation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	active, err := s.active(ctx, sit.Region)
	if err != nil {
		return alert.Evaluation{}, err
	}
	sit.Active = s.activeWarning(active)
	ev := s.evaluate(sit.Region, sit)
	if ev.Proposal != nil {
		if _, _, err := s.propose(ctx, *ev.Proposal, ActorEngine, "", sit.Now); err != nil {
			return ev, err
		}
	}
	return ev, nil
}

// evaluate applies the rules, falling back on the persistence baseline.
func (s *Service) evaluate(region string, sit alert.Situation) alert.Evaluation {
	if s.needs == nil {
		s.needs = map[string]*alert.ForecastNeed{}
	}
	delete(s.needs, region)
	sit, need := alert.WithBaseline(s.Plan, sit)
	ev := alert.Evaluate(s.Plan, sit)
	if ev.NeedForecast == nil && need != nil {
		ev.NeedForecast = need
	}
	if ev.NeedForecast != nil {
		n := *ev.NeedForecast
		s.needs[region] = &n
	}
	return ev
}

// Preview is what the engine would decide for region at the instant at,
// from the stores as they are, without proposing or storing anything: the
// situation it judges (with the baseline where no forecast reaches) and
// the evaluation. The duty console shows it.
func (s *Service) Preview(ctx context.Context, region string, at time.Time) (alert.Situation, alert.Evaluation, error) {
	sit, err := s.Situation(ctx, region, at)
	if err != nil {
		return alert.Situation{}, alert.Evaluation{}, err
	}
	s.mu.Lock()
	sit.Previous = s.prev[region]
	s.mu.Unlock()
	sit, need := alert.WithBaseline(s.Plan, sit)
	ev := alert.Evaluate(s.Plan, sit)
	if ev.NeedForecast == nil {
		ev.NeedForecast = need
	}
	return sit, ev, nil
}

// ProposeManual turns a duty-staff request into a proposal for the region.
func (s *Service) ProposeManual(ctx context.Context, region string, m alert.ManualRequest, role string) (ProposalRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if _, ok := s.Plan.Region(region); !ok {
		return ProposalRecord{}, &alert.Error{Code: alert.CodeUnknownRegion, Message: fmt.Sprintf("region %q is not covered by plan %s", region, s.Plan.ID),
			MessageZH: "预案未覆盖该区域"}
	}
	if strings.TrimSpace(m.Reason) == "" {
		return ProposalRecord{}, &alert.Error{Code: alert.CodeReasonRequired, Message: "a manual proposal needs a reason", MessageZH: "人工提议须说明理由"}
	}
	if m.Start.IsZero() {
		m.Start = now
	}
	if m.End.IsZero() {
		m.End = m.Start // a lift has no period
	}
	if (m.Action == alert.ActionExtend || m.Action == alert.ActionPause) && !m.End.After(m.Start) {
		return ProposalRecord{}, &alert.Error{Code: alert.CodeProposalIncomplete,
			Message:   "an extension needs its new expected end, a pause its planned restart (end, after start)",
			MessageZH: "延续须给出新的预计结束时间，暂停须给出计划恢复时间（end，晚于 start）"}
	}
	if m.End.Before(m.Start) {
		return ProposalRecord{}, &alert.Error{Code: alert.CodeForecastInvalid, Message: "end is before start", MessageZH: "结束时间早于开始时间"}
	}
	if m.ID == "" {
		m.ID = fmt.Sprintf("%s/%d", m.By, now.UnixNano())
	}
	sit, err := s.Situation(ctx, region, now)
	if err != nil {
		return ProposalRecord{}, err
	}
	sit.Manual = &m
	ev := alert.Evaluate(s.Plan, sit)
	if ev.Refused != nil {
		return ProposalRecord{}, ev.Refused
	}
	if ev.Proposal == nil {
		return ProposalRecord{}, &alert.Error{Code: alert.CodeProposalIncomplete, Message: "the request makes no proposal", MessageZH: "该请求未形成提议"}
	}
	rec, _, err := s.propose(ctx, *ev.Proposal, m.By, role, now)
	return rec, err
}

// AddPrompt keeps an upstream prompt and evaluates the regions it names at
// once.
func (s *Service) AddPrompt(ctx context.Context, u alert.UpstreamPrompt, by, role string) error {
	now := s.now()
	if u.Region != "" {
		if _, ok := s.Plan.Region(u.Region); !ok {
			return &alert.Error{Code: alert.CodeUnknownRegion, Message: fmt.Sprintf("region %q is not covered by plan %s", u.Region, s.Plan.ID), MessageZH: "预案未覆盖该区域"}
		}
	}
	if u.Level <= alert.LevelNone || u.Level > s.Plan.MaxLevel() || !u.End.After(u.Start) {
		return &alert.Error{Code: alert.CodeForecastInvalid, Message: "a prompt needs a level of the plan and a period", MessageZH: "上级提示须有预警级别和时段"}
	}
	if u.ID == "" {
		u.ID = fmt.Sprintf("prompt/%d", now.UnixNano())
	}
	detail, _ := json.Marshal(u)
	if _, err := s.Store.AddPrompt(ctx, u, AuditEntry{At: now, Actor: by, Role: role, Action: "upstream_prompt",
		Subject: "prompt " + u.ID, Comment: u.Reference, Detail: detail}); err != nil {
		return err
	}
	for _, r := range s.Plan.WarningRegions() {
		if u.Region == "" || u.Region == r.ID {
			if _, err := s.EvaluateRegion(ctx, r.ID, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// propose stores a proposal unless its key is known, supersedes what else
// was pending for the region, and auto-approves when asked.
func (s *Service) propose(ctx context.Context, pr alert.Proposal, by, role string, now time.Time) (ProposalRecord, bool, error) {
	appr, err := alert.NewApproval(s.Plan, pr)
	if err != nil {
		return ProposalRecord{}, false, err
	}
	rec := ProposalRecord{Key: pr.Key, Region: pr.Region, Status: StatusPending, Proposal: pr,
		FromID: s.Plan.LevelID(pr.From), LevelID: pr.LevelID, Approval: *appr,
		Baseline: usesBaseline(pr), Created: now, Updated: now, By: by}
	detail, _ := json.Marshal(struct {
		Action   alert.Action `json:"action"`
		From     string       `json:"from"`
		To       string       `json:"to"`
		Key      string       `json:"key"`
		Baseline bool         `json:"baseline,omitempty"`
	}{pr.Action, rec.FromID, rec.LevelID, pr.Key, rec.Baseline})
	stored, created, err := s.Store.AddProposal(ctx, rec, AuditEntry{At: now, Actor: by, Role: role, Action: "propose",
		Subject: "proposal " + pr.Key, Comment: pr.Reason, Detail: detail})
	if err != nil {
		return ProposalRecord{}, false, err
	}
	if !created {
		if stored.Status != StatusSuperseded {
			return stored, false, nil
		}
		// The data came back to a situation proposed before: it is pending again.
		stored.Status, stored.Updated = StatusPending, now
		if err := s.Store.UpdateProposal(ctx, stored, AuditEntry{At: now, Actor: ActorEngine, Action: "revive",
			Subject: fmt.Sprintf("proposal %d", stored.ID), Comment: "the situation came back"}); err != nil {
			return stored, false, err
		}
	}
	if by == ActorEngine {
		if err := s.supersede(ctx, stored, now); err != nil {
			return stored, created, err
		}
	}
	if s.AutoApprove {
		if stored, err = s.autoApprove(ctx, stored, now); err != nil {
			return stored, created, err
		}
	}
	return stored, created, nil
}

// supersede closes the engine's other pending proposals of the region:
// the engine proposes one thing per region at a time, the newest. Staff
// proposals stay pending until someone decides on them (a published one
// makes the others stale: publish supersedes them then).
func (s *Service) supersede(ctx context.Context, keep ProposalRecord, now time.Time) error {
	pending, err := s.Store.Proposals(ctx, ProposalFilter{Status: StatusPending, Region: keep.Region})
	if err != nil {
		return err
	}
	for _, p := range pending {
		if p.ID == keep.ID || p.By != ActorEngine {
			continue
		}
		p.Status, p.Updated = StatusSuperseded, now
		if err := s.Store.UpdateProposal(ctx, p, AuditEntry{At: now, Actor: ActorEngine, Action: "supersede",
			Subject: fmt.Sprintf("proposal %d", p.ID), Comment: fmt.Sprintf("superseded by proposal %d (%s)", keep.ID, keep.Key)}); err != nil {
			return err
		}
	}
	return nil
}

// staleAfterPublish supersedes the region's pending proposals that were
// made against the level in force before a publication.
func (s *Service) staleAfterPublish(ctx context.Context, pub ProposalRecord, nowID string, now time.Time) error {
	if nowID == s.Plan.LevelID(alert.LevelNone) || pub.Proposal.Action == alert.ActionLift {
		nowID = alert.LevelNoneID
	}
	pending, err := s.Store.Proposals(ctx, ProposalFilter{Status: StatusPending, Region: pub.Region})
	if err != nil {
		return err
	}
	for _, p := range pending {
		if p.ID == pub.ID || p.FromID == nowID {
			continue
		}
		p.Status, p.Updated = StatusSuperseded, now
		if err := s.Store.UpdateProposal(ctx, p, AuditEntry{At: now, Actor: ActorEngine, Action: "supersede",
			Subject: fmt.Sprintf("proposal %d", p.ID),
			Comment: fmt.Sprintf("proposed against %s; proposal %d published %s", p.FromID, pub.ID, nowID)}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) autoApprove(ctx context.Context, rec ProposalRecord, now time.Time) (ProposalRecord, error) {
	for rec.Status == StatusPending {
		next := rec.Approval.NextRoles()
		if len(next) == 0 {
			break
		}
		var err error
		if rec, err = s.sign(ctx, rec, next[0], "demo-"+next[0], now, true, autoApproveComment); err != nil {
			return rec, err
		}
	}
	return rec, nil
}

// Sign records one role's decision on a proposal. When the chain
// completes, the proposal is published at once.
func (s *Service) Sign(ctx context.Context, id int64, role, user string, approve bool, comment string) (ProposalRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.Store.Proposal(ctx, id)
	if err != nil {
		return rec, err
	}
	return s.sign(ctx, rec, role, user, s.now(), approve, comment)
}

func (s *Service) sign(ctx context.Context, rec ProposalRecord, role, user string, now time.Time, approve bool, comment string) (ProposalRecord, error) {
	if rec.Status != StatusPending {
		return rec, &alert.Error{Code: alert.CodeApprovalClosed, Message: "the proposal is " + rec.Status, MessageZH: "该提议已关闭（" + rec.Status + "）"}
	}
	if err := rec.Approval.Sign(s.Plan, role, user, now, approve, comment); err != nil {
		return rec, err
	}
	verb := "approve"
	if !approve {
		verb = "reject"
	}
	switch rec.Approval.Status() {
	case "rejected":
		rec.Status = StatusRejected
	case "approved":
		rec.Status = StatusApproved
	}
	rec.Updated = now
	sig := rec.Approval.Signatures[len(rec.Approval.Signatures)-1]
	detail, _ := json.Marshal(struct {
		Step   int    `json:"step"`
		Status string `json:"status"`
	}{sig.Step, rec.Status})
	if err := s.Store.UpdateProposal(ctx, rec, AuditEntry{At: now, Actor: user, Role: role, Action: verb,
		Subject: fmt.Sprintf("proposal %d", rec.ID), Comment: comment, Detail: detail}); err != nil {
		return rec, err
	}
	if rec.Status == StatusApproved {
		return s.publish(ctx, rec, now)
	}
	return rec, nil
}

// SignAs signs a proposal as the one of the person's roles that may sign
// it now: role when given (it must be one of roles), else the first of
// roles among the chain's next signers, else the first role of the plan
// they carry (whose signature the chain then refuses with its reason).
func (s *Service) SignAs(ctx context.Context, id int64, user string, roles []string, role string, approve bool, comment string) (ProposalRecord, error) {
	if role != "" && !slices.Contains(roles, role) {
		return ProposalRecord{}, &alert.Error{Code: alert.CodeUnknownRole,
			Message:   fmt.Sprintf("the token does not carry the role %q", role),
			MessageZH: fmt.Sprintf("令牌不具备角色“%s”", role)}
	}
	if role == "" {
		rec, err := s.Store.Proposal(ctx, id)
		if err != nil {
			return rec, err
		}
		next := rec.Approval.NextRoles()
		for _, r := range roles {
			if slices.Contains(next, r) {
				role = r
				break
			}
		}
		if role == "" {
			for _, r := range roles {
				if _, ok := s.Plan.Role(r); ok {
					role = r
					break
				}
			}
		}
		if role == "" {
			return rec, &alert.Error{Code: alert.CodeUnknownRole,
				Message:   fmt.Sprintf("the token carries no role of plan %s", s.Plan.ID),
				MessageZH: fmt.Sprintf("令牌不具备预案 %s 的任何角色", s.Plan.ID)}
		}
	}
	return s.Sign(ctx, id, role, user, approve, comment)
}

// Recover publishes proposals that were approved but not yet published (the
// service stopped in between). Call it at start.
func (s *Service) Recover(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	approved, err := s.Store.Proposals(ctx, ProposalFilter{Status: StatusApproved})
	if err != nil {
		return err
	}
	for _, rec := range approved {
		if _, err := s.publish(ctx, rec, s.now()); err != nil {
			return err
		}
	}
	return nil
}

// publish records the transition of an approved proposal and the warning it
// leaves in force. A proposal made against a warning that has changed since
// is superseded instead.
func (s *Service) publish(ctx context.Context, rec ProposalRecord, now time.Time) (ProposalRecord, error) {
	pr := rec.Proposal
	cur, err := s.active(ctx, rec.Region)
	if err != nil {
		return rec, err
	}
	curID := alert.LevelNoneID
	if cur != nil {
		curID = cur.LevelID
	}
	t := Transition{Key: rec.Key, Region: rec.Region, FromID: curID, ToID: rec.LevelID, At: now,
		Start: pr.Start, ExpectedEnd: pr.ExpectedEnd, ProposalID: rec.ID, Approval: rec.Approval, Proposal: pr}
	var w *Warning
	if rec.FromID != curID && pr.Action != alert.ActionHealthNotice {
		rec.Status, rec.Updated = StatusSuperseded, now
		err := s.Store.UpdateProposal(ctx, rec, AuditEntry{At: now, Actor: ActorEngine, Action: "supersede",
			Subject: fmt.Sprintf("proposal %d", rec.ID),
			Comment: fmt.Sprintf("proposed against %s, but %s is in force now", rec.FromID, curID)})
		return rec, err
	}
	from, _ := s.Plan.LevelByID(curID)
	to, ok := s.Plan.LevelByID(rec.LevelID)
	if !ok {
		to = alert.LevelNone
	}
	rule, refusal := alert.Transit(StateOf(cur), pr.Action, alert.MoveOf(from, to))
	if refusal != nil {
		// Never published: a proposal that makes no sense against the
		// warning in force (a lift with nothing in force, a "change" to
		// the same level) would dereference nothing or mislabel the notice.
		rec.Status, rec.Updated = StatusSuperseded, now
		err := s.Store.UpdateProposal(ctx, rec, AuditEntry{At: now, Actor: ActorEngine, Action: "refuse",
			Subject: fmt.Sprintf("proposal %d", rec.ID), Comment: refusal.Message + " / " + refusal.MessageZH})
		return rec, err
	}
	kind := rule.Kind
	if kind == alert.KindHealthNotice {
		t.Kind, t.FromID, t.ToID = alert.KindHealthNotice, curID, s.Plan.HealthNotice.ID
	} else {
		t.Kind = kind
		// Nothing takes effect before it is published: an issue for an
		// episode already under way starts its response now.
		eff := pr.Start
		if eff.Before(now) {
			eff = now
		}
		t.Start = eff // what is published (the notice, the CAP onset); the proposal keeps the rules' start
		if kind == alert.KindIssue {
			w = &Warning{Region: rec.Region, PlanID: s.Plan.ID, LevelID: rec.LevelID, Since: now,
				EpisodeStart: pr.EpisodeStart, ExpectedEnd: pr.ExpectedEnd, Issued: now, EffectiveStart: eff}
		} else {
			c := *cur
			w = &c
			w.Transitions = nil
			switch kind {
			case alert.KindLift:
				lifted := now
				w.Lifted = &lifted
				w.LiftEffective = &eff
				w.Paused = false
			case alert.KindExtend:
				w.ExpectedEnd = pr.ExpectedEnd
			case alert.KindPause:
				restart := pr.RestartAt
				w.Paused, w.RestartAt = true, &restart
			default: // upgrade, downgrade, resume, manual and upstream changes
				w.LevelID = rec.LevelID
				w.Since = now
				w.Paused, w.RestartAt = false, nil
				if !pr.ExpectedEnd.IsZero() {
					w.ExpectedEnd = pr.ExpectedEnd
				}
			}
		}
		if cur != nil {
			t.WarningID = cur.ID
		}
	}
	detail, _ := json.Marshal(struct {
		Kind string `json:"kind"`
		From string `json:"from"`
		To   string `json:"to"`
	}{t.Kind, t.FromID, t.ToID})
	t, created, err := s.Store.Publish(ctx, rec.ID, t, w, AuditEntry{At: now, Actor: ActorEngine, Action: "publish",
		Subject: fmt.Sprintf("proposal %d", rec.ID), Comment: t.Kind + " " + rec.Region, Detail: detail})
	if err != nil {
		return rec, err
	}
	rec.Status, rec.Updated = StatusPublished, now
	if created && t.Kind != alert.KindHealthNotice {
		if err := s.staleAfterPublish(ctx, rec, t.ToID, now); err != nil {
			return rec, err
		}
	}
	if created {
		s.log().Info("warning transition published", "region", t.Region, "kind", t.Kind, "from", t.FromID, "to", t.ToID, "key", t.Key)
		if s.OnPublish != nil {
			s.OnPublish(t)
		}
	}
	return rec, nil
}

// activeWarning is what the engine needs to know of the warning in force.
func (s *Service) activeWarning(w *Warning) *alert.ActiveWarning {
	if w == nil {
		return nil
	}
	lvl, ok := s.Plan.LevelByID(w.LevelID)
	if !ok {
		return nil
	}
	a := &alert.ActiveWarning{Level: lvl, Since: w.Since, EpisodeStart: w.EpisodeStart, ExpectedEnd: w.ExpectedEnd, Paused: w.Paused}
	if w.RestartAt != nil {
		a.RestartAt = *w.RestartAt
	}
	return a
}

func (s *Service) active(ctx context.Context, region string) (*Warning, error) {
	ws, err := s.Store.ActiveWarnings(ctx)
	if err != nil {
		return nil, err
	}
	for i := range ws {
		if ws[i].Region == region {
			return &ws[i], nil
		}
	}
	return nil, nil
}

func usesBaseline(pr alert.Proposal) bool {
	return slices.ContainsFunc(pr.Evidence.Windows, func(w alert.Window) bool { return w.Source == alert.SourceBaseline })
}

func alertHours(n int) time.Duration { return time.Duration(n) * time.Hour }
