package alert

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	scYellow Level = 1
	scOrange Level = 2
	scRed    Level = 3
)

// scBand gives the AQI of the observed windows ending in [first, last].
type scBand struct {
	first, last time.Time
	aqi         int
}

// scObserved returns rolling 24 h windows ending at every hour of [from,
// to], clean (50) outside the bands, the highest band's AQI inside them.
func scObserved(from, to time.Time, bands ...scBand) []Window {
	var ws []Window
	for end := from; !end.After(to); end = end.Add(time.Hour) {
		a := 50
		for _, b := range bands {
			if !end.Before(b.first) && !end.After(b.last) {
				a = max(a, b.aqi)
			}
		}
		ws = append(ws, Window{Start: end.Add(-24 * time.Hour), End: end, AQI: a, Source: SourceObserved})
	}
	return ws
}

func scChange(kind string, l Level, at, effective time.Time) ScoredChange {
	return ScoredChange{Kind: kind, Level: l, At: at, Effective: effective}
}

// scNow is a change published when it takes effect.
func scNow(kind string, l Level, at time.Time) ScoredChange { return scChange(kind, l, at, at) }

func scWarning(changes ...ScoredChange) ScoredWarning { return ScoredWarning{Changes: changes} }

// scFlatten maps every number of v's JSON to its path ("events.pod",
// "forecast.0.thresholds.1.ts"), so cases name metrics as readers see them.
func scFlatten(t *testing.T, v any) map[string]float64 {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	out := map[string]float64{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		join := func(k string) string {
			if path == "" {
				return k
			}
			return path + "." + k
		}
		switch x := v.(type) {
		case map[string]any:
			for k, y := range x {
				walk(join(k), y)
			}
		case []any:
			for i, y := range x {
				walk(join(strconv.Itoa(i)), y)
			}
		case float64:
			out[path] = x
		}
	}
	walk("", tree)
	return out
}

func TestScorecard(t *testing.T) {
	p := jianghua(t)
	from, to := dec(1, 0), dec(11, 0)
	// Episode A: windows of 180 ending Dec 5 00:00 … Dec 6 00:00 make a run
	// > 150 on [Dec 4 00:00, Dec 6 00:00): 48 h, yellow (orange needs 72 h
	// above 150 or 48 h above 200).
	bandA := scBand{dec(5, 0), dec(6, 0), 180}
	// Episode B, the same two days later: [Dec 8, Dec 10), 48 h after A
	// ends, beyond the 36 h merge gap.
	bandB := scBand{dec(9, 0), dec(10, 0), 180}
	// Episode O: > 150 on [Dec 3 00:00, Dec 5 12:00) (60 h: yellow) holding
	// > 200 on [Dec 3 12:00, Dec 5 12:00) (48 h: orange). Onset of orange
	// is Dec 3 12:00, 12 h after the episode starts.
	bandsO := []scBand{{dec(4, 0), dec(5, 12), 180}, {dec(4, 12), dec(5, 12), 210}}
	// perfectA is issued 24 h ahead, effective at the start, lifted at the end.
	perfectA := scWarning(scChange(KindIssue, scYellow, dec(3, 0), dec(4, 0)), scNow(KindLift, LevelNone, dec(6, 0)))
	seenAt := func(at time.Time) func(Episode) time.Time { return func(Episode) time.Time { return at } }
	// flip: orange at Dec 2, red at Dec 3, back to downTo after dwell; lifted Dec 6.
	flip := func(dwell int, downTo Level) ScoredWarning {
		return scWarning(scNow(KindIssue, scOrange, dec(2, 0)), scNow(KindUpgrade, scRed, dec(3, 0)),
			scNow(KindDowngrade, downTo, dec(3, 0).Add(time.Duration(dwell)*time.Hour)), scNow(KindLift, LevelNone, dec(6, 0)))
	}
	// reissue: one day-long warning Dec 2 → Dec 3, then another gap hours
	// after its lift; listed second first, since order is by issue time.
	reissue := func(gap int) []ScoredWarning {
		again := dec(3, 0).Add(time.Duration(gap) * time.Hour)
		return []ScoredWarning{
			scWarning(scNow(KindIssue, scYellow, again), scNow(KindLift, LevelNone, again.Add(24*time.Hour))),
			scWarning(scNow(KindIssue, scYellow, dec(2, 0)), scNow(KindLift, LevelNone, dec(3, 0))),
		}
	}

	cases := []struct {
		name string
		in   ScoreInput
		want map[string]float64
	}{{
		// 1 episode, 1 warning overlapping it: POD 1/1, FAR 0/1, CSI 1/1.
		// Lead Dec 4 00:00 − Dec 3 00:00 = 24 h ≥ 24 h: share 1, efficient
		// (no FirstSeen: criterion 24 h). Warned yellow over a yellow
		// episode: level hit. Hours: warned [Dec 4, Dec 6) = observed = 48.
		// Lifted at the episode end: departure 0. Approvals: issue + lift
		// = 2, × 5 units = 10. In force 2 days, no level change.
		name: "perfect",
		in: ScoreInput{Observed: scObserved(from, to, bandA), Units: 5,
			Warnings: []ScoredWarning{perfectA}},
		want: map[string]float64{
			"events.episodes": 1, "events.warnings": 1, "events.hits": 1, "events.misses": 0, "events.false_alarms": 0,
			"events.pod": 1, "events.far": 0, "events.csi": 1, "events.level_hits": 1, "events.level_hit_share": 1,
			"timeliness.median_lead_hours": 24, "timeliness.mean_lead_hours": 24, "timeliness.share_ge_24h": 1,
			"timeliness.late": 0, "timeliness.efficiency": 1,
			"hours.hours": 240, "hours.observed_hours": 48, "hours.warned_hours": 48, "hours.hit_hours": 48,
			"hours.pod": 1, "hours.far": 0, "hours.csi": 1, "hours.exact_level_share": 1,
			"hours.departures": 1, "hours.median_departure_hours": 0, "hours.p90_departure_hours": 0,
			"churn.level_changes": 0, "churn.in_force_days": 2, "churn.changes_per_warning_day": 0, "churn.lifts": 1,
			"churn.median_approvals": 2, "churn.max_approvals": 2, "churn.median_unit_notices": 10,
		},
	}, {
		// Episodes A (warned perfectly) and B (missed); a second warning in
		// force Dec 1 00:00–12:00 overlaps nothing. POD 1/2, FAR 1/2, CSI
		// 1/(1+1+1). Lead ≥ 24 h for A only: share 1/2, efficiency 1/2,
		// median of hits 24. Hours: observed 96, warned 48+12 = 60, hit 48,
		// missed 48, false 12: POD 0.5, FAR 12/60, CSI 48/108; exact level
		// (both yellow) 48 of the 108 hours warned or observed. The false
		// alarm has no departure. Approvals A 2, B 0: median 1, × 3 = 3.
		// The second issue (Dec 3) is 36 h after the first lift: no re-issue.
		name: "miss and false alarm",
		in: ScoreInput{Observed: scObserved(from, to, bandA, bandB), Units: 3,
			Warnings: []ScoredWarning{perfectA,
				scWarning(scNow(KindIssue, scYellow, dec(1, 0)), scNow(KindLift, LevelNone, dec(1, 12)))}},
		want: map[string]float64{
			"events.episodes": 2, "events.warnings": 2, "events.hits": 1, "events.misses": 1, "events.false_alarms": 1,
			"events.pod": 0.5, "events.far": 0.5, "events.csi": 1.0 / 3,
			"timeliness.share_ge_24h": 0.5, "timeliness.efficiency": 0.5, "timeliness.median_lead_hours": 24,
			"hours.observed_hours": 96, "hours.warned_hours": 60, "hours.hit_hours": 48, "hours.missed_hours": 48,
			"hours.false_hours": 12, "hours.pod": 0.5, "hours.far": 0.2, "hours.csi": 48.0 / 108,
			"hours.exact_level_share": 48.0 / 108, "hours.departures": 1, "hours.median_departure_hours": 0,
			"churn.lifts": 2, "churn.in_force_days": 2.5, "churn.reissues_24h": 0,
			"churn.median_approvals": 1, "churn.max_approvals": 2, "churn.median_unit_notices": 3,
		},
	}, {
		// A lifted Dec 6 06:00 (6 h after its end), B issued Dec 7 00:00
		// effective Dec 8, lifted Dec 10 12:00 (12 h after its end).
		// Departures 6 and 12: median 9, nearest-rank P90 = the 2nd of 2 =
		// 12. Warned 54 + 60 = 114 h, 18 of them false: FAR 18/114. B's
		// issue is 18 h after A's lift: a re-issue within 24 h, not 6 h;
		// shares 1/2 lifts and 0/2.
		name: "late lifts",
		in: ScoreInput{Observed: scObserved(from, to, bandA, bandB),
			Warnings: []ScoredWarning{
				scWarning(scChange(KindIssue, scYellow, dec(3, 0), dec(4, 0)), scNow(KindLift, LevelNone, dec(6, 6))),
				scWarning(scChange(KindIssue, scYellow, dec(7, 0), dec(8, 0)), scNow(KindLift, LevelNone, dec(10, 12))),
			}},
		want: map[string]float64{
			"events.hits": 2, "events.false_alarms": 0, "hours.departures": 2,
			"hours.median_departure_hours": 9, "hours.p90_departure_hours": 12,
			"hours.warned_hours": 114, "hours.false_hours": 18, "hours.far": 18.0 / 114, "hours.pod": 1,
			"churn.reissues_6h": 0, "churn.reissues_24h": 1, "churn.reissue_6h_share": 0, "churn.reissue_24h_share": 0.5,
		},
	}, {
		// Issued Dec 4 06:00, 6 h after A started: lead −6 h, late. The
		// forecast showed A at Dec 3 21:00, so 3 h ahead was possible; −6 <
		// min(24, 3): not efficient either.
		name: "late issue",
		in: ScoreInput{Observed: scObserved(from, to, bandA), FirstSeen: seenAt(dec(3, 21)),
			Warnings: []ScoredWarning{scWarning(scNow(KindIssue, scYellow, dec(4, 6)), scNow(KindLift, LevelNone, dec(6, 0)))}},
		want: map[string]float64{
			"events.hits": 1, "timeliness.late": 1, "timeliness.median_lead_hours": -6, "timeliness.mean_lead_hours": -6,
			"timeliness.share_ge_24h": 0, "timeliness.efficiency": 0,
			"hours.warned_hours": 42, "hours.missed_hours": 6, "hours.pod": 42.0 / 48,
		},
	}, {
		// Issued Dec 3 18:00: lead 6 h, short of 24 h, but the forecast
		// first showed A at Dec 3 21:00 (3 h ahead): 6 ≥ min(24, 3), efficient.
		name: "short notice as early as seen",
		in: ScoreInput{Observed: scObserved(from, to, bandA), FirstSeen: seenAt(dec(3, 21)),
			Warnings: []ScoredWarning{scWarning(scChange(KindIssue, scYellow, dec(3, 18), dec(4, 0)), scNow(KindLift, LevelNone, dec(6, 0)))}},
		want: map[string]float64{
			"timeliness.median_lead_hours": 6, "timeliness.late": 0, "timeliness.share_ge_24h": 0,
			"timeliness.efficient": 1, "timeliness.efficiency": 1,
		},
	}, {
		// The same with FirstSeen unknown (zero): the criterion is 24 h; 6 h fails.
		name: "short notice, first sight unknown",
		in: ScoreInput{Observed: scObserved(from, to, bandA), FirstSeen: seenAt(time.Time{}),
			Warnings: []ScoredWarning{scWarning(scChange(KindIssue, scYellow, dec(3, 18), dec(4, 0)), scNow(KindLift, LevelNone, dec(6, 0)))}},
		want: map[string]float64{"timeliness.median_lead_hours": 6, "timeliness.efficiency": 0},
	}, {
		// Paused Dec 4 12:00, resumed Dec 5 00:00: warned 48 − 12 = 36 h of
		// A's 48. POD_h 36/48, FAR_h 0, CSI_h 36/48. In force 1.5 days.
		// Still a hit; approvals 4 (issue, pause, resume, lift).
		name: "pause",
		in: ScoreInput{Observed: scObserved(from, to, bandA),
			Warnings: []ScoredWarning{scWarning(scChange(KindIssue, scYellow, dec(3, 0), dec(4, 0)),
				scNow("pause", scYellow, dec(4, 12)), scNow("resume", scYellow, dec(5, 0)), scNow(KindLift, LevelNone, dec(6, 0)))}},
		want: map[string]float64{
			"events.hits": 1, "hours.warned_hours": 36, "hours.hit_hours": 36, "hours.missed_hours": 12,
			"hours.pod": 0.75, "hours.far": 0, "hours.csi": 0.75, "churn.in_force_days": 1.5, "churn.median_approvals": 4,
		},
	}, {
		// Paused Dec 5 12:00 and lifted Dec 6 without a resume: in force
		// [Dec 4, Dec 5 12:00), 36 h.
		name: "pause until the lift",
		in: ScoreInput{Observed: scObserved(from, to, bandA),
			Warnings: []ScoredWarning{scWarning(scChange(KindIssue, scYellow, dec(3, 0), dec(4, 0)),
				scNow("pause", scYellow, dec(5, 12)), scNow(KindLift, LevelNone, dec(6, 0)))}},
		want: map[string]float64{"hours.warned_hours": 36, "hours.missed_hours": 12, "churn.in_force_days": 1.5},
	}, {
		// Orange → red Dec 3 00:00 → orange 30 h later: L → L′ → L within
		// 48 h, 1 flip. Dwell before the downgrade 30 h (not < 24). 2 level
		// changes over 4 days in force: 0.5 a day. No truth: a false alarm.
		name: "flip within 48 h",
		in:   ScoreInput{Observed: scObserved(from, to), Warnings: []ScoredWarning{flip(30, scOrange)}},
		want: map[string]float64{
			"churn.flips_48h": 1, "churn.level_changes": 2, "churn.mean_level_changes": 2, "churn.max_level_changes": 2,
			"churn.downgrades": 1, "churn.shortest_dwell_hours": 30, "churn.short_dwells": 0,
			"churn.in_force_days": 4, "churn.changes_per_warning_day": 0.5, "events.false_alarms": 1,
		},
	}, {
		// The same downgrade 50 h after the upgrade: > 48 h, no flip; dwell 50.
		name: "flip after 48 h",
		in:   ScoreInput{Observed: scObserved(from, to), Warnings: []ScoredWarning{flip(50, scOrange)}},
		want: map[string]float64{"churn.flips_48h": 0, "churn.shortest_dwell_hours": 50, "churn.level_changes": 2},
	}, {
		// Orange → red → yellow 10 h later: not back to orange, no flip;
		// dwell 10 h < 24 h is a short dwell.
		name: "down past the start",
		in:   ScoreInput{Observed: scObserved(from, to), Warnings: []ScoredWarning{flip(10, scYellow)}},
		want: map[string]float64{"churn.flips_48h": 0, "churn.shortest_dwell_hours": 10, "churn.short_dwells": 1},
	}, {
		// Re-issued 4 h after a lift: within 6 h and 24 h; 2 lifts: shares 1/2.
		name: "reissue after 4 h",
		in:   ScoreInput{Observed: scObserved(from, to), Warnings: reissue(4)},
		want: map[string]float64{"churn.lifts": 2, "churn.reissues_6h": 1, "churn.reissues_24h": 1,
			"churn.reissue_6h_share": 0.5, "churn.reissue_24h_share": 0.5},
	}, {
		// 10 h: within 24 h only.
		name: "reissue after 10 h",
		in:   ScoreInput{Observed: scObserved(from, to), Warnings: reissue(10)},
		want: map[string]float64{"churn.reissues_6h": 0, "churn.reissues_24h": 1},
	}, {
		// 30 h: neither.
		name: "reissue after 30 h",
		in:   ScoreInput{Observed: scObserved(from, to), Warnings: reissue(30)},
		want: map[string]float64{"churn.reissues_6h": 0, "churn.reissues_24h": 0},
	}, {
		// Episode O (yellow from Dec 3 00:00, orange from 12:00 to Dec 5
		// 12:00). Yellow issued Dec 2 (lead 24 h), orange upgrade published
		// Dec 3 06:00: 6 h before the orange onset. Peak orange = orange:
		// level hit. No red episode. Hours: observed 12 h yellow + 48 h
		// orange; warned 6 h yellow + 54 h orange; levels agree 6 + 48 of 60.
		name: "orange on time",
		in: ScoreInput{Observed: scObserved(from, to, bandsO...),
			Warnings: []ScoredWarning{scWarning(scChange(KindIssue, scYellow, dec(2, 0), dec(3, 0)),
				scNow(KindUpgrade, scOrange, dec(3, 6)), scNow(KindLift, LevelNone, dec(5, 12)))}},
		want: map[string]float64{
			"events.level_hits": 1, "events.level_under": 0, "timeliness.median_lead_hours": 24,
			"timeliness.levels.0.level": 2, "timeliness.levels.0.episodes": 1, "timeliness.levels.0.reached": 1,
			"timeliness.levels.0.before_onset": 1, "timeliness.levels.0.share_before_onset": 1,
			"timeliness.levels.0.median_lead_hours": 6, "timeliness.levels.1.level": 3, "timeliness.levels.1.episodes": 0,
			"hours.observed_hours": 60, "hours.warned_hours": 60, "hours.exact_level_share": 0.9,
		},
	}, {
		// Upgrade published Dec 4 00:00, 12 h after the onset: reached,
		// not before onset (share 0), lead −12 h; still a level hit.
		name: "orange late",
		in: ScoreInput{Observed: scObserved(from, to, bandsO...),
			Warnings: []ScoredWarning{scWarning(scChange(KindIssue, scYellow, dec(2, 0), dec(3, 0)),
				scNow(KindUpgrade, scOrange, dec(4, 0)), scNow(KindLift, LevelNone, dec(5, 12)))}},
		want: map[string]float64{
			"events.level_hits": 1, "timeliness.levels.0.reached": 1, "timeliness.levels.0.before_onset": 0,
			"timeliness.levels.0.share_before_onset": 0, "timeliness.levels.0.median_lead_hours": -12,
		},
	}, {
		// Never upgraded: orange not reached (not before onset), yellow
		// under an orange peak: level under, 1/1 of hits.
		name: "orange never warned",
		in: ScoreInput{Observed: scObserved(from, to, bandsO...),
			Warnings: []ScoredWarning{scWarning(scChange(KindIssue, scYellow, dec(2, 0), dec(3, 0)), scNow(KindLift, LevelNone, dec(5, 12)))}},
		want: map[string]float64{
			"events.level_hits": 0, "events.level_under": 1, "events.level_under_share": 1,
			"timeliness.levels.0.episodes": 1, "timeliness.levels.0.reached": 0, "timeliness.levels.0.share_before_onset": 0,
		},
	}, {
		// Issued orange Dec 2 00:00 (36 h before the orange onset), raised
		// to red Dec 4: peak red over an orange episode, level over.
		name: "red over orange",
		in: ScoreInput{Observed: scObserved(from, to, bandsO...),
			Warnings: []ScoredWarning{scWarning(scChange(KindIssue, scOrange, dec(2, 0), dec(3, 0)),
				scNow(KindUpgrade, scRed, dec(4, 0)), scNow(KindLift, LevelNone, dec(5, 12)))}},
		want: map[string]float64{
			"events.level_over": 1, "events.level_over_share": 1,
			"timeliness.levels.0.median_lead_hours": 36, "timeliness.levels.0.before_onset": 1,
		},
	}, {
		// Lead 24: (210,220) cat 5=5, hit >150 and >200; (160,140) cat 4≠3,
		// false >150; (120,205) cat 3≠5, miss >150 and >200; (320,310) cat
		// 6=6, hit at all three. Accuracy 2/4. >150: 2 hits, 1 miss, 1
		// false: TS 2/4, POD 2/3, FAR 1/3. >200: 2, 1, 0: TS 2/3, POD 2/3,
		// FAR 0. >300: 1, 0, 0: all 1.
		// Lead 48 (listed first, reported second): (80,90) cat 2=2;
		// (250,180) cat 5≠4, hit >150, false >200. Accuracy 1/2. >150 TS 1;
		// >200 TS 0, POD 0 (no event observed), FAR 1; >300 nothing: 0.
		name: "forecast",
		in: ScoreInput{Observed: scObserved(from, to), Forecasts: []ForecastSample{
			{LeadHours: 48, Forecast: 80, Observed: 90}, {LeadHours: 48, Forecast: 250, Observed: 180},
			{LeadHours: 24, Forecast: 210, Observed: 220}, {LeadHours: 24, Forecast: 160, Observed: 140},
			{LeadHours: 24, Forecast: 120, Observed: 205}, {LeadHours: 24, Forecast: 320, Observed: 310},
		}},
		want: map[string]float64{
			"forecast.0.lead_hours": 24, "forecast.0.n": 4, "forecast.0.level_accuracy": 0.5,
			"forecast.0.thresholds.0.above": 150, "forecast.0.thresholds.0.hits": 2, "forecast.0.thresholds.0.misses": 1,
			"forecast.0.thresholds.0.false_alarms": 1, "forecast.0.thresholds.0.ts": 0.5,
			"forecast.0.thresholds.0.pod": 2.0 / 3, "forecast.0.thresholds.0.far": 1.0 / 3,
			"forecast.0.thresholds.1.above": 200, "forecast.0.thresholds.1.ts": 2.0 / 3,
			"forecast.0.thresholds.1.pod": 2.0 / 3, "forecast.0.thresholds.1.far": 0,
			"forecast.0.thresholds.2.above": 300, "forecast.0.thresholds.2.ts": 1,
			"forecast.0.thresholds.2.pod": 1, "forecast.0.thresholds.2.far": 0,
			"forecast.1.lead_hours": 48, "forecast.1.n": 2, "forecast.1.level_accuracy": 0.5,
			"forecast.1.thresholds.0.ts": 1, "forecast.1.thresholds.0.pod": 1, "forecast.1.thresholds.0.far": 0,
			"forecast.1.thresholds.1.ts": 0, "forecast.1.thresholds.1.pod": 0, "forecast.1.thresholds.1.far": 1,
			"forecast.1.thresholds.2.ts": 0, "forecast.1.thresholds.2.pod": 0, "forecast.1.thresholds.2.far": 0,
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			in.From, in.To = from, to
			got := scFlatten(t, Score(p, in))
			for k, want := range c.want {
				v, ok := got[k]
				if !ok {
					t.Errorf("%s: not in the scorecard", k)
					continue
				}
				if math.Abs(v-want) > 1e-9 {
					t.Errorf("%s = %v, want %v", k, v, want)
				}
			}
		})
	}
}

// An empty period and a period without episodes or warnings must encode:
// every share over nothing is 0, not NaN.
func TestScorecardEmpty(t *testing.T) {
	p := jianghua(t)
	for _, in := range []ScoreInput{{}, {From: dec(1, 0), To: dec(11, 0), Observed: scObserved(dec(1, 0), dec(11, 0))}} {
		sc := Score(p, in)
		b, err := json.Marshal(sc)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		for k, v := range scFlatten(t, sc) {
			if v != 0 && k != "hours.hours" && !strings.HasSuffix(k, ".level") {
				t.Errorf("%s = %v, want 0 in %s", k, v, b)
			}
		}
		var buf bytes.Buffer
		if err := sc.WriteText(&buf); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("null")) || strings.Contains(buf.String(), "NaN") {
			t.Errorf("JSON or text not clean:\n%s\n%s", b, buf.String())
		}
	}
}

// The text table: one metric per line in three aligned columns, fractions
// with 2 decimals, hours with 1, counts as integers.
func TestScorecardWriteText(t *testing.T) {
	p := jianghua(t)
	sc := Score(p, ScoreInput{From: dec(1, 0), To: dec(11, 0),
		Observed:  scObserved(dec(1, 0), dec(11, 0), scBand{dec(5, 0), dec(6, 0), 180}),
		Warnings:  []ScoredWarning{scWarning(scChange(KindIssue, scYellow, dec(3, 0), dec(4, 0)), scNow(KindLift, LevelNone, dec(6, 0)))},
		Forecasts: []ForecastSample{{LeadHours: 24, Forecast: 210, Observed: 220}}})
	var buf bytes.Buffer
	if err := sc.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	rows := map[string]string{}
	var columns []int
	for _, l := range lines {
		f, starts := scFields(l)
		if len(f) != 3 {
			t.Fatalf("line %q: want group, metric, value", l)
		}
		if columns == nil {
			columns = starts
		}
		if !slices.Equal(starts, columns) {
			t.Errorf("line %q: columns at %v, want %v", l, starts, columns)
		}
		rows[f[0]+" "+f[1]] = f[2]
	}
	for k, want := range map[string]string{
		"events pod":                   "1.00",
		"events episodes":              "1",
		"timeliness median_lead_hours": "24.0",
		"timeliness orange_episodes":   "0",
		"hours warned_hours":           "48",
		"hours far":                    "0.00",
		"churn in_force_days":          "2.0",
		"forecast_24h ts_200":          "1.00",
	} {
		if rows[k] != want {
			t.Errorf("%s = %q, want %q\n%s", k, rows[k], want, buf.String())
		}
	}
}

// scFields splits a line at runs of spaces and says where each field starts.
func scFields(l string) (fields []string, starts []int) {
	for i := 0; i < len(l); {
		if l[i] == ' ' {
			i++
			continue
		}
		j := i
		for j < len(l) && l[j] != ' ' {
			j++
		}
		fields, starts = append(fields, l[i:j]), append(starts, i)
		i = j
	}
	return fields, starts
}
