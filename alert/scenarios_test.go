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

// scenario is one row of spec/warning-scenarios.md. Unless it says
// otherwise: one region, now = Dec 1 00:00 +08:00, clean observed air (AQI
// 50), no warning active.
type scenario struct {
	name     string
	observed func(end time.Time) int // nil: clean
	forecast []Window
	conc     []Concentrations
	active   string // level id of the active warning, "" for none
	upstream []UpstreamPrompt

	action       Action // "" for no proposal
	level        string
	start, end   time.Time
	lead         time.Duration
	short        bool
	needForecast string
	currentEnd   time.Time // checked when not zero
}

func scenarios() []scenario {
	h := time.Hour
	return []scenario{
		// 1: a single day > 200 one day ahead: yellow with exactly the 24 h lead the plan wants.
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
		// 14: 48 h observed > 200 continued by a forecast day > 200: a 72 h run, orange, under way.
		{name: "14 observed run continues", observed: endsIn(dec(0, 0), dec(1, 0), 230, 50), forecast: daily(210, 100, 100),
			action: ActionIssue, level: "orange", start: time.Date(2026, 11, 29, 0, 0, 0, 0, cst), end: dec(2, 0),
			lead: -48 * h, short: true},
		// 15: the same with yellow in force: upgrade at once.
		{name: "15 upgrade", observed: endsIn(dec(0, 0), dec(1, 0), 230, 50), forecast: daily(210, 100, 100), active: "yellow",
			action: ActionUpgrade, level: "orange", start: dec(1, 0), end: dec(2, 0), lead: 0, short: true},
		// 16: red in force, the > 300 run is over, > 200 goes on: downgrade to orange.
		{name: "16 downgrade", active: "red",
			observed: func(end time.Time) int {
				switch {
				case !end.Before(time.Date(2026, 11, 29, 12, 0, 0, 0, cst)) && !end.After(dec(0, 12)):
					return 320
				case !end.Before(time.Date(2026, 11, 28, 0, 0, 0, 0, cst)):
					return 250
				}
				return 50
			},
			forecast: daily(250, 240, 100),
			action:   ActionDowngrade, level: "orange", start: dec(1, 0), end: dec(3, 0)},
		// 17: orange in force, last window > 150 ended Nov 30 18:00, 48 h of clean forecast: lift.
		{name: "17 lift", active: "orange", observed: endsIn(time.Date(2026, 11, 29, 0, 0, 0, 0, cst), dec(0, 18), 210, 120),
			forecast: daily(120, 110),
			action:   ActionLift, level: "none", start: dec(1, 0), end: dec(1, 0)},
		// 18: as 17 with only 24 h of forecast: no lift, ask for a forecast.
		{name: "18 no lift without coverage", active: "orange", observed: endsIn(time.Date(2026, 11, 29, 0, 0, 0, 0, cst), dec(0, 18), 210, 120),
			forecast:     daily(120),
			needForecast: "lift"},
		// 19: yellow in force, its run ended at now, the next starts in 24 h < 36 h: no lift, the episode runs to Dec 3.
		{name: "19 merge keeps the warning", active: "yellow", observed: endsIn(dec(0, 12), dec(1, 0), 210, 50),
			forecast: daily(100, 210), currentEnd: dec(3, 0)},
		// 20: the city's orange prompt for Dec 2–3 over a clean forecast: propose orange, source upstream.
		{name: "20 upstream prompt", forecast: daily(50, 50, 50),
			upstream: []UpstreamPrompt{{ID: "yz-2026-17", Level: 2, Start: dec(2, 0), End: dec(4, 0),
				Issuer: "永州市重污染天气应急指挥部", Reference: "永重污指〔2026〕17号"}},
			action: ActionUpstream, level: "orange", start: dec(2, 0), end: dec(4, 0), lead: 24 * h},
	}
}

func (sc scenario) situation(t testing.TB, p *Plan) Situation {
	s := Situation{Now: now0, Region: "jianghua", Observed: rolling(sc.observed),
		Forecast: sc.forecast, ForecastConc: sc.conc, Upstream: sc.upstream}
	if sc.active != "" {
		s.Active = &ActiveWarning{Level: mustLevel(t, p, sc.active), Since: time.Date(2026, 11, 28, 8, 0, 0, 0, cst),
			EpisodeStart: time.Date(2026, 11, 27, 0, 0, 0, 0, cst)}
	}
	return s
}

// TestScenarios runs cases 1–20 of spec/warning-scenarios.md (21–23 are in
// approval_test.go and TestScenario23Restart).
func TestScenarios(t *testing.T) {
	p := jianghua(t)
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			ev := Evaluate(p, sc.situation(t, p))
			pr := ev.Proposal
			if sc.action == "" {
				if pr != nil {
					t.Fatalf("want no proposal, got %s %s (%s)", pr.Action, pr.LevelID, pr.Key)
				}
			} else {
				if pr == nil {
					t.Fatalf("want %s %s, got no proposal (need forecast: %+v)", sc.action, sc.level, ev.NeedForecast)
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
				if pr.Key == "" || pr.Region != "jianghua" || pr.PlanID != "jianghua-2024" {
					t.Errorf("key/region/plan = %q %q %q", pr.Key, pr.Region, pr.PlanID)
				}
			}
			switch {
			case sc.needForecast == "" && ev.NeedForecast != nil:
				t.Errorf("unexpected forecast request: %+v", ev.NeedForecast)
			case sc.needForecast != "" && (ev.NeedForecast == nil || ev.NeedForecast.Reason != sc.needForecast):
				t.Errorf("need forecast = %+v, want reason %q", ev.NeedForecast, sc.needForecast)
			}
			if !sc.currentEnd.IsZero() && (ev.Current == nil || !ev.Current.End.Equal(sc.currentEnd)) {
				t.Errorf("current episode = %+v, want it to end %s", ev.Current, sc.currentEnd)
			}
		})
	}
}

// TestScenarioEvidence checks what the proposals carry besides the decision.
func TestScenarioEvidence(t *testing.T) {
	p := jianghua(t)
	byName := map[string]scenario{}
	for _, sc := range scenarios() {
		byName[sc.name[:2]] = sc
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
	ev16 := Evaluate(p, byName["16"].situation(t, p))
	if l := p.LevelAt(ev16.Runs, time.Date(2026, 11, 29, 12, 0, 0, 0, cst)); l != 3 {
		t.Errorf("case 16 level on Nov 29 12:00 = %d, want red", l)
	}
	if ev16.Proposal.From != 3 || !strings.Contains(ev16.Proposal.Key, "|red|orange|") {
		t.Errorf("case 16 from=%d key=%s", ev16.Proposal.From, ev16.Proposal.Key)
	}

	// Case 18 asks in words, in both languages.
	ev18 := Evaluate(p, byName["18"].situation(t, p))
	if nf := ev18.NeedForecast; nf == nil || !nf.NeededUntil.Equal(dec(2, 12)) || !nf.CoverageEnd.Equal(dec(2, 0)) || nf.MessageZH == "" {
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
// cut forecast moves the episode start with now; the key must not move with
// it. (A level change or observed windows joining the run do change the
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
		if ev.Proposal == nil || ev.Proposal.LevelID != "orange" || !ev.Proposal.Start.Equal(now) {
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
	sc := scenarios()[14] // case 15: upgrade yellow → orange
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
