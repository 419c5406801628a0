package alert

import (
	"slices"
	"sort"
	"time"
)

// Source says where a window's AQI comes from.
type Source string

const (
	SourceObserved Source = "observed"
	SourceForecast Source = "forecast"
	// SourceBaseline is a stand-in forecast that no forecaster issued:
	// persistence, climatology, or observations replayed as a perfect
	// forecast. It is judged like a forecast and labelled so evidence never
	// passes it off as one.
	SourceBaseline Source = "baseline"
)

// Window is a span with one daily-AQI value: an observed rolling window
// ending at an hour, or a forecast day (or rolling forecast window).
type Window struct {
	Start          time.Time `json:"start"`
	End            time.Time `json:"end"`
	AQI            int       `json:"aqi"`
	Source         Source    `json:"source"`
	ForecastSource string    `json:"forecast_source,omitempty"`
}

// Run is a maximal interval of the union of windows with AQI > Threshold.
type Run struct {
	Threshold int       `json:"threshold"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
}

func (r Run) Duration() time.Duration { return r.End.Sub(r.Start) }
func (r Run) Hours() float64          { return r.Duration().Hours() }

// Contains reports whether t is in [Start, End).
func (r Run) Contains(t time.Time) bool { return !t.Before(r.Start) && t.Before(r.End) }

// Runs returns the exceedance runs of windows for threshold: each maximal
// connected interval of the union of the windows whose AQI is strictly above
// it. Windows that touch end to start are connected.
func Runs(windows []Window, threshold int) []Run {
	return appendRuns(nil, sortedByStart(windows), threshold)
}

func cmpStart(a, b Window) int { return a.Start.Compare(b.Start) }

// sortedByStart avoids copying when windows already come in order, which is
// how replays and stores deliver them.
func sortedByStart(ws []Window) []Window {
	if slices.IsSortedFunc(ws, cmpStart) {
		return ws
	}
	c := slices.Clone(ws)
	slices.SortStableFunc(c, cmpStart)
	return c
}

// appendRuns sweeps windows sorted by start once: a union of intervals
// taken in start order only ever extends its last piece or opens a new one.
func appendRuns(out []Run, sorted []Window, threshold int) []Run {
	var cur Run
	open := false
	for _, w := range sorted {
		if w.AQI <= threshold || !w.End.After(w.Start) {
			continue
		}
		if open && !w.Start.After(cur.End) {
			if w.End.After(cur.End) {
				cur.End = w.End
			}
			continue
		}
		if open {
			out = append(out, cur)
		}
		cur, open = Run{Threshold: threshold, Start: w.Start, End: w.End}, true
	}
	if open {
		out = append(out, cur)
	}
	return out
}

// RunSet holds the runs, sorted by start, of every threshold a plan uses.
type RunSet map[int][]Run

// NewRunSet computes the runs of windows for every threshold of the plan.
func NewRunSet(p *Plan, windows []Window) RunSet {
	return newRunSet(p, sortedByStart(windows))
}

func newRunSet(p *Plan, sorted []Window) RunSet {
	rs := make(RunSet, len(p.thresholds))
	for _, thr := range p.thresholds {
		rs[thr] = appendRuns(nil, sorted, thr)
	}
	return rs
}

// Containing returns the run of threshold thr that contains t.
func (rs RunSet) Containing(thr int, t time.Time) (Run, bool) {
	runs := rs[thr]
	i := sort.Search(len(runs), func(i int) bool { return runs[i].End.After(t) })
	if i < len(runs) && !runs[i].Start.After(t) {
		return runs[i], true
	}
	return Run{}, false
}

// LevelAt is the highest level whose condition holds at t, judged from the
// runs that contain t, each with its whole length.
func (p *Plan) LevelAt(rs RunSet, t time.Time) Level {
	l, _ := p.levelAt(rs, t)
	return l
}

// levelAt also returns which alternative of the level held, for evidence.
func (p *Plan) levelAt(rs RunSet, t time.Time) (Level, int) {
	for i := len(p.Levels) - 1; i >= 0; i-- {
		for j, c := range p.Levels[i].AnyOf {
			if conditionHolds(rs, c, t) {
				return Level(i + 1), j
			}
		}
	}
	return LevelNone, -1
}

func conditionHolds(rs RunSet, c Condition, t time.Time) bool {
	for _, term := range c.AllOf {
		r, ok := rs.Containing(term.AQIAbove, t)
		if !ok || r.Duration() < hours(term.MinHours) {
			return false
		}
	}
	return true
}

// LevelSpan is a piece of the level timeline: Level holds on [Start, End).
type LevelSpan struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Level Level     `json:"level"`
	// Upstream marks a span raised by an upstream prompt above what the
	// data call for.
	Upstream bool `json:"upstream,omitempty"`
}

// Timeline is Level(τ) for τ in [from, to) as consecutive spans of constant
// level (LevelNone included, so the spans tile the interval). The level can
// only change where a run starts or ends, so evaluating once per piece
// between those boundaries is exact.
func (p *Plan) Timeline(rs RunSet, from, to time.Time) []LevelSpan {
	if !to.After(from) {
		return nil
	}
	bounds := []time.Time{from, to}
	for _, runs := range rs {
		for _, r := range runs {
			for _, b := range [2]time.Time{r.Start, r.End} {
				if b.After(from) && b.Before(to) {
					bounds = append(bounds, b)
				}
			}
		}
	}
	bounds = sortUniqueTimes(bounds)
	var out []LevelSpan
	for i := 0; i+1 < len(bounds); i++ {
		out = appendSpan(out, LevelSpan{Start: bounds[i], End: bounds[i+1], Level: p.LevelAt(rs, bounds[i])})
	}
	return out
}

func sortUniqueTimes(ts []time.Time) []time.Time {
	slices.SortFunc(ts, time.Time.Compare)
	return slices.CompactFunc(ts, time.Time.Equal)
}

// appendSpan merges s into the last span when they touch and agree.
func appendSpan(out []LevelSpan, s LevelSpan) []LevelSpan {
	if n := len(out); n > 0 && out[n-1].End.Equal(s.Start) && out[n-1].Level == s.Level && out[n-1].Upstream == s.Upstream {
		out[n-1].End = s.End
		return out
	}
	return append(out, s)
}

// levelIn is the level of the timeline at t (LevelNone outside it).
func levelIn(tl []LevelSpan, t time.Time) Level {
	i := sort.Search(len(tl), func(i int) bool { return tl[i].End.After(t) })
	if i < len(tl) && !tl[i].Start.After(t) {
		return tl[i].Level
	}
	return LevelNone
}

// maxOver is the highest level of the timeline on [from, to) and the first
// instant it holds there.
func maxOver(tl []LevelSpan, from, to time.Time) (Level, time.Time) {
	best, at := LevelNone, from
	for _, s := range tl {
		if !s.End.After(from) || !s.Start.Before(to) {
			continue
		}
		if s.Level > best {
			best = s.Level
			at = s.Start
			if at.Before(from) {
				at = from
			}
		}
	}
	return best, at
}

// Episode is a heavy-pollution process (重污染过程): a maximal stretch of
// instants at or above the plan's lowest level, with stretches less than the
// merge gap apart joined (plan 4.5). Level is the highest inside it.
type Episode struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Level Level     `json:"level"`
	// Spans are the parts at or above the lowest level; the gaps between
	// them are below it.
	Spans []LevelSpan `json:"spans"`
}

// Episodes groups a timeline into episodes.
func (p *Plan) Episodes(tl []LevelSpan) []Episode {
	gap := p.Timing.MergeGap()
	var out []Episode
	for _, s := range tl {
		if s.Level == LevelNone {
			continue
		}
		if n := len(out); n > 0 && s.Start.Sub(out[n-1].End) < gap {
			e := &out[n-1]
			if s.End.After(e.End) {
				e.End = s.End
			}
			e.Level = max(e.Level, s.Level)
			e.Spans = append(e.Spans, s)
			continue
		}
		out = append(out, Episode{Start: s.Start, End: s.End, Level: s.Level, Spans: []LevelSpan{s}})
	}
	return out
}

// overlay raises the timeline to floor levels where floors are higher, and
// marks those spans.
func overlay(tl, floors []LevelSpan) []LevelSpan {
	if len(floors) == 0 {
		return tl
	}
	bounds := make([]time.Time, 0, 2*(len(tl)+len(floors)))
	for _, s := range tl {
		bounds = append(bounds, s.Start, s.End)
	}
	for _, s := range floors {
		bounds = append(bounds, s.Start, s.End)
	}
	bounds = sortUniqueTimes(bounds)
	var out []LevelSpan
	for i := 0; i+1 < len(bounds); i++ {
		a, b := bounds[i], bounds[i+1]
		data := levelIn(tl, a)
		floor := LevelNone
		covered := false
		for _, f := range floors {
			if !a.Before(f.Start) && a.Before(f.End) {
				floor = max(floor, f.Level)
				covered = true
			}
		}
		if !covered && !inTimeline(tl, a) {
			continue // a hole in both: keep it a hole
		}
		out = appendSpan(out, LevelSpan{Start: a, End: b, Level: max(data, floor), Upstream: floor > data})
	}
	return out
}

func inTimeline(tl []LevelSpan, t time.Time) bool {
	i := sort.Search(len(tl), func(i int) bool { return tl[i].End.After(t) })
	return i < len(tl) && !tl[i].Start.After(t)
}
