package alert

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
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
	// ExpectedEnd is the end the warning announced (extensions move it).
	ExpectedEnd time.Time `json:"expected_end"`
	// Paused: the warning is open with its measures suspended until
	// RestartAt (the forecast start of the next run).
	Paused    bool      `json:"paused,omitempty"`
	RestartAt time.Time `json:"restart_at,omitzero"`
}

// State is the region's state with this warning (nil: none).
func (a *ActiveWarning) State() State {
	switch {
	case a == nil:
		return StateNone
	case a.Paused:
		return StatePaused
	}
	return StateActive
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
	ID string `json:"id"`
	// Action is empty for a decision by level (issue, change, lift), or
	// extend (End is the new expected end), pause (End is the planned
	// restart) or resume (at Level).
	Action Action    `json:"action,omitempty"`
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
	// ObservedHours are the region's hourly values up to Now (the last
	// window length at least, plus the bias-correction hours): the
	// observed part of the blended series.
	ObservedHours []SeriesHour
	// ForecastHours is the newest hourly forecast, hour by hour (hours up
	// to Now are read for bias correction only). With ObservedHours it
	// makes the blended series whose rolling windows straddle Now.
	ForecastHours       []SeriesHour
	ForecastHoursSource string
	// Forecast holds daily forecast windows (one per calendar day, counted
	// whole; days over by Now are dropped) and baselines.
	Forecast     []Window
	ForecastConc []Concentrations
	// ForecastCoverageEnd is how far the forecast reaches; zero means the
	// end of the last Forecast window or forecast hour.
	ForecastCoverageEnd time.Time
	Active              *ActiveWarning
	Upstream            []UpstreamPrompt
	Manual              *ManualRequest
	// Previous is when the region was last evaluated (zero: unknown). A
	// decision time passed since then counts as now, so an evaluation
	// that skipped the decision hour (a late AQI run, a fast demo clock)
	// still takes the scheduled decisions.
	Previous time.Time
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
	// Refused is why a manual request makes no sense in the current state
	// (a lift with nothing in force, a change to the level in force).
	Refused *Error `json:"refused,omitempty"`
	// Decision says which kind of decision the hour allowed: "scheduled"
	// at a decision time, else "urgent" (upgrades and short-notice issues).
	Decision string `json:"decision"`
	// Waiting is set when a decision is known but waits for the next
	// decision time (a non-urgent issue, a downgrade, a lift).
	Waiting *Waiting `json:"waiting,omitempty"`
	// BiasRatio is the bias correction applied to the first forecast hour,
	// per pollutant, where it is not 1.
	BiasRatio map[string]float64 `json:"bias_ratio,omitempty"`
}

// Waiting is a decision held for the next decision time.
type Waiting struct {
	Action Action    `json:"action"`
	Level  string    `json:"level"`
	Until  time.Time `json:"until"`
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
	// RestartAt is a pause's planned restart.
	RestartAt time.Time `json:"restart_at,omitzero"`
	// Urgent: proposed outside the decision times (an upgrade, a resume,
	// an issue that would otherwise be short notice).
	Urgent   bool     `json:"urgent,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	Evidence Evidence `json:"evidence"`
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

// Evaluate applies the plan's rules (spec/warning-rules.md version 2, §1–3)
// to a situation. It is pure: the same plan and situation give the same
// result.
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
	// reaches past now (observed runs then all end at now).
	present time.Time
	windows []Window    // observed, blended and daily, sorted by start
	runs    RunSet      // from the data alone
	data    []LevelSpan // timeline from the data alone
	conc    []Concentrations
	// realEnd is how far forecasts a forecaster issued reach (baselines
	// not counted).
	realEnd time.Time
	ev      Evaluation
}

func (e *evaluator) run() Evaluation {
	p, s, now := e.p, e.s, e.now
	e.ev = Evaluation{Now: now, Region: s.Region, Decision: "urgent"}
	if p.IsDecisionTime(now) || (!s.Previous.IsZero() && s.Previous.Before(now) && !p.NextDecisionTime(s.Previous.Add(time.Nanosecond)).After(now)) {
		e.ev.Decision = "scheduled"
	}

	bl := p.blend(now, s.ObservedHours, s.ForecastHours, s.ForecastHoursSource)
	for pol, r := range bl.ratio {
		if r != 1 {
			if e.ev.BiasRatio == nil {
				e.ev.BiasRatio = map[string]float64{}
			}
			e.ev.BiasRatio[aqi.Pollutant(pol).String()] = r
		}
	}
	buf := windowPool.Get().(*[]Window)
	defer func() { *buf = e.windows[:0]; windowPool.Put(buf) }()
	e.windows = slices.Grow((*buf)[:0], len(s.Observed)+len(s.Forecast)+len(bl.windows))
	for _, w := range s.Observed {
		if w.End.After(now) || !w.End.After(w.Start) {
			continue
		}
		if w.Source == "" {
			w.Source = SourceObserved
		}
		e.windows = append(e.windows, w)
	}
	e.windows = append(e.windows, bl.windows...)
	if len(bl.windows) > 0 {
		e.realEnd = bl.end
	}
	for _, w := range s.Forecast {
		// A forecast day counts whole; one already over is replaced by
		// what was observed.
		if !w.End.After(now) {
			continue
		}
		if w.Source == "" {
			w.Source = SourceForecast
		}
		if w.Source == SourceForecast {
			e.realEnd = later(e.realEnd, w.End)
		}
		e.windows = append(e.windows, w)
	}
	e.conc = append(slices.Clone(s.ForecastConc), bl.conc...)
	e.windows = sortedByStart(e.windows)
	e.runs = newRunSet(p, e.windows)
	if n := len(e.windows); n > 0 {
		from, to := e.windows[0].Start, e.windows[0].End
		for _, w := range e.windows {
			to = later(to, w.End)
		}
		e.data = p.Timeline(e.runs, from, to)
	}
	e.ev.Runs = e.runs
	e.ev.Timeline = overlay(e.data, e.floors())
	e.ev.Episodes = p.Episodes(e.ev.Timeline)
	e.ev.CoverageEnd = later(e.coverageEnd(), bl.end)
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
	case s.Active != nil && s.Active.Level > LevelNone && s.Active.Paused:
		e.paused()
	case s.Active != nil && s.Active.Level > LevelNone:
		e.active()
	default:
		e.idle()
	}
	return e.ev
}

func (e *evaluator) scheduled() bool { return e.ev.Decision == "scheduled" }

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
		end = later(end, w.End)
	}
	if n := len(e.s.ForecastHours); n > 0 {
		end = later(end, e.s.ForecastHours[n-1].Time)
	}
	return end
}

// covers reports whether the forecast (baselines included) reaches d ahead.
func (e *evaluator) covers(d time.Duration) bool { return !e.ev.CoverageEnd.Before(e.now.Add(d)) }

// onBaseline: no forecast a forecaster issued reaches the plan's coverage,
// so what lies ahead is the persistence baseline's guess.
func (e *evaluator) onBaseline() bool {
	return e.realEnd.Before(e.now.Add(e.p.Timing.Coverage()))
}

// idle: no warning in force. Issue for the next episode within the
// look-ahead, else perhaps a health notice.
func (e *evaluator) idle() {
	p, now := e.p, e.now
	look := now.Add(hours(p.Decisions.Issue.LookaheadHours))
	for i := range e.ev.Episodes {
		ep := &e.ev.Episodes[i]
		if !ep.End.After(e.present) {
			continue // over before now: nothing to warn about
		}
		if ep.Start.After(look) {
			break
		}
		e.ev.Current = ep
		from := later(ep.Start, e.present)
		// The highest visible level of what is still to come: a peak
		// already over does not call for a higher warning now.
		lvl, _ := maxOver(e.ev.Timeline, from, ep.End)
		lvl = e.spikeFiltered(lvl, from, ep.End)
		if lvl == LevelNone {
			return
		}
		start, end := p.FloorStandard(ep.Start), p.CeilStandard(ep.End)
		// Urgent when waiting for the next decision time would leave less
		// than the plan's lead (or the episode is already under way).
		next := p.NextDecisionTime(now.Add(time.Hour))
		urgent := start.Sub(next) < p.Timing.Lead()
		if !e.scheduled() && !urgent {
			e.ev.Waiting = &Waiting{Action: ActionIssue, Level: p.LevelID(lvl), Until: next}
			return
		}
		pr := e.proposal(ActionIssue, lvl, LevelNone, start, end, from, ep.End)
		pr.EpisodeStart = start
		pr.Urgent = !e.scheduled()
		pr.Key = e.key(pr.Action, LevelNone, lvl, start, "")
		e.ev.Proposal = pr
		return
	}
	e.healthNotice()
}

// currentEpisode is the episode a warning in force is about: the one in
// progress, one starting before the warning could be lifted (which keeps
// it alive, plan 4.5), or, for a warning issued ahead, the one it waits for.
func (e *evaluator) currentEpisode(a ActiveWarning) *Episode {
	for i := range e.ev.Episodes {
		c := &e.ev.Episodes[i]
		if (!c.Start.After(e.present) && c.End.After(e.present)) ||
			(!c.Start.Before(e.now) && c.Start.Sub(e.now) < e.p.Timing.Persist()) {
			return c
		}
		if a.EpisodeStart.After(e.now) && !c.Start.Before(e.now) {
			return c
		}
	}
	return nil
}

// active: a warning is in force at L. Upgrades at any hour; lift, pause,
// downgrade and extension only at decision times.
func (e *evaluator) active() {
	p, now := e.p, e.now
	a := *e.s.Active
	L := min(a.Level, p.MaxLevel())
	ep := e.currentEpisode(a)
	e.ev.Current = ep
	epStart := a.EpisodeStart
	if epStart.IsZero() && ep != nil {
		epStart = ep.Start
	}
	if epStart.IsZero() {
		epStart = a.Since
	}
	since := sinceTag(a.Since)
	end := a.ExpectedEnd
	if ep != nil {
		end = p.CeilStandard(ep.End)
	}

	// Upgrade (plan 4.5 尽早): at any hour, the highest level within the look-ahead.
	upTo := now.Add(hours(p.Decisions.Upgrade.LookaheadHours))
	R, at := maxOver(e.ev.Timeline, e.present, upTo)
	if R > L {
		R = e.spikeFiltered(R, e.present, upTo)
	}
	if R > L {
		_, at = firstAt(e.ev.Timeline, R, e.present, upTo)
		eff := later(p.FloorStandard(at), now.Add(hours(p.Decisions.Upgrade.MinDelayHours)))
		if ep2 := episodeAt(e.ev.Episodes, at); ep2 != nil {
			end = later(end, p.CeilStandard(ep2.End))
		}
		pr := e.proposal(ActionUpgrade, R, L, eff, end, e.present, upTo)
		pr.EpisodeStart = epStart
		pr.Urgent = !e.scheduled()
		pr.Key = e.key(pr.Action, L, R, epStart, since)
		e.ev.Proposal = pr
		return
	}

	waiting := ep != nil && a.EpisodeStart.After(now) && !ep.Start.Before(now)
	persist := p.Timing.Persist()
	below, _ := maxOver(e.ev.Timeline, e.present, now.Add(persist))
	baseline := e.onBaseline()
	obsNeeded := hours(p.Decisions.Downgrade.ObservedHours)
	if baseline {
		obsNeeded = max(obsNeeded, hours(p.Decisions.Baseline.ObservedHours))
	}
	observedBelow := func(l Level) bool {
		lvl, _ := maxOver(e.ev.Timeline, now.Add(-obsNeeded), now)
		return lvl < l
	}
	liftable := below == LevelNone && !waiting
	if liftable && !e.covers(p.Timing.Coverage()) {
		e.needForecast("lift", "lift needs a forecast", "解除预警需要预报")
		return
	}
	if liftable && baseline {
		// The baseline cannot vouch for the plan's 36 h: the improvement
		// must have been observed that long.
		lvl, _ := maxOver(e.ev.Timeline, now.Add(-hours(p.Decisions.Baseline.ObservedHours)), now)
		liftable = lvl == LevelNone
	}
	if liftable {
		if !e.scheduled() {
			e.ev.Waiting = &Waiting{Action: ActionLift, Level: levelNoneID, Until: p.NextDecisionTime(now)}
			return
		}
		eff := e.announced()
		if restart, vetoed := e.vetoed(); vetoed {
			if !p.Decisions.Pause.Enabled {
				return // the warning stays
			}
			pr := e.proposal(ActionPause, L, L, eff, restart, now, now)
			pr.EpisodeStart = epStart
			pr.RestartAt = restart
			pr.Key = e.key(pr.Action, L, L, epStart, since+"|restart="+restart.UTC().Format(time.RFC3339))
			e.ev.Proposal = pr
			return
		}
		e.proposeLift(L, epStart, since, eff)
		return
	}

	// Downgrade (plan 4.5 审慎): observed improvement, forecast
	// persistence, and a minimum dwell at the level.
	fwd := hours(p.Decisions.Downgrade.ForecastHours)
	// A downgrade the upgrade rule would undo as soon as it takes effect
	// is not proposed: the forecast is read as far as the upgrade
	// look-ahead of the effective time too (as far as it reaches).
	ahead := max(fwd, e.announced().Sub(now)+hours(p.Decisions.Upgrade.LookaheadHours))
	R48, _ := maxOver(e.ev.Timeline, now, now.Add(ahead))
	if R48 < L && observedBelow(L) && !waiting && !e.openRun(L, now.Add(ahead)) {
		if !e.covers(fwd) {
			e.needForecast("downgrade", "downgrade needs a forecast", "降低预警级别需要预报")
			return
		}
		to := max(R48, Level(1))
		if to < L && now.Sub(a.Since) >= hours(p.Decisions.Downgrade.DwellHours) {
			if !e.scheduled() {
				e.ev.Waiting = &Waiting{Action: ActionDowngrade, Level: p.LevelID(to), Until: p.NextDecisionTime(now)}
				return
			}
			pr := e.proposal(ActionDowngrade, to, L, e.announced(), end, now, now.Add(fwd))
			pr.LeadTime, pr.ShortNotice = 0, false
			pr.EpisodeStart = epStart
			pr.Key = e.key(pr.Action, L, to, epStart, since)
			e.ev.Proposal = pr
			return
		}
	}

	// Extension or shortening: the expected end moved by a step or more.
	// Not on the persistence baseline: its end is only where the guess
	// stops, and would move the announced end at every decision time.
	if ep != nil && !a.ExpectedEnd.IsZero() && e.scheduled() && !waiting && !baseline {
		ext := p.Decisions.Extension
		d := end.Sub(a.ExpectedEnd)
		later := d >= hours(ext.StepHours) && a.ExpectedEnd.Sub(now) < hours(ext.WithinHours)
		if later || -d >= hours(ext.StepHours) {
			pr := e.proposal(ActionExtend, L, L, now, end, now, end)
			pr.LeadTime, pr.ShortNotice = 0, false
			pr.EpisodeStart = epStart
			pr.Key = e.key(pr.Action, L, L, epStart, since+"|end="+end.UTC().Format(time.RFC3339))
			e.ev.Proposal = pr
		}
	}
}

// openRun reports whether a run that could make level ≥ l is cut by the end
// of the forecast before it: its length there is not known, so the forecast
// cannot vouch that l is over (a run cut at the horizon looks shorter, and
// grows into the level an hour later).
func (e *evaluator) openRun(l Level, before time.Time) bool {
	for ; l <= e.p.MaxLevel(); l++ {
		for _, c := range e.p.Spec(l).AnyOf {
			for _, t := range c.AllOf {
				runs := e.runs[t.AQIAbove]
				if n := len(runs); n > 0 && !runs[n-1].End.Before(e.ev.CoverageEnd) && runs[n-1].Start.Before(before) {
					return true
				}
			}
		}
	}
	return false
}

// paused: the warning is open, its measures suspended until the next run.
func (e *evaluator) paused() {
	p, now := e.p, e.now
	a := *e.s.Active
	L := min(a.Level, p.MaxLevel())
	since := sinceTag(a.Since)
	lvlNow := levelIn(e.ev.Timeline, e.present)
	soon, _ := maxOver(e.ev.Timeline, now, now.Add(p.Timing.Lead()))
	if lvlNow > LevelNone || (!now.Before(a.RestartAt) && soon > LevelNone) {
		// Resume (urgent): the run is there, or due and forecast.
		upTo := now.Add(hours(p.Decisions.Upgrade.LookaheadHours))
		R, _ := maxOver(e.ev.Timeline, e.present, upTo)
		R = max(R, Level(1))
		ep := e.currentEpisode(a)
		end := a.ExpectedEnd
		if ep != nil {
			end = p.CeilStandard(ep.End)
		}
		e.ev.Current = ep
		pr := e.proposal(ActionResume, R, L, now, end, e.present, upTo)
		pr.LeadTime, pr.ShortNotice = 0, false
		pr.EpisodeStart = a.EpisodeStart
		pr.Urgent = !e.scheduled()
		pr.Key = e.key(pr.Action, L, R, a.EpisodeStart, since)
		e.ev.Proposal = pr
		return
	}
	// The next run did not come (or moved away): lift once the plan's
	// condition holds and nothing vetoes it.
	below, _ := maxOver(e.ev.Timeline, now, now.Add(p.Timing.Persist()))
	if below != LevelNone || !e.scheduled() || !e.covers(p.Timing.Coverage()) {
		return
	}
	if _, vetoed := e.vetoed(); vetoed {
		return
	}
	e.proposeLift(L, a.EpisodeStart, since, e.announced())
}

// proposeLift proposes lifting the warning in force at L, effective at eff.
func (e *evaluator) proposeLift(L Level, epStart time.Time, since string, eff time.Time) {
	pr := e.proposal(ActionLift, LevelNone, L, eff, eff, e.now, e.now)
	pr.EpisodeStart = epStart
	pr.Key = e.key(pr.Action, L, LevelNone, epStart, since)
	e.ev.Proposal = pr
}

// announced is when a relaxing decision published now takes effect: the
// first standard hour at least the announce time ahead.
func (e *evaluator) announced() time.Time {
	return e.p.CeilStandard(e.now.Add(hours(e.p.Decisions.Lift.AnnounceAheadHours)))
}

// vetoed applies the look-ahead veto of a lift: a window above the veto
// threshold ending in (now + persist, now + veto_until]. It returns the
// planned restart: the start of the run that window belongs to, rounded
// down to a standard hour (never before now).
func (e *evaluator) vetoed() (time.Time, bool) {
	p, now := e.p, e.now
	lift := p.Decisions.Lift
	from, to := now.Add(p.Timing.Persist()), now.Add(hours(lift.VetoUntilHours))
	for _, w := range e.windows {
		if w.AQI <= lift.VetoAQIAbove || !w.End.After(from) || w.End.After(to) {
			continue
		}
		start := w.Start
		for _, r := range appendRuns(nil, e.windows, lift.VetoAQIAbove) {
			if !r.Start.After(w.Start) && r.End.After(w.Start) {
				start = r.Start
				break
			}
		}
		return later(p.FloorStandard(start), now), true
	}
	return time.Time{}, false
}

// spikeFiltered lowers lvl to the highest level the data support when only
// observations (or a baseline built from them) show it: such a level needs
// the plan's number of consecutive observed windows above its threshold,
// which filters a single-hour instrument spike.
func (e *evaluator) spikeFiltered(lvl Level, from, to time.Time) Level {
	for ; lvl > LevelNone; lvl-- {
		if e.forecastShows(lvl, from, to) || e.observedHolds(lvl) {
			return lvl
		}
	}
	return LevelNone
}

// forecastShows: some instant in [from, to) is at ≥ lvl by runs that a
// forecaster's window is part of (or an upstream prompt).
func (e *evaluator) forecastShows(lvl Level, from, to time.Time) bool {
	for _, s := range e.ev.Timeline {
		if s.Level < lvl || !s.End.After(from) || !s.Start.Before(to) {
			continue
		}
		if s.Upstream {
			return true
		}
		t := later(s.Start, from)
		l, alt := e.p.levelAt(e.runs, t)
		if l < lvl {
			continue
		}
		for _, term := range e.p.Spec(l).AnyOf[alt].AllOf {
			r, _ := e.runs.Containing(term.AQIAbove, t)
			for _, w := range e.windows {
				if w.Source == SourceForecast && w.AQI > term.AQIAbove && w.Start.Before(r.End) && w.End.After(r.Start) {
					return true
				}
			}
		}
	}
	return false
}

// observedHolds: the newest observed windows, as many as the plan asks, are
// all above the highest threshold of some alternative of lvl.
func (e *evaluator) observedHolds(lvl Level) bool {
	n := e.p.Decisions.Upgrade.ObservedWindows
	var obs []Window
	for i := len(e.windows) - 1; i >= 0 && len(obs) < n; i-- {
		if e.windows[i].Source == SourceObserved {
			obs = append(obs, e.windows[i])
		}
	}
	if len(obs) < n {
		return false
	}
	slices.SortFunc(obs, func(a, b Window) int { return b.End.Compare(a.End) })
	for i := 1; i < n; i++ {
		if obs[i-1].End.Sub(obs[i].End) != time.Hour {
			return false // not consecutive
		}
	}
	for l := lvl; l <= e.p.MaxLevel(); l++ {
		for _, c := range e.p.Spec(l).AnyOf {
			thr := 0
			for _, t := range c.AllOf {
				thr = max(thr, t.AQIAbove)
			}
			if !slices.ContainsFunc(obs, func(w Window) bool { return w.AQI <= thr }) {
				return true
			}
		}
	}
	return false
}

// firstAt is the first instant in [from, to) at ≥ lvl.
func firstAt(tl []LevelSpan, lvl Level, from, to time.Time) (bool, time.Time) {
	for _, s := range tl {
		if s.Level >= lvl && s.End.After(from) && s.Start.Before(to) {
			return true, later(s.Start, from)
		}
	}
	return false, from
}

func episodeAt(eps []Episode, t time.Time) *Episode {
	for i := range eps {
		if !eps[i].Start.After(t) && eps[i].End.After(t) {
			return &eps[i]
		}
	}
	return nil
}

func sinceTag(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return "since=" + t.UTC().Format(time.RFC3339)
}

func (e *evaluator) needForecast(reason, msg, msgZH string) {
	need := e.now.Add(e.p.Timing.Coverage())
	if reason == "downgrade" {
		need = e.now.Add(hours(e.p.Decisions.Downgrade.ForecastHours))
	}
	h := int(need.Sub(e.now) / time.Hour)
	e.ev.NeedForecast = &ForecastNeed{
		Reason: reason,
		Message: fmt.Sprintf("%s covering until %s (%dh ahead); it reaches %s", msg,
			need.Format(time.RFC3339), h, fmtTime(e.ev.CoverageEnd)),
		MessageZH: fmt.Sprintf("%s，须覆盖至 %s（未来 %d 小时），现仅至 %s", msgZH,
			need.Format(time.RFC3339), h, fmtTime(e.ev.CoverageEnd)),
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
	pr.ShortNotice = lvl > LevelNone && (a == ActionIssue || a == ActionUpgrade || a == ActionUpstream) && pr.LeadTime < p.Timing.Lead()
	pr.Evidence.CoverageEnd = e.ev.CoverageEnd
	if lvl == LevelNone || a == ActionPause || a == ActionExtend {
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
// the caller only gets here without an episode ahead). One notice a day:
// the key names the China-time date the exceedance starts.
func (e *evaluator) healthNotice() {
	hn := e.p.HealthNotice
	horizon := e.now.Add(hours(hn.HorizonHours))
	conc := e.conc
	slices.SortStableFunc(conc, func(a, b Concentrations) int { return a.Start.Compare(b.Start) })
	var first *Concentrations
	var ex []HealthExceedance
	end := time.Time{}
	for i := range conc {
		c := &conc[i]
		if !c.End.After(e.now) || !c.Start.Before(horizon) {
			continue
		}
		for _, lim := range hn.AnyOf {
			if v, ok := c.Values[lim.Quantity]; ok && v > lim.Above {
				if first == nil {
					first = c
				}
				if len(ex) < 8 {
					ex = append(ex, HealthExceedance{Quantity: lim.Quantity, Value: v, Above: lim.Above,
						Unit: lim.Unit, Start: c.Start, End: c.End})
				}
				end = later(end, c.End)
			}
		}
	}
	if first == nil {
		return
	}
	start := later(first.Start, e.now)
	pr := e.proposal(ActionHealthNotice, LevelNone, LevelNone, start, end, start, end)
	pr.LevelID = hn.ID
	pr.EpisodeStart = first.Start
	pr.Evidence.Health = ex
	day := later(first.Start, e.now).In(CST).Format(time.DateOnly)
	pr.Key = e.keyWithIDs(pr.Action, levelNoneID, hn.ID, time.Time{}, "day="+day)
	e.ev.Proposal = pr
}

// CodeTransitionInvalid: a manual request makes no sense in the current
// state (spec §3 "manual"); nothing is proposed.
const CodeTransitionInvalid = "transition_invalid"

// manual turns a duty-staff request into a proposal, or refuses it: the
// transition table decides what makes sense in the region's state.
func (e *evaluator) manual() {
	m := *e.s.Manual
	from, st := LevelNone, e.s.Active.State()
	if e.s.Active != nil {
		from = e.s.Active.Level
	}
	lvl := min(m.Level, e.p.MaxLevel())
	a := ActionManual
	switch m.Action {
	case "", ActionManual:
	case ActionExtend, ActionPause:
		a, lvl = m.Action, from // same level, new times
	case ActionResume:
		a = m.Action
	default:
		e.ev.Refused = &Error{Code: CodeTransitionInvalid,
			Message:   fmt.Sprintf("%q is not a manual action (issue, change or lift by level; extend, pause, resume)", m.Action),
			MessageZH: fmt.Sprintf("“%s”不是可人工提议的操作（按级别发布、调整或解除；延续、暂停、恢复）", m.Action)}
		return
	}
	if _, err := Transit(st, a, MoveOf(from, lvl)); err != nil {
		e.ev.Refused = err
		return
	}
	pr := e.proposal(a, lvl, from, m.Start, m.End, m.Start, m.End)
	pr.Reason = m.Reason
	pr.Evidence.Manual = &m
	if a == ActionPause {
		pr.RestartAt = m.End // the planned restart
		pr.ExpectedEnd = e.s.Active.ExpectedEnd
	}
	if e.s.Active != nil && !e.s.Active.EpisodeStart.IsZero() {
		pr.EpisodeStart = e.s.Active.EpisodeStart
	}
	ref := m.ID
	if ref == "" {
		ref = m.Start.UTC().Format(time.RFC3339) + "/" + m.By
	}
	pr.Key = e.key(a, from, lvl, pr.EpisodeStart, "req="+ref)
	e.ev.Proposal = pr
}

func (e *evaluator) key(a Action, from, to Level, episodeStart time.Time, extra string) string {
	return e.keyWithIDs(a, e.p.LevelID(from), e.p.LevelID(to), episodeStart, extra)
}

// keyWithIDs builds "region|action|from|to|episode start[|extra]". Readable
// on purpose: it shows up in logs and in the notification log.
func (e *evaluator) keyWithIDs(a Action, from, to string, episodeStart time.Time, extra string) string {
	parts := []string{e.s.Region, string(a), from, to}
	if !episodeStart.IsZero() {
		parts = append(parts, episodeStart.UTC().Format(time.RFC3339))
	}
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
