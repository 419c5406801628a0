package alert

import (
	"slices"
	"time"
)

// Decisions holds the numbers of spec/warning-rules.md §3 (version 2): when
// the engine may decide what, and how prudently it relaxes. Every one is plan
// data (the `decisions:` section of a plan file); the Go code holds none.
type Decisions struct {
	// Times are the scheduled decision times, "HH:MM" China time: a
	// non-urgent issue, a downgrade, a lift, a pause, an extension and a
	// health notice are proposed only in the hour that starts at one of them.
	Times []string `yaml:"times"`
	// StandardHours are the hours of the day (China time) effective starts
	// and ends are rounded to.
	StandardHours  []int           `yaml:"standard_hours"`
	Issue          IssueRule       `yaml:"issue"`
	Upgrade        UpgradeRule     `yaml:"upgrade"`
	Downgrade      DowngradeRule   `yaml:"downgrade"`
	Lift           LiftRule        `yaml:"lift"`
	Pause          PauseRule       `yaml:"pause"`
	Extension      ExtensionRule   `yaml:"extension"`
	BiasCorrection BiasRule        `yaml:"bias_correction"`
	Baseline       BaselineRule    `yaml:"baseline"`
	times          []time.Duration // Times as offsets from midnight, sorted
	standard       []time.Duration // StandardHours as offsets from midnight
}

// IssueRule: an episode starting within LookaheadHours is proposed; the
// proposal is urgent when waiting for the next decision time would leave
// less than the plan's lead time (timing.lead_time_hours).
type IssueRule struct {
	LookaheadHours int `yaml:"lookahead_hours"`
}

// UpgradeRule: at any hour, a higher level within LookaheadHours is
// proposed, effective at its onset but not before publication +
// MinDelayHours. A higher level that no forecast shows needs
// ObservedWindows consecutive observed windows above its threshold.
type UpgradeRule struct {
	LookaheadHours  int `yaml:"lookahead_hours"`
	MinDelayHours   int `yaml:"min_delay_hours"`
	ObservedWindows int `yaml:"observed_windows"`
}

// DowngradeRule ("降级审慎"): at a decision time, the level in force L is
// lowered when no hour of the last ObservedHours and of the next
// ForecastHours is at ≥ L, and at least DwellHours have passed since the
// last level change.
type DowngradeRule struct {
	ObservedHours int `yaml:"observed_hours"`
	ForecastHours int `yaml:"forecast_hours"`
	DwellHours    int `yaml:"dwell_hours"`
}

// LiftRule: besides the plan's own condition (below the lowest level for
// timing.persist_hours, forecast coverage), no window above VetoAQIAbove
// may end in (now + persist, now + VetoUntilHours]. The lift is effective at
// the first standard hour at least AnnounceAheadHours after publication;
// downgrades take effect the same way.
type LiftRule struct {
	VetoUntilHours     int `yaml:"veto_until_hours"`
	VetoAQIAbove       int `yaml:"veto_aqi_above"`
	AnnounceAheadHours int `yaml:"announce_ahead_hours"`
}

// PauseRule: when the lift condition holds but the look-ahead veto fails,
// a pause is proposed (Enabled) instead of keeping the warning.
type PauseRule struct {
	Enabled bool `yaml:"enabled"`
}

// ExtensionRule: a notice at the same level when the expected end moves by
// at least StepHours. A later end is announced only once the announced end
// is less than WithinHours ahead (a long episode at the edge of the
// forecast would otherwise be extended at every decision time); an earlier
// end at once.
type ExtensionRule struct {
	StepHours   int `yaml:"step_hours"`
	WithinHours int `yaml:"within_hours"`
}

// BiasRule scales the first FadeHours of an hourly forecast by
// mean(observed)/mean(forecast) over the last ObservedHours, per pollutant,
// clipped to [MinRatio, MaxRatio] and fading linearly to 1.
type BiasRule struct {
	Enabled       bool    `yaml:"enabled"`
	ObservedHours int     `yaml:"observed_hours"`
	FadeHours     int     `yaml:"fade_hours"`
	MinRatio      float64 `yaml:"min_ratio"`
	MaxRatio      float64 `yaml:"max_ratio"`
}

// BaselineRule: on the persistence baseline (no forecast reaching the
// plan's coverage) a downgrade or lift needs the improvement observed for
// ObservedHours.
type BaselineRule struct {
	ObservedHours int `yaml:"observed_hours"`
}

func (d *Decisions) validate(pr *problems) {
	if len(d.Times) == 0 {
		pr.add("decisions.times: none defined (scheduled decisions would never be taken)")
	}
	d.times = d.times[:0]
	for i, s := range d.Times {
		t, err := time.Parse("15:04", s)
		if err != nil {
			pr.add("decisions.times[%d]: %q is not HH:MM", i, s)
			continue
		}
		d.times = append(d.times, time.Duration(t.Hour())*time.Hour+time.Duration(t.Minute())*time.Minute)
	}
	slices.Sort(d.times)
	if len(d.StandardHours) == 0 {
		pr.add("decisions.standard_hours: none defined")
	}
	d.standard = d.standard[:0]
	for i, h := range d.StandardHours {
		if h < 0 || h > 23 {
			pr.add("decisions.standard_hours[%d]: %d is not an hour 0..23", i, h)
		}
		d.standard = append(d.standard, hours(h))
	}
	if !slices.IsSorted(d.StandardHours) {
		pr.add("decisions.standard_hours: must be ascending")
	}
	for _, f := range []struct {
		name string
		v    int
		min  int
	}{
		{"issue.lookahead_hours", d.Issue.LookaheadHours, 1},
		{"upgrade.lookahead_hours", d.Upgrade.LookaheadHours, 0},
		{"upgrade.min_delay_hours", d.Upgrade.MinDelayHours, 0},
		{"upgrade.observed_windows", d.Upgrade.ObservedWindows, 1},
		{"downgrade.observed_hours", d.Downgrade.ObservedHours, 0},
		{"downgrade.forecast_hours", d.Downgrade.ForecastHours, 1},
		{"downgrade.dwell_hours", d.Downgrade.DwellHours, 0},
		{"lift.veto_until_hours", d.Lift.VetoUntilHours, 0},
		{"lift.veto_aqi_above", d.Lift.VetoAQIAbove, 0},
		{"lift.announce_ahead_hours", d.Lift.AnnounceAheadHours, 0},
		{"extension.step_hours", d.Extension.StepHours, 1},
		{"extension.within_hours", d.Extension.WithinHours, 0},
		{"baseline.observed_hours", d.Baseline.ObservedHours, 0},
	} {
		if f.v < f.min {
			pr.add("decisions.%s: must be ≥ %d, got %d", f.name, f.min, f.v)
		}
	}
	if b := d.BiasCorrection; b.Enabled {
		if b.ObservedHours < 1 || b.FadeHours < 1 {
			pr.add("decisions.bias_correction: observed_hours and fade_hours must be ≥ 1 when enabled, got %d and %d", b.ObservedHours, b.FadeHours)
		}
		if !(b.MinRatio > 0 && b.MinRatio <= 1 && b.MaxRatio >= 1) {
			pr.add("decisions.bias_correction: want 0 < min_ratio ≤ 1 ≤ max_ratio, got %v and %v", b.MinRatio, b.MaxRatio)
		}
	}
}

// IsDecisionTime reports whether t (any zone) falls in the hour that starts
// at one of the plan's decision times, China time.
func (p *Plan) IsDecisionTime(t time.Time) bool {
	off := t.Sub(midnightCST(t))
	for _, d := range p.Decisions.times {
		if off >= d && off < d+time.Hour {
			return true
		}
	}
	return false
}

// NextDecisionTime is the first decision time at or after t.
func (p *Plan) NextDecisionTime(t time.Time) time.Time {
	return firstAtOrAfter(t, p.Decisions.times)
}

// FloorStandard rounds t down to a standard hour (China time).
func (p *Plan) FloorStandard(t time.Time) time.Time {
	return lastAtOrBefore(t, p.Decisions.standard)
}

// CeilStandard rounds t up to a standard hour (China time).
func (p *Plan) CeilStandard(t time.Time) time.Time {
	return firstAtOrAfter(t, p.Decisions.standard)
}

// firstAtOrAfter is the first instant at or after t that is one of the
// daily offsets from midnight, China time (offsets sorted; t itself when
// there are none).
func firstAtOrAfter(t time.Time, offsets []time.Duration) time.Time {
	mid := midnightCST(t)
	for day := range 2 {
		for _, off := range offsets {
			if at := mid.AddDate(0, 0, day).Add(off); !at.Before(t) {
				return at
			}
		}
	}
	return t
}

// lastAtOrBefore is the last instant at or before t that is one of the
// daily offsets from midnight, China time.
func lastAtOrBefore(t time.Time, offsets []time.Duration) time.Time {
	mid := midnightCST(t)
	for day := range 2 {
		for i := len(offsets) - 1; i >= 0; i-- {
			if at := mid.AddDate(0, 0, -day).Add(offsets[i]); !at.After(t) {
				return at
			}
		}
	}
	return t
}

func midnightCST(t time.Time) time.Time {
	c := t.In(CST)
	return time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, CST)
}
