package reduction

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// Instruction is what one listed source must do at a level: the measures in
// force (cumulative, superseded on each target by stronger later ones),
// where each came from, why the usual measures do not apply when they do
// not, and who supervises. It is the content of the source's notice, so it
// carries the responsible persons (private); the public page is Public.
type Instruction struct {
	// Source is the enterprise id; NameZH and SourceType repeat the list.
	Source     string `json:"source"`
	NameZH     string `json:"name_zh"`
	SourceType string `json:"source_type"`
	// Level is the level resolved ("" no warning, pre, yellow, orange, red).
	Level string `json:"level"`
	// Grade is the grade in force at the time of resolution; GradeNote says
	// why it differs from the listed one (expired, not yet valid).
	Grade     string `json:"grade,omitempty"`
	GradeNote string `json:"grade_note,omitempty"`
	// Measures are the measures in force, in the order of the levels that
	// set them; empty when there is nothing to do.
	Measures []ResolvedMeasure `json:"measures"`
	// Exempt says why the grade's stop and limit measures do not apply:
	// heating, guarantee (capped) or long_stopped.
	Exempt *Exemption `json:"exempt,omitempty"`
	// Watch are tags for closer routine oversight instead of measures (an
	// O3-driven warning, notes §2.9).
	Watch []string `json:"watch,omitempty"`
	// SupervisingUnits are the plan units that notify and inspect the source.
	SupervisingUnits []string `json:"supervising_units"`
}

// ResolvedMeasure is one measure in force, with its key indicator computed
// against the reduction base of the targets it still governs: what the
// public may see of it (PublicMeasure), and what only the firm and the
// bureau see.
type ResolvedMeasure struct {
	PublicMeasure
	// VerifyBy are how execution is checked (power, cems, gate, onsite, video).
	VerifyBy []string `json:"verify_by,omitempty"`
	// ExpectedCutKgD is the list's expected daily cut, kg/d, when it gives one.
	ExpectedCutKgD *Pollutants `json:"expected_cut_kg_d,omitempty"`
	// Responsible is who answers for the step. PRIVATE.
	Responsible *Contact `json:"responsible,omitempty"`
}

// Exemption is why a source's grade measures do not apply.
type Exemption struct {
	Kind     string `json:"kind"` // heating | guarantee | long_stopped
	ReasonZH string `json:"reason_zh"`
	ReasonEN string `json:"reason_en"`
}

// Exemption kinds.
const (
	ExemptHeating     = "heating"      // residential heating: never stopped or limited (notes §2.3 [V N5])
	ExemptGuarantee   = "guarantee"    // guarantee firm: capped at its approved load (notes §2.3 [V N5], G9)
	ExemptLongStopped = "long_stopped" // long stopped: stays stopped, nothing else to do
)

// WatchVOCsNOx is the tag an O3-driven warning gives industrial sources with
// VOCs or NOx emissions: tighter routine oversight, no list measures (notes
// §2.9 [V N1, Yuhang]).
const WatchVOCsNOx = "VOCs/NOx 加强监管 watch"

// Origins of resolved measures.
const (
	OriginList             = "list"
	originDefaultPrefix    = "default:"
	originGuaranteePrefix  = "guarantee:"
	selfDeterminedTextZH   = "绩效分级 A/A+/引领性企业：自主采取减排措施"
	selfDeterminedTextEN   = "performance grade A/A+/leading: reduces emissions at its own discretion"
	heatingReasonZH        = "居民供暖：列入清单，不停产、不限产"
	heatingReasonEN        = "residential heating: listed, never told to stop or limit production"
	longStoppedReasonZH    = "长期停产：保持停产，恢复生产前须报备"
	longStoppedReasonEN    = "long stopped: stays stopped; no measures to apply"
	guaranteeReasonFormat  = "保障类企业（%s）：不停产，负荷不超过核定的 %s%%"
	guaranteeReasonFormEN  = "guarantee firm (%s): never stopped; load at most the approved %s %%"
	guaranteeMeasureFormat = "按核定最大负荷 %s%% 组织生产（削减 %s%%），仅限保障任务"
	guaranteeMeasureFormEN = "run at no more than the approved %s %% load (cut %s %%), guaranteed tasks only"
)

// Resolve returns what every listed source must do at a level, ordered by
// enterprise id. level is "" (no warning: every source, nothing to do),
// pre, yellow, orange or red; another level resolves to nil. primary is the
// warning's primary pollutant: only a PM-driven warning (pm25, pm10, or ""
// when unknown) pushes list measures; an O3- or NO2-driven one tags
// industrial sources with VOCs or NOx emissions for watch (notes §2.9).
// now decides which grades are still valid.
func (l *List) Resolve(level, primary string, now time.Time) []Instruction {
	li := levelIndex(level)
	if li == -2 {
		return nil
	}
	pm, watch := drivenBy(primary)
	out := make([]Instruction, 0, len(l.Enterprises))
	for _, i := range l.byIDOrder() {
		e := &l.Enterprises[i]
		grade, note := e.GradeAt(now)
		out = append(out, l.resolve(e, li, pm, watch, grade, note))
	}
	return out
}

// byIDOrder returns the enterprises' indexes sorted by id.
func (l *List) byIDOrder() []int {
	order := make([]int, len(l.Enterprises))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(l.Enterprises[a].ID, l.Enterprises[b].ID) })
	return order
}

// drivenBy reads a warning's primary pollutant(s), comma-separated: pm is
// true when any is PM2.5 or PM10 or the primary is unknown (so a warning
// of unknown cause still gets its measures); watch when, without PM, O3 or
// NO2 drives it.
func drivenBy(primary string) (pm, watch bool) {
	for part := range strings.SplitSeq(primary, ",") {
		t, ok := aqi.ParseTerm(strings.TrimSpace(part))
		if !ok {
			return true, false
		}
		switch t.Pollutant() {
		case aqi.PM25, aqi.PM10:
			return true, false
		case aqi.O3, aqi.NO2:
			watch = true
		}
	}
	return false, watch
}

// exemption is why a source's grade measures do not apply, nil when they do.
func exemption(e *Enterprise) *Exemption {
	switch {
	case e.Status == StatusLongStopped:
		return &Exemption{Kind: ExemptLongStopped, ReasonZH: longStoppedReasonZH, ReasonEN: longStoppedReasonEN}
	case e.ResidentialHeating:
		return &Exemption{Kind: ExemptHeating, ReasonZH: heatingReasonZH, ReasonEN: heatingReasonEN}
	case e.Guarantee != nil:
		g := e.Guarantee
		return &Exemption{Kind: ExemptGuarantee,
			ReasonZH: fmt.Sprintf(guaranteeReasonFormat, guaranteeNamesZH[g.Kind], num(g.ApprovedMaxLoadPct)),
			ReasonEN: fmt.Sprintf(guaranteeReasonFormEN, g.Kind, num(g.ApprovedMaxLoadPct))}
	}
	return nil
}

// guaranteeNamesZH names the guarantee kinds in notices.
var guaranteeNamesZH = map[string]string{
	GuaranteeLivelihood: "民生保障", GuaranteeCityOps: "城市运行保障", GuaranteeStrategic: "战略性产业", GuaranteeMajorProject: "重大工程",
}

// resolve is one source's instruction at level index li (-1: no warning),
// with grade the grade that applies.
func (l *List) resolve(e *Enterprise, li int, pm, watch bool, grade, note string) Instruction {
	ins := Instruction{Source: e.ID, NameZH: e.NameZH, SourceType: e.SourceType, Grade: grade, GradeNote: note,
		Measures: []ResolvedMeasure{}, SupervisingUnits: slices.Clone(e.SupervisingUnits)}
	if li < 0 {
		return ins
	}
	ins.Level = levels[li]
	ins.Exempt = exemption(e)
	if e.Status == StatusLongStopped {
		return ins
	}
	if !pm {
		if watch && e.SourceType == SourceIndustrial && (e.EmissionsBase.VOCs > 0 || e.EmissionsBase.NOx > 0) {
			ins.Watch = []string{WatchVOCsNOx}
		}
		return ins
	}
	var cands []*cand
	for k := 0; k <= li; k++ {
		cands = append(cands, l.levelCands(e, k, grade)...)
	}
	if c := guaranteeCap(e, li); c != nil {
		cands = append(cands, c)
	}
	for i, c := range cands {
		c.seq = i
	}
	ins.Measures = supersede(e, cands)
	return ins
}

// cand is a measure that may be in force, before superseding.
type cand struct {
	li      int
	m       Measure
	origin  string
	targets []string // expanded: unit ids, or [""] for a firm without units
	full    bool     // targets are the measure's own (its written base still holds)
	src     int      // index in Enterprise.Measures, -1 when not from the list
	seq     int
}

// levelCands returns the measures set for level index k: the firm's own
// when it lists any for k, else its grade defaults. Heating sources get no
// defaults and guarantee firms no stop or limit (their cap replaces them);
// the list validation refuses such measures written by hand.
func (l *List) levelCands(e *Enterprise, k int, grade string) []*cand {
	var out []*cand
	for j := range e.Measures {
		if m := e.Measures[j]; m.Level == levels[k] {
			targets, full := expand(e, m.Action, m.TargetUnits)
			out = append(out, &cand{li: k, m: m, origin: OriginList, targets: targets, full: full, src: j})
		}
	}
	if len(out) == 0 && !e.ResidentialHeating {
		out = l.defaultCands(e, k, grade)
	}
	if e.ResidentialHeating || e.Guarantee != nil {
		out = slices.DeleteFunc(out, func(c *cand) bool { return production(c.m.Action) })
	}
	return out
}

// defaultCands are the grade defaults for level index k: self-determined
// from yellow up for A, A+ and 引领性 (notes §7 [V N8]), else the row of
// the firm's industry and grade (unrated: the lowest row).
func (l *List) defaultCands(e *Enterprise, k int, grade string) []*cand {
	if selfDetermined(grade) {
		if k < 1 {
			return nil
		}
		ind := e.GuideIndustry
		if ind == "" {
			ind = e.SourceType
		}
		return []*cand{{li: k, origin: originDefaultPrefix + ind + "/" + grade, targets: []string{""}, src: -1,
			m: Measure{Level: levels[k], Action: ActionSelfDetermined, TextZH: selfDeterminedTextZH, TextEN: selfDeterminedTextEN}}}
	}
	row, label := l.defaultRow(e, grade)
	if row == nil {
		return nil
	}
	var out []*cand
	for _, d := range row.at(k) {
		targets, _ := expand(e, d.Action, nil)
		out = append(out, &cand{li: k, origin: originDefaultPrefix + label, targets: targets, src: -1,
			m: Measure{Level: levels[k], Action: d.Action, Value: d.Value, TextZH: d.TextZH, TextEN: d.TextEN, VerifyBy: d.VerifyBy}})
	}
	return out
}

// guaranteeCap is a guarantee firm's one production measure from yellow up:
// a limit to its approved load (limit_pct = 100 − approved), never a stop
// (notes §7, G9 "以热定产"). nil below yellow or at 100 % approved load.
func guaranteeCap(e *Enterprise, li int) *cand {
	g := e.Guarantee
	if g == nil || li < 1 || e.ResidentialHeating || g.ApprovedMaxLoadPct <= 0 || g.ApprovedMaxLoadPct >= 100 {
		return nil
	}
	cut := 100 - g.ApprovedMaxLoadPct
	targets, _ := expand(e, ActionLimitPct, nil)
	return &cand{li: 1, origin: originGuaranteePrefix + g.Kind, targets: targets, src: -1,
		m: Measure{Level: levels[1], Action: ActionLimitPct, Value: cut,
			TextZH:   fmt.Sprintf(guaranteeMeasureFormat, num(g.ApprovedMaxLoadPct), num(cut)),
			TextEN:   fmt.Sprintf(guaranteeMeasureFormEN, num(g.ApprovedMaxLoadPct), num(cut)),
			VerifyBy: []string{"power"}}}
}

// expand returns a measure's targets: its own units, or for a firm-wide
// stop or limit every production unit (else every unit but treatment),
// so that it meets the unit measures of other levels on the same targets;
// [""] (the firm as a whole) for other firm-wide actions and for a firm
// without units. full reports the measure named its targets.
func expand(e *Enterprise, action string, units []string) (targets []string, full bool) {
	if len(units) > 0 {
		return units, true
	}
	if !production(action) {
		return []string{""}, false
	}
	for _, kinds := range [][]string{{UnitProduction}, {UnitProduction, UnitAuxiliary}} {
		for _, u := range e.Units {
			if slices.Contains(kinds, u.Kind) {
				targets = append(targets, u.ID)
			}
		}
		if len(targets) > 0 {
			return targets, false
		}
	}
	return []string{""}, false
}

// perTarget is, for each target of the production measures among cands,
// the measure that holds it (wins(c, w): c takes the target from w), and
// the targets in the order they are first named.
func perTarget(cands []*cand, wins func(c, w *cand) bool) (map[string]*cand, []string) {
	won := map[string]*cand{}
	var order []string
	for _, c := range cands {
		if !production(c.m.Action) {
			continue
		}
		for _, t := range c.targets {
			w, ok := won[t]
			if !ok {
				order = append(order, t)
			}
			if !ok || wins(c, w) {
				won[t] = c
			}
		}
	}
	return won, order
}

// supersede keeps, of the cumulative measures, those still in force: on
// each target the strongest production measure (see supersedes for ties),
// for the other actions the latest of each action and targets; custom
// measures all stay. Order: as set.
func supersede(e *Enterprise, cands []*cand) []ResolvedMeasure {
	prod, targetOrder := perTarget(cands, func(c, w *cand) bool { return supersedes(e, c, w) })
	other := map[string]*cand{}
	for _, c := range cands {
		if production(c.m.Action) {
			continue
		}
		key := c.m.Action + "|" + strings.Join(c.targets, ",")
		if c.m.Action == ActionCustom {
			key = fmt.Sprintf("custom|%d", c.seq)
		}
		other[key] = c
	}
	won := map[*cand][]string{}
	for _, t := range targetOrder {
		won[prod[t]] = append(won[prod[t]], t)
	}
	var keep []*cand
	for c := range won {
		keep = append(keep, c)
	}
	for _, c := range other {
		keep = append(keep, c)
	}
	slices.SortFunc(keep, func(a, b *cand) int { return a.seq - b.seq })
	out := make([]ResolvedMeasure, 0, len(keep))
	for _, c := range keep {
		targets := c.targets
		if t, ok := won[c]; ok {
			targets = unitOrder(e, t)
		}
		full := c.full && len(targets) == len(c.targets)
		r := ResolvedMeasure{PublicMeasure: PublicMeasure{Level: levels[c.li], Action: c.m.Action, Value: c.m.Value, TextZH: c.m.TextZH, TextEN: c.m.TextEN,
			Origin: c.origin, KeyIndicator: keyIndicator(e, c, targets, full)},
			VerifyBy: slices.Clone(c.m.VerifyBy), ExpectedCutKgD: c.m.ExpectedCutKgD, Responsible: c.m.Responsible}
		if !(len(targets) == 1 && targets[0] == "") {
			r.Targets = slices.Clone(targets)
		}
		out = append(out, r)
	}
	return out
}

// supersedes reports whether production measure c, set at w's level or a
// later one, takes a target from w: when it is stronger, or as strong (or
// not comparable) unless that would put a grade default over the firm's
// own measure — the firm's names its lines and the responsible person.
func supersedes(e *Enterprise, c, w *cand) bool {
	switch {
	case weaker(e, c, w):
		return false
	case weaker(e, w, c):
		return true
	}
	return w.origin != OriginList || c.origin == OriginList
}

// unitOrder sorts target ids in the order the firm lists its units.
func unitOrder(e *Enterprise, ids []string) []string {
	pos := func(id string) int {
		return slices.IndexFunc(e.Units, func(u Unit) bool { return u.ID == id })
	}
	out := slices.Clone(ids)
	slices.SortStableFunc(out, func(a, b string) int { return pos(a) - pos(b) })
	return out
}

// strength is a production measure's cut in percent of the reduction base,
// when known: a stop is 100, limit_pct X is X, cap_indicator is
// 100·(1 − limit/base) when its base is known.
func strength(e *Enterprise, c *cand) (float64, bool) {
	switch c.m.Action {
	case ActionStopUnit, ActionStopProcess:
		return 100, true
	case ActionLimitPct:
		return c.m.Value, true
	case ActionCapIndicator:
		if b := capBase(e, c.m, c.targets, c.full); b > 0 {
			return max(0, 100*(1-c.m.Value/b)), true
		}
	}
	return 0, false
}

// weaker reports whether production measure a is weaker than b: by
// strength, or two caps on the same indicator by their limits (a higher
// limit is weaker). Measures that cannot be compared are not weaker.
func weaker(e *Enterprise, a, b *cand) bool {
	sa, oka := strength(e, a)
	sb, okb := strength(e, b)
	if oka && okb {
		return sa < sb
	}
	if a.m.Action == ActionCapIndicator && b.m.Action == ActionCapIndicator && sameIndicator(a.m.KeyIndicator, b.m.KeyIndicator) {
		return a.m.Value > b.m.Value
	}
	return false
}

func sameIndicator(a, b *KeyIndicator) bool {
	return a != nil && b != nil && a.NameZH == b.NameZH && a.Unit == b.Unit
}

// unitsBase is the summed reduction base of targets and their capacity
// unit, 0 when a target has no capacity or the units differ.
func unitsBase(e *Enterprise, targets []string) (float64, string) {
	sum, unit := 0.0, ""
	for i, t := range targets {
		j := slices.IndexFunc(e.Units, func(u Unit) bool { return u.ID == t })
		if j < 0 {
			return 0, ""
		}
		u := e.Units[j]
		if u.Base() <= 0 || (i > 0 && u.Capacity.Unit != unit) {
			return 0, ""
		}
		sum, unit = sum+u.Base(), u.Capacity.Unit
	}
	return sum, unit
}

// capBase is the base a cap_indicator is measured against: its key
// indicator's, or the targets' capacities when they are in its unit.
func capBase(e *Enterprise, m Measure, targets []string, full bool) float64 {
	if m.KeyIndicator == nil {
		return 0
	}
	if m.KeyIndicator.Base > 0 && full {
		return m.KeyIndicator.Base
	}
	if b, unit := unitsBase(e, targets); b > 0 && unit == m.KeyIndicator.Unit {
		return b
	}
	return 0
}

// keyIndicator computes the indicator of a measure on targets: for a stop
// or limit_pct the base (the written one when the measure still governs
// all its targets, else the targets' capacities) and the limit left
// (base·(100 − X)/100, 0 for a stop); for a cap its limit, Value.
func keyIndicator(e *Enterprise, c *cand, targets []string, full bool) *KeyIndicator {
	m := c.m
	switch m.Action {
	case ActionCapIndicator:
		if m.KeyIndicator == nil {
			return nil
		}
		k := *m.KeyIndicator
		k.Base = round3(capBase(e, m, targets, full))
		k.Limit = round3(m.Value)
		return &k
	case ActionLimitPct, ActionStopUnit, ActionStopProcess:
		var k KeyIndicator
		if m.KeyIndicator != nil {
			k = *m.KeyIndicator
		}
		if k.Base <= 0 || !full {
			b, unit := unitsBase(e, targets)
			if b <= 0 || (k.Unit != "" && k.Unit != unit) {
				// No base in the indicator's unit: name the
				// indicator, compute nothing.
				if m.KeyIndicator == nil {
					return nil
				}
				k.Base, k.Limit = 0, 0
				return &k
			}
			k.Base = b
			if k.Unit == "" {
				k.Unit = unit
			}
		}
		if k.NameZH == "" {
			k.NameZH = "产能基数（设计、许可、上年实际取小）"
		}
		k.Base = round3(k.Base)
		k.Limit = 0
		if m.Action == ActionLimitPct {
			k.Limit = round3(k.Base * (100 - m.Value) / 100)
		}
		return &k
	}
	if m.KeyIndicator != nil {
		k := *m.KeyIndicator
		return &k
	}
	return nil
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// num writes a number without trailing zeros or exponent ("70", "12.5").
func num(v float64) string { return strconv.FormatFloat(round3(v), 'f', -1, 64) }
