package alert

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// scenario is one row of spec/warning-scenarios.md (version 2). Unless it
// says otherwise: one region, now = Dec 1 00:00 +08:00, clean observed air
// (AQI 50), no warning active.
type scenario struct {
	name     string
	now      time.Time               // zero: now0
	observed func(end time.Time) int // AQI of the observed window ending at end; nil: clean
	forecast []Window
	// baseline replaces the forecast by the persistence baseline (no
	// forecast reaches 36 h ahead).
	baseline bool
	conc     []Concentrations
	active   *activeSpec
	upstream []UpstreamPrompt
	plan     func(*Plan) // a change to the county plan for this case

	action       Action // "" for no proposal
	level        string
	start, end   time.Time
	lead         time.Duration
	short        bool
	needForecast string
	currentEnd   time.Time // checked when not zero
	restart      time.Time // a pause's planned restart, checked when not zero
	waiting      Action    // a decision held for the next decision time
}

// activeSpec is the warning in force: level id, when that level was
// published, the expected end it announced, and a pause.
type activeSpec struct {
	level     string
	since     time.Time
	end       time.Time
	restartAt time.Time // paused until then when not zero
}

func active(level string) *activeSpec {
	return &activeSpec{level: level, since: time.Date(2026, 11, 28, 8, 0, 0, 0, cst)}
}

func nov(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, cst) }

func scenarios() []scenario {
	h := time.Hour
	at10 := dec(1, 10) // the morning decision time of Dec 1
	return []scenario{
		// 1: a single day > 200 one day ahead: yellow with exactly the 24 h lead the plan wants.
		// Urgent at 00:00: at the 10:00 decision time the lead would be 14 h < 24 h.
		{name: "01 single day over 200", forecast: daily(100, 210, 100),
			action: ActionIssue, level: "yellow", start: dec(2, 0), end: dec(3, 0), lead: 24 * h},
		// 2: > 150 for two consecutive days is yellow.
		{name: "02 over 150 for 48h", forecast: daily(100, 160, 170),
			action: ActionIssue, level: "yellow", start: dec(2, 0), end: dec(4, 0), lead: 24 * h},
		// 3: one day > 150 is no warning, but PM2.5 forecast above 75 calls for a health notice.
		{name: "03 health notice", forecast: daily(160, 100, 100),
			conc:   []Concentrations{{Start: dec(1, 0), End: dec(2, 0), Values: map[string]float64{QuantityPM2_5_24h: 120}}},
			action: ActionHealthNotice, level: "health_notice", start: dec(1, 0), end: dec(2, 0)},
		// 4: > 200 for 48 h is orange.
		{name: "04 over 200 for 48h", forecast: daily(100, 210, 205),
			action: ActionIssue, level: "orange", start: dec(2, 0), end: dec(4, 0), lead: 24 * h},
		// 5: > 150 for 72 h is orange; it starts now, so lead 0 and short notice.
		{name: "05 over 150 for 72h", forecast: daily(160, 180, 170),
			action: ActionIssue, level: "orange", start: dec(1, 0), end: dec(4, 0), lead: 0, short: true},
		// 6: > 200 for 72 h without any day > 300 stays orange.
		{name: "06 over 200 for 72h, nothing over 300", forecast: daily(210, 220, 230),
			action: ActionIssue, level: "orange", start: dec(1, 0), end: dec(4, 0), short: true},
		// 7: > 200 for 72 h and > 300 for 24 h is red.
		{name: "07 red", forecast: daily(210, 310, 230),
			action: ActionIssue, level: "red", start: dec(1, 0), end: dec(4, 0), short: true},
		// 8: a single day > 300 is still only > 200 for 24 h: yellow.
		{name: "08 single day over 300", forecast: daily(100, 310, 120),
			action: ActionIssue, level: "yellow", start: dec(2, 0), end: dec(3, 0), lead: 24 * h},
		// 9: 200 is not "> 200", but it is > 150 for 48 h: yellow.
		{name: "09 exactly 200 twice", forecast: daily(100, 200, 200),
			action: ActionIssue, level: "yellow", start: dec(2, 0), end: dec(4, 0), lead: 24 * h},
		// 10: 150 is not "> 150": nothing at all.
		{name: "10 exactly 150", forecast: daily(150, 150, 150)},
		// 11: a 24 h gap is under the 36 h merge gap: one yellow episode over three days.
		{name: "11 two runs merged", forecast: daily(210, 100, 210),
			action: ActionIssue, level: "yellow", start: dec(1, 0), end: dec(4, 0), short: true},
		// 12: merged episode takes the level of its worst part (the later 48 h > 200).
		{name: "12 merged episode is orange", forecast: daily(210, 120, 210, 220),
			action: ActionIssue, level: "orange", start: dec(1, 0), end: dec(5, 0), short: true},
		// 13: a 48 h gap splits the episodes; only the first one is proposed.
		{name: "13 two episodes", forecast: daily(210, 100, 100, 210),
			action: ActionIssue, level: "yellow", start: dec(1, 0), end: dec(2, 0), short: true},
		// 14: 48 h observed > 200 continued by a forecast day > 200: a 72 h run, orange, under way
		// since Nov 29 00:00 (lead −48 h, short notice).
		{name: "14 observed run continues", observed: endsIn(dec(0, 0), dec(1, 0), 230, 50), forecast: daily(210, 100, 100),
			action: ActionIssue, level: "orange", start: nov(29, 0), end: dec(2, 0),
			lead: -48 * h, short: true},
		// 15: the same with yellow in force: upgrade at once (any hour), effective at
		// publication + 2 h (the onset is already past).
		{name: "15 upgrade", observed: endsIn(dec(0, 0), dec(1, 0), 230, 50), forecast: daily(210, 100, 100), active: active("yellow"),
			action: ActionUpgrade, level: "orange", start: dec(1, 2), end: dec(2, 0), lead: 2 * h, short: true},
		// 16 at 00:00: red in force, the > 300 run ended Nov 30 12:00, > 200 goes on. No
		// decision time: nothing yet (the downgrade waits for 10:00).
		{name: "16a downgrade waits", active: active("red"), observed: case16Observed, forecast: daily(250, 240, 100),
			waiting: ActionDowngrade},
		// 16 at 10:00: 22 h observed without red (≥ 12 h), nothing > 300 until Dec 3 10:00
		// (48 h), red published Nov 28 08:00 (> 24 h): downgrade to orange, effective at the
		// first standard hour ≥ 13:00 (18:00); the episode (> 200 until Dec 3) ends Dec 3 00:00.
		{name: "16b downgrade", now: at10, active: active("red"), observed: case16Observed, forecast: daily(250, 240, 100),
			action: ActionDowngrade, level: "orange", start: dec(1, 18), end: dec(3, 0)},
		// 17: orange in force, last window > 150 ended Nov 30 18:00, D0 120, D1 110, D2 100:
		// at 10:00 nothing ≥ yellow until Dec 2 22:00 (36 h), no window > 150 ending before
		// Dec 4 10:00: lift, effective at the first standard hour ≥ 13:00.
		{name: "17 lift", now: at10, active: active("orange"), observed: endsIn(nov(29, 0), dec(0, 18), 210, 120),
			forecast: daily(120, 110, 100),
			action:   ActionLift, level: "none", start: dec(1, 18), end: dec(1, 18), lead: 8 * h},
		// 18: as 17 with only D0 forecast (coverage to Dec 2 00:00 < Dec 2 22:00): no lift,
		// the console is asked for a forecast reaching 36 h.
		{name: "18 no lift without coverage", now: at10, active: active("orange"), observed: endsIn(nov(29, 0), dec(0, 18), 210, 120),
			forecast:     daily(120),
			needForecast: "lift"},
		// 19: yellow in force, its run ended at 00:00, the next starts in 24 h < 36 h: one
		// episode to Dec 3, no lift; at 10:00 the expected end (Dec 1 00:00) moved 24 h ≥ 12 h:
		// extension to Dec 3 00:00 at the same level.
		{name: "19 merge keeps the warning", now: at10, active: &activeSpec{level: "yellow", since: nov(30, 8), end: dec(1, 0)},
			observed: endsIn(dec(0, 12), dec(1, 0), 210, 50), forecast: daily(100, 210), currentEnd: dec(3, 0),
			action: ActionExtend, level: "yellow", start: at10, end: dec(3, 0)},
		// 20: the city's orange prompt for Dec 2–3 over a clean forecast: propose orange, source upstream.
		{name: "20 upstream prompt", forecast: daily(50, 50, 50),
			upstream: []UpstreamPrompt{{ID: "yz-2026-17", Level: 2, Start: dec(2, 0), End: dec(4, 0),
				Issuer: "永州市重污染天气应急指挥部", Reference: "永重污指〔2026〕17号"}},
			action: ActionUpstream, level: "orange", start: dec(2, 0), end: dec(4, 0), lead: 24 * h},

		// 26: orange in force; orange (> 200 for 96 h) until Dec 1 00:00, then 10 h observed
		// at 120; D1 and D2 230 (orange again from Dec 2 00:00). At 10:00: [now − 12 h, now]
		// still holds orange hours and [now, now + 48 h] does too: no downgrade (nor lift).
		{name: "26 dip is no downgrade", now: at10, active: active("orange"),
			observed: endsIn(nov(28, 0), dec(1, 0), 230, 120), forecast: daily(120, 230, 230)},
		// 27: orange in force, upgraded from yellow at Nov 30 14:00 (20 h before 10:00);
		// orange (> 200) ended Nov 30 20:00 (14 h observed below), then a 30 h run > 200
		// (yellow) from Dec 2 00:00 and clean to Dec 4 22:00 (60 h forecast below orange):
		// the dwell (20 h < 24 h) holds the downgrade back at 10:00…
		{name: "27a dwell holds", now: at10, active: &activeSpec{level: "orange", since: nov(30, 14)},
			observed: case27Observed, forecast: case27Forecast()},
		// …and at 16:00 (dwell 26 h) it is proposed: downgrade to yellow, effective at the
		// first standard hour ≥ 19:00 (Dec 2 00:00), until the yellow run ends (Dec 3 06:00,
		// a standard hour already).
		{name: "27b downgrade after the dwell", now: dec(1, 16), active: &activeSpec{level: "orange", since: nov(30, 14)},
			observed: case27Observed, forecast: case27Forecast(),
			action: ActionDowngrade, level: "yellow", start: dec(2, 0), end: dec(3, 6)},
		// 28: yellow in force; clean (AQI 100) for [now, now + 40 h], then one window > 150
		// over now + 40 h … now + 64 h (a 24 h run: no level): the lift condition holds, the
		// look-ahead veto (a window > 150 ending in (now + 36 h, now + 72 h]) fails → pause
		// (lift chain) effective 18:00, planned restart at the run's start rounded down
		// (Dec 3 02:00 → 00:00).
		{name: "28 pause", now: at10, active: active("yellow"), observed: endsIn(nov(28, 0), nov(29, 8), 210, 100),
			forecast: case28Forecast(),
			action:   ActionPause, level: "yellow", start: dec(1, 18), end: dec(3, 0), restart: dec(3, 0), lead: 8 * h},
		// 29: as 28 with pause disabled in the plan: no lift, no pause, the warning stays.
		{name: "29 no pause, no lift", now: at10, active: active("yellow"), observed: endsIn(nov(28, 0), nov(29, 8), 210, 100),
			forecast: case28Forecast(), plan: func(p *Plan) { p.Decisions.Pause.Enabled = false }},
		// 30: paused yellow warning, planned restart Dec 2 00:00; at that hour (no decision
		// time) the run is there: > 200 for 48 h from Dec 2 00:00 → resume at once at
		// max(yellow, orange) = orange.
		{name: "30 resume", now: dec(2, 0), active: &activeSpec{level: "yellow", since: nov(28, 8), restartAt: dec(2, 0)},
			observed: endsIn(nov(27, 0), nov(29, 0), 210, 100), forecast: []Window{span(dec(2, 0), 48, 230), span(dec(4, 0), 48, 100)},
			action: ActionResume, level: "orange", start: dec(2, 0), end: dec(4, 0)},
		// 30, before the restart: the run is 14 h away and the restart not due → nothing.
		{name: "30b paused waits", now: at10, active: &activeSpec{level: "yellow", since: nov(28, 8), restartAt: dec(2, 0)},
			observed: endsIn(nov(27, 0), nov(29, 0), 210, 100), forecast: []Window{span(at10, 14, 100), span(dec(2, 0), 48, 230), span(dec(4, 0), 48, 100)}},
		// 31: orange in force (> 200 since Nov 28), expected end Dec 3 00:00; the new
		// forecast keeps > 200 until Dec 3 18:00: at 10:00 extension to Dec 3 18:00
		// (moved 18 h ≥ 12 h), same level.
		{name: "31 extension", now: at10, active: &activeSpec{level: "orange", since: nov(29, 8), end: dec(3, 0)},
			observed: endsIn(nov(29, 0), dec(1, 10), 230, 50), forecast: []Window{span(at10, 56, 230), span(dec(3, 18), 48, 100)},
			action: ActionExtend, level: "orange", start: at10, end: dec(3, 18)},
		// 32: as 31 but the end moves to Dec 3 06:00 (6 h < 12 h): no extension.
		{name: "32 no extension", now: at10, active: &activeSpec{level: "orange", since: nov(29, 8), end: dec(3, 0)},
			observed: endsIn(nov(29, 0), dec(1, 10), 230, 50), forecast: []Window{span(at10, 44, 230), span(dec(3, 6), 48, 100)}},
		// 33: orange in force (> 200 since Nov 28 00:00); the forecast shows > 300 for
		// Dec 2 06:00 – Dec 3 06:00 inside a > 200 run to Dec 4 06:00: red from Dec 2 06:00,
		// within the 48 h look-ahead → upgrade at once (00:00 is no decision time), effective
		// at the onset.
		{name: "33 upgrade to red at any hour", active: active("orange"), observed: endsIn(nov(29, 0), dec(1, 0), 230, 50),
			forecast: []Window{span(now0, 30, 230), span(dec(2, 6), 24, 320), span(dec(3, 6), 24, 230), span(dec(4, 6), 48, 100)},
			action:   ActionUpgrade, level: "red", start: dec(2, 6), end: dec(4, 6), lead: 30 * h},
		// 34: no forecast (persistence baseline); the newest observed window jumps to 350
		// after clean ones. Held by the baseline it would be red (> 200 for 72 h, > 300);
		// one window above is a spike: no proposal until 3 consecutive windows are above.
		{name: "34a spike filtered", observed: endsIn(dec(1, 0), dec(1, 0), 350, 50), baseline: true},
		// 34: three consecutive windows > 300 (ending 22:00, 23:00, 00:00): red, under way
		// since the run's start Nov 29 22:00 (floor: 18:00).
		{name: "34b three windows are an episode", observed: endsIn(dec(0, 22), dec(1, 0), 350, 50), baseline: true,
			action: ActionIssue, level: "red", start: nov(29, 18), end: dec(4, 0), lead: -30 * h, short: true},
		// 35: persistence baseline; orange in force; observed below yellow for 20 h (the run
		// ended Nov 30 14:00): the baseline cannot vouch for 36 h, so no lift at 10:00.
		{name: "35 baseline needs 36h observed", now: at10, active: active("orange"),
			observed: endsIn(nov(28, 0), dec(0, 14), 230, 100), baseline: true},
		// 35: the first decision time after 36 h observed (Dec 2 02:00) is Dec 2 10:00: lift.
		{name: "35b lift after 36h observed", now: dec(2, 10), active: active("orange"),
			observed: endsIn(nov(28, 0), dec(0, 14), 230, 100), baseline: true,
			action: ActionLift, level: "none", start: dec(2, 18), end: dec(2, 18), lead: 8 * h},
	}
}

// case16Observed: windows > 200 since Nov 28 00:00; > 300 from Nov 29 12:00 to Nov 30 12:00.
func case16Observed(end time.Time) int {
	switch {
	case !end.Before(nov(29, 12)) && !end.After(dec(0, 12)):
		return 320
	case !end.Before(nov(28, 0)):
		return 250
	}
	return 50
}

// case27Observed: windows > 200 ending Nov 28 00:00 … Nov 30 20:00 (orange), then 140.
func case27Observed(end time.Time) int { return endsIn(nov(28, 0), dec(0, 20), 230, 140)(end) }

func case27Forecast() []Window {
	return []Window{span(dec(1, 10), 14, 140), span(dec(2, 0), 30, 210), span(dec(3, 6), 64, 100)}
}

func case28Forecast() []Window {
	t := dec(1, 10)
	return []Window{span(t, 40, 100), span(t.Add(40*time.Hour), 24, 160), span(t.Add(64*time.Hour), 48, 100)}
}

// byID returns the scenario whose name starts with id.
func byID(t testing.TB, id string) scenario {
	t.Helper()
	for _, sc := range scenarios() {
		if strings.HasPrefix(sc.name, id+" ") {
			return sc
		}
	}
	t.Fatalf("no scenario %s", id)
	return scenario{}
}

func (sc scenario) at() time.Time {
	if sc.now.IsZero() {
		return now0
	}
	return sc.now
}

func (sc scenario) planned(t testing.TB) *Plan {
	p := jianghua(t)
	if sc.plan != nil {
		sc.plan(p)
	}
	return p
}

func (sc scenario) situation(t testing.TB, p *Plan) Situation {
	now := sc.at()
	s := Situation{Now: now, Region: "jianghua", Observed: rollingTo(now, sc.observed),
		Forecast: sc.forecast, ForecastConc: sc.conc, Upstream: sc.upstream}
	if sc.baseline {
		s.Forecast = Persistence(s.Observed, now, 72)
	}
	if a := sc.active; a != nil {
		s.Active = &ActiveWarning{Level: mustLevel(t, p, a.level), Since: a.since, ExpectedEnd: a.end,
			EpisodeStart: nov(27, 0), Paused: !a.restartAt.IsZero(), RestartAt: a.restartAt}
	}
	return s
}

// TestScenarios runs the cases of spec/warning-scenarios.md that one
// evaluation decides (21–23 are in approval_test.go and
// TestScenario23Restart; 24, 25 and 36–38 have tests of their own).
func TestScenarios(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			p := sc.planned(t)
			ev := Evaluate(p, sc.situation(t, p))
			pr := ev.Proposal
			if sc.action == "" {
				if pr != nil {
					t.Fatalf("want no proposal, got %s %s (%s)", pr.Action, pr.LevelID, pr.Key)
				}
			} else {
				if pr == nil {
					t.Fatalf("want %s %s, got no proposal (need forecast: %+v, waiting %+v)", sc.action, sc.level, ev.NeedForecast, ev.Waiting)
				}
				if pr.Action != sc.action || pr.LevelID != sc.level {
					t.Errorf("proposal = %s %s, want %s %s", pr.Action, pr.LevelID, sc.action, sc.level)
				}
				if !pr.Start.Equal(sc.start) || !pr.ExpectedEnd.Equal(sc.end) {
					t.Errorf("period = %s – %s, want %s – %s", pr.Start, pr.ExpectedEnd, sc.start, sc.end)
				}
				if pr.LeadTime != sc.lead || pr.ShortNotice != sc.short {
					t.Errorf("lead = %s short=%v, want %s short=%v", pr.LeadTime, pr.ShortNotice, sc.lead, sc.short)
				}
				if !sc.restart.IsZero() && !pr.RestartAt.Equal(sc.restart) {
					t.Errorf("restart = %s, want %s", pr.RestartAt, sc.restart)
				}
				if pr.Key == "" || pr.Region != "jianghua" || pr.PlanID != "jianghua-2024" {
					t.Errorf("key/region/plan = %q %q %q", pr.Key, pr.Region, pr.PlanID)
				}
				if _, err := NewApproval(p, *pr); err != nil {
					t.Errorf("no chain for the proposal: %v", err)
				}
			}
			switch {
			case sc.needForecast == "" && ev.NeedForecast != nil:
				t.Errorf("unexpected forecast request: %+v", ev.NeedForecast)
			case sc.needForecast != "" && (ev.NeedForecast == nil || ev.NeedForecast.Reason != sc.needForecast):
				t.Errorf("need forecast = %+v, want reason %q", ev.NeedForecast, sc.needForecast)
			}
			if sc.waiting != "" && (ev.Waiting == nil || ev.Waiting.Action != sc.waiting) {
				t.Errorf("waiting = %+v, want %s", ev.Waiting, sc.waiting)
			}
			if !sc.currentEnd.IsZero() && (ev.Current == nil || !ev.Current.End.Equal(sc.currentEnd)) {
				t.Errorf("current episode = %+v, want it to end %s", ev.Current, sc.currentEnd)
			}
		})
	}
}

// rollingTo returns observed rolling windows ending at every hour in
// [now − 6 days, now], with the AQI aqi(end) gives (nil: clean, 50).
func rollingTo(now time.Time, aqi func(end time.Time) int) []Window {
	var ws []Window
	for end := now.Add(-6 * 24 * time.Hour); !end.After(now); end = end.Add(time.Hour) {
		a := 50
		if aqi != nil {
			a = aqi(end)
		}
		ws = append(ws, Window{Start: end.Add(-24 * time.Hour), End: end, AQI: a, Source: SourceObserved})
	}
	return ws
}

// TestScenarioEvidence checks what the proposals carry besides the decision.
func TestScenarioEvidence(t *testing.T) {
	p := jianghua(t)
	byName := map[string]scenario{}
	for _, sc := range scenarios() {
		if _, ok := byName[sc.name[:2]]; !ok {
			byName[sc.name[:2]] = sc
		}
	}

	// Case 7: red because of both runs, both shown with their thresholds
	// and durations, and the three forecast days that make them.
	ev := Evaluate(p, byName["07"].situation(t, p))
	ev7 := ev.Proposal.Evidence
	if len(ev7.Runs) != 2 || ev7.Runs[0].Threshold != 200 || ev7.Runs[0].Hours != 72 || ev7.Runs[0].MinHours != 72 ||
		ev7.Runs[1].Threshold != 300 || ev7.Runs[1].Hours != 24 || ev7.Runs[1].MinHours != 24 {
		t.Errorf("case 7 runs = %+v", ev7.Runs)
	}
	if len(ev7.Windows) != 3 || ev7.Windows[0].Source != SourceForecast {
		t.Errorf("case 7 windows = %+v", ev7.Windows)
	}
	if ev.Proposal.Response != "Ⅰ" {
		t.Errorf("case 7 response = %q, want Ⅰ", ev.Proposal.Response)
	}
	// The level timeline: orange on Dec 1 and Dec 3, red on Dec 2.
	wantTL := []LevelSpan{{Start: dec(1, 0), End: dec(2, 0), Level: 2}, {Start: dec(2, 0), End: dec(3, 0), Level: 3},
		{Start: dec(3, 0), End: dec(4, 0), Level: 2}}
	if !sameSpans(ev.Timeline[len(ev.Timeline)-3:], wantTL) {
		t.Errorf("case 7 timeline tail = %+v", ev.Timeline[len(ev.Timeline)-3:])
	}

	// Case 14: the run mixes observed and forecast windows; both sources show.
	ev14 := Evaluate(p, byName["14"].situation(t, p)).Proposal.Evidence
	sources := map[Source]bool{}
	for _, w := range ev14.Windows {
		sources[w.Source] = true
	}
	if len(ev14.Runs) != 1 || ev14.Runs[0].Hours != 72 || !sources[SourceObserved] || !sources[SourceForecast] {
		t.Errorf("case 14 evidence: runs %+v, sources %v", ev14.Runs, sources)
	}

	// Case 16: red held in the past, orange from now on.
	ev16 := Evaluate(p, byID(t, "16b").situation(t, p))
	if l := p.LevelAt(ev16.Runs, time.Date(2026, 11, 29, 12, 0, 0, 0, cst)); l != 3 {
		t.Errorf("case 16 level on Nov 29 12:00 = %d, want red", l)
	}
	if ev16.Proposal.From != 3 || !strings.Contains(ev16.Proposal.Key, "|red|orange|") {
		t.Errorf("case 16 from=%d key=%s", ev16.Proposal.From, ev16.Proposal.Key)
	}

	// Case 18 asks in words, in both languages.
	ev18 := Evaluate(p, byName["18"].situation(t, p))
	if nf := ev18.NeedForecast; nf == nil || !nf.NeededUntil.Equal(dec(2, 22)) || !nf.CoverageEnd.Equal(dec(2, 0)) || nf.MessageZH == "" {
		t.Errorf("case 18 need = %+v", nf)
	}

	// Case 20 names the prompt it follows.
	ev20 := Evaluate(p, byName["20"].situation(t, p)).Proposal
	if ev20.Evidence.Upstream == nil || ev20.Evidence.Upstream.ID != "yz-2026-17" || len(ev20.Evidence.Runs) != 0 {
		t.Errorf("case 20 evidence = %+v", ev20.Evidence)
	}

	// Case 3 shows the exceeding value and its limit.
	ev3 := Evaluate(p, byName["03"].situation(t, p)).Proposal.Evidence.Health
	if len(ev3) != 1 || ev3[0].Quantity != QuantityPM2_5_24h || ev3[0].Value != 120 || ev3[0].Above != 75 {
		t.Errorf("case 3 health = %+v", ev3)
	}
}

func sameSpans(a, b []LevelSpan) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Start.Equal(b[i].Start) || !a[i].End.Equal(b[i].End) || a[i].Level != b[i].Level || a[i].Upstream != b[i].Upstream {
			return false
		}
	}
	return true
}

// TestScenario23Restart: the same situation evaluated by a freshly loaded
// plan (a restarted service) gives the same key, so the caller that persisted
// it neither proposes nor publishes twice.
func TestScenario23Restart(t *testing.T) {
	for _, sc := range scenarios() {
		if sc.action == "" {
			continue
		}
		t.Run(sc.name, func(t *testing.T) {
			p1, p2 := jianghua(t), jianghua(t)
			a := Evaluate(p1, sc.situation(t, p1)).Proposal
			b := Evaluate(p2, sc.situation(t, p2)).Proposal
			if a.Key != b.Key {
				t.Fatalf("key changed across restart: %q vs %q", a.Key, b.Key)
			}
		})
	}
}

// TestKeyStableThroughTheDay: hour by hour through a forecast day that is
// under way (observed windows, which reach back 24 h, not yet above), the
// forecast day counts whole, so the episode start and the key stay put. (A level change or observed windows joining the run do change the
// key: that is a different situation.)
func TestKeyStableThroughTheDay(t *testing.T) {
	p := jianghua(t)
	var first string
	for hr := 0; hr < 6; hr++ {
		now := now0.Add(time.Duration(hr) * time.Hour)
		var obs []Window
		for end := now.Add(-72 * time.Hour); !end.After(now); end = end.Add(time.Hour) {
			obs = append(obs, Window{Start: end.Add(-24 * time.Hour), End: end, AQI: 50})
		}
		ev := Evaluate(p, Situation{Now: now, Region: "jianghua", Observed: obs, Forecast: daily(210, 220, 230)})
		if ev.Proposal == nil || ev.Proposal.LevelID != "orange" || !ev.Proposal.Start.Equal(now0) {
			t.Fatalf("hour %d: proposal %+v", hr, ev.Proposal)
		}
		if hr == 0 {
			first = ev.Proposal.Key
		} else if ev.Proposal.Key != first {
			t.Fatalf("hour %d: key %q, at 00:00 it was %q", hr, ev.Proposal.Key, first)
		}
	}
}

// TestKeysDistinguishTransitions: re-raising after a downgrade in the same
// episode is a new transition, and so a new key.
func TestKeysDistinguishTransitions(t *testing.T) {
	p := jianghua(t)
	sc := byID(t, "15") // upgrade yellow → orange
	s1 := sc.situation(t, p)
	s2 := sc.situation(t, p)
	s2.Active.Since = s2.Active.Since.Add(30 * time.Hour) // yellow again after a downgrade
	k1, k2 := Evaluate(p, s1).Proposal.Key, Evaluate(p, s2).Proposal.Key
	if k1 == k2 {
		t.Fatalf("same key %q for two different transitions", k1)
	}
}

// TestScenarioGolden pins the whole Evaluation of a few cases as JSON, so a
// change in timeline, episodes, evidence or keys shows up in review.
func TestScenarioGolden(t *testing.T) {
	p := jianghua(t)
	for _, sc := range scenarios() {
		id := sc.name[:2]
		if id != "07" && id != "17" && id != "20" {
			continue
		}
		t.Run(sc.name, func(t *testing.T) {
			s := sc.situation(t, p)
			// Only the last day of clean history, to keep the file readable.
			s.Observed = s.Observed[len(s.Observed)-25:]
			got, err := json.MarshalIndent(Evaluate(p, s), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "scenario-"+id+".golden.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("evaluation differs from %s (run with -update to accept):\n%s", golden, got)
			}
		})
	}
}
