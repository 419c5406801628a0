package compliance

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/reduction"
)

// Input is what the engine evaluates.
type Input struct {
	// List links meters to units and firms (Unit.Meters,
	// Monitoring.Meters: a meter on no unit is the firm's main meter) and
	// gives each firm's measures at a level.
	List     *reduction.List
	Warnings []Warning
	Readings *Readings
	Calendar Calendar
	// Approvals are recorded restart approvals (R6).
	Approvals []Approval
	// Emissions are online-monitor series (HJ 212) for R8, by MN.
	Emissions []EmissionSeries
	// From, when set, also checks R4 (treatment off while producing)
	// outside the responses, from From to Now; the baseline is then that
	// of the normal days before From.
	From time.Time
	// Now ends every check: nothing after it is read.
	Now time.Time
}

// Result is what the engine found.
type Result struct {
	// Events in order of start, firm, unit, rule.
	Events []Event `json:"events"`
	// Skipped are the checks the engine could not make, and why (a unit
	// without a meter, a meter without enough normal days).
	Skipped []Skip `json:"skipped,omitempty"`
}

// Skip is a check not made.
type Skip struct {
	Warning    string `json:"warning,omitempty"`
	Level      string `json:"level,omitempty"`
	Enterprise string `json:"enterprise"`
	Unit       string `json:"unit,omitempty"`
	Meter      string `json:"meter,omitempty"`
	Reason     string `json:"reason"`
}

// Day and slot arithmetic in China time (UTC+8, no summer time): a day
// index is the number of China days since 1970-01-01, a slot the quarter
// hour of the day (0–95) an interval starts in.
const (
	step       = int64(Interval / time.Second)
	daySeconds = 86400
	cstOffset  = 8 * 3600
	slotsADay  = daySeconds / int(step)
)

func dayOf(unix int64) int64 { return floorDiv(unix+cstOffset, daySeconds) }

// dayStart is the Unix time of a China day's 00:00.
func dayStart(d int64) int64 { return d*daySeconds - cstOffset }

// evaluator holds one run's lookups.
type evaluator struct {
	p   *Params
	in  Input
	r   *Readings
	now int64

	firms     map[string]*firm
	order     []*firm
	excluded  map[int64]bool            // holidays and warning days
	holidays  map[int64]bool            // holidays (a weekend-type day)
	workdays  map[int64]bool            // weekend days worked
	stops     map[[2]string][]dayRange  // recorded stops per (firm, unit)
	baselines map[baselineKey]*baseline // by meter and anchor day

	events  []Event
	skipped []Skip
}

type dayRange struct{ from, to int64 }

// firm is a listed source with its meters.
type firm struct {
	e          *reduction.Enterprise
	mains      []string            // meters on no unit
	unitMeters map[string][]string // unit id → meters
	subMetered bool                // some unit has a meter
}

func (f *firm) unit(id string) *reduction.Unit {
	for i := range f.e.Units {
		if f.e.Units[i].ID == id {
			return &f.e.Units[i]
		}
	}
	return nil
}

// Evaluate runs every rule over the input's warnings and returns the
// events, the same for the same input (ids derive from what was found).
func (p *Params) Evaluate(in Input) Result {
	ev := &evaluator{p: p, in: in, r: in.Readings, now: in.Now.Unix(), baselines: map[baselineKey]*baseline{}}
	if ev.r == nil {
		ev.r, _ = NewReadings(time.Unix(0, 0), 0)
	}
	ev.index()
	warnings := slices.Clone(in.Warnings)
	slices.SortStableFunc(warnings, func(a, b Warning) int { return a.EffectiveStart.Compare(b.EffectiveStart) })
	for _, w := range warnings {
		ev.warning(w)
	}
	if !in.From.IsZero() {
		ev.outside(warnings)
	}
	return ev.result()
}

// index builds the firm, calendar and stop lookups.
func (ev *evaluator) index() {
	ev.firms = map[string]*firm{}
	if l := ev.in.List; l != nil {
		for i := range l.Enterprises {
			e := &l.Enterprises[i]
			f := &firm{e: e, unitMeters: map[string][]string{}}
			onUnit := map[string]bool{}
			for _, u := range e.Units {
				for _, m := range u.Meters {
					f.unitMeters[u.ID] = append(f.unitMeters[u.ID], m)
					onUnit[m] = true
					f.subMetered = true
				}
			}
			for _, m := range e.Monitoring.Meters {
				if !onUnit[m] {
					f.mains = append(f.mains, m)
				}
			}
			ev.firms[e.ID] = f
			ev.order = append(ev.order, f)
		}
	}
	slices.SortFunc(ev.order, func(a, b *firm) int { return strings.Compare(a.e.ID, b.e.ID) })
	days := func(ds []reduction.Date) map[int64]bool {
		out := map[int64]bool{}
		for _, d := range ds {
			if !d.IsZero() {
				out[dayOf(d.Start().Unix())] = true
			}
		}
		return out
	}
	ev.holidays = days(ev.in.Calendar.Holidays)
	ev.workdays = days(ev.in.Calendar.Workdays)
	ev.excluded = days(ev.in.Calendar.WarningDays)
	for d := range ev.holidays {
		ev.excluded[d] = true
	}
	for _, w := range ev.in.Warnings {
		end := w.Lift
		if end.IsZero() || end.After(ev.in.Now) {
			end = ev.in.Now
		}
		for d := dayOf(w.EffectiveStart.Unix()); d <= dayOf(end.Unix()-1); d++ {
			ev.excluded[d] = true
		}
	}
	ev.stops = map[[2]string][]dayRange{}
	for _, s := range ev.in.Calendar.Stops {
		k := [2]string{s.Enterprise, s.Unit}
		ev.stops[k] = append(ev.stops[k], dayRange{dayOf(s.From.Start().Unix()), dayOf(s.To.Start().Unix())})
	}
}

// window is one response being checked.
type window struct {
	w      Warning
	start  int64 // effective start, Unix
	a, b   int   // the intervals checked: from the grace's end to the lift or now
	lifted bool  // b ends at the lift (not at now)
	anchor int64 // the day the baseline comes before
}

// span returns the intervals that start at or after from and end at or
// before to (Unix seconds); a > b when there are none.
func (ev *evaluator) span(from, to int64) (int, int) {
	return int(-floorDiv(-(from-ev.r.first), step)) + 1, int(floorDiv(to-ev.r.first, step))
}

// start is the Unix start of interval i.
func (ev *evaluator) start(i int) int64 { return ev.r.first + int64(i-1)*step }

func (ev *evaluator) time(unix int64) time.Time { return time.Unix(unix, 0).In(cst) }

// warning checks one response window.
func (ev *evaluator) warning(w Warning) {
	end := w.Lift
	lifted := !end.IsZero() && !end.After(ev.in.Now)
	if !lifted {
		end = ev.in.Now
	}
	ws := w.EffectiveStart.Unix()
	win := window{w: w, start: ws, lifted: lifted, anchor: dayOf(ws)}
	win.a, win.b = ev.span(ws+int64(ev.p.Grace.Seconds()), end.Unix())
	if ev.in.List == nil {
		return
	}
	required := map[string]map[string]bool{} // firm → meters the checks need
	need := func(f *firm, meters []string) {
		if required[f.e.ID] == nil {
			required[f.e.ID] = map[string]bool{}
		}
		for _, m := range meters {
			required[f.e.ID][m] = true
		}
	}
	for _, ins := range ev.in.List.Resolve(w.Level, w.Primary, w.EffectiveStart) {
		f := ev.firms[ins.Source]
		if f == nil {
			continue
		}
		subjects := ev.subjects(win, f, ins)
		for _, s := range subjects {
			need(f, s.meters)
			switch s.kind {
			case kindStop:
				ev.stopRules(win, s)
			case kindLimit:
				ev.limitRule(win, s)
			}
		}
		a, _ := ev.span(ws-int64(ev.p.Rules.R5.LookBefore.Seconds()), end.Unix())
		for _, pr := range ev.pairs(f) {
			need(f, pr.allMeters())
			ev.treatmentRules(win, pr, a, win.b, nil)
		}
		if len(subjects) > 0 {
			ev.emissionRule(win, f, subjects)
		}
	}
	a, _ := ev.span(ws, end.Unix())
	for _, f := range ev.order {
		for _, m := range sortedKeys(required[f.e.ID]) {
			ev.gapRule(win, f, m, a, win.b)
		}
	}
}

// outside checks R4 from Input.From to Now outside the responses.
func (ev *evaluator) outside(warnings []Warning) {
	from, to := ev.in.From.Unix(), ev.now
	a, b := ev.span(from, to)
	var masks [][2]int
	for _, w := range warnings {
		end := w.Lift
		if end.IsZero() || end.After(ev.in.Now) {
			end = ev.in.Now
		}
		wa, wb := ev.span(w.EffectiveStart.Unix()-int64(ev.p.Rules.R5.LookBefore.Seconds()), end.Unix())
		masks = append(masks, [2]int{wa, wb})
	}
	in := func(i int) bool {
		for _, m := range masks {
			if i >= m[0] && i <= m[1] {
				return true
			}
		}
		return false
	}
	win := window{start: from, a: a, b: b, anchor: dayOf(from)}
	for _, f := range ev.order {
		for _, pr := range ev.pairs(f) {
			ev.treatmentRules(win, pr, a, b, in)
		}
	}
}

func (ev *evaluator) skip(win window, f *firm, unit, meter, reason string) {
	ev.skipped = append(ev.skipped, Skip{Warning: win.w.ID, Level: win.w.Level, Enterprise: f.e.ID, Unit: unit, Meter: meter, Reason: reason})
}

// result sorts and deduplicates the findings.
func (ev *evaluator) result() Result {
	slices.SortStableFunc(ev.events, func(a, b Event) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		for _, c := range []int{strings.Compare(a.Enterprise, b.Enterprise), strings.Compare(a.Unit, b.Unit),
			strings.Compare(string(a.Rule), string(b.Rule)), strings.Compare(a.Meter, b.Meter)} {
			if c != 0 {
				return c
			}
		}
		return 0
	})
	seen := map[string]bool{}
	out := ev.events[:0]
	for _, e := range ev.events {
		if !seen[e.ID] {
			seen[e.ID] = true
			out = append(out, e)
		}
	}
	if out == nil {
		out = []Event{}
	}
	return Result{Events: out, Skipped: ev.skipped}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// runs returns the [s, e] index ranges (offsets into on) where on holds,
// bridging at most gap intervals where it does not, keeping those of at
// least minLen intervals.
func runs(on []bool, gap, minLen int) [][2]int {
	var out [][2]int
	s, last := -1, -1
	flush := func() {
		if s >= 0 && last-s+1 >= minLen {
			out = append(out, [2]int{s, last})
		}
	}
	for i, v := range on {
		if !v {
			continue
		}
		if s < 0 || i-last-1 > gap {
			flush()
			s = i
		}
		last = i
	}
	flush()
	return out
}

func isNaN(v float64) bool { return v != v }

var nan = math.NaN()
