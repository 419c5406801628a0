package compliance

import (
	"fmt"
	"strings"

	"github.com/aqwarn/aqwarn/reduction"
)

// evidenceMargin is how many intervals of context the evidence shows
// before and after an event.
const evidenceMargin = 4

func (ev *evaluator) severity(win window, rule Rule) Severity {
	switch {
	case rule == RuleDataGap:
		return SeverityInfo
	case win.w.Level == "":
		return SeverityWarning
	}
	return SeverityCritical
}

// event builds an event over intervals i0..i1; idUnit is the unit part of
// its id (a unit, or unit|meter where one unit may give several).
func (ev *evaluator) event(win window, rule Rule, f *firm, unit, idUnit, meter string, i0, i1 int, obs, exp float64) Event {
	start := ev.time(ev.start(i0))
	return Event{ID: EventID(rule, f.e.ID, idUnit, start), Rule: rule, Enterprise: f.e.ID, Unit: unit, Meter: meter,
		Warning: win.w.ID, Level: win.w.Level, Start: start, End: ev.time(ev.start(i1) + step),
		Severity: ev.severity(win, rule), Observed: round3(obs), Expected: round3(exp), State: StateOpen}
}

// evidence is a meter's readings around i0..i1, with its baseline when it
// has one.
func (ev *evaluator) evidence(win window, f *firm, unit, meter, role string, i0, i1 int) Series {
	s := Series{Meter: meter, Role: role}
	b := ev.baseline(meter, [2]string{f.e.ID, unit}, win.anchor)
	col := ev.r.Column(meter)
	for i := i0 - evidenceMargin; i <= i1+evidenceMargin; i++ {
		end := ev.time(ev.start(i) + step)
		if end.Unix() > ev.now {
			break
		}
		if v := at32(col, i); !isNaN(v) {
			s.Points = append(s.Points, Point{End: end, KWh: round3(v)})
		}
		if b.ok {
			s.Baseline = append(s.Baseline, Point{End: end, KWh: round3(ev.baselineAt(b, i))})
		}
	}
	return s
}

func unitNames(u *reduction.Unit) (zh, en string) {
	zh, en = u.NameZH, u.NameEN
	if zh == "" {
		zh = u.ID
	}
	if en == "" {
		en = u.ID
	}
	return zh, en
}

func role(f *firm, unit string) string {
	if u := f.unit(unit); u != nil {
		return u.Kind
	}
	return "main"
}

func names(f *firm, unit string) (zh, en string) {
	ez, ee := f.e.NameZH, f.e.NameEN
	if ee == "" {
		ee = f.e.ID
	}
	u := f.unit(unit)
	if u == nil {
		return ez + "（总表）", ee + " (main meter)"
	}
	uz, ue := u.NameZH, u.NameEN
	if ue == "" {
		ue = u.ID
	}
	return ez + " " + uz, ee + " " + ue
}

const clock = "2006-01-02 15:04"

// unitEvent records R1, R2, R3 or R6 on a subject.
// ratio marks an R3 event found by the night/day ratio (obs and exp are
// then the ratio and its threshold).
func (ev *evaluator) unitEvent(win window, s *subject, rule Rule, i0, i1 int, obs, exp float64, ratio bool) {
	e := ev.event(win, rule, s.f, s.unit, s.unit, "", i0, i1, obs, exp)
	if len(s.meters) == 1 {
		e.Meter = s.meters[0]
	}
	zh, en := names(s.f, s.unit)
	from, to := e.Start.Format(clock), e.End.Format(clock)
	p := ev.p.Rules
	switch rule {
	case RuleStopNotExecuted:
		e.TextZH = fmt.Sprintf("停产措施未落实：%s 在%s至%s用电%s kWh，高于停产限值%s kWh（基线的%s%%或待机功率，持续%s以上）。",
			zh, from, to, num1(obs), num1(exp), num1(p.R1.SharePct), p.R1.For)
		e.TextEN = fmt.Sprintf("Stop not executed: %s drew %s kWh from %s to %s, above the stop limit of %s kWh (%s %% of its baseline or its standby draw, for %s or more).",
			en, num1(obs), from, to, num1(exp), num1(p.R1.SharePct), p.R1.For)
	case RuleRestartWithoutApproval:
		e.TextZH = fmt.Sprintf("未经批准提前复产：%s 停产后于%s恢复生产，持续至%s预警解除，用电%s kWh（停产限值%s kWh），无复产批准记录。",
			zh, from, to, num1(obs), num1(exp))
		e.TextEN = fmt.Sprintf("Restart without approval: %s, having stopped, resumed at %s and ran until the lift at %s, drawing %s kWh (stop limit %s kWh); no restart approval is recorded.",
			en, from, to, num1(obs), num1(exp))
	case RuleNightProduction:
		if ratio {
			e.TextZH = fmt.Sprintf("夜间生产：%s 在%s至%s（%s–%s）每小时用电为白天的%s倍，超过%s倍。", zh, from, to, p.R3.From, p.R3.To, num1(obs), num1(exp))
			e.TextEN = fmt.Sprintf("Night production: %s used %s times its day-time power per hour from %s to %s (night %s–%s), above %s.", en, num1(obs), from, to, p.R3.From, p.R3.To, num1(exp))
		} else {
			e.TextZH = fmt.Sprintf("夜间生产：%s 在停产期间夜间（%s–%s）用电%s kWh，高于该时段基线的%s%%（%s kWh），生产时段%s至%s。",
				zh, p.R3.From, p.R3.To, num1(obs), num1(p.R3.SharePct), num1(exp), from, to)
			e.TextEN = fmt.Sprintf("Night production: %s drew %s kWh at night (%s–%s) while told to stop, above %s %% of its baseline for the night (%s kWh); producing from %s to %s.",
				en, num1(obs), p.R3.From, p.R3.To, num1(p.R3.SharePct), num1(exp), from, to)
		}
	case RuleLimitNotMet:
		e.TextZH = fmt.Sprintf("限产措施未落实：%s 在%s至%s用电%s kWh；限产%s%%应不超过%s kWh（基线×剩余份额×%s容差）。",
			zh, from, to, num1(obs), num1(s.limitPct), num1(exp), num3(p.R2.Tolerance))
		e.TextEN = fmt.Sprintf("Limit not met: %s drew %s kWh from %s to %s; a %s %% limit allows at most %s kWh (baseline × remaining share × %s tolerance).",
			en, num1(obs), from, to, num1(s.limitPct), num1(exp), num3(p.R2.Tolerance))
	}
	for _, m := range s.meters {
		e.Evidence = append(e.Evidence, ev.evidence(win, s.f, s.unit, m, role(s.f, s.unit), i0, i1))
	}
	ev.events = append(ev.events, e)
}

// pairEvent records R4 or R5: the event is the treatment unit's.
func (ev *evaluator) pairEvent(win window, pr pair, rule Rule, i0, i1 int, obs, exp float64) {
	e := ev.event(win, rule, pr.f, pr.treatUnit.ID, pr.treatUnit.ID, "", i0, i1, obs, exp)
	if len(pr.treat) == 1 {
		e.Meter = pr.treat[0]
	}
	fz, fe := pr.f.e.NameZH, pr.f.e.NameEN
	if fe == "" {
		fe = pr.f.e.ID
	}
	var pzs, pes []string
	for _, u := range pr.prodUnits {
		z, e := unitNames(u)
		pzs, pes = append(pzs, z), append(pes, e)
	}
	pz, pe := strings.Join(pzs, "、"), strings.Join(pes, ", ")
	tz, te := unitNames(pr.treatUnit)
	from, to := e.Start.Format(clock), e.End.Format(clock)
	r4 := ev.p.Rules.R4
	switch rule {
	case RuleTreatmentOff:
		e.TextZH = fmt.Sprintf("治污设施未运行：%s %s生产期间，%s在%s至%s用电%s kWh，低于其运行水平的%s%%（%s kWh）。",
			fz, pz, tz, from, to, num1(obs), num1(r4.TreatmentOffPct), num1(exp))
		e.TextEN = fmt.Sprintf("Treatment off while producing: at %s, while %s ran, %s drew %s kWh from %s to %s, below %s %% of its running level (%s kWh).",
			fe, pe, te, num1(obs), from, to, num1(r4.TreatmentOffPct), num1(exp))
	case RuleTreatmentStoppedEarly:
		e.TextZH = fmt.Sprintf("治污设施提前停运：%s %s于%s停运，比%s停产（%s）早%.0f分钟（最多允许%.0f分钟）。", fz, tz, from, pz, to, obs, exp)
		e.TextEN = fmt.Sprintf("Treatment stopped early: at %s, %s stopped at %s, %.0f minutes before %s shut down at %s (at most %.0f allowed).", fe, te, from, obs, pe, to, exp)
	}
	for j, u := range pr.prodUnits {
		for _, m := range pr.prod[j] {
			e.Evidence = append(e.Evidence, ev.evidence(win, pr.f, u.ID, m, u.Kind, i0, i1))
		}
	}
	for _, m := range pr.treat {
		e.Evidence = append(e.Evidence, ev.evidence(win, pr.f, pr.treatUnit.ID, m, pr.treatUnit.Kind, i0, i1))
	}
	ev.events = append(ev.events, e)
}

// gapEvent records R7 on a meter.
func (ev *evaluator) gapEvent(win window, f *firm, meter string, i0, i1 int) {
	unit := ""
	for u, ms := range f.unitMeters {
		for _, m := range ms {
			if m == meter {
				unit = u
			}
		}
	}
	e := ev.event(win, RuleDataGap, f, unit, unit+"|"+meter, meter, i0, i1, 0, 0)
	e.Observed = round3(e.End.Sub(e.Start).Hours())
	e.Expected = round3(ev.p.Rules.R7.For.Hours())
	zh, en := names(f, unit)
	from, to := e.Start.Format(clock), e.End.Format(clock)
	e.TextZH = fmt.Sprintf("监测中断：%s 的电表 %s 在%s至%s无数据（%s小时）。需现场核查，不作为违规认定。", zh, meter, from, to, num1(e.Observed))
	e.TextEN = fmt.Sprintf("Monitoring interrupted: meter %s of %s sent nothing from %s to %s (%s h). An inspection trigger, not a violation.", meter, en, from, to, num1(e.Observed))
	e.Evidence = []Series{ev.evidence(win, f, unit, meter, role(f, unit), i0, i1)}
	ev.events = append(ev.events, e)
}

// emissionEvent records R8 on a monitor's pollutant over [from, to).
func (ev *evaluator) emissionEvent(win window, f *firm, es EmissionSeries, from, to int64, mean, limit, pre float64, shouldStop bool) {
	start := ev.time(from)
	e := Event{ID: EventID(RuleEmissionsUp, f.e.ID, es.MN+"|"+es.Pollutant, start), Rule: RuleEmissionsUp, Enterprise: f.e.ID,
		Meter: es.MN, Warning: win.w.ID, Level: win.w.Level, Start: start, End: ev.time(to), Severity: ev.severity(win, RuleEmissionsUp),
		Observed: round3(mean), Expected: round3(limit), State: StateOpen}
	zh, en := f.e.NameZH, f.e.NameEN
	if en == "" {
		en = f.e.ID
	}
	unit := es.Unit
	fromS, toS := e.Start.Format(clock), e.End.Format(clock)
	if shouldStop {
		e.TextZH = fmt.Sprintf("应停产企业仍有排放：%s 在线监测 %s %s 在%s至%s均值%s %s，高于预警前均值（%s %s）的%s%%。",
			zh, es.MN, es.Pollutant, fromS, toS, num3(mean), unit, num3(pre), unit, num1(ev.p.Rules.R8.StopResidualPct))
		e.TextEN = fmt.Sprintf("Emitting while told to stop: %s, monitor %s: %s at a mean of %s %s from %s to %s, above %s %% of its pre-warning mean (%s %s).",
			en, es.MN, es.Pollutant, num3(mean), unit, fromS, toS, num1(ev.p.Rules.R8.StopResidualPct), num3(pre), unit)
	} else {
		e.TextZH = fmt.Sprintf("排放上升：%s 在线监测 %s %s 在%s至%s均值%s %s，高于预警前%s均值%s %s（容差%s倍）。",
			zh, es.MN, es.Pollutant, fromS, toS, num3(mean), unit, ev.p.Rules.R8.PreWindow, num3(pre), unit, num3(ev.p.Rules.R8.Tolerance))
		e.TextEN = fmt.Sprintf("Emissions up: %s, monitor %s: %s at a mean of %s %s from %s to %s, above its %s pre-warning mean of %s %s (tolerance ×%s).",
			en, es.MN, es.Pollutant, num3(mean), unit, fromS, toS, ev.p.Rules.R8.PreWindow, num3(pre), unit, num3(ev.p.Rules.R8.Tolerance))
	}
	s := Series{Meter: es.MN, Role: "hj212", Quantity: es.Pollutant + " " + unit}
	lo, hi := from-int64(ev.p.Rules.R8.PreWindow.Seconds()), to
	for _, p := range es.Points {
		if u := p.End.Unix(); u > lo && u <= hi && !isNaN(p.Value) {
			s.Points = append(s.Points, Point{End: p.End.In(cst), KWh: round3(p.Value)})
		}
	}
	e.Evidence = []Series{s}
	ev.events = append(ev.events, e)
}
