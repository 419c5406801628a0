package reduction

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

var (
	// GB/T 4754-2017: an optional section letter and a 2–4 digit class.
	industryCodeRE = regexp.MustCompile(`^[A-T]?[0-9]{2,4}$`)
	phoneRE        = regexp.MustCompile(`^\+?[0-9][0-9 -]{4,19}$`)
	// An SMS target is an E.164 number: the gateway needs the country code.
	smsTargetRE = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	sha256RE    = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// rowGrades are the grades a grade table may have rows for: A+, A and 引领性
// are self-determined by rule (notes §7 [V N8]) and unrated takes the
// lowest row, so the data does not repeat the rules.
var rowGrades = []string{GradeB, GradeBMinus, GradeC, GradeD, GradeNonLeading}

// loc builds a path into the file for checker.add.
func loc(steps ...any) []any { return steps }

func sub(base []any, steps ...any) []any { return append(slices.Clone(base), steps...) }

// uniqueID records a problem when id is empty ("where: what missing") or
// seen before ("at: duplicate what"), and marks it seen.
func (c *checker) uniqueID(path []any, where, at, what, id string, seen map[string]bool) {
	switch {
	case id == "":
		c.Add(path, "%s: %s missing", where, strings.TrimPrefix(what, "unit "))
	case seen[id]:
		c.Add(path, "%s: duplicate %s %q", at, what, id)
	}
	seen[id] = true
}

// oneOf records a problem when v is not in allowed (an empty v is "missing"
// when required).
func (c *checker) oneOf(path []any, what, v string, allowed []string, required bool) {
	switch {
	case v == "" && required:
		c.Add(path, "%s: missing (one of %s)", what, strings.Join(allowed, ", "))
	case v != "" && !slices.Contains(allowed, v):
		c.Add(path, "%s: %q is not one of %s", what, v, strings.Join(allowed, ", "))
	}
}

// list checks a whole list, in file order.
func (c *checker) list(l *List) {
	if l.ID == "" {
		c.Add(loc("id"), "id: missing")
	}
	if l.Year < 2000 || l.Year > 2100 {
		c.Add(loc("year"), "year: must be the filing year (30 September deadline), got %d", l.Year)
	}
	switch {
	case l.County == "":
		c.Add(loc("county"), "county: missing (the plan's county region id)")
	case !slices.Contains(c.refs.Regions, l.County):
		c.Add(loc("county"), "county: unknown region %q; the plan has %s", l.County, strings.Join(c.refs.Regions, ", "))
	}
	c.notices(&l.Notices)
	c.gradeDefaults(l)
	ids, usccs := map[string]bool{}, map[string]string{}
	for i := range l.Enterprises {
		c.enterprise(l, i, ids, usccs)
	}
}

func (c *checker) notices(n *Notices) {
	for _, f := range []struct {
		key string
		d   time.Duration
	}{{"ack_within", n.AckWithin.Duration}, {"report_within", n.ReportWithin.Duration}, {"resend_after", n.ResendAfter.Duration},
		{"escalate_to_supervisor_after", n.EscalateToSupervisorAfter.Duration}, {"escalate_to_office_after", n.EscalateToOfficeAfter.Duration}} {
		if f.d <= 0 {
			c.Add(loc("notices", f.key), "notices.%s: missing or not > 0", f.key)
		}
	}
	// The chain only makes sense in order: resend, then the supervisor,
	// then the office; and the report is due after the acknowledgement.
	if n.ResendAfter.Duration > 0 && n.EscalateToSupervisorAfter.Duration > 0 && n.ResendAfter.Duration >= n.EscalateToSupervisorAfter.Duration {
		c.Add(loc("notices", "resend_after"), "notices.resend_after (%s) must come before escalate_to_supervisor_after (%s)", n.ResendAfter, n.EscalateToSupervisorAfter)
	}
	if n.EscalateToSupervisorAfter.Duration > 0 && n.EscalateToOfficeAfter.Duration > 0 && n.EscalateToSupervisorAfter.Duration >= n.EscalateToOfficeAfter.Duration {
		c.Add(loc("notices", "escalate_to_office_after"), "notices.escalate_to_office_after (%s) must come after escalate_to_supervisor_after (%s)", n.EscalateToOfficeAfter, n.EscalateToSupervisorAfter)
	}
	if n.AckWithin.Duration > 0 && n.ReportWithin.Duration > 0 && n.ReportWithin.Duration < n.AckWithin.Duration {
		c.Add(loc("notices", "report_within"), "notices.report_within (%s) must not be shorter than ack_within (%s)", n.ReportWithin, n.AckWithin)
	}
	switch {
	case n.Office == "":
		c.Add(loc("notices", "office"), "notices.office: missing (the command office's plan unit id)")
	case !slices.Contains(c.refs.Units, n.Office):
		c.Add(loc("notices", "office"), "notices.office: unknown unit %q", n.Office)
	}
}

func (c *checker) gradeDefaults(l *List) {
	inds := map[string]bool{}
	for i, t := range l.GradeDefaults {
		tp := loc("grade_defaults", i)
		at := fmt.Sprintf("grade_defaults[%d] (%s)", i, t.Industry)
		c.uniqueID(sub(tp, "industry"), fmt.Sprintf("grade_defaults[%d]", i), at, "industry", t.Industry, inds)
		if t.Source == "" {
			c.Add(sub(tp, "source"), "%s: source missing (say where the defaults come from)", at)
		}
		if len(t.Grades) == 0 {
			c.Add(sub(tp, "grades"), "%s: no grades", at)
		}
		seen := map[string]bool{}
		for j := range t.Grades {
			r := &t.Grades[j]
			rp := sub(tp, "grades", j)
			rat := fmt.Sprintf("%s.grades[%d] (%s)", at, j, r.Grade)
			switch {
			case selfDetermined(r.Grade):
				c.Add(sub(rp, "grade"), "%s: grade %s is self-determined by rule (notes §7); leave the row out", rat, r.Grade)
			case r.Grade == GradeUnrated:
				c.Add(sub(rp, "grade"), "%s: unrated takes the table's lowest grade; leave the row out", rat)
			default:
				c.oneOf(sub(rp, "grade"), rat+".grade", r.Grade, rowGrades, true)
			}
			if seen[r.Grade] {
				c.Add(sub(rp, "grade"), "%s: grade %s listed twice", rat, r.Grade)
			}
			seen[r.Grade] = true
			c.gradeRow(r, rp, rat)
		}
	}
}

// gradeRow checks a row's measures, and that a level never cuts less than
// a lower one (the table's measures are firm-wide, so one strength each).
func (c *checker) gradeRow(r *GradeRow, rp []any, rat string) {
	lower, lowerAt := -1.0, ""
	for k, lv := range levels {
		strongest := -1.0
		for n, d := range r.at(k) {
			mp := sub(rp, lv, n)
			mat := fmt.Sprintf("%s.%s[%d]", rat, lv, n)
			c.oneOf(sub(mp, "action"), mat+".action", d.Action, actions, true)
			switch d.Action {
			case ActionCapIndicator:
				c.Add(sub(mp, "action"), "%s: cap_indicator needs the firm's own indicator; use it in the firm's measures", mat)
			case ActionSelfDetermined:
				c.Add(sub(mp, "action"), "%s: self_determined is the rule for A, A+ and 引领性, not a table default", mat)
			}
			c.value(sub(mp, "value"), mat, d.Action, d.Value)
			if d.TextZH == "" {
				c.Add(mp, "%s: text_zh missing (what the notice says)", mat)
			}
			c.verifyBy(sub(mp, "verify_by"), mat, d.VerifyBy)
			var s float64 = -1
			switch {
			case stops(d.Action):
				s = 100
			case d.Action == ActionLimitPct:
				s = d.Value
			}
			strongest = max(strongest, s)
		}
		if strongest >= 0 && strongest < lower {
			c.Add(sub(rp, lv), "%s.%s: cuts %s %% but %s cuts %s %%: a higher level must not cut less", rat, lv, num(strongest), lowerAt, num(lower))
		}
		if strongest > lower {
			lower, lowerAt = strongest, lv
		}
	}
}

// value checks a measure's value for its action.
func (c *checker) value(path []any, at, action string, v float64) {
	switch action {
	case ActionLimitPct:
		if v <= 0 || v >= 100 {
			c.Add(path, "%s: limit_pct value must be a cut in percent, 0 < value < 100, got %s (100 is a stop)", at, num(v))
		}
	case ActionCapIndicator:
		if v <= 0 {
			c.Add(path, "%s: cap_indicator value must be the indicator's limit, > 0, got %s", at, num(v))
		}
	default:
		if v != 0 {
			c.Add(path, "%s: value is only for limit_pct and cap_indicator, got %s for %s", at, num(v), action)
		}
	}
}

func (c *checker) verifyBy(path []any, at string, vs []string) {
	for n, v := range vs {
		c.oneOf(sub(path, n), fmt.Sprintf("%s.verify_by[%d]", at, n), v, verifyMethods, true)
	}
}

func (c *checker) enterprise(l *List, i int, ids map[string]bool, usccs map[string]string) {
	e := &l.Enterprises[i]
	ep := loc("enterprises", i)
	at := fmt.Sprintf("enterprises[%d] (%s)", i, e.ID)
	c.uniqueID(sub(ep, "id"), fmt.Sprintf("enterprises[%d]", i), at, "id", e.ID, ids)
	if e.USCC == "" {
		c.Add(sub(ep, "uscc"), "%s.uscc: missing (unified social credit code)", at)
	} else if err := CheckUSCC(e.USCC); err != nil {
		c.Add(sub(ep, "uscc"), "%s.uscc: %q is not a valid unified social credit code: %v", at, e.USCC, err)
	} else if other, dup := usccs[e.USCC]; dup {
		c.Add(sub(ep, "uscc"), "%s.uscc: %q is also enterprise %s's", at, e.USCC, other)
	} else {
		usccs[e.USCC] = e.ID
	}
	if e.NameZH == "" {
		c.Add(ep, "%s: name_zh missing", at)
	}
	c.oneOf(sub(ep, "source_type"), at+".source_type", e.SourceType, sourceTypes, true)
	industrial := e.SourceType == SourceIndustrial
	switch {
	case e.IndustryCode == "" && industrial:
		c.Add(ep, "%s: industry_code missing (GB/T 4754 class)", at)
	case e.IndustryCode != "" && !industryCodeRE.MatchString(e.IndustryCode):
		c.Add(sub(ep, "industry_code"), "%s.industry_code: %q is not a GB/T 4754 class (e.g. 3011)", at, e.IndustryCode)
	}
	if e.GuideIndustry == "" && industrial {
		c.Add(ep, "%s: guide_industry missing (a grade_defaults industry, or other)", at)
	}
	switch {
	case e.Town == "":
		c.Add(ep, "%s: town missing", at)
	case !slices.Contains(c.refs.Regions, e.Town):
		c.Add(sub(ep, "town"), "%s.town: unknown region %q", at, e.Town)
	}
	if (e.Lon != 0 || e.Lat != 0) && (e.Lon < 73 || e.Lon > 136 || e.Lat < 3 || e.Lat > 54) {
		c.Add(sub(ep, "lon"), "%s: lon %v, lat %v is not in China", at, e.Lon, e.Lat)
	}
	c.oneOf(sub(ep, "permit_class"), at+".permit_class", e.PermitClass, permitClasses, false)
	c.oneOf(sub(ep, "grade"), at+".grade", e.Grade, grades, industrial)
	if !e.GradeFrom.IsZero() && !e.GradeTo.IsZero() && e.GradeTo.Start().Before(e.GradeFrom.Start()) {
		c.Add(sub(ep, "grade_to"), "%s.grade_to: %s is before grade_from %s", at, e.GradeTo, e.GradeFrom)
	}
	if g := e.Guarantee; g != nil {
		c.oneOf(sub(ep, "guarantee", "kind"), at+".guarantee.kind", g.Kind, guaranteeKinds, true)
		if g.ApprovedMaxLoadPct <= 0 || g.ApprovedMaxLoadPct > 100 {
			c.Add(sub(ep, "guarantee", "approved_max_load_pct"), "%s.guarantee.approved_max_load_pct: must be in (0, 100], got %s", at, num(g.ApprovedMaxLoadPct))
		}
	}
	c.oneOf(sub(ep, "status"), at+".status", e.Status, statuses, true)
	if len(e.SupervisingUnits) == 0 {
		c.Add(ep, "%s: supervising_units missing (at least one plan unit)", at)
	}
	seen := map[string]bool{}
	for j, u := range e.SupervisingUnits {
		switch {
		case !slices.Contains(c.refs.Units, u):
			c.Add(sub(ep, "supervising_units", j), "%s.supervising_units[%d]: unknown unit %q", at, j, u)
		case seen[u]:
			c.Add(sub(ep, "supervising_units", j), "%s.supervising_units[%d]: %q twice", at, j, u)
		}
		seen[u] = true
	}
	for j, p := range e.Contacts {
		if p.Name == "" || p.Phone == "" {
			c.Add(sub(ep, "contacts", j), "%s.contacts[%d]: name and phone are required", at, j)
		} else if !phoneRE.MatchString(p.Phone) {
			c.Add(sub(ep, "contacts", j, "phone"), "%s.contacts[%d].phone: %q is not a phone number", at, j, p.Phone)
		}
	}
	c.channels(e, ep, at)
	if d := e.PlanDoc; d != nil {
		if d.Ref == "" {
			c.Add(sub(ep, "plan_doc"), "%s.plan_doc: ref missing", at)
		}
		if d.SHA256 != "" && !sha256RE.MatchString(d.SHA256) {
			c.Add(sub(ep, "plan_doc", "sha256"), "%s.plan_doc.sha256: not 64 lower-case hex digits", at)
		}
	}
	m := e.Monitoring
	if m.Gate.Entrances < 0 || m.Gate.Barriers < 0 || m.Vehicles.Transport < 0 || m.Vehicles.InPlant < 0 || m.Vehicles.NonRoad < 0 || m.DailyTruckEntries < 0 {
		c.Add(sub(ep, "monitoring"), "%s.monitoring: counts must not be negative", at)
	}
	if b := e.EmissionsBase; b.SO2 < 0 || b.NOx < 0 || b.PM < 0 || b.VOCs < 0 {
		c.Add(sub(ep, "emissions_base"), "%s.emissions_base: emissions must not be negative", at)
	}
	c.units(e, ep, at)
	c.measures(e, ep, at)
	c.levels(l, e, ep, at)
}

func (c *checker) channels(e *Enterprise, ep []any, at string) {
	kinds := slices.Clone(c.refs.ChannelKinds)
	if !slices.Contains(kinds, ChannelSMS) {
		kinds = append(kinds, ChannelSMS)
	}
	for j, ch := range e.Channels {
		cp := sub(ep, "channels", j)
		cat := fmt.Sprintf("%s.channels[%d]", at, j)
		switch {
		case ch.Kind == "":
			c.Add(cp, "%s: kind missing", cat)
		case !slices.Contains(kinds, ch.Kind):
			c.Add(sub(cp, "kind"), "%s.kind: unknown channel kind %q; a firm may be reached by %s", cat, ch.Kind, strings.Join(kinds, ", "))
		case ch.Kind == ChannelSMS && !smsTargetRE.MatchString(ch.Target):
			c.Add(sub(cp, "target"), "%s.target: an sms target is a number with its country code (+86…), got %q", cat, ch.Target)
		case ch.Kind != "mqtt" && ch.Target == "":
			// mqtt goes to the service's own broker, every other kind
			// needs an address.
			c.Add(cp, "%s: target missing for %s", cat, ch.Kind)
		}
	}
}

func (c *checker) units(e *Enterprise, ep []any, at string) {
	ids := map[string]bool{}
	for j, u := range e.Units {
		up := sub(ep, "units", j)
		uat := fmt.Sprintf("%s.units[%d] (%s)", at, j, u.ID)
		c.uniqueID(sub(up, "id"), fmt.Sprintf("%s.units[%d]", at, j), uat, "unit id", u.ID, ids)
		c.oneOf(sub(up, "kind"), uat+".kind", u.Kind, unitKinds, true)
		if u.NameZH == "" {
			c.Add(up, "%s: name_zh missing", uat)
		}
		if k := u.Capacity; k.Design < 0 || k.Permit < 0 || k.LastYear < 0 {
			c.Add(sub(up, "capacity"), "%s.capacity: must not be negative", uat)
		} else if k.Base() > 0 && k.Unit == "" {
			c.Add(sub(up, "capacity"), "%s.capacity: unit missing (e.g. t/d)", uat)
		}
	}
	for j, u := range e.Units {
		up := sub(ep, "units", j)
		uat := fmt.Sprintf("%s.units[%d] (%s)", at, j, u.ID)
		for n, t := range u.LinkedTreatment {
			k := slices.IndexFunc(e.Units, func(v Unit) bool { return v.ID == t })
			if k < 0 || e.Units[k].Kind != UnitTreatment {
				c.Add(sub(up, "linked_treatment", n), "%s.linked_treatment[%d]: %q is not a treatment unit of the firm", uat, n, t)
			}
		}
		for n, m := range u.Meters {
			if !slices.Contains(e.Monitoring.Meters, m) {
				c.Add(sub(up, "meters", n), "%s.meters[%d]: meter %q is not in the firm's monitoring.meters", uat, n, m)
			}
		}
	}
}

func (c *checker) measures(e *Enterprise, ep []any, at string) {
	unitIDs := make([]string, len(e.Units))
	for j, u := range e.Units {
		unitIDs[j] = u.ID
	}
	for j, m := range e.Measures {
		mp := sub(ep, "measures", j)
		mat := fmt.Sprintf("%s.measures[%d]", at, j)
		c.oneOf(sub(mp, "level"), mat+".level", m.Level, levels, true)
		c.oneOf(sub(mp, "action"), mat+".action", m.Action, actions, true)
		for n, t := range m.TargetUnits {
			if !slices.Contains(unitIDs, t) {
				c.Add(sub(mp, "target_units", n), "%s.target_units[%d]: unknown unit %q (the firm's units: %s)", mat, n, t, strings.Join(unitIDs, ", "))
			}
		}
		c.value(sub(mp, "value"), mat, m.Action, m.Value)
		if m.Action == ActionCapIndicator && (m.KeyIndicator == nil || m.KeyIndicator.NameZH == "" || m.KeyIndicator.Unit == "") {
			c.Add(mp, "%s: cap_indicator needs key_indicator with name_zh and unit", mat)
		}
		c.keyIndicatorLimit(e, m, mp, mat)
		c.verifyBy(sub(mp, "verify_by"), mat, m.VerifyBy)
		if m.TextZH == "" {
			c.Add(mp, "%s: text_zh missing (what the notice says)", mat)
		}
		if production(m.Action) {
			switch {
			case e.ResidentialHeating:
				c.Add(sub(mp, "action"), "%s: %s for a residential heating source: heating is listed but never told to stop or limit (notes §2.3)", mat, m.Action)
			case e.Guarantee != nil:
				c.Add(sub(mp, "action"), "%s: %s for a guarantee firm: it is never stopped, its approved_max_load_pct caps it from yellow up", mat, m.Action)
			}
			targets, _ := expand(e, m.Action, m.TargetUnits)
			for _, t := range targets {
				k := slices.IndexFunc(e.Units, func(u Unit) bool { return u.ID == t })
				if k < 0 {
					continue
				}
				switch u := e.Units[k]; {
				case u.Kind == UnitTreatment:
					c.Add(sub(mp, "target_units"), "%s: %s on treatment unit %s: treatment runs as long as production does", mat, m.Action, t)
				case stops(m.Action) && !u.CanStop():
					c.Add(sub(mp, "target_units"), "%s: %s on %s, which is not interruptible: limit it or shift production ahead (plan 5.2)", mat, m.Action, t)
				}
			}
		}
		if m.Action == ActionSelfDetermined && !selfDetermined(e.Grade) {
			c.Add(sub(mp, "action"), "%s: self_determined is for grades A+, A and 引领性, the firm is %q", mat, e.Grade)
		}
	}
}

// keyIndicatorLimit checks a limit written in the list against the one the
// measure gives (base·(100 − X)/100, or the cap's value), so a transcribed
// absolute target ("960 → 768 t/d", notes §2.3 L2) agrees with its percent.
func (c *checker) keyIndicatorLimit(e *Enterprise, m Measure, mp []any, mat string) {
	k := m.KeyIndicator
	if k == nil || k.Limit == 0 {
		return
	}
	want := 0.0
	switch m.Action {
	case ActionCapIndicator:
		want = m.Value
	case ActionLimitPct:
		targets, full := expand(e, m.Action, m.TargetUnits)
		base := k.Base
		if base <= 0 || !full {
			base, _ = unitsBase(e, targets)
		}
		if base <= 0 {
			c.Add(sub(mp, "key_indicator", "limit"), "%s.key_indicator.limit: no base to check it against (give key_indicator.base or the units' capacities)", mat)
			return
		}
		want = base * (100 - m.Value) / 100
	default:
		c.Add(sub(mp, "key_indicator", "limit"), "%s.key_indicator.limit: only limit_pct and cap_indicator have a limit", mat)
		return
	}
	if math.Abs(k.Limit-want) > 0.005*math.Max(1, math.Abs(want)) {
		c.Add(sub(mp, "key_indicator", "limit"), "%s.key_indicator.limit: %s does not match the measure, which gives %s", mat, num(k.Limit), num(want))
	}
}

// needsLevels reports whether a source must have a measure at every warning
// level: listed industrial, dust and mobile sources in production, unless
// they reduce by themselves or are exempt or capped.
func needsLevels(e *Enterprise) bool {
	switch e.SourceType {
	case SourceIndustrial, SourceDustConstruction, SourceDustMine, SourceDustYard, SourceMobileBulk:
	default:
		return false
	}
	return e.Status == StatusProducing && !e.ResidentialHeating && e.Guarantee == nil && !selfDetermined(e.Grade)
}

// levels checks across levels, with the grade as listed: every warning
// level has measures of its own or a grade default to fall back to, and no
// level cuts less on a target than a lower one does.
func (c *checker) levels(l *List, e *Enterprise, ep []any, at string) {
	if needsLevels(e) {
		for k := 1; k < len(levels); k++ {
			if slices.ContainsFunc(e.Measures, func(m Measure) bool { return m.Level == levels[k] }) {
				continue
			}
			var why string
			t := l.table(e.GuideIndustry)
			row, label := l.defaultRow(e, e.Grade)
			switch {
			case t == nil:
				why = fmt.Sprintf("no grade_defaults table for guide_industry %q", e.GuideIndustry)
			case row == nil:
				why = fmt.Sprintf("grade_defaults %s has no row for grade %q", e.GuideIndustry, e.Grade)
			case row.at(k) == nil:
				why = fmt.Sprintf("grade_defaults %s gives nothing for %s (write %s: [] there if the guide asks nothing)", label, levels[k], levels[k])
			default:
				continue
			}
			c.Add(sub(ep, "measures"), "%s: missing level: no measure at %s and no grade default to fall back to (%s)", at, levels[k], why)
		}
	}

	// A measure's strength on a target may not drop from one level to a
	// higher one. Superseding would keep the stronger lower measure in
	// force, so this is not a hazard, but it is always a transcription
	// error (red 20 % under orange stop), so it is refused.
	type issue struct {
		weak, strong *cand
		targets      []string
	}
	var issues []*issue
	best := map[string]*cand{}
	for k := range levels {
		cur, curOrder := perTarget(l.levelCands(e, k, e.Grade), func(c, w *cand) bool { return weaker(e, w, c) })
		for _, t := range curOrder {
			cd, b := cur[t], best[t]
			if b != nil && weaker(e, cd, b) && (cd.src >= 0 || b.src >= 0) {
				j := slices.IndexFunc(issues, func(is *issue) bool { return is.weak == cd && is.strong == b })
				if j < 0 {
					issues = append(issues, &issue{weak: cd, strong: b})
					j = len(issues) - 1
				}
				issues[j].targets = append(issues[j].targets, t)
			}
			if b == nil || !weaker(e, cd, b) {
				best[t] = cd
			}
		}
	}
	for _, is := range issues {
		where := is.weak
		if where.src < 0 {
			where = is.strong
		}
		on := strings.Join(is.targets, ", ")
		if on == "" {
			on = "the firm"
		}
		c.Add(sub(ep, "measures", where.src), "%s.measures[%d]: %s %s on %s is weaker than the %s one (%s): a higher level must not cut less on the same target",
			at, where.src, levels[is.weak.li], describe(is.weak), on, levels[is.strong.li], describe(is.strong))
	}
}

// describe names a candidate measure in a problem ("limit_pct 20 %
// (default:cement_clinker/B)").
func describe(c *cand) string {
	s := c.m.Action
	switch c.m.Action {
	case ActionLimitPct:
		s += " " + num(c.m.Value) + " %"
	case ActionCapIndicator:
		s += " ≤ " + num(c.m.Value)
		if c.m.KeyIndicator != nil {
			s += " " + c.m.KeyIndicator.Unit
		}
	}
	if c.origin != OriginList {
		s += " (" + c.origin + ")"
	}
	return s
}
