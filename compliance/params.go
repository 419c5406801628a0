package compliance

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/aqwarn/aqwarn/internal/yamlline"
	"github.com/aqwarn/aqwarn/reduction"
)

// Interval is the length of one reading: the engine works on 15-minute
// energy (notes §3.1: the national key-energy-user system collects every
// 15 min [V E12]).
const Interval = 15 * time.Minute

// Params are the engine's numbers, as data (configs/compliance/defaults.yaml,
// notes §7 P1): every threshold and duration of the rules, the baseline,
// the accounting's required shares. Load them with
// ParseParams, which refuses unknown keys and values out of range.
type Params struct {
	// ID names the parameter set.
	ID string `yaml:"id"`
	// Grace is how long after a response starts the rules wait: firms
	// need time to stop (notes §7 P1, plan 4.4).
	Grace reduction.Duration `yaml:"grace"`
	// StandbyKW is the draw of a stopped unit that never counts as
	// production (lighting, controls, frost protection), unless Units
	// gives the unit its own.
	StandbyKW float64 `yaml:"standby_kw"`
	// FixedLoadShare is the share of a unit's power that does not scale
	// with output (0–1), for R2 (notes §7 P0 Unit.fixed_load_share).
	FixedLoadShare float64 `yaml:"fixed_load_share"`
	// MergeGapIntervals: a run (of a unit above its stop limit, of
	// treatment off) is not split by this many intervals below it.
	MergeGapIntervals int `yaml:"merge_gap_intervals"`
	// Source says where the numbers of this block come from.
	Source   string         `yaml:"source"`
	Baseline BaselineParams `yaml:"baseline"`
	Rules    RuleParams     `yaml:"rules"`
	// Units are per-unit values that replace StandbyKW and FixedLoadShare.
	Units      []UnitParams     `yaml:"units"`
	Accounting AccountingParams `yaml:"accounting"`
}

// BaselineParams define a meter's normal use (notes §7 P1).
type BaselineParams struct {
	// Days is how many normal days the baseline takes: the last ones
	// before the warning, skipping holidays, warning days and the unit's
	// recorded stops.
	Days int `yaml:"days"`
	// MaxLookbackDays is how far back the engine looks for them.
	MaxLookbackDays int `yaml:"max_lookback_days"`
	// MinDays: with fewer normal days the meter has no baseline and the
	// rules that need one skip it (said in Result.Skipped).
	MinDays int `yaml:"min_days"`
	// DayTypes is weekday_weekend (a weekday compared with the normal
	// weekdays among the Days, a weekend day with the weekend days),
	// weekday_saturday_sunday (Saturdays apart from Sundays and holidays:
	// many plants work a six-day week) or all (one baseline for every day).
	DayTypes string `yaml:"day_types"`
	// MinDaysPerType: a day type with fewer normal days among the Days
	// takes the wider type's (Saturday or Sunday: the weekend's; the
	// weekend: all days).
	MinDaysPerType int `yaml:"min_days_per_type"`
	// MinDayCoveragePct: a day with fewer of its 96 intervals present is
	// not a normal day (the meter was down).
	MinDayCoveragePct float64 `yaml:"min_day_coverage_pct"`
	Source            string  `yaml:"source"`
}

// Day types of BaselineParams.DayTypes.
const (
	DayTypesWeekdayWeekend        = "weekday_weekend"
	DayTypesWeekdaySaturdaySunday = "weekday_saturday_sunday"
	DayTypesAll                   = "all"
)

// RuleParams are the rules' thresholds (notes §7 P1 table).
type RuleParams struct {
	R1 StopParams         `yaml:"r1_stop_not_executed"`
	R2 LimitParams        `yaml:"r2_limit_not_met"`
	R3 NightParams        `yaml:"r3_night_production"`
	R4 TreatmentOffParams `yaml:"r4_treatment_off"`
	R5 EarlyStopParams    `yaml:"r5_treatment_stopped_early"`
	R6 RestartParams      `yaml:"r6_restart_without_approval"`
	R7 GapParams          `yaml:"r7_data_gap"`
	R8 EmissionsParams    `yaml:"r8_emissions_up"`
}

// StopParams: a unit under a stop draws more than max(standby, SharePct %
// of its baseline) for For.
type StopParams struct {
	SharePct float64            `yaml:"share_pct"`
	For      reduction.Duration `yaml:"for"`
	Source   string             `yaml:"source"`
}

// LimitParams: a unit under limit_pct X draws, over a Window, more than
// baseline × (fixed + (1 − fixed)(1 − X)) × Tolerance. The last window of a
// response may be shorter, down to MinWindow.
type LimitParams struct {
	Tolerance float64            `yaml:"tolerance"`
	Window    reduction.Duration `yaml:"window"`
	MinWindow reduction.Duration `yaml:"min_window"`
	Source    string             `yaml:"source"`
}

// NightParams: a unit under a stop draws more than SharePct % of its
// baseline between From and To; a firm with only a main meter also when
// its night use per hour is above NightDayRatio × its day use per hour. A
// night is checked when at least MinOverlap of it is in the response.
type NightParams struct {
	From          ClockTime          `yaml:"from"`
	To            ClockTime          `yaml:"to"`
	SharePct      float64            `yaml:"share_pct"`
	NightDayRatio float64            `yaml:"night_day_ratio"`
	MinOverlap    reduction.Duration `yaml:"min_overlap"`
	Source        string             `yaml:"source"`
}

// TreatmentOffParams: a production unit draws more than
// ProductionRunningPct % of its running level while a linked treatment
// unit draws less than TreatmentOffPct % of its own, for Intervals.
type TreatmentOffParams struct {
	ProductionRunningPct float64 `yaml:"production_running_pct"`
	TreatmentOffPct      float64 `yaml:"treatment_off_pct"`
	Intervals            int     `yaml:"intervals"`
	Source               string  `yaml:"source"`
}

// EarlyStopParams: on a shutdown, treatment stopped more than Intervals
// before production. Shutdowns from LookBefore ahead of the response's
// start count (firms stop during the grace, or just before).
type EarlyStopParams struct {
	Intervals  int                `yaml:"intervals"`
	LookBefore reduction.Duration `yaml:"look_before"`
	// MaxEarly: a treatment-off run ending with the shutdown that is
	// longer is treatment off while producing (R4), not an early stop.
	MaxEarly reduction.Duration `yaml:"max_early"`
	Source   string             `yaml:"source"`
}

// RestartParams: a unit under a stop, seen stopped (below R1's limit) for
// StoppedFor, runs again above R1's limit for R1's duration and on until
// the lift, without an approval. Such a run is R6, not R1: the firm did
// stop, then resumed early. A run that ends before the lift (night
// production) stays R1.
type RestartParams struct {
	StoppedFor reduction.Duration `yaml:"stopped_for"`
	Source     string             `yaml:"source"`
}

// GapParams: a required meter sends nothing for For during a warning.
type GapParams struct {
	For    reduction.Duration `yaml:"for"`
	Source string             `yaml:"source"`
}

// EmissionsParams: a firm's online emissions (HJ 212) over a Window of the
// response average more than Tolerance × their mean over the PreWindow
// before the warning; for a firm that should have stopped, more than
// StopResidualPct % of it.
type EmissionsParams struct {
	Window          reduction.Duration `yaml:"window"`
	MinWindow       reduction.Duration `yaml:"min_window"`
	PreWindow       reduction.Duration `yaml:"pre_window"`
	Tolerance       float64            `yaml:"tolerance"`
	StopResidualPct float64            `yaml:"stop_residual_pct"`
	Source          string             `yaml:"source"`
}

// UnitParams are one unit's own values.
type UnitParams struct {
	Enterprise     string   `yaml:"enterprise"`
	Unit           string   `yaml:"unit"` // "" for the firm's main meters
	StandbyKW      *float64 `yaml:"standby_kw"`
	FixedLoadShare *float64 `yaml:"fixed_load_share"`
	Source         string   `yaml:"source"`
}

// ClockTime is a time of day in China time, written "22:00".
type ClockTime struct{ Minutes int }

// UnmarshalYAML reads HH:MM; a bad one is a type error with its line.
func (c *ClockTime) UnmarshalYAML(n *yaml.Node) error {
	t, err := time.Parse("15:04", n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || len(n.Value) != 5 {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is not a time of day (HH:MM)", n.Line, n.Value)}}
	}
	c.Minutes = t.Hour()*60 + t.Minute()
	return nil
}

func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", c.Minutes/60, c.Minutes%60) }

// CodeParamsInvalid is the Reason of a parameter or inventory file that
// does not load.
const CodeParamsInvalid = "compliance_params_invalid"

// ConfigError is a parameter or inventory file that does not load: a
// message and every problem, each beginning "line N: " where its line is
// known (yamlline.Error, Reason CodeParamsInvalid).
type ConfigError = yamlline.Error

// decodeStrict is yamlline.Decode with its errors as this package's: an
// empty file or one that is not YAML is an error of its own. what names
// the file's content in messages.
func decodeStrict(b []byte, v any, what string) (*yaml.Node, []string, error) {
	root, problems, err := yamlline.Decode(b, v)
	if err != nil {
		return nil, nil, &ConfigError{Reason: CodeParamsInvalid, Message: "invalid " + what, Problems: []string{err.Error()}}
	}
	return root, problems, nil
}

// checker collects problems with the lines of their values.
type checker struct{ yamlline.Problems }

// pct checks a percentage in (0, 100].
func (c *checker) pct(path []any, name string, v float64) {
	if math.IsNaN(v) || v <= 0 || v > 100 {
		c.Add(path, "%s: %v, want a percentage above 0 and at most 100", name, v)
	}
}

// share checks a share in [0, 1).
func (c *checker) share(path []any, name string, v float64) {
	if math.IsNaN(v) || v < 0 || v >= 1 {
		c.Add(path, "%s: %v, want a share from 0 up to (not including) 1", name, v)
	}
}

// intervals checks a duration: positive and a whole number of intervals.
func (c *checker) intervals(path []any, name string, d reduction.Duration) {
	if d.Duration <= 0 || d.Duration%Interval != 0 {
		c.Add(path, "%s: %s, want a positive multiple of %s", name, d, reduction.Duration{Duration: Interval})
	}
}

func (c *checker) source(path []any, name, s string) {
	if strings.TrimSpace(s) == "" {
		c.Add(path, "%s.source: missing (say where the numbers come from)", name)
	}
}

func (c *checker) between(path []any, name string, v float64, lo, hi float64, want string) {
	if math.IsNaN(v) || v < lo || v > hi {
		c.Add(path, "%s: %v, want %s", name, v, want)
	}
}

// ParseParams decodes and validates the engine's parameters. Unknown keys
// are errors (a misspelt threshold must not fall back to zero), and so are
// values out of range; the error lists every problem with its line.
func ParseParams(b []byte) (*Params, error) {
	var p Params
	root, problems, err := decodeStrict(b, &p, "compliance parameters")
	if err != nil {
		return nil, err
	}
	c := checker{yamlline.Problems{Root: root, List: problems}}
	p.check(&c)
	if err := c.err("compliance parameters"); err != nil {
		return nil, err
	}
	return &p, nil
}

// err is the problems found as one error, nil when there are none.
func (c *checker) err(what string) error {
	if len(c.List) == 0 {
		return nil
	}
	return &ConfigError{Reason: CodeParamsInvalid, Message: fmt.Sprintf("invalid %s: %d problem(s)", what, len(c.List)), Problems: c.List}
}

func at(steps ...any) []any { return steps }

func (p *Params) check(c *checker) {
	if p.ID == "" {
		c.Add(at("id"), "id: missing")
	}
	if p.Grace.Duration < 0 || p.Grace.Duration%Interval != 0 {
		c.Add(at("grace"), "grace: %s, want 0 or a positive multiple of 15m", p.Grace)
	}
	c.between(at("standby_kw"), "standby_kw", p.StandbyKW, 0, 1e6, "kW from 0 to 1000000")
	c.share(at("fixed_load_share"), "fixed_load_share", p.FixedLoadShare)
	if p.MergeGapIntervals < 0 || p.MergeGapIntervals > 8 {
		c.Add(at("merge_gap_intervals"), "merge_gap_intervals: %d, want 0..8", p.MergeGapIntervals)
	}
	c.source(at("source"), "top", p.Source)

	b := p.Baseline
	bp := func(k string) []any { return at("baseline", k) }
	if b.Days < 1 || b.Days > 366 {
		c.Add(bp("days"), "baseline.days: %d, want 1..366", b.Days)
	}
	if b.MaxLookbackDays < b.Days || b.MaxLookbackDays > 732 {
		c.Add(bp("max_lookback_days"), "baseline.max_lookback_days: %d, want at least baseline.days (%d) and at most 732", b.MaxLookbackDays, b.Days)
	}
	if b.MinDays < 1 || b.MinDays > b.Days {
		c.Add(bp("min_days"), "baseline.min_days: %d, want 1..baseline.days (%d)", b.MinDays, b.Days)
	}
	if b.DayTypes != DayTypesWeekdayWeekend && b.DayTypes != DayTypesWeekdaySaturdaySunday && b.DayTypes != DayTypesAll {
		c.Add(bp("day_types"), "baseline.day_types: %q, want %s, %s or %s", b.DayTypes, DayTypesWeekdayWeekend, DayTypesWeekdaySaturdaySunday, DayTypesAll)
	}
	if b.DayTypes != DayTypesAll && (b.MinDaysPerType < 1 || b.MinDaysPerType > b.Days) {
		c.Add(bp("min_days_per_type"), "baseline.min_days_per_type: %d, want 1..baseline.days (%d)", b.MinDaysPerType, b.Days)
	}
	c.pct(bp("min_day_coverage_pct"), "baseline.min_day_coverage_pct", b.MinDayCoveragePct)
	c.source(at("baseline", "source"), "baseline", b.Source)

	r := p.Rules
	rp := func(rule, k string) []any { return at("rules", rule, k) }
	const r1, r2, r3, r4, r5, r6, r7, r8 = "r1_stop_not_executed", "r2_limit_not_met", "r3_night_production", "r4_treatment_off",
		"r5_treatment_stopped_early", "r6_restart_without_approval", "r7_data_gap", "r8_emissions_up"
	c.pct(rp(r1, "share_pct"), r1+".share_pct", r.R1.SharePct)
	c.intervals(rp(r1, "for"), r1+".for", r.R1.For)
	c.source(rp(r1, "source"), r1, r.R1.Source)

	c.between(rp(r2, "tolerance"), r2+".tolerance", r.R2.Tolerance, 1, 2, "a factor from 1 to 2")
	c.intervals(rp(r2, "window"), r2+".window", r.R2.Window)
	c.intervals(rp(r2, "min_window"), r2+".min_window", r.R2.MinWindow)
	if r.R2.MinWindow.Duration > r.R2.Window.Duration {
		c.Add(rp(r2, "min_window"), "%s.min_window: %s is longer than the window %s", r2, r.R2.MinWindow, r.R2.Window)
	}
	c.source(rp(r2, "source"), r2, r.R2.Source)

	for _, k := range []struct {
		key string
		v   ClockTime
	}{{"from", r.R3.From}, {"to", r.R3.To}} {
		if k.v.Minutes%15 != 0 {
			c.Add(rp(r3, k.key), "%s.%s: %s, want a quarter hour", r3, k.key, k.v)
		}
	}
	if r.R3.From == r.R3.To {
		c.Add(rp(r3, "to"), "%s: from and to are the same time", r3)
	}
	c.pct(rp(r3, "share_pct"), r3+".share_pct", r.R3.SharePct)
	c.between(rp(r3, "night_day_ratio"), r3+".night_day_ratio", r.R3.NightDayRatio, 1, 100, "a ratio above 1")
	if r.R3.NightDayRatio == 1 {
		c.Add(rp(r3, "night_day_ratio"), "%s.night_day_ratio: 1 flags every firm with a flat load", r3)
	}
	c.intervals(rp(r3, "min_overlap"), r3+".min_overlap", r.R3.MinOverlap)
	c.source(rp(r3, "source"), r3, r.R3.Source)

	c.pct(rp(r4, "production_running_pct"), r4+".production_running_pct", r.R4.ProductionRunningPct)
	c.pct(rp(r4, "treatment_off_pct"), r4+".treatment_off_pct", r.R4.TreatmentOffPct)
	if r.R4.Intervals < 1 || r.R4.Intervals > 96 {
		c.Add(rp(r4, "intervals"), "%s.intervals: %d, want 1..96", r4, r.R4.Intervals)
	}
	c.source(rp(r4, "source"), r4, r.R4.Source)

	if r.R5.Intervals < 0 || r.R5.Intervals > 96 {
		c.Add(rp(r5, "intervals"), "%s.intervals: %d, want 0..96", r5, r.R5.Intervals)
	}
	if r.R5.MaxEarly.Duration <= time.Duration(r.R5.Intervals)*Interval || r.R5.MaxEarly.Duration%Interval != 0 {
		c.Add(rp("r5_treatment_stopped_early", "max_early"), "rules.r5_treatment_stopped_early.max_early: %s, want more than intervals × 15 min, in whole quarter hours", r.R5.MaxEarly)
	}
	if r.R5.LookBefore.Duration < 0 || r.R5.LookBefore.Duration%Interval != 0 {
		c.Add(rp(r5, "look_before"), "%s.look_before: %s, want 0 or a positive multiple of 15m", r5, r.R5.LookBefore)
	}
	c.source(rp(r5, "source"), r5, r.R5.Source)

	c.intervals(rp(r6, "stopped_for"), r6+".stopped_for", r.R6.StoppedFor)
	c.source(rp(r6, "source"), r6, r.R6.Source)

	c.intervals(rp(r7, "for"), r7+".for", r.R7.For)
	c.source(rp(r7, "source"), r7, r.R7.Source)

	for _, k := range []struct {
		key string
		d   reduction.Duration
	}{{"window", r.R8.Window}, {"min_window", r.R8.MinWindow}, {"pre_window", r.R8.PreWindow}} {
		if k.d.Duration <= 0 || k.d.Duration%time.Hour != 0 {
			c.Add(rp(r8, k.key), "%s.%s: %s, want a positive number of hours", r8, k.key, k.d)
		}
	}
	if r.R8.MinWindow.Duration > r.R8.Window.Duration {
		c.Add(rp(r8, "min_window"), "%s.min_window: %s is longer than the window %s", r8, r.R8.MinWindow, r.R8.Window)
	}
	c.between(rp(r8, "tolerance"), r8+".tolerance", r.R8.Tolerance, 1, 2, "a factor from 1 to 2")
	c.pct(rp(r8, "stop_residual_pct"), r8+".stop_residual_pct", r.R8.StopResidualPct)
	c.source(rp(r8, "source"), r8, r.R8.Source)

	seen := map[[2]string]int{}
	for i, u := range p.Units {
		up := func(k string) []any { return at("units", i, k) }
		if u.Enterprise == "" {
			c.Add(up("enterprise"), "units[%d].enterprise: missing", i)
		}
		key := [2]string{u.Enterprise, u.Unit}
		if j, dup := seen[key]; dup {
			c.Add(up("unit"), "units[%d]: %s/%s already has values in units[%d]", i, u.Enterprise, u.Unit, j)
		} else {
			seen[key] = i
		}
		if u.StandbyKW == nil && u.FixedLoadShare == nil {
			c.Add(at("units", i), "units[%d]: neither standby_kw nor fixed_load_share given", i)
		}
		if u.StandbyKW != nil {
			c.between(up("standby_kw"), fmt.Sprintf("units[%d].standby_kw", i), *u.StandbyKW, 0, 1e6, "kW from 0 to 1000000")
		}
		if u.FixedLoadShare != nil {
			c.share(up("fixed_load_share"), fmt.Sprintf("units[%d].fixed_load_share", i), *u.FixedLoadShare)
		}
		c.source(up("source"), fmt.Sprintf("units[%d]", i), u.Source)
	}
	p.Accounting.check(c)
}

// CheckList reports the units of Params.Units the list does not have, so a
// caller that has the list can refuse a parameter file written for another.
func (p *Params) CheckList(l *reduction.List) error {
	var problems []string
	for i, u := range p.Units {
		e, ok := l.Enterprise(u.Enterprise)
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("units[%d]: enterprise %q is not in list %s", i, u.Enterprise, l.ID))
		case u.Unit != "" && !slices.ContainsFunc(e.Units, func(x reduction.Unit) bool { return x.ID == u.Unit }):
			problems = append(problems, fmt.Sprintf("units[%d]: %s has no unit %q", i, u.Enterprise, u.Unit))
		}
	}
	if len(problems) > 0 {
		return &ConfigError{Reason: CodeParamsInvalid, Message: "compliance parameters do not fit list " + l.ID, Problems: problems}
	}
	return nil
}

// unitValues returns the standby draw (kW) and fixed load share of a unit
// ("" for a firm's main meters).
func (p *Params) unitValues(enterprise, unit string) (standbyKW, fixed float64) {
	standbyKW, fixed = p.StandbyKW, p.FixedLoadShare
	for _, u := range p.Units {
		if u.Enterprise == enterprise && u.Unit == unit {
			if u.StandbyKW != nil {
				standbyKW = *u.StandbyKW
			}
			if u.FixedLoadShare != nil {
				fixed = *u.FixedLoadShare
			}
		}
	}
	return standbyKW, fixed
}
