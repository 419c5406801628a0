package alert

import (
	"strings"
	"testing"
	"time"
)

// TestManualAndUpstream: proposals that come from people rather than data.
func TestManualAndUpstream(t *testing.T) {
	p := jianghua(t)
	yellow, orange := mustLevel(t, p, "yellow"), mustLevel(t, p, "orange")
	prompt := UpstreamPrompt{ID: "yz-1", Level: orange, Start: dec(1, 0), End: dec(3, 0), Reference: "永重污指〔2026〕1号"}
	active := func(l Level) *ActiveWarning {
		return &ActiveWarning{Level: l, Since: dec(0, 8), EpisodeStart: dec(0, 0)}
	}
	tests := []struct {
		name   string
		s      Situation
		action Action
		level  string
		from   Level
		keyHas string
	}{
		// Duty staff ask for orange after a consultation: a manual proposal
		// for their period, keyed by the request.
		{name: "manual orange", s: Situation{Forecast: daily(100, 100),
			Manual: &ManualRequest{ID: "req-7", Level: orange, Start: dec(2, 0), End: dec(3, 0), Reason: "会商：静稳天气", By: "duty"}},
			action: ActionManual, level: "orange", keyHas: "req=req-7"},
		// A manual request wins over what the data call for.
		{name: "manual beats data", s: Situation{Forecast: daily(210, 100),
			Manual: &ManualRequest{ID: "req-8", Level: yellow, Start: dec(1, 0), End: dec(2, 0), Reason: "r", By: "duty"}},
			action: ActionManual, level: "yellow"},
		// Manual lift of a warning in force (LevelNone).
		{name: "manual lift", s: Situation{Forecast: daily(100, 100), Active: active(yellow),
			Manual: &ManualRequest{ID: "req-9", Level: LevelNone, Start: dec(1, 0), Reason: "r", By: "duty"}},
			action: ActionManual, level: "none", from: yellow},
		// A prompt above the active level raises it, as "upstream".
		{name: "upstream upgrade", s: Situation{Forecast: daily(210, 100), Active: active(yellow), Upstream: []UpstreamPrompt{prompt}},
			action: ActionUpstream, level: "orange", from: yellow, keyHas: "|yellow|orange|"},
		// A prompt at or below the warning in force changes nothing...
		{name: "upstream already met", s: Situation{Forecast: daily(250, 240, 230), Active: active(orange), Upstream: []UpstreamPrompt{prompt}}},
		// ...and keeps the warning from being lifted during its period.
		{name: "upstream blocks lift", s: Situation{Forecast: daily(50, 50, 50), Active: active(orange), Upstream: []UpstreamPrompt{prompt}}},
		// A prompt for another region is not ours.
		{name: "other region", s: Situation{Forecast: daily(50, 50), Upstream: []UpstreamPrompt{{Region: "daoxian", Level: orange,
			Start: dec(1, 0), End: dec(2, 0)}}}},
		// When the data already reach the prompt's level it is a plain issue.
		{name: "data meet the prompt", s: Situation{Forecast: daily(210, 220, 100), Upstream: []UpstreamPrompt{prompt}},
			action: ActionIssue, level: "orange"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.s.Now, tc.s.Region = now0, "jianghua"
			ev := Evaluate(p, tc.s)
			pr := ev.Proposal
			if tc.action == "" {
				if pr != nil {
					t.Fatalf("want nothing, got %s %s", pr.Action, pr.LevelID)
				}
				return
			}
			if pr == nil || pr.Action != tc.action || pr.LevelID != tc.level || pr.From != tc.from {
				t.Fatalf("proposal = %+v, want %s %s from %d", pr, tc.action, tc.level, tc.from)
			}
			if !strings.Contains(pr.Key, tc.keyHas) {
				t.Errorf("key %q lacks %q", pr.Key, tc.keyHas)
			}
			if _, err := NewApproval(p, *pr); err != nil {
				t.Errorf("no chain: %v", err)
			}
		})
	}
}

// TestObservationsOnly: with no forecast past now, an episode observed up to
// now is still in progress: it is issued or raises a warning, but never
// lifts one.
func TestObservationsOnly(t *testing.T) {
	p := jianghua(t)
	obs := rolling(endsIn(dec(0, 0), dec(1, 0), 230, 50)) // > 200 for 48 h up to now: orange
	tests := []struct {
		name   string
		active string
		action Action
		level  string
		need   string
	}{
		// Nothing in force: issue orange, already under way.
		{name: "issue", action: ActionIssue, level: "orange"},
		// Yellow in force: upgrade from observation alone.
		{name: "upgrade", active: "yellow", action: ActionUpgrade, level: "orange"},
		// Orange in force: nothing to change. Nothing is known ahead, and
		// the improvement has not been observed either: no lift to ask a
		// forecast for yet.
		{name: "no lift", active: "orange"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Situation{Now: now0, Region: "jianghua", Observed: obs}
			if tc.active != "" {
				s.Active = &ActiveWarning{Level: mustLevel(t, p, tc.active), Since: dec(0, 6), EpisodeStart: dec(0, 0)}
			}
			ev := Evaluate(p, s)
			var got Action
			lvl := ""
			if ev.Proposal != nil {
				got, lvl = ev.Proposal.Action, ev.Proposal.LevelID
				// An upgrade takes effect 2 h after publication at the earliest.
				if ev.Proposal.Start.After(now0.Add(2*time.Hour)) || ev.Proposal.Start.Before(now0.Add(-72*time.Hour)) {
					t.Errorf("start = %s", ev.Proposal.Start)
				}
			}
			if got != tc.action || lvl != tc.level {
				t.Errorf("proposal = %s %s, want %s %s", got, lvl, tc.action, tc.level)
			}
			if (ev.NeedForecast == nil) != (tc.need == "") {
				t.Errorf("need forecast = %+v, want %q", ev.NeedForecast, tc.need)
			}
		})
	}
}
