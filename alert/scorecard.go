package alert

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// ScoredChange is one published transition of a warning.
type ScoredChange struct {
	// Kind is KindIssue, KindUpgrade, KindDowngrade, KindLift, or "extend",
	// "pause", "resume".
	Kind string `json:"kind"`
	// Level is the level in force after the change: LevelNone after a lift,
	// the level kept on paper after a pause.
	Level Level     `json:"level"`
	At    time.Time `json:"at"` // publication
	// Effective is when the change takes effect: not before At for a lift
	// or a downgrade, either side of At for an issue.
	Effective time.Time `json:"effective"`
}

// ScoredWarning is one warning document from issue to lift. Changes are in
// publication order; Changes[0] is its issue.
type ScoredWarning struct {
	Changes []ScoredChange `json:"changes"`
}

// ForecastSample is one forecast daily AQI (a 24 h window ending LeadHours
// after the forecast was issued) against the observed AQI of the same window.
type ForecastSample struct {
	IssuedAt  time.Time `json:"issued_at"`
	LeadHours int       `json:"lead_hours"` // 24, 48, 72; other leads are grouped as they come
	Forecast  int       `json:"forecast"`
	Observed  int       `json:"observed"`
}

// ScoreInput is a replayed period: the truth in hindsight, the warnings the
// replay published and the forecasts it used.
type ScoreInput struct {
	// From and To bound the scored hours τ ∈ [From, To).
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Observed holds every observed rolling 24 h window of the period.
	Observed []Window        `json:"observed"`
	Warnings []ScoredWarning `json:"warnings"`
	// FirstSeen, optional, is the first instant at which the engine could
	// see a truth episode: its forecast showed the lowest level or above at
	// some instant of the episode. Nil, or a zero time for an episode, means
	// unknown.
	FirstSeen func(ep Episode) time.Time `json:"-"`
	// Units is how many member units are notified per published change.
	Units     int              `json:"units"`
	Forecasts []ForecastSample `json:"forecasts"`
}

// Scorecard is the verification of a warning replay (spec §8). Shares and
// rates whose denominator is zero are 0, never NaN: the counts beside them
// say whether there was anything to score.
type Scorecard struct {
	Events     ScorecardEvents     `json:"events"`
	Timeliness ScorecardTimeliness `json:"timeliness"`
	Hours      ScorecardHours      `json:"hours"`
	Churn      ScorecardChurn      `json:"churn"`
	Forecast   []ScorecardForecast `json:"forecast"` // one per lead, ascending
}

// ScorecardEvents scores truth episodes against warnings, one event each.
type ScorecardEvents struct {
	Episodes    int     `json:"episodes"`
	Warnings    int     `json:"warnings"`
	Hits        int     `json:"hits"`
	Misses      int     `json:"misses"`
	FalseAlarms int     `json:"false_alarms"`
	POD         float64 `json:"pod"`
	FAR         float64 `json:"far"`
	CSI         float64 `json:"csi"`
	// The peak level warned over a hit episode against the episode's peak.
	LevelHits       int     `json:"level_hits"`
	LevelUnder      int     `json:"level_under"`
	LevelOver       int     `json:"level_over"`
	LevelHitShare   float64 `json:"level_hit_share"`
	LevelUnderShare float64 `json:"level_under_share"`
	LevelOverShare  float64 `json:"level_over_share"`
}

// ScorecardTimeliness scores how long before each truth episode its warning
// was published.
type ScorecardTimeliness struct {
	LeadGE24h       int     `json:"lead_ge_24h"`
	ShareGE24h      float64 `json:"share_ge_24h"` // of all episodes
	Late            int     `json:"late"`         // hits published after the episode started
	MedianLeadHours float64 `json:"median_lead_hours"`
	MeanLeadHours   float64 `json:"mean_lead_hours"`
	// Efficient episodes were warned as early as the forecast allowed, up
	// to 24 h ahead.
	Efficient  int                  `json:"efficient"`
	Efficiency float64              `json:"efficiency"`
	Levels     []ScorecardLevelLead `json:"levels"` // each level above the lowest, ascending
}

// ScorecardLevelLead scores the warnings reaching a level against the onset
// of that level inside the truth episodes.
type ScorecardLevelLead struct {
	Level   Level  `json:"level"`
	LevelID string `json:"level_id"`
	// Episodes reach the level; Reached of them had a warning reaching it
	// at all, BeforeOnset at or before the onset.
	Episodes         int     `json:"episodes"`
	Reached          int     `json:"reached"`
	BeforeOnset      int     `json:"before_onset"`
	ShareBeforeOnset float64 `json:"share_before_onset"`
	MedianLeadHours  float64 `json:"median_lead_hours"` // of the episodes reached
}

// ScorecardHours scores hour by hour: warned (in force at level ≥ 1)
// against observed (truth level ≥ 1).
type ScorecardHours struct {
	Hours           int     `json:"hours"`
	ObservedHours   int     `json:"observed_hours"`
	WarnedHours     int     `json:"warned_hours"`
	HitHours        int     `json:"hit_hours"`
	MissedHours     int     `json:"missed_hours"`
	FalseHours      int     `json:"false_hours"`
	POD             float64 `json:"pod"`
	FAR             float64 `json:"far"`
	CSI             float64 `json:"csi"`
	ExactLevelShare float64 `json:"exact_level_share"` // of the hours warned or observed
	// Departure is how long a lifted warning stayed after the end of the
	// last truth episode it overlaps.
	Departures           int     `json:"departures"`
	MedianDepartureHours float64 `json:"median_departure_hours"`
	P90DepartureHours    float64 `json:"p90_departure_hours"`
}

// ScorecardChurn scores how often the warnings changed and what that cost
// the people approving and receiving them.
type ScorecardChurn struct {
	LevelChanges         int     `json:"level_changes"` // upgrades and downgrades
	MeanLevelChanges     float64 `json:"mean_level_changes"`
	MaxLevelChanges      int     `json:"max_level_changes"`
	InForceDays          float64 `json:"in_force_days"`
	ChangesPerWarningDay float64 `json:"changes_per_warning_day"`
	Flips48h             int     `json:"flips_48h"` // L → L′ → L within 48 h
	Lifts                int     `json:"lifts"`
	Reissues6h           int     `json:"reissues_6h"`
	Reissues24h          int     `json:"reissues_24h"`
	Reissue6hShare       float64 `json:"reissue_6h_share"` // of lifts
	Reissue24hShare      float64 `json:"reissue_24h_share"`
	Downgrades           int     `json:"downgrades"`
	ShortestDwellHours   float64 `json:"shortest_dwell_hours"` // before a downgrade
	ShortDwells          int     `json:"short_dwells"`         // downgrades after less than 24 h
	MedianApprovals      float64 `json:"median_approvals"`     // published changes per truth episode
	MaxApprovals         int     `json:"max_approvals"`
	MedianUnitNotices    float64 `json:"median_unit_notices"`
}

// ScorecardForecast scores the forecast samples of one lead.
type ScorecardForecast struct {
	LeadHours int `json:"lead_hours"`
	N         int `json:"n"`
	// LevelAccuracy is the share whose HJ 633 category was right.
	LevelAccuracy float64              `json:"level_accuracy"`
	Thresholds    []ScorecardThreshold `json:"thresholds"`
}

// ScorecardThreshold scores the event "AQI > Above".
type ScorecardThreshold struct {
	Above       int     `json:"above"`
	Hits        int     `json:"hits"`
	Misses      int     `json:"misses"`
	FalseAlarms int     `json:"false_alarms"`
	TS          float64 `json:"ts"`
	POD         float64 `json:"pod"`
	FAR         float64 `json:"far"`
}

// scoreForecastThresholds are the events forecasts are scored on: moderate,
// heavy and severe pollution or worse (HJ 633). They are fixed rather than
// taken from the plan so that forecasts compare across plans.
var scoreForecastThresholds = []int{150, 200, 300}

// scoredFacts is a warning as the scorecard sees it.
type scoredFacts struct {
	changes []ScoredChange // publication order
	// inForce are the stretches the warning was in force, in order, each
	// with the level then in force.
	inForce  []LevelSpan
	lift     *ScoredChange
	episodes []int // the truth episodes it overlaps
}

// Score verifies a warning replay against the truth in hindsight: the level
// timeline of the observed windows and its episodes (spec §8). Warnings
// without changes are ignored.
//
// Medians are the usual middle value (mean of the two middle ones for an
// even count); P90 is nearest-rank, so it is always a value that occurred.
func Score(p *Plan, in ScoreInput) Scorecard {
	tl := p.Timeline(NewRunSet(p, in.Observed), in.From, in.To)
	eps := p.Episodes(tl)
	var ws []scoredFacts
	for _, w := range in.Warnings {
		if len(w.Changes) > 0 {
			ws = append(ws, newScoredFacts(w.Changes, in.To))
		}
	}
	byEpisode := make([][]int, len(eps))
	for i := range ws {
		for j, ep := range eps {
			if spansOverlap(ws[i].inForce, ep.Start, ep.End) {
				ws[i].episodes = append(ws[i].episodes, j)
				byEpisode[j] = append(byEpisode[j], i)
			}
		}
	}
	return Scorecard{
		Events:     scoreEvents(eps, ws, byEpisode),
		Timeliness: scoreTimeliness(p, eps, ws, byEpisode, in.FirstSeen),
		Hours:      scoreHours(in.From, in.To, tl, eps, ws),
		Churn:      scoreChurn(ws, byEpisode, in.Units),
		Forecast:   scoreForecasts(in.Forecasts),
	}
}

func newScoredFacts(changes []ScoredChange, to time.Time) scoredFacts {
	f := scoredFacts{changes: changes}
	start, end := changes[0].Effective, to
	for i := range changes {
		if changes[i].Kind == KindLift {
			f.lift = &changes[i]
			end = changes[i].Effective
			break
		}
	}
	// Changes can take effect in another order than they were published
	// (an issue effective tomorrow, an upgrade at once); what is in force
	// at an instant follows the effective times.
	byEffective := slices.Clone(changes)
	slices.SortStableFunc(byEffective, func(a, b ScoredChange) int { return a.Effective.Compare(b.Effective) })

	var stretches []LevelSpan
	from, running := start, true
	for _, c := range byEffective {
		if c.Effective.Before(start) || !c.Effective.Before(end) {
			continue
		}
		// "pause" and "resume" are literals: their constants belong to
		// lifecycle.go.
		switch {
		case c.Kind == "pause" && running:
			stretches = appendStretch(stretches, from, c.Effective, LevelNone)
			running = false
		case c.Kind == "resume" && !running:
			from, running = c.Effective, true
		}
	}
	if running {
		stretches = appendStretch(stretches, from, end, LevelNone)
	}
	for _, s := range stretches {
		a := s.Start
		for _, c := range byEffective {
			if c.Effective.After(a) && c.Effective.Before(s.End) {
				f.inForce = appendStretch(f.inForce, a, c.Effective, levelOnPaper(byEffective, a))
				a = c.Effective
			}
		}
		f.inForce = appendStretch(f.inForce, a, s.End, levelOnPaper(byEffective, a))
	}
	return f
}

func appendStretch(out []LevelSpan, from, to time.Time, l Level) []LevelSpan {
	if !to.After(from) {
		return out
	}
	if n := len(out); n > 0 && out[n-1].End.Equal(from) && out[n-1].Level == l {
		out[n-1].End = to
		return out
	}
	return append(out, LevelSpan{Start: from, End: to, Level: l})
}

// levelOnPaper is the level of the latest change effective at t; of changes
// effective at the same instant the later published wins.
func levelOnPaper(byEffective []ScoredChange, t time.Time) Level {
	l := LevelNone
	for _, c := range byEffective {
		if c.Effective.After(t) {
			break
		}
		l = c.Level
	}
	return l
}

func spansOverlap(spans []LevelSpan, from, to time.Time) bool {
	for _, s := range spans {
		if s.Start.Before(to) && from.Before(s.End) {
			return true
		}
	}
	return false
}

func peakLevelOver(spans []LevelSpan, from, to time.Time) Level {
	best := LevelNone
	for _, s := range spans {
		if s.Start.Before(to) && from.Before(s.End) {
			best = max(best, s.Level)
		}
	}
	return best
}

func scoreEvents(eps []Episode, ws []scoredFacts, byEpisode [][]int) ScorecardEvents {
	e := ScorecardEvents{Episodes: len(eps), Warnings: len(ws)}
	for j, ep := range eps {
		if len(byEpisode[j]) == 0 {
			e.Misses++
			continue
		}
		e.Hits++
		warned := LevelNone
		for _, i := range byEpisode[j] {
			warned = max(warned, peakLevelOver(ws[i].inForce, ep.Start, ep.End))
		}
		switch {
		case warned == ep.Level:
			e.LevelHits++
		case warned < ep.Level:
			e.LevelUnder++
		default:
			e.LevelOver++
		}
	}
	for _, w := range ws {
		if len(w.episodes) == 0 {
			e.FalseAlarms++
		}
	}
	e.POD = scoreRatio(e.Hits, e.Episodes)
	e.FAR = scoreRatio(e.FalseAlarms, e.Warnings)
	e.CSI = scoreRatio(e.Hits, e.Hits+e.Misses+e.FalseAlarms)
	e.LevelHitShare = scoreRatio(e.LevelHits, e.Hits)
	e.LevelUnderShare = scoreRatio(e.LevelUnder, e.Hits)
	e.LevelOverShare = scoreRatio(e.LevelOver, e.Hits)
	return e
}

func scoreTimeliness(p *Plan, eps []Episode, ws []scoredFacts, byEpisode [][]int,
	firstSeen func(Episode) time.Time) ScorecardTimeliness {
	const day = 24 * time.Hour
	var t ScorecardTimeliness
	var leads []float64
	for j, ep := range eps {
		if len(byEpisode[j]) == 0 {
			continue // a miss fails every criterion and has no lead to average
		}
		issued := ws[byEpisode[j][0]].changes[0].At
		for _, i := range byEpisode[j][1:] {
			if at := ws[i].changes[0].At; at.Before(issued) {
				issued = at
			}
		}
		lead := ep.Start.Sub(issued)
		leads = append(leads, lead.Hours())
		if lead >= day {
			t.LeadGE24h++
		}
		if lead < 0 {
			t.Late++
		}
		// A warning cannot be asked to come earlier than the forecast
		// first showed the episode.
		need := day
		if firstSeen != nil {
			if seen := firstSeen(ep); !seen.IsZero() {
				need = min(need, ep.Start.Sub(seen))
			}
		}
		if lead >= need {
			t.Efficient++
		}
	}
	t.ShareGE24h = scoreRatio(t.LeadGE24h, len(eps))
	t.Efficiency = scoreRatio(t.Efficient, len(eps))
	t.MedianLeadHours = scoreMedian(leads)
	t.MeanLeadHours = scoreMean(leads)

	t.Levels = []ScorecardLevelLead{}
	for l := Level(2); l <= p.MaxLevel(); l++ {
		t.Levels = append(t.Levels, scoreLevelLead(p, l, eps, ws, byEpisode))
	}
	return t
}

func scoreLevelLead(p *Plan, l Level, eps []Episode, ws []scoredFacts, byEpisode [][]int) ScorecardLevelLead {
	ll := ScorecardLevelLead{Level: l, LevelID: p.LevelID(l)}
	var leads []float64
	for j, ep := range eps {
		if ep.Level < l {
			continue
		}
		ll.Episodes++
		var onset time.Time
		for _, s := range ep.Spans {
			if s.Level >= l {
				onset = s.Start
				break
			}
		}
		var reached time.Time
		for _, i := range byEpisode[j] {
			for _, c := range ws[i].changes {
				if (c.Kind == KindIssue || c.Kind == KindUpgrade) && c.Level >= l {
					if reached.IsZero() || c.At.Before(reached) {
						reached = c.At
					}
					break
				}
			}
		}
		if reached.IsZero() {
			continue
		}
		ll.Reached++
		lead := onset.Sub(reached)
		leads = append(leads, lead.Hours())
		if lead >= 0 {
			ll.BeforeOnset++
		}
	}
	ll.ShareBeforeOnset = scoreRatio(ll.BeforeOnset, ll.Episodes)
	ll.MedianLeadHours = scoreMedian(leads)
	return ll
}

func scoreHours(from, to time.Time, tl []LevelSpan, eps []Episode, ws []scoredFacts) ScorecardHours {
	n := scoreHourIndex(from, to)
	observed := make([]Level, max(n, 0))
	warned := make([]Level, len(observed))
	raiseHours(observed, from, tl)
	for _, w := range ws {
		raiseHours(warned, from, w.inForce)
	}
	h := ScorecardHours{Hours: len(observed)}
	either, exact := 0, 0
	for k := range observed {
		obs, war := observed[k] >= 1, warned[k] >= 1
		switch {
		case obs && war:
			h.HitHours++
		case obs:
			h.MissedHours++
		case war:
			h.FalseHours++
		}
		if obs || war {
			either++
			if observed[k] == warned[k] {
				exact++
			}
		}
	}
	h.ObservedHours = h.HitHours + h.MissedHours
	h.WarnedHours = h.HitHours + h.FalseHours
	h.POD = scoreRatio(h.HitHours, h.ObservedHours)
	h.FAR = scoreRatio(h.FalseHours, h.WarnedHours)
	h.CSI = scoreRatio(h.HitHours, either)
	h.ExactLevelShare = scoreRatio(exact, either)

	var departures []float64
	for _, w := range ws {
		if w.lift == nil || len(w.episodes) == 0 {
			continue
		}
		last := eps[w.episodes[0]].End
		for _, j := range w.episodes[1:] {
			if eps[j].End.After(last) {
				last = eps[j].End
			}
		}
		departures = append(departures, w.lift.Effective.Sub(last).Hours())
	}
	h.Departures = len(departures)
	h.MedianDepartureHours = scoreMedian(departures)
	h.P90DepartureHours = scoreNearestRank(departures, 90)
	return h
}

// scoreHourIndex is the index of the first scored hour at or after t: hours
// are from, from+1h, …
func scoreHourIndex(from, t time.Time) int {
	d := t.Sub(from)
	if d <= 0 {
		return 0
	}
	return int((d + time.Hour - 1) / time.Hour)
}

// raiseHours raises each scored hour to the level of the span holding it.
func raiseHours(hours []Level, from time.Time, spans []LevelSpan) {
	for _, s := range spans {
		lo, hi := scoreHourIndex(from, s.Start), min(scoreHourIndex(from, s.End), len(hours))
		for k := lo; k < hi; k++ {
			hours[k] = max(hours[k], s.Level)
		}
	}
}

func isLevelChange(c ScoredChange) bool { return c.Kind == KindUpgrade || c.Kind == KindDowngrade }

func setsLevel(c ScoredChange) bool {
	return c.Kind == KindIssue || c.Kind == KindResume || isLevelChange(c)
}

func scoreChurn(ws []scoredFacts, byEpisode [][]int, units int) ScorecardChurn {
	const (
		flipWindow = 48 * time.Hour
		shortDwell = 24 * time.Hour
	)
	var c ScorecardChurn
	var inForce time.Duration
	var shortest time.Duration
	dwelt := false
	for _, w := range ws {
		var levelChanges []int
		for k, ch := range w.changes {
			if isLevelChange(ch) {
				levelChanges = append(levelChanges, k)
			}
			if ch.Kind == KindDowngrade && k > 0 {
				c.Downgrades++
				// The dwell is the time at the level: since the last change that
				// set it (an extension or a pause leaves the level as it was).
				prev := k - 1
				for prev > 0 && !setsLevel(w.changes[prev]) {
					prev--
				}
				dwell := ch.At.Sub(w.changes[prev].At)
				if !dwelt || dwell < shortest {
					shortest, dwelt = dwell, true
				}
				if dwell < shortDwell {
					c.ShortDwells++
				}
			}
		}
		c.LevelChanges += len(levelChanges)
		c.MaxLevelChanges = max(c.MaxLevelChanges, len(levelChanges))
		for a := 0; a+1 < len(levelChanges); a++ {
			first, second := levelChanges[a], levelChanges[a+1]
			if first == 0 {
				continue // nothing was in force before it
			}
			before := w.changes[first-1].Level
			if w.changes[second].Level == before && w.changes[second].At.Sub(w.changes[first].At) <= flipWindow {
				c.Flips48h++
			}
		}
		for _, s := range w.inForce {
			inForce += s.End.Sub(s.Start)
		}
		if w.lift != nil {
			c.Lifts++
		}
	}
	c.MeanLevelChanges = scoreRatio(c.LevelChanges, len(ws))
	c.InForceDays = inForce.Hours() / 24
	if c.InForceDays > 0 {
		c.ChangesPerWarningDay = float64(c.LevelChanges) / c.InForceDays
	}
	c.ShortestDwellHours = shortest.Hours()

	order := make([]int, len(ws))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return ws[a].changes[0].At.Compare(ws[b].changes[0].At) })
	for k := 1; k < len(order); k++ {
		prev := ws[order[k-1]]
		if prev.lift == nil {
			continue
		}
		// A negative gap is a warning issued while the previous one was
		// still in force, which is not a re-issue after its lift.
		gap := ws[order[k]].changes[0].At.Sub(prev.lift.At)
		if gap < 0 {
			continue
		}
		if gap <= 6*time.Hour {
			c.Reissues6h++
		}
		if gap <= 24*time.Hour {
			c.Reissues24h++
		}
	}
	c.Reissue6hShare = scoreRatio(c.Reissues6h, c.Lifts)
	c.Reissue24hShare = scoreRatio(c.Reissues24h, c.Lifts)

	approvals := make([]float64, len(byEpisode))
	for j, warnings := range byEpisode {
		n := 0
		for _, i := range warnings {
			n += len(ws[i].changes)
		}
		approvals[j] = float64(n)
		c.MaxApprovals = max(c.MaxApprovals, n)
	}
	c.MedianApprovals = scoreMedian(approvals)
	c.MedianUnitNotices = c.MedianApprovals * float64(units)
	return c
}

func scoreForecasts(samples []ForecastSample) []ScorecardForecast {
	byLead := map[int][]ForecastSample{}
	for _, s := range samples {
		byLead[s.LeadHours] = append(byLead[s.LeadHours], s)
	}
	out := []ScorecardForecast{}
	for _, lead := range slices.Sorted(maps.Keys(byLead)) {
		group := byLead[lead]
		f := ScorecardForecast{LeadHours: lead, N: len(group)}
		right := 0
		for _, s := range group {
			if aqi.LevelOf(s.Forecast) == aqi.LevelOf(s.Observed) {
				right++
			}
		}
		f.LevelAccuracy = scoreRatio(right, len(group))
		for _, thr := range scoreForecastThresholds {
			t := ScorecardThreshold{Above: thr}
			for _, s := range group {
				fc, ob := s.Forecast > thr, s.Observed > thr
				switch {
				case fc && ob:
					t.Hits++
				case ob:
					t.Misses++
				case fc:
					t.FalseAlarms++
				}
			}
			t.TS = scoreRatio(t.Hits, t.Hits+t.Misses+t.FalseAlarms)
			t.POD = scoreRatio(t.Hits, t.Hits+t.Misses)
			t.FAR = scoreRatio(t.FalseAlarms, t.Hits+t.FalseAlarms)
			f.Thresholds = append(f.Thresholds, t)
		}
		out = append(out, f)
	}
	return out
}

func scoreRatio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func scoreMean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

func scoreMedian(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

func scoreNearestRank(xs []float64, pct int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	rank := int(math.Ceil(float64(pct) / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

// WriteText prints the scorecard as an aligned table, one metric per line:
// group, metric, value. Fractions have 2 decimals, hours and days 1.
func (s Scorecard) WriteText(w io.Writer) error {
	var rows [][3]string
	count := func(group, metric string, n int) {
		rows = append(rows, [3]string{group, metric, strconv.Itoa(n)})
	}
	frac := func(group, metric string, x float64) {
		rows = append(rows, [3]string{group, metric, strconv.FormatFloat(x, 'f', 2, 64)})
	}
	hrs := func(group, metric string, x float64) {
		rows = append(rows, [3]string{group, metric, strconv.FormatFloat(x, 'f', 1, 64)})
	}

	e := s.Events
	count("events", "episodes", e.Episodes)
	count("events", "warnings", e.Warnings)
	count("events", "hits", e.Hits)
	count("events", "misses", e.Misses)
	count("events", "false_alarms", e.FalseAlarms)
	frac("events", "pod", e.POD)
	frac("events", "far", e.FAR)
	frac("events", "csi", e.CSI)
	count("events", "level_hits", e.LevelHits)
	count("events", "level_under", e.LevelUnder)
	count("events", "level_over", e.LevelOver)
	frac("events", "level_hit_share", e.LevelHitShare)
	frac("events", "level_under_share", e.LevelUnderShare)
	frac("events", "level_over_share", e.LevelOverShare)

	t := s.Timeliness
	count("timeliness", "lead_ge_24h", t.LeadGE24h)
	frac("timeliness", "share_ge_24h", t.ShareGE24h)
	count("timeliness", "late", t.Late)
	hrs("timeliness", "median_lead_hours", t.MedianLeadHours)
	hrs("timeliness", "mean_lead_hours", t.MeanLeadHours)
	count("timeliness", "efficient", t.Efficient)
	frac("timeliness", "efficiency", t.Efficiency)
	for _, l := range t.Levels {
		count("timeliness", l.LevelID+"_episodes", l.Episodes)
		count("timeliness", l.LevelID+"_reached", l.Reached)
		count("timeliness", l.LevelID+"_before_onset", l.BeforeOnset)
		frac("timeliness", l.LevelID+"_share_before_onset", l.ShareBeforeOnset)
		hrs("timeliness", l.LevelID+"_median_lead_hours", l.MedianLeadHours)
	}

	h := s.Hours
	count("hours", "hours", h.Hours)
	count("hours", "observed_hours", h.ObservedHours)
	count("hours", "warned_hours", h.WarnedHours)
	count("hours", "hit_hours", h.HitHours)
	count("hours", "missed_hours", h.MissedHours)
	count("hours", "false_hours", h.FalseHours)
	frac("hours", "pod", h.POD)
	frac("hours", "far", h.FAR)
	frac("hours", "csi", h.CSI)
	frac("hours", "exact_level_share", h.ExactLevelShare)
	count("hours", "departures", h.Departures)
	hrs("hours", "median_departure_hours", h.MedianDepartureHours)
	hrs("hours", "p90_departure_hours", h.P90DepartureHours)

	c := s.Churn
	count("churn", "level_changes", c.LevelChanges)
	frac("churn", "mean_level_changes", c.MeanLevelChanges)
	count("churn", "max_level_changes", c.MaxLevelChanges)
	hrs("churn", "in_force_days", c.InForceDays)
	frac("churn", "changes_per_warning_day", c.ChangesPerWarningDay)
	count("churn", "flips_48h", c.Flips48h)
	count("churn", "lifts", c.Lifts)
	count("churn", "reissues_6h", c.Reissues6h)
	count("churn", "reissues_24h", c.Reissues24h)
	frac("churn", "reissue_6h_share", c.Reissue6hShare)
	frac("churn", "reissue_24h_share", c.Reissue24hShare)
	count("churn", "downgrades", c.Downgrades)
	hrs("churn", "shortest_dwell_hours", c.ShortestDwellHours)
	count("churn", "short_dwells", c.ShortDwells)
	hrs("churn", "median_approvals", c.MedianApprovals)
	count("churn", "max_approvals", c.MaxApprovals)
	hrs("churn", "median_unit_notices", c.MedianUnitNotices)

	for _, f := range s.Forecast {
		group := fmt.Sprintf("forecast_%dh", f.LeadHours)
		count(group, "n", f.N)
		frac(group, "level_accuracy", f.LevelAccuracy)
		for _, th := range f.Thresholds {
			suffix := "_" + strconv.Itoa(th.Above)
			count(group, "hits"+suffix, th.Hits)
			count(group, "misses"+suffix, th.Misses)
			count(group, "false_alarms"+suffix, th.FalseAlarms)
			frac(group, "ts"+suffix, th.TS)
			frac(group, "pod"+suffix, th.POD)
			frac(group, "far"+suffix, th.FAR)
		}
	}

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		if _, err := fmt.Fprintf(tw, "%s\t%s\t%s\n", r[0], r[1], r[2]); err != nil {
			return err
		}
	}
	return tw.Flush()
}
