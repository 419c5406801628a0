package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

// The decision status of each warning area (GET /api/v1/warnings/status,
// staff): what the engine makes of the region now — the blended rolling
// 24 h AQI it judges (observed up to now, the newest forecast after), the
// level timeline Level(τ) and the episodes that follow from it, the warning
// in force, which kind of decision this hour allows, the next scheduled
// decision time and what a held decision waits for (spec/warning-rules.md
// version 2, §1–§3). The duty console draws it (timeline.js).
//
// It is a dry run: the situation comes from the same stores the engine
// reads (lifecycle.Service.Situation) and is judged by the same pure rules
// (alert.Evaluate); nothing is proposed or stored. With ?at= the series and
// the timeline are rebuilt as known then (observations up to at, forecasts
// issued by at): the timeline a proposal made at that instant was decided on.

// decisionStatus is the answer of GET /api/v1/warnings/status.
type decisionStatus struct {
	Now time.Time `json:"now"`
	// AsOf is set when ?at= asked for the state known at an earlier instant.
	AsOf          *time.Time       `json:"as_of,omitempty"`
	DecisionTimes []string         `json:"decision_times"`
	Regions       []regionDecision `json:"regions"`
}

// regionDecision is one warning area.
type regionDecision struct {
	Region string `json:"region"`
	NameZH string `json:"name_zh,omitempty"`
	NameEN string `json:"name_en,omitempty"`
	// EvaluatedAt is the instant judged: the newest observed hour when it
	// is recent (the engine's Situation.Now), else the time asked for. The
	// series is observed up to it and forecast after it.
	EvaluatedAt time.Time `json:"evaluated_at"`
	// Decision is the kind of decision the hour allows: "scheduled" at a
	// decision time, else "urgent" (upgrades and short-notice issues only).
	// Not set with ?at=.
	Decision string `json:"decision,omitempty"`
	// NextDecision is the first scheduled decision time after EvaluatedAt.
	NextDecision time.Time `json:"next_decision"`
	// Warning is the warning in force (not set with ?at=).
	Warning *warningState `json:"warning,omitempty"`
	// Proposal is what the engine proposes at this hour (the pending
	// proposal with the same key is the one it stands by).
	Proposal *proposalPreview `json:"proposal,omitempty"`
	// Waiting is a decision the rules see but hold for the next decision
	// time, with the conditions it needs then.
	Waiting *waitingView `json:"waiting,omitempty"`
	// Refused is why a manual request would make no sense (the engine's
	// Evaluation.Refused; empty for the engine's own evaluation).
	Refused *refusalView `json:"refused,omitempty"`
	// NeedForecast is set when no forecast reaches the plan's coverage and
	// the persistence baseline stands in (series entries say "baseline").
	NeedForecast *alert.ForecastNeed `json:"need_forecast,omitempty"`
	// Outlook says in a sentence what the next decision waits for.
	Outlook     *outlookView       `json:"outlook,omitempty"`
	CoverageEnd time.Time          `json:"coverage_end,omitzero"`
	BiasRatio   map[string]float64 `json:"bias_ratio,omitempty"`
	// Series is the rolling 24 h AQI: one entry per window, by end.
	Series []seriesWindow `json:"series"`
	// Levels is Level(τ) as spans at or above the plan's lowest level
	// (the level strip); instants outside them are below every level.
	Levels   []levelSpanView `json:"levels"`
	Episodes []levelSpanView `json:"episodes"`
}

// seriesWindow is one 24 h window of the blended series.
type seriesWindow struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	AQI   int       `json:"aqi"`
	// Source is observed, forecast or baseline.
	Source         alert.Source `json:"source"`
	ForecastSource string       `json:"forecast_source,omitempty"`
	// Daily: a whole forecast day (or a baseline window), counted whole,
	// not a rolling window of the hourly series.
	Daily bool `json:"daily,omitempty"`
}

type levelSpanView struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Level    string    `json:"level"` // a level id of the plan
	Upstream bool      `json:"upstream,omitempty"`
}

// warningState is the warning in force as the lifecycle knows it.
type warningState struct {
	ID             int64      `json:"id"`
	Level          string     `json:"level"`
	Since          time.Time  `json:"since"`
	EffectiveStart time.Time  `json:"effective_start"`
	ExpectedEnd    time.Time  `json:"expected_end"`
	Issued         time.Time  `json:"issued"`
	Paused         bool       `json:"paused"`
	RestartAt      *time.Time `json:"restart_at,omitempty"`
}

type proposalPreview struct {
	Action      alert.Action `json:"action"`
	From        string       `json:"from"`
	Level       string       `json:"level"`
	Start       time.Time    `json:"start"`
	ExpectedEnd time.Time    `json:"expected_end"`
	RestartAt   *time.Time   `json:"restart_at,omitempty"`
	Urgent      bool         `json:"urgent"`
	ShortNotice bool         `json:"short_notice"`
	Key         string       `json:"key"`
}

type waitingView struct {
	Action alert.Action `json:"action"`
	Level  string       `json:"level"`
	Until  time.Time    `json:"until"`
	// The conditions the decision needs at Until, in words.
	ConditionZH string `json:"condition_zh"`
	ConditionEN string `json:"condition_en"`
}

type refusalView struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageZH string `json:"message_zh,omitempty"`
}

type outlookView struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// handleDecisionStatus serves GET /api/v1/warnings/status[?region=][&at=].
func handleDecisionStatus(a *AlertDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.ready(c) {
			return
		}
		p := a.Plan
		now := time.Now()
		if a.Now != nil {
			now = a.Now()
		}
		at, historical := now, false
		if v := c.Query("at"); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "at %q is not an RFC 3339 time", v))
				return
			}
			if t.After(now) {
				writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "at %s is in the future", v))
				return
			}
			at, historical = t, true
		}
		regions := p.WarningRegions()
		if id := c.Query("region"); id != "" {
			r, ok := p.Region(id)
			if !ok || !r.Warned() {
				writeError(c, aqwarn.Errorf(aqwarn.EINVALID, "region %q is not a warning area of plan %s", id, p.ID))
				return
			}
			regions = []alert.Region{r}
		}
		ctx := c.Request.Context()
		active, err := a.Warnings.ActiveWarnings(ctx)
		if err != nil {
			writeError(c, err)
			return
		}
		out := decisionStatus{Now: now.In(CST), DecisionTimes: slices.Clone(p.Decisions.Times), Regions: []regionDecision{}}
		if out.DecisionTimes == nil {
			out.DecisionTimes = []string{}
		}
		if historical {
			t := at.In(CST)
			out.AsOf = &t
		}
		for _, r := range regions {
			rd, err := regionStatus(ctx, a, r, at, historical, active)
			if err != nil {
				writeError(c, err)
				return
			}
			out.Regions = append(out.Regions, rd)
		}
		c.JSON(http.StatusOK, out)
	}
}

func regionStatus(ctx context.Context, a *AlertDeps, r alert.Region, at time.Time, historical bool, active []lifecycle.Warning) (regionDecision, error) {
	p := a.Plan
	sit, ev, err := a.Preview.Preview(ctx, r.ID, at)
	if err != nil {
		return regionDecision{}, err
	}
	rd := regionDecision{Region: r.ID, NameZH: r.NameZH, NameEN: r.NameEN, EvaluatedAt: sit.Now.In(CST),
		NextDecision: p.NextDecisionTime(sit.Now.Add(time.Nanosecond)).In(CST), NeedForecast: ev.NeedForecast,
		BiasRatio: ev.BiasRatio, Series: seriesOf(p, sit), Levels: []levelSpanView{}, Episodes: []levelSpanView{}}
	if !ev.CoverageEnd.IsZero() {
		rd.CoverageEnd = ev.CoverageEnd.In(CST)
	}
	for _, s := range ev.Timeline {
		if s.Level > alert.LevelNone {
			rd.Levels = append(rd.Levels, levelSpanView{Start: s.Start.In(CST), End: s.End.In(CST), Level: p.LevelID(s.Level), Upstream: s.Upstream})
		}
	}
	for _, e := range ev.Episodes {
		rd.Episodes = append(rd.Episodes, levelSpanView{Start: e.Start.In(CST), End: e.End.In(CST), Level: p.LevelID(e.Level)})
	}
	if historical {
		return rd, nil // the warning in force then is not rebuilt: no decision is shown
	}
	rd.Decision = ev.Decision
	var w *lifecycle.Warning
	for i := range active {
		if active[i].Region == r.ID {
			w = &active[i]
			break
		}
	}
	if w != nil {
		ws := &warningState{ID: w.ID, Level: w.LevelID, Since: w.Since.In(CST), EffectiveStart: w.EffectiveStart.In(CST),
			ExpectedEnd: w.ExpectedEnd.In(CST), Issued: w.Issued.In(CST), Paused: w.Paused}
		if w.RestartAt != nil {
			t := w.RestartAt.In(CST)
			ws.RestartAt = &t
		}
		rd.Warning = ws
	}
	if pr := ev.Proposal; pr != nil {
		pv := &proposalPreview{Action: pr.Action, From: p.LevelID(pr.From), Level: pr.LevelID, Start: pr.Start.In(CST),
			ExpectedEnd: pr.ExpectedEnd.In(CST), Urgent: pr.Urgent, ShortNotice: pr.ShortNotice, Key: pr.Key}
		if !pr.RestartAt.IsZero() {
			t := pr.RestartAt.In(CST)
			pv.RestartAt = &t
		}
		rd.Proposal = pv
	}
	if wt := ev.Waiting; wt != nil {
		zh, en := waitingCondition(p, *wt, w)
		rd.Waiting = &waitingView{Action: wt.Action, Level: wt.Level, Until: wt.Until.In(CST), ConditionZH: zh, ConditionEN: en}
	}
	if ev.Refused != nil {
		rd.Refused = &refusalView{Code: ev.Refused.Code, Message: ev.Refused.Message, MessageZH: ev.Refused.MessageZH}
	}
	rd.Outlook = outlook(p, ev, rd, w)
	return rd, nil
}

// seriesOf is the windows Evaluate judges: observed windows ending by now,
// the rolling windows of the blended hourly series ending after now, and the
// daily forecast (and baseline) windows not yet over — sorted by end.
func seriesOf(p *alert.Plan, sit alert.Situation) []seriesWindow {
	out := []seriesWindow{}
	for _, w := range sit.Observed {
		if w.End.After(sit.Now) || !w.End.After(w.Start) {
			continue
		}
		if w.Source == "" {
			w.Source = alert.SourceObserved
		}
		out = append(out, seriesWindow{Start: w.Start.In(CST), End: w.End.In(CST), AQI: w.AQI, Source: w.Source, ForecastSource: w.ForecastSource})
	}
	for _, w := range p.BlendedWindows(sit.Now, sit.ObservedHours, sit.ForecastHours, sit.ForecastHoursSource) {
		out = append(out, seriesWindow{Start: w.Start.In(CST), End: w.End.In(CST), AQI: w.AQI, Source: w.Source, ForecastSource: w.ForecastSource})
	}
	for _, w := range sit.Forecast {
		if !w.End.After(sit.Now) {
			continue
		}
		if w.Source == "" {
			w.Source = alert.SourceForecast
		}
		out = append(out, seriesWindow{Start: w.Start.In(CST), End: w.End.In(CST), AQI: w.AQI, Source: w.Source,
			ForecastSource: w.ForecastSource, Daily: true})
	}
	slices.SortStableFunc(out, func(a, b seriesWindow) int {
		if c := a.End.Compare(b.End); c != 0 {
			return c
		}
		return a.Start.Compare(b.Start)
	})
	return out
}

// waitingCondition says, from the plan's numbers, what a held decision
// needs at its decision time (spec §3).
func waitingCondition(p *alert.Plan, wt alert.Waiting, w *lifecycle.Warning) (zh, en string) {
	d := p.Decisions
	at := wt.Until.In(CST).Format("01-02 15:04")
	cur := ""
	if w != nil {
		cur = w.LevelID
	}
	curZH, curEN := levelNames(p, cur)
	toZH, toEN := levelNames(p, wt.Level)
	lowZH, lowEN := levelNames(p, p.LevelID(alert.Level(1)))
	switch wt.Action {
	case alert.ActionDowngrade:
		zh = fmt.Sprintf("%s 可降为%s，条件：过去 %d 小时和未来 %d 小时均无%s及以上时段，且本级别已持续至少 %d 小时",
			at, toZH, d.Downgrade.ObservedHours, d.Downgrade.ForecastHours, curZH, d.Downgrade.DwellHours)
		en = fmt.Sprintf("downgrade to %s possible at %s if no hour of the last %d h or of the next %d h is at %s or above, and the level has held at least %d h",
			toEN, at, d.Downgrade.ObservedHours, d.Downgrade.ForecastHours, curEN, d.Downgrade.DwellHours)
	case alert.ActionLift:
		zh = fmt.Sprintf("%s 可解除，条件：预报覆盖未来 %d 小时且均低于%s；未来 %d–%d 小时内无 AQI>%d 的窗口（否则暂停措施）",
			at, p.Timing.ForecastCoverageHours, lowZH, p.Timing.PersistHours, d.Lift.VetoUntilHours, d.Lift.VetoAQIAbove)
		en = fmt.Sprintf("lift possible at %s if the forecast covers the next %d h and keeps them below %s, and shows no window above AQI %d in +%d–%d h (otherwise a pause)",
			at, p.Timing.ForecastCoverageHours, lowEN, d.Lift.VetoAQIAbove, p.Timing.PersistHours, d.Lift.VetoUntilHours)
	case alert.ActionIssue:
		zh = fmt.Sprintf("%s 拟发布%s（过程开始前仍有 %d 小时以上提前量，非紧急），条件：届时预报仍显示该过程", at, toZH, p.Timing.LeadTimeHours)
		en = fmt.Sprintf("issue %s at %s (not urgent: at least %d h lead remain) if the forecast still shows the episode then", toEN, at, p.Timing.LeadTimeHours)
	default:
		zh = fmt.Sprintf("%s 研判：%s %s", at, wt.Action, toZH)
		en = fmt.Sprintf("%s %s at %s", wt.Action, toEN, at)
	}
	return zh, en
}

// outlook is one sentence (zh, en) on what comes next.
func outlook(p *alert.Plan, ev alert.Evaluation, rd regionDecision, w *lifecycle.Warning) *outlookView {
	next := rd.NextDecision.Format("01-02 15:04")
	var zh, en []string
	switch {
	case ev.Proposal != nil:
		toZH, toEN := levelNames(p, ev.Proposal.LevelID)
		kindZH, kindEN := "定时研判", "scheduled"
		if ev.Proposal.Urgent {
			kindZH, kindEN = "紧急", "urgent"
		}
		zh = append(zh, fmt.Sprintf("本时段提议：%s → %s（%s），待审批链签批", actionZH(ev.Proposal.Action), toZH, kindZH))
		en = append(en, fmt.Sprintf("proposed this hour: %s → %s (%s), awaiting the approval chain", ev.Proposal.Action, toEN, kindEN))
	case rd.Waiting != nil:
		zh = append(zh, rd.Waiting.ConditionZH)
		en = append(en, rd.Waiting.ConditionEN)
	case w != nil && w.Paused:
		restart := "-"
		if w.RestartAt != nil {
			restart = w.RestartAt.In(CST).Format("01-02 15:04")
		}
		zh = append(zh, fmt.Sprintf("措施暂停至 %s；下一过程提前到来即紧急恢复，未到来则在定时研判（下次 %s）时解除", restart, next))
		en = append(en, fmt.Sprintf("measures paused until %s; they resume at once (urgent) if the next run comes earlier, or the warning is lifted at a decision time (next %s) if it does not come", restart, next))
	case w != nil:
		curZH, curEN := levelNames(p, w.LevelID)
		lowZH, lowEN := levelNames(p, p.LevelID(alert.Level(1)))
		d := p.Decisions
		zh = append(zh, fmt.Sprintf("%s生效中；%s 定时研判：降级需过去 %d 小时和未来 %d 小时无%s及以上且已持续 %d 小时，解除需未来 %d 小时低于%s，预计结束变化 ≥%d 小时则发延续通知；升级随时研判",
			curZH, next, d.Downgrade.ObservedHours, d.Downgrade.ForecastHours, curZH, d.Downgrade.DwellHours, p.Timing.PersistHours, lowZH, d.Extension.StepHours))
		en = append(en, fmt.Sprintf("%s in force; at the decision time %s a downgrade needs no hour at %s or above in the last %d h and the next %d h and %d h at the level, a lift needs the next %d h below %s, an expected end moved by ≥ %d h is announced; an upgrade can come at any hour",
			curEN, next, curEN, d.Downgrade.ObservedHours, d.Downgrade.ForecastHours, d.Downgrade.DwellHours, p.Timing.PersistHours, lowEN, d.Extension.StepHours))
	default:
		zh = append(zh, fmt.Sprintf("无生效预警；%d 小时内开始的过程将在定时研判（下次 %s）时提议，提前量不足 %d 小时则立即提议",
			p.Decisions.Issue.LookaheadHours, next, p.Timing.LeadTimeHours))
		en = append(en, fmt.Sprintf("no warning in force; an episode starting within %d h is proposed at the next decision time (%s), at once when less than %d h lead would remain",
			p.Decisions.Issue.LookaheadHours, next, p.Timing.LeadTimeHours))
	}
	if n := ev.NeedForecast; n != nil {
		zh = append(zh, n.MessageZH)
		en = append(en, n.Message)
	}
	return &outlookView{ZH: strings.Join(zh, "。"), EN: strings.Join(en, ". ")}
}

func levelNames(p *alert.Plan, id string) (zh, en string) {
	if l, ok := p.LevelByID(id); ok {
		if s := p.Spec(l); s != nil {
			return s.NameZH, s.NameEN
		}
		if l == alert.LevelNone {
			return "解除", "lifted"
		}
	}
	if id == p.HealthNotice.ID && id != "" {
		return p.HealthNotice.NameZH, p.HealthNotice.NameEN
	}
	return id, id
}

func actionZH(a alert.Action) string {
	if s, ok := map[alert.Action]string{alert.ActionIssue: "发布", alert.ActionUpgrade: "升级", alert.ActionDowngrade: "降级",
		alert.ActionLift: "解除", alert.ActionPause: "暂停", alert.ActionResume: "恢复", alert.ActionExtend: "延续",
		alert.ActionUpstream: "按上级提示", alert.ActionManual: "人工", alert.ActionHealthNotice: "健康提示"}[a]; ok {
		return s
	}
	return string(a)
}
