package compliance

import (
	"fmt"
	"slices"
	"time"

	"github.com/aqwarn/aqwarn/reduction"
)

// kind is what a measure asks of a unit's power.
type kind int

const (
	kindStop  kind = iota + 1 // stop_unit, stop_process: down to standby
	kindLimit                 // limit_pct (or a cap with a known base): down by limitPct
)

// subject is a unit (or a firm's main meters, unit "") under a stop or a
// limit during one response.
type subject struct {
	f        *firm
	unit     string
	meters   []string
	kind     kind
	limitPct float64
	// gridOnly: the firm's main meters with no sub-meters at all (the
	// night/day ratio of R3 applies).
	gridOnly  bool
	standbyKW float64
	fixed     float64
	measure   reduction.ResolvedMeasure
}

// powerChecked reports whether a measure is checked by power: its
// verify_by names power, or names nothing.
func powerChecked(m reduction.ResolvedMeasure) bool {
	return len(m.VerifyBy) == 0 || slices.Contains(m.VerifyBy, "power")
}

// subjects are the units of a firm whose power the measures in force
// constrain. A measure's target with meters is checked on them; a measure
// on the firm as a whole, or on every production unit when none has a
// meter, is checked on the firm's main meters; other unmetered targets
// are skipped.
func (ev *evaluator) subjects(win window, f *firm, ins reduction.Instruction) []*subject {
	var out []*subject
	seen := map[string]bool{}
	add := func(s *subject) {
		if seen[s.unit] {
			return
		}
		seen[s.unit] = true
		s.standbyKW, s.fixed = ev.p.unitValues(f.e.ID, s.unit)
		out = append(out, s)
	}
	for _, m := range ins.Measures {
		var k kind
		var pct float64
		switch m.Action {
		case reduction.ActionStopUnit, reduction.ActionStopProcess:
			k = kindStop
		case reduction.ActionLimitPct:
			k, pct = kindLimit, m.Value
		case reduction.ActionCapIndicator:
			if ki := m.KeyIndicator; ki != nil && ki.Base > 0 {
				k, pct = kindLimit, max(0, 100*(1-ki.Limit/ki.Base))
			} else {
				ev.skip(win, f, "", "", fmt.Sprintf("cap_indicator %q has no base to turn into a power limit", m.TextZH))
				continue
			}
		default:
			continue
		}
		if !powerChecked(m) {
			continue
		}
		if len(m.Targets) == 0 {
			if len(f.mains) == 0 {
				ev.skip(win, f, "", "", "a measure on the whole firm, which has no main meter")
				continue
			}
			add(&subject{f: f, meters: f.mains, kind: k, limitPct: pct, gridOnly: !f.subMetered, measure: m})
			continue
		}
		var unmetered []string
		metered := 0
		for _, t := range m.Targets {
			if ms := f.unitMeters[t]; len(ms) > 0 {
				metered++
				add(&subject{f: f, unit: t, meters: ms, kind: k, limitPct: pct, measure: m})
			} else {
				unmetered = append(unmetered, t)
			}
		}
		if len(unmetered) == 0 {
			continue
		}
		if metered == 0 && len(f.mains) > 0 && coversProduction(f.e, m.Targets) {
			add(&subject{f: f, meters: f.mains, kind: k, limitPct: pct, gridOnly: !f.subMetered, measure: m})
			continue
		}
		for _, t := range unmetered {
			ev.skip(win, f, t, "", "the unit has no meter")
		}
	}
	return out
}

// coversProduction reports whether targets are every production unit of
// the firm (so its main meters show them).
func coversProduction(e *reduction.Enterprise, targets []string) bool {
	for _, u := range e.Units {
		if u.Kind == reduction.UnitProduction && !slices.Contains(targets, u.ID) {
			return false
		}
	}
	return true
}

// values returns the summed energy of meters over intervals a..b (NaN
// where a meter has none).
func (ev *evaluator) values(meters []string, a, b int) []float64 {
	if b < a {
		return nil
	}
	out := make([]float64, b-a+1)
	for _, m := range meters {
		col := ev.r.Column(m)
		for k := range out {
			out[k] += at32(col, a+k)
		}
	}
	return out
}

// subjectBaseline sums the baselines of meters (owner: firm and unit);
// not ok when one is not, with its reason.
func (ev *evaluator) subjectBaseline(meters []string, owner [2]string, anchor int64) *baseline {
	if len(meters) == 1 {
		return ev.baseline(meters[0], owner, anchor)
	}
	out := &baseline{ok: true}
	for _, m := range meters {
		b := ev.baseline(m, owner, anchor)
		if !b.ok {
			return b
		}
		for t := range len(out.slots) {
			for s := range slotsADay {
				out.slots[t][s] += b.slots[t][s]
			}
		}
		out.running += b.running
		out.days = b.days
	}
	return out
}

// baselines returns the baseline of each interval a..b.
func (ev *evaluator) baselineSeries(b *baseline, a, z int) []float64 {
	if z < a {
		return nil
	}
	out := make([]float64, z-a+1)
	for k := range out {
		out[k] = ev.baselineAt(b, a+k)
	}
	return out
}

// approved reports, per interval a..b, whether a restart approval covers
// the subject.
func (ev *evaluator) approved(win window, s *subject, a, b int) []bool {
	out := make([]bool, max(0, b-a+1))
	for _, ap := range ev.in.Approvals {
		if ap.Enterprise != s.f.e.ID || (ap.Unit != "" && ap.Unit != s.unit) {
			continue
		}
		until := ap.Until.Unix()
		if ap.Until.IsZero() {
			until = ev.start(b) + step
		}
		for k := range out {
			st := ev.start(a + k)
			if st >= ap.From.Unix() && st+step <= until {
				out[k] = true
			}
		}
	}
	return out
}

// stopRules are R1, R3 and R6 on a unit under a stop.
func (ev *evaluator) stopRules(win window, s *subject) {
	a, b := win.a, win.b
	if b < a {
		return
	}
	base := ev.subjectBaseline(s.meters, [2]string{s.f.e.ID, s.unit}, win.anchor)
	v := ev.values(s.meters, a, b)
	approved := ev.approved(win, s, a, b)
	if base.ok {
		bs := ev.baselineSeries(base, a, b)
		ev.stopRuns(win, s, v, bs, approved)
		ev.nightRule(win, s, v, bs, approved)
		return
	}
	ev.skip(win, s.f, s.unit, "", base.reason)
	if s.gridOnly {
		ev.nightRule(win, s, v, nil, approved)
	}
}

// stopLimit is the most a stopped unit may draw in an interval: its
// standby draw or share % of its baseline.
func (s *subject) stopLimit(sharePct, base float64) float64 {
	return max(s.standbyKW*Interval.Hours(), sharePct/100*base)
}

// stopRuns finds R1 and R6: runs above the stop limit for R1's duration.
// A run that lasts until the lift, after the unit was seen stopped for
// R6's time, is a restart (R6); any other is R1.
func (ev *evaluator) stopRuns(win window, s *subject, v, bs []float64, approved []bool) {
	r1 := ev.p.Rules.R1
	over := make([]bool, len(v))
	below := make([]bool, len(v))
	limit := make([]float64, len(v))
	for k := range v {
		limit[k] = s.stopLimit(r1.SharePct, bs[k])
		over[k] = !approved[k] && !isNaN(v[k]) && v[k] > limit[k]
		below[k] = !isNaN(v[k]) && v[k] <= limit[k]
	}
	minLen := int(r1.For.Duration / Interval)
	stoppedFor := int(ev.p.Rules.R6.StoppedFor.Duration / Interval)
	for _, run := range runs(over, ev.p.MergeGapIntervals, minLen) {
		obs, exp := 0.0, 0.0
		for k := run[0]; k <= run[1]; k++ {
			if !isNaN(v[k]) {
				obs += v[k]
				exp += limit[k]
			}
		}
		rule := RuleStopNotExecuted
		if win.lifted && run[1] == len(v)-1 && len(runs(below[:run[0]], 0, stoppedFor)) > 0 {
			rule = RuleRestartWithoutApproval
		}
		ev.unitEvent(win, s, rule, win.a+run[0], win.a+run[1], obs, exp, false)
	}
}

// nightRule is R3: per night, the unit's night use above share % of its
// baseline for the night (the part in the response), or for a firm with
// only a main meter its night use per hour above night_day_ratio × its day
// use per hour. bs is nil when there is no baseline (ratio only).
func (ev *evaluator) nightRule(win window, s *subject, v, bs []float64, approved []bool) {
	r3 := ev.p.Rules.R3
	first, last := ev.start(win.a), ev.start(win.b)+step
	minOverlap := int(r3.MinOverlap.Duration / Interval)
	nightLen := int64(r3.To.Minutes-r3.From.Minutes) * 60
	if nightLen <= 0 {
		nightLen += daySeconds
	}
	for d := dayOf(first) - 1; d <= dayOf(last); d++ {
		ns := dayStart(d) + int64(r3.From.Minutes)*60
		na, nb := ev.span(max(ns, first), min(ns+nightLen, last))
		if nb-na+1 < minOverlap {
			continue
		}
		var e, allowed float64
		var on []bool
		n := 0
		for k := na; k <= nb; k++ {
			j := k - win.a
			if approved[j] || isNaN(v[j]) {
				on = append(on, false)
				continue
			}
			n++
			e += v[j]
			lim := s.standbyKW * Interval.Hours()
			if bs != nil {
				lim = s.stopLimit(r3.SharePct, bs[j])
				allowed += lim
			}
			on = append(on, v[j] > lim)
		}
		if n < minOverlap {
			continue
		}
		obs, exp := 0.0, 0.0
		fired, byRatio := false, false
		if bs != nil && e > allowed {
			obs, exp, fired = e, allowed, true
		}
		if !fired && s.gridOnly && e > s.standbyKW*Interval.Hours()*float64(n) {
			if ratio, ok := ev.nightDayRatio(win, v, approved, ns, nightLen, e/float64(n)); ok && ratio > r3.NightDayRatio {
				obs, exp, fired, byRatio = ratio, r3.NightDayRatio, true, true
			}
		}
		if !fired {
			continue
		}
		// The event spans the intervals above the limit, or the night.
		s0, s1 := na, nb
		if rs := runs(on, len(on), 1); len(rs) > 0 {
			s0, s1 = na+rs[0][0], na+rs[0][1]
		}
		ev.unitEvent(win, s, RuleNightProduction, s0, s1, obs, exp, byRatio)
	}
}

// nightDayRatio compares a night's mean use per interval with the day's
// before it (or, when too little of that is in the response, after it).
func (ev *evaluator) nightDayRatio(win window, v []float64, approved []bool, nightStart, nightLen int64, nightMean float64) (float64, bool) {
	r3 := ev.p.Rules.R3
	dayLen := daySeconds - nightLen
	first, last := ev.start(win.a), ev.start(win.b)+step
	for _, ds := range []int64{nightStart - dayLen, nightStart + nightLen} {
		da, db := ev.span(max(ds, first), min(ds+dayLen, last))
		var e float64
		n := 0
		for k := da; k <= db; k++ {
			if j := k - win.a; !approved[j] && !isNaN(v[j]) {
				e += v[j]
				n++
			}
		}
		if n >= int(r3.MinOverlap.Duration/Interval) {
			dayMean := e / float64(n)
			if dayMean <= 0 {
				return 0, false
			}
			return nightMean / dayMean, true
		}
	}
	return 0, false
}

// limitRule is R2: per window of the response, the unit's energy above
// baseline × (fixed + (1 − fixed)(1 − X)) × tolerance. Failing windows in a
// row are one event.
func (ev *evaluator) limitRule(win window, s *subject) {
	a, b := win.a, win.b
	if b < a {
		return
	}
	r2 := ev.p.Rules.R2
	base := ev.subjectBaseline(s.meters, [2]string{s.f.e.ID, s.unit}, win.anchor)
	if !base.ok {
		ev.skip(win, s.f, s.unit, "", base.reason)
		return
	}
	v := ev.values(s.meters, a, b)
	bs := ev.baselineSeries(base, a, b)
	factor := (s.fixed + (1-s.fixed)*(1-s.limitPct/100)) * r2.Tolerance
	n, minN := int(r2.Window.Duration/Interval), int(r2.MinWindow.Duration/Interval)
	type fail struct {
		s, e     int
		obs, exp float64
	}
	var cur *fail
	flush := func() {
		if cur != nil {
			ev.unitEvent(win, s, RuleLimitNotMet, a+cur.s, a+cur.e, cur.obs, cur.exp, false)
			cur = nil
		}
	}
	for w0 := 0; w0 < len(v); w0 += n {
		w1 := min(w0+n, len(v)) - 1
		if w1-w0+1 < minN {
			break
		}
		var e, bsum float64
		present := 0
		for k := w0; k <= w1; k++ {
			if !isNaN(v[k]) {
				e += v[k]
				bsum += bs[k]
				present++
			}
		}
		if present*2 < w1-w0+1 || e <= bsum*factor {
			flush()
			continue
		}
		if cur == nil {
			cur = &fail{s: w0}
		}
		cur.e = w1
		cur.obs += e
		cur.exp += bsum * factor
	}
	flush()
}

// pair is a treatment unit with the production units it must run with
// (those that name it in linked_treatment and have meters).
type pair struct {
	treatUnit *reduction.Unit
	treat     []string // its meters
	prodUnits []*reduction.Unit
	prod      [][]string // their meters
	f         *firm
}

// allMeters are the pair's meters, production first.
func (pr pair) allMeters() []string {
	var out []string
	for _, ms := range pr.prod {
		out = append(out, ms...)
	}
	return append(out, pr.treat...)
}

// pairs are the firm's treatment units with meters and the production
// units with meters linked to them.
func (ev *evaluator) pairs(f *firm) []pair {
	var out []pair
	for i := range f.e.Units {
		t := &f.e.Units[i]
		if t.Kind != reduction.UnitTreatment || len(f.unitMeters[t.ID]) == 0 {
			continue
		}
		pr := pair{treatUnit: t, treat: f.unitMeters[t.ID], f: f}
		for j := range f.e.Units {
			u := &f.e.Units[j]
			if u.Kind == reduction.UnitProduction && len(f.unitMeters[u.ID]) > 0 && slices.Contains(u.LinkedTreatment, t.ID) {
				pr.prodUnits = append(pr.prodUnits, u)
				pr.prod = append(pr.prod, f.unitMeters[u.ID])
			}
		}
		if len(pr.prodUnits) > 0 {
			out = append(out, pr)
		}
	}
	return out
}

// treatmentRules are R4 and R5 on a treatment unit over intervals a..b
// (skip, when set, leaves intervals out): the treatment below
// treatment_off_pct % of its running level while a production unit it
// serves is above production_running_pct % of its own. When such a run
// ends with every such unit shutting down, and lasts at most R5's
// max_early, it is R5 (treatment stopped first) if longer than R5's
// intervals; otherwise R4 when at least R4's intervals. An interval whose baselines already look like that is not
// counted (the meters' links are then not what the list says).
func (ev *evaluator) treatmentRules(win window, pr pair, a, b int, skip func(int) bool) {
	if b < a {
		return
	}
	r4, r5 := ev.p.Rules.R4, ev.p.Rules.R5
	bt := ev.subjectBaseline(pr.treat, [2]string{pr.f.e.ID, pr.treatUnit.ID}, win.anchor)
	if !bt.ok {
		ev.skip(win, pr.f, pr.treatUnit.ID, "", bt.reason)
		return
	}
	tOff := r4.TreatmentOffPct / 100 * bt.running
	t := ev.values(pr.treat, a, b)
	// running[k]: some production unit runs; baseRunning: in its baseline.
	running := make([]bool, len(t))
	baseRunning := make([]bool, len(t))
	off := make([]bool, len(t)+2) // every production unit seen off
	for k := range off {
		off[k] = true
	}
	for j, u := range pr.prodUnits {
		bp := ev.subjectBaseline(pr.prod[j], [2]string{pr.f.e.ID, u.ID}, win.anchor)
		if !bp.ok {
			ev.skip(win, pr.f, u.ID, "", bp.reason)
			return
		}
		pOn := r4.ProductionRunningPct / 100 * bp.running
		p := ev.values(pr.prod[j], a, b+2)
		for k := range p {
			if k < len(t) {
				running[k] = running[k] || (!isNaN(p[k]) && p[k] > pOn)
				baseRunning[k] = baseRunning[k] || ev.baselineAt(bp, a+k) > pOn
			}
			off[k] = off[k] && !isNaN(p[k]) && p[k] <= pOn && a+k <= b+2
		}
	}
	cond := make([]bool, len(t))
	for k := range t {
		if skip != nil && skip(a+k) {
			continue
		}
		cond[k] = running[k] && !isNaN(t[k]) && t[k] < tOff && !(baseRunning[k] && ev.baselineAt(bt, a+k) < tOff)
	}
	for _, run := range runs(cond, ev.p.MergeGapIntervals, 1) {
		n := run[1] - run[0] + 1
		var obsT float64
		for k := run[0]; k <= run[1]; k++ {
			obsT += t[k]
		}
		// A run that ends with the shutdown is the treatment stopping
		// early (R5) when it is short; a long one (off all day until the
		// shift ends) is treatment off while producing (R4).
		early := time.Duration(n) * Interval
		if run[1]+2 < len(off) && off[run[1]+1] && off[run[1]+2] && early <= r5.MaxEarly.Duration {
			if n > r5.Intervals {
				early := float64(n) * Interval.Minutes()
				ev.pairEvent(win, pr, RuleTreatmentStoppedEarly, a+run[0], a+run[1], early, float64(r5.Intervals)*Interval.Minutes())
			}
			continue
		}
		if n >= r4.Intervals {
			ev.pairEvent(win, pr, RuleTreatmentOff, a+run[0], a+run[1], obsT, tOff*float64(n))
		}
	}
}

// gapRule is R7: a required meter with nothing for R7's time in a..b.
func (ev *evaluator) gapRule(win window, f *firm, meter string, a, b int) {
	if b < a {
		return
	}
	col := ev.r.Column(meter)
	missing := make([]bool, b-a+1)
	for k := range missing {
		missing[k] = isNaN(at32(col, a+k))
	}
	for _, run := range runs(missing, 0, int(ev.p.Rules.R7.For.Duration/Interval)) {
		ev.gapEvent(win, f, meter, a+run[0], a+run[1])
	}
}

// emissionRule is R8 on a firm under measures with online monitors: per
// window of the response, the mean of each monitored pollutant above
// tolerance × its mean over the pre-window before the warning, or, for a
// firm whose every production unit should have stopped, above
// stop_residual_pct % of it. Failing windows in a row are one event.
func (ev *evaluator) emissionRule(win window, f *firm, subjects []*subject) {
	if len(f.e.Monitoring.HJ212MN) == 0 || win.b < win.a {
		return
	}
	r8 := ev.p.Rules.R8
	shouldStop := true
	for _, s := range subjects {
		if s.kind != kindStop {
			shouldStop = false
		}
	}
	if shouldStop && len(subjects) > 0 && subjects[0].unit != "" {
		// Stops on some units leave the others producing.
		stoppedUnits := map[string]bool{}
		for _, s := range subjects {
			stoppedUnits[s.unit] = true
		}
		for _, u := range f.e.Units {
			if u.Kind == reduction.UnitProduction && !stoppedUnits[u.ID] {
				shouldStop = false
			}
		}
	}
	factor := r8.Tolerance
	if shouldStop {
		factor = r8.StopResidualPct / 100
	}
	from, to := ev.start(win.a), ev.start(win.b)+step
	minValues := int(r8.MinWindow.Hours())
	for _, es := range ev.in.Emissions {
		if !slices.Contains(f.e.Monitoring.HJ212MN, es.MN) {
			continue
		}
		pre, n := meanIn(es.Points, win.start-int64(r8.PreWindow.Seconds()), win.start)
		if n < minValues || pre <= 0 {
			ev.skipped = append(ev.skipped, Skip{Warning: win.w.ID, Level: win.w.Level, Enterprise: f.e.ID, Meter: es.MN,
				Reason: fmt.Sprintf("%s %s: %d values in the %s before the warning, R8 needs %d", es.MN, es.Pollutant, n, r8.PreWindow, minValues)})
			continue
		}
		var cur *[4]float64 // start, end, observed mean, count
		flush := func() {
			if cur != nil {
				ev.emissionEvent(win, f, es, int64(cur[0]), int64(cur[1]), cur[2]/cur[3], pre*factor, pre, shouldStop)
				cur = nil
			}
		}
		for w0 := from; w0 < to; w0 += int64(r8.Window.Seconds()) {
			w1 := min(w0+int64(r8.Window.Seconds()), to)
			if w1-w0 < int64(r8.MinWindow.Seconds()) {
				break
			}
			m, n := meanIn(es.Points, w0, w1)
			if n < minValues || m <= pre*factor {
				flush()
				continue
			}
			if cur == nil {
				cur = &[4]float64{float64(w0), 0, 0, 0}
			}
			cur[1] = float64(w1)
			cur[2] += m
			cur[3]++
		}
		flush()
	}
}

// meanIn is the mean of the points ending in (from, to].
func meanIn(ps []EmissionPoint, from, to int64) (float64, int) {
	var s float64
	n := 0
	for _, p := range ps {
		if u := p.End.Unix(); u > from && u <= to && !isNaN(p.Value) {
			s += p.Value
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return s / float64(n), n
}
