package alert

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// ActiveWarning is the warning in force for the region, as published.
type ActiveWarning struct {
	Level Level `json:"level"`
	// Since is when the current level was published; it tells one
	// transition of the episode from the next in proposal keys.
	Since time.Time `json:"since"`
	// EpisodeStart is the start of the episode the warning was issued for;
	// keys of later transitions use it so they do not depend on how much
	// history the caller passes.
	EpisodeStart time.Time `json:"episode_start"`
}

// UpstreamPrompt is a warning prompt from the city's command (plan 4.2 last
// paragraph, plan 6): the county must warn at least at Level for the period.
type UpstreamPrompt struct {
	ID        string    `json:"id"`
	Region    string    `json:"region,omitempty"` // empty: every region
	Level     Level     `json:"level"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Issuer    string    `json:"issuer,omitempty"`
	Reference string    `json:"reference,omitempty"` // the prompt's document number or message id
}

// ManualRequest is a proposal by duty staff after a consultation (会商).
// Level LevelNone asks to lift.
type ManualRequest struct {
	ID     string    `json:"id"`
	Level  Level     `json:"level"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
}

// Concentrations is a forecast of the quantities the health-notice rule
// names (Plan.HealthNotice), for one period.
type Concentrations struct {
	Start          time.Time          `json:"start"`
	End            time.Time          `json:"end"`
	Values         map[string]float64 `json:"values"`
	ForecastSource string             `json:"forecast_source,omitempty"`
}

// Situation is everything known about one region at one instant.
type Situation struct {
	Now    time.Time
	Region string
	// Observed windows must end at or before Now; later ones are ignored.
	// Passing those ending after Now − Plan.Lookback() is enough.
	Observed []Window
	// Forecast holds the windows of the newest forecast only (or a
	// baseline); they are cut at Now.
	Forecast     []Window
	ForecastConc []Concentrations
	// ForecastCoverageEnd is how far the forecast reaches; zero means the
	// end of the last Forecast window.
	ForecastCoverageEnd time.Time
	Active              *ActiveWarning
	Upstream            []UpstreamPrompt
	Manual              *ManualRequest
}

// Evaluation is what the rules make of a situation.
type Evaluation struct {
	Now      time.Time   `json:"now"`
	Region   string      `json:"region"`
	Runs     RunSet      `json:"runs"`
	Timeline []LevelSpan `json:"timeline"` // upstream prompts included
	Episodes []Episode   `json:"episodes"`
	// Current is the episode the decision is about: the one in progress or
	// the next one, nil when none matters.
	Current     *Episode  `json:"current,omitempty"`
	CoverageEnd time.Time `json:"coverage_end"`
	// Proposal is at most one thing to put through an approval chain.
	Proposal *Proposal `json:"proposal,omitempty"`
	// NeedForecast asks for a forecast instead of guessing (a lift or
	// downgrade needs the plan's forecast coverage).
	NeedForecast *ForecastNeed `json:"need_forecast,omitempty"`
}

// ForecastNeed says why the engine needs a (longer) forecast.
type ForecastNeed struct {
	Reason      string    `json:"reason"` // lift | downgrade
	Message     string    `json:"message"`
	MessageZH   string    `json:"message_zh"`
	CoverageEnd time.Time `json:"coverage_end"`
	NeededUntil time.Time `json:"needed_until"`
}

// Proposal is one transition to put through the approval chain.
type Proposal struct {
	Action Action `json:"action"`
	Level  Level  `json:"level"` // target; LevelNone for lift and health notice
	// LevelID is the plan's id of Level ("none" for a lift, the
	// health-notice id for a health notice); Response its response label.
	LevelID     string        `json:"level_id"`
	Response    string        `json:"response,omitempty"`
	From        Level         `json:"from"` // the active level when proposed
	PlanID      string        `json:"plan_id"`
	Region      string        `json:"region"`
	Start       time.Time     `json:"start"`
	ExpectedEnd time.Time     `json:"expected_end"`
	LeadTime    time.Duration `json:"lead_time"` // Start − now; negative when under way
	ShortNotice bool          `json:"short_notice"`
	// EpisodeStart is the episode's first instant as the key counts it.
	EpisodeStart time.Time `json:"episode_start"`
	Reason       string    `json:"reason,omitempty"`
	Evidence     Evidence  `json:"evidence"`
	// Key is the idempotency key: the same situation yields the same key,
	// so a caller that persists keys never acts twice on one situation.
	Key string `json:"key"`
}

// Evidence is why a proposal was made.
type Evidence struct {
	Runs        []RunEvidence      `json:"runs,omitempty"`
	Windows     []Window           `json:"windows,omitempty"` // the windows that make up Runs
	CoverageEnd time.Time          `json:"coverage_end"`
	Upstream    *UpstreamPrompt    `json:"upstream,omitempty"`
	Manual      *ManualRequest     `json:"manual,omitempty"`
	Health      []HealthExceedance `json:"health,omitempty"`
}

// RunEvidence is one term of the level condition that held, with its run.
type RunEvidence struct {
	Level     string    `json:"level"`
	Threshold int       `json:"threshold"`
	MinHours  int       `json:"min_hours"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Hours     float64   `json:"hours"`
}

// HealthExceedance is one forecast value above a health-notice limit.
type HealthExceedance struct {
	Quantity string    `json:"quantity"`
	Value    float64   `json:"value"`
	Above    float64   `json:"above"`
	Unit     string    `json:"unit"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
}

// Evaluate applies the plan's rules (spec/warning-rules.md §1–3) to a
// situation. It is pure: the same plan and situation give the same result.
func Evaluate(p *Plan, s Situation) Evaluation {
	e := evaluator{p: p, s: s, now: s.Now}
	return e.run()
}

// windowPool recycles the per-evaluation copy of the windows: a replay
// evaluates every hour, and that copy is most of what it allocates.
var windowPool = sync.Pool{New: func() any { return new([]Window) }}

type evaluator struct {
	p   *Plan
	s   Situation
	now time.Time

	// present is now, or the last observed instant when no forecast
	// reaches past now (see idle and active).
	present time.Time
	windows []Window    // observed then cut forecast, sorted by start
	runs    RunSet      // from the data alone
	data    []LevelSpan // timeline from the data alone
	ev      Evaluation
}

func (e *evaluator) run() Evaluation {
	p, s, now := e.p, e.s, e.now
	e.ev = Evaluation{Now: now, Region: s.Region}

	buf := windowPool.Get().(*[]Window)
	defer func() { *buf = e.windows[:0]; windowPool.Put(buf) }()
	e.windows = slices.Grow((*buf)[:0], len(s.Observed)+len(s.Forecast))
	for _, w := range s.Observed {
		if w.End.After(now) || !w.End.After(w.Start) {
			continue
		}
		if w.Source == "" {
			w.Source = SourceObserved
		}
		e.windows = append(e.windows, w)
	}
	for _, w := range s.Forecast {
		if !w.End.After(now) {
			continue
		}
		// Hours up to now are judged by observations only; a cut window
		// still exceeds for its remaining hours.
		if w.Start.Before(now) {
			w.Start = now
		}
		if w.Source == "" {
			w.Source = SourceForecast
		}
		e.windows = append(e.windows, w)
	}
	e.windows = sortedByStart(e.windows)
	e.runs = newRunSet(p, e.windows)
	if n := len(e.windows); n > 0 {
		from, to := e.windows[0].Start, e.windows[0].End
		for _, w := range e.windows {
			if w.End.After(to) {
				to = w.End
			}
		}
		e.data = p.Timeline(e.runs, from, to)
	}
	e.ev.Runs = e.runs
	e.ev.Timeline = overlay(e.data, e.floors())
	e.ev.Episodes = p.Episodes(e.ev.Timeline)
	e.ev.CoverageEnd = e.coverageEnd()
	e.present = now
	if !e.ev.CoverageEnd.After(now) {
		// Nothing is known after now, so observed runs all end at now and
		// would never count. The last observed instant stands for the
		// present instead: an episode observed up to now is in progress
		// (it can be issued or raise a warning, never lift one).
		e.present = now.Add(-time.Nanosecond)
	}

	switch {
	case s.Manual != nil:
		e.manual()
	case s.Active != nil && s.Active.Level > LevelNone:
		e.active()
	default:
		e.idle()
	}
	return e.ev
}

// floors turns upstream prompts for this region into minimum levels from now on.
func (e *evaluator) floors() []LevelSpan {
	var out []LevelSpan
	for _, u := range e.s.Upstream {
		if u.Level <= LevelNone || (u.Region != "" && u.Region != e.s.Region) || !u.End.After(e.now) {
			continue
		}
		start := u.Start
		if start.Before(e.now) {
			start = e.now
		}
		if u.End.After(start) {
			out = append(out, LevelSpan{Start: start, End: u.End, Level: min(u.Level, e.p.MaxLevel()), Upstream: true})
		}
	}
	return out
}

func (e *evaluator) coverageEnd() time.Time {
	if !e.s.ForecastCoverageEnd.IsZero() {
		return e.s.ForecastCoverageEnd
	}
	var end time.Time
	for _, w := range e.s.Forecast {
		if w.End.After(end) {
			end = w.End
		}
	}
	return end
}

func (e *evaluator) covered() bool {
	return e.ev.CoverageEnd.Sub(e.now) >= e.p.Timing.Coverage()
}

// idle: no warning in force. Issue for the next episode, else perhaps a
// health notice.
func (e *evaluator) idle() {
	for i := range e.ev.Episodes {
		ep := &e.ev.Episodes[i]
		if !ep.End.After(e.present) {
			continue // over before now: nothing to warn about
		}
		e.ev.Current = ep
		from := later(ep.Start, e.present)
		// The level of what is still to come: a peak already over does
		// not call for a higher warning now.
		lvl, _ := maxOver(e.ev.Timeline, from, ep.End)
		pr := e.proposal(ActionIssue, lvl, LevelNone, ep.Start, ep.End, from, ep.End)
		pr.Key = e.key(pr.Action, LevelNone, lvl, e.keyStart(ep.Start), "")
		e.ev.Proposal = pr
		return
	}
	e.healthNotice()
}

// active: a warning is in force at L.
func (e *evaluator) active() {
	p, now := e.p, e.now
	a := *e.s.Active
	L := min(a.Level, p.MaxLevel())

	var ep *Episode
	for i := range e.ev.Episodes {
		c := &e.ev.Episodes[i]
		// The episode in progress, or one starting before the warning could
		// be lifted (which keeps the warning alive, plan 4.5).
		if (!c.Start.After(e.present) && c.End.After(e.present)) ||
			(!c.Start.Before(now) && c.Start.Sub(now) < p.Timing.Persist()) {
			ep = c
			break
		}
		// A warning issued ahead of its episode (which may lie more than
		// the persistence time ahead) waits for it rather than being
		// lifted the next hour; the replay showed that issue-then-lift
		// flapping. If the forecast drops the episode, it is lifted.
		if a.EpisodeStart.After(now) && !c.Start.Before(now) {
			ep = c
			break
		}
	}
	e.ev.Current = ep
	epStart := a.EpisodeStart
	if epStart.IsZero() && ep != nil {
		epStart = ep.Start
	}
	if epStart.IsZero() {
		epStart = a.Since
	}
	since := ""
	if !a.Since.IsZero() {
		since = "since=" + a.Since.UTC().Format(time.RFC3339)
	}

	R, at := LevelNone, now
	end := now
	if ep != nil {
		R, at = maxOver(e.ev.Timeline, e.present, ep.End)
		end = ep.End
	}
	if R > L { // upgrade at once, from forecast or observation (plan 4.5 尽早)
		pr := e.proposal(ActionUpgrade, R, L, later(at, now), end, e.present, end)
		pr.EpisodeStart = epStart
		pr.Key = e.key(pr.Action, L, R, epStart, since)
		e.ev.Proposal = pr
		return
	}
	persistEnd := now.Add(p.Timing.Persist())
	waiting := ep != nil && a.EpisodeStart.After(now) && !ep.Start.Before(now)
	if below, _ := maxOver(e.ev.Timeline, now, persistEnd); below == LevelNone && !waiting {
		if !e.covered() {
			e.needForecast("lift", "lift needs a forecast", "解除预警需要预报")
			return
		}
		pr := e.proposal(ActionLift, LevelNone, L, now, now, now, now)
		pr.EpisodeStart = epStart
		pr.Key = e.key(pr.Action, L, LevelNone, epStart, since)
		e.ev.Proposal = pr
		return
	}
	if R < L {
		if !e.covered() {
			e.needForecast("downgrade", "downgrade needs a forecast", "降低预警级别需要预报")
			return
		}
		pr := e.proposal(ActionDowngrade, R, L, now, end, e.present, end)
		pr.LeadTime, pr.ShortNotice = 0, false
		pr.EpisodeStart = epStart
		pr.Key = e.key(pr.Action, L, R, epStart, since)
		e.ev.Proposal = pr
	}
}

func (e *evaluator) needForecast(reason, msg, msgZH string) {
	need := e.now.Add(e.p.Timing.Coverage())
	e.ev.NeedForecast = &ForecastNeed{
		Reason: reason,
		Message: fmt.Sprintf("%s covering until %s (%dh ahead); it reaches %s", msg,
			need.Format(time.RFC3339), e.p.Timing.ForecastCoverageHours, fmtTime(e.ev.CoverageEnd)),
		MessageZH: fmt.Sprintf("%s，须覆盖至 %s（未来 %d 小时），现仅至 %s", msgZH,
			need.Format(time.RFC3339), e.p.Timing.ForecastCoverageHours, fmtTime(e.ev.CoverageEnd)),
		CoverageEnd: e.ev.CoverageEnd,
		NeededUntil: need,
	}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}

// proposal fills a proposal for level lvl judged on [winFrom, winTo); the
// action becomes "upstream" when only a prompt lifts that stretch to lvl.
// Evidence comes from the first instant the data reach their highest level.
func (e *evaluator) proposal(a Action, lvl, from Level, start, end, winFrom, winTo time.Time) *Proposal {
	p := e.p
	pr := &Proposal{
		Action: a, Level: lvl, LevelID: p.LevelID(lvl), From: from,
		PlanID: p.ID, Region: e.s.Region,
		Start: start, ExpectedEnd: end, EpisodeStart: start,
		LeadTime: start.Sub(e.now),
	}
	if spec := p.Spec(lvl); spec != nil {
		pr.Response = spec.Response
	}
	pr.ShortNotice = lvl > LevelNone && pr.LeadTime < p.Timing.Lead()
	pr.Evidence.CoverageEnd = e.ev.CoverageEnd
	if lvl == LevelNone {
		return pr
	}
	dataLvl, dataAt := maxOver(e.data, winFrom, winTo)
	if dataLvl < lvl && (a == ActionIssue || a == ActionUpgrade) {
		pr.Action = ActionUpstream
		pr.Evidence.Upstream = e.prompt(winFrom, winTo, lvl)
		if pr.Evidence.Upstream != nil {
			pr.Reason = "upstream prompt " + pr.Evidence.Upstream.Reference
		}
	}
	if dataLvl > LevelNone {
		pr.Evidence.Runs, pr.Evidence.Windows = e.evidence(dataAt)
	}
	return pr
}

// prompt is the highest upstream prompt over [from, to) at level ≥ lvl.
func (e *evaluator) prompt(from, to time.Time, lvl Level) *UpstreamPrompt {
	for i := range e.s.Upstream {
		u := &e.s.Upstream[i]
		if u.Level >= lvl && (u.Region == "" || u.Region == e.s.Region) && u.Start.Before(to) && u.End.After(from) {
			c := *u
			return &c
		}
	}
	return nil
}

// evidence is the terms of the alternative that held at t, with their runs
// and the windows that make those runs up.
func (e *evaluator) evidence(t time.Time) ([]RunEvidence, []Window) {
	l, alt := e.p.levelAt(e.runs, t)
	if l == LevelNone {
		return nil, nil
	}
	spec := e.p.Spec(l)
	var runs []RunEvidence
	for _, term := range spec.AnyOf[alt].AllOf {
		r, _ := e.runs.Containing(term.AQIAbove, t)
		runs = append(runs, RunEvidence{Level: spec.ID, Threshold: term.AQIAbove, MinHours: term.MinHours,
			Start: r.Start, End: r.End, Hours: r.Hours()})
	}
	var ws []Window
	for _, w := range e.windows {
		for _, r := range runs {
			if w.AQI > r.Threshold && w.Start.Before(r.End) && w.End.After(r.Start) {
				ws = append(ws, w)
				break
			}
		}
	}
	return runs, ws
}

// healthNotice proposes the public health information of plan 4.2 when a
// forecast for the plan's horizon exceeds a limit (yellow is not reached:
// the caller only gets here without an episode ahead).
func (e *evaluator) healthNotice() {
	hn := e.p.HealthNotice
	horizon := e.now.Add(hours(hn.HorizonHours))
	conc := slices.Clone(e.s.ForecastConc)
	slices.SortStableFunc(conc, func(a, b Concentrations) int { return a.Start.Compare(b.Start) })
	for _, c := range conc {
		if !c.End.After(e.now) || !c.Start.Before(horizon) {
			continue
		}
		var ex []HealthExceedance
		for _, lim := range hn.AnyOf {
			if v, ok := c.Values[lim.Quantity]; ok && v > lim.Above {
				ex = append(ex, HealthExceedance{Quantity: lim.Quantity, Value: v, Above: lim.Above,
					Unit: lim.Unit, Start: c.Start, End: c.End})
			}
		}
		if len(ex) == 0 {
			continue
		}
		start := later(c.Start, e.now)
		pr := e.proposal(ActionHealthNotice, LevelNone, LevelNone, start, c.End, start, c.End)
		pr.LevelID = hn.ID
		pr.EpisodeStart = c.Start
		pr.Evidence.Health = ex
		// The uncut start keeps the key still while now moves through the day.
		pr.Key = e.keyWithIDs(pr.Action, levelNoneID, hn.ID, c.Start, "")
		e.ev.Proposal = pr
		return
	}
}

// manual turns a duty-staff request into a proposal.
func (e *evaluator) manual() {
	m := *e.s.Manual
	from := LevelNone
	if e.s.Active != nil {
		from = e.s.Active.Level
	}
	lvl := min(m.Level, e.p.MaxLevel())
	pr := e.proposal(ActionManual, lvl, from, m.Start, m.End, m.Start, m.End)
	pr.Reason = m.Reason
	pr.Evidence.Manual = &m
	if e.s.Active != nil && !e.s.Active.EpisodeStart.IsZero() {
		pr.EpisodeStart = e.s.Active.EpisodeStart
	}
	ref := m.ID
	if ref == "" {
		ref = m.Start.UTC().Format(time.RFC3339) + "/" + m.By
	}
	pr.Key = e.key(ActionManual, from, lvl, pr.EpisodeStart, "req="+ref)
	e.ev.Proposal = pr
}

// keyStart is the episode start as the key counts it. An episode that begins
// exactly at now does so because forecast windows (or prompts) were cut at
// now; their uncut start keeps the key from moving every hour.
func (e *evaluator) keyStart(start time.Time) time.Time {
	if !start.Equal(e.now) {
		return start
	}
	lowest := e.p.thresholds[0]
	for _, w := range e.s.Forecast {
		if w.Start.Before(start) && w.End.After(e.now) && w.AQI > lowest {
			start = w.Start
		}
	}
	for _, u := range e.s.Upstream {
		if u.Level > LevelNone && u.Start.Before(start) && u.End.After(e.now) && (u.Region == "" || u.Region == e.s.Region) {
			start = u.Start
		}
	}
	return start
}

func (e *evaluator) key(a Action, from, to Level, episodeStart time.Time, extra string) string {
	return e.keyWithIDs(a, e.p.LevelID(from), e.p.LevelID(to), episodeStart, extra)
}

// keyWithIDs builds "region|action|from|to|episode start[|extra]". Readable
// on purpose: it shows up in logs and in the notification log.
func (e *evaluator) keyWithIDs(a Action, from, to string, episodeStart time.Time, extra string) string {
	parts := []string{e.s.Region, string(a), from, to, episodeStart.UTC().Format(time.RFC3339)}
	if extra != "" {
		parts = append(parts, extra)
	}
	return strings.Join(parts, "|")
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
