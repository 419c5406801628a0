package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/internal/yamlline"
)

// Targets are a county's yearly air-quality targets, as configured
// (configs/targets/*.yaml, read by the caller and given to ParseTargets).
type Targets struct {
	ID     string `yaml:"id" json:"id"`
	Year   int    `yaml:"year" json:"year"`
	NameZH string `yaml:"name_zh" json:"name_zh"`
	NameEN string `yaml:"name_en" json:"name_en"`
	// Source says where the numbers come from (the document that sets them).
	Source string `yaml:"source" json:"source"`
	// Illustrative marks targets made up for a demonstration.
	Illustrative bool           `yaml:"illustrative" json:"illustrative"`
	Scopes       []ScopeTargets `yaml:"scopes" json:"scopes"`
}

// ScopeTargets are the targets of one scope (the county, a town, a station).
// A target left out is not set.
type ScopeTargets struct {
	Scope  string `yaml:"scope" json:"scope"` // "region" or "station"
	ID     string `yaml:"id" json:"id"`
	NameZH string `yaml:"name_zh" json:"name_zh"`
	NameEN string `yaml:"name_en" json:"name_en"`
	// GoodDayRatioPct: the year's good-day ratio (优良天数比例) is at least
	// this, in percent.
	GoodDayRatioPct *float64 `yaml:"good_day_ratio_pct" json:"good_day_ratio_pct,omitempty"`
	// PM25AnnualMax: the year's PM2.5 annual mean is at most this (µg/m³).
	PM25AnnualMax *float64 `yaml:"pm25_annual_max" json:"pm25_annual_max,omitempty"`
	// HeavyDaysMax: at most this many heavy-pollution days (AQI > 200).
	HeavyDaysMax *int `yaml:"heavy_days_max" json:"heavy_days_max,omitempty"`
	// HeavyDaysReduction: at least By fewer heavy days than last year.
	HeavyDaysReduction *Reduction `yaml:"heavy_days_reduction" json:"heavy_days_reduction,omitempty"`
}

// Reduction is a target of fewer heavy days than last year (重污染天数同比下降).
type Reduction struct {
	By int `yaml:"by" json:"by"`
	// LastYear is last year's official count; when left out it is counted
	// from last year's data at evaluation.
	LastYear *int `yaml:"last_year" json:"last_year,omitempty"`
}

// TargetKind names a kind of target.
type TargetKind string

// The kinds of target.
const (
	KindGoodDayRatio       TargetKind = "good_day_ratio"       // 优良天数比例 ≥ limit %
	KindPM25AnnualMean     TargetKind = "pm25_annual_mean"     // PM2.5 annual mean ≤ limit µg/m³
	KindHeavyDays          TargetKind = "heavy_days"           // heavy days ≤ limit
	KindHeavyDaysReduction TargetKind = "heavy_days_reduction" // heavy days ≤ last year − by
)

// Target is one target of one scope, with what it means in plain words.
type Target struct {
	Kind        TargetKind `json:"kind"`
	Scope       Scope      `json:"scope"`
	ScopeNameZH string     `json:"scope_name_zh,omitempty"`
	ScopeNameEN string     `json:"scope_name_en,omitempty"`
	Year        int        `json:"year"`
	// Limit is the bound: the least good-day ratio (%), the greatest PM2.5
	// annual mean (µg/m³), the most heavy days. For a reduction it is
	// LastYear − By once LastYear is known (see Evaluate).
	Limit float64 `json:"limit"`
	// By and LastYear are the reduction's terms (KindHeavyDaysReduction).
	By       int    `json:"by,omitempty"`
	LastYear *int   `json:"last_year,omitempty"`
	TextZH   string `json:"text_zh"`
	TextEN   string `json:"text_en"`
}

// List returns every target, scope by scope in file order, each scope's in
// the order ratio, PM2.5, heavy days, reduction.
func (ts *Targets) List() []Target {
	var out []Target
	for _, s := range ts.Scopes {
		base := Target{Scope: Scope{Kind: s.Scope, ID: s.ID}, ScopeNameZH: s.NameZH, ScopeNameEN: s.NameEN, Year: ts.Year}
		if s.GoodDayRatioPct != nil {
			t := base
			t.Kind, t.Limit = KindGoodDayRatio, *s.GoodDayRatioPct
			out = append(out, t.described())
		}
		if s.PM25AnnualMax != nil {
			t := base
			t.Kind, t.Limit = KindPM25AnnualMean, *s.PM25AnnualMax
			out = append(out, t.described())
		}
		if s.HeavyDaysMax != nil {
			t := base
			t.Kind, t.Limit = KindHeavyDays, float64(*s.HeavyDaysMax)
			out = append(out, t.described())
		}
		if r := s.HeavyDaysReduction; r != nil {
			t := base
			t.Kind, t.By, t.LastYear = KindHeavyDaysReduction, r.By, r.LastYear
			if r.LastYear != nil {
				t.Limit = float64(*r.LastYear - r.By)
			}
			out = append(out, t.described())
		}
	}
	return out
}

// WithLastYear returns a reduction target whose last year's count is n
// (counted from data when the file gives none); other targets unchanged.
func (t Target) WithLastYear(n int) Target {
	if t.Kind != KindHeavyDaysReduction {
		return t
	}
	t.LastYear = &n
	return t.Restated()
}

// Restated recomputes a reduction's Limit from By and LastYear and the
// plain-words text, after Year or LastYear was changed.
func (t Target) Restated() Target {
	if t.Kind == KindHeavyDaysReduction {
		t.Limit = 0
		if t.LastYear != nil {
			t.Limit = float64(*t.LastYear - t.By)
		}
	}
	return t.described()
}

// described fills TextZH and TextEN: what the target means in plain words.
func (t Target) described() Target {
	zh, en := t.ScopeNameZH, t.ScopeNameEN
	if zh == "" {
		zh = t.Scope.ID
	}
	if en == "" {
		en = t.Scope.ID
	}
	lim := strconv.FormatFloat(t.Limit, 'f', -1, 64)
	y := strconv.Itoa(t.Year)
	switch t.Kind {
	case KindGoodDayRatio:
		t.TextZH = fmt.Sprintf("%s%s年优良天数比例不低于%s%%：全年有效监测日中，空气质量为优或良（AQI不超过100）的天数所占比例。", zh, y, lim)
		t.TextEN = fmt.Sprintf("%s, %s: at least %s %% of the year's valid days are excellent or good (AQI 100 or below).", en, y, lim)
	case KindPM25AnnualMean:
		t.TextZH = fmt.Sprintf("%s%s年PM2.5年均浓度不高于%s微克/立方米：全年各有效日均值的算术平均，全年至少324个、每月至少27个（2月25个）有效日均值方为有效。", zh, y, lim)
		t.TextEN = fmt.Sprintf("%s, %s: the PM2.5 annual mean is at most %s µg/m³ — the average of the year's valid daily means, valid with at least 324 of them and 27 in every month (25 in February).", en, y, lim)
	case KindHeavyDays:
		t.TextZH = fmt.Sprintf("%s%s年重污染天数（AQI大于200，即重度及严重污染的天数）不超过%s天。", zh, y, lim)
		t.TextEN = fmt.Sprintf("%s, %s: at most %s heavy-pollution days (AQI above 200: heavily or severely polluted) in the year.", en, y, lim)
	case KindHeavyDaysReduction:
		last := "上年"
		lastEN := "last year's"
		if t.LastYear != nil {
			last = fmt.Sprintf("上年（%d天）", *t.LastYear)
			lastEN = fmt.Sprintf("last year's %d", *t.LastYear)
		}
		t.TextZH = fmt.Sprintf("%s%s年重污染天数同比下降：比%s至少减少%d天。", zh, y, last, t.By)
		t.TextEN = fmt.Sprintf("%s, %s: heavy-pollution days fall on last year — at least %d fewer than %s.", en, y, t.By, lastEN)
		if t.LastYear != nil {
			t.TextZH += fmt.Sprintf("即不超过%s天。", lim)
			t.TextEN += fmt.Sprintf(" That is, at most %s.", lim)
		}
	}
	return t
}

// Refs are the ids a targets file may name; an empty list is not checked.
// The caller takes them from the plan and the station registry.
type Refs struct {
	Regions  []string
	Stations []string
}

// CodeTargetsInvalid is the Reason of a targets file that does not load.
const CodeTargetsInvalid = "targets_invalid"

// TargetsError is a targets file that does not load: a message and every
// problem, each beginning "line N: " where its line is known
// (yamlline.Error, Reason CodeTargetsInvalid).
type TargetsError = yamlline.Error

// ParseTargets decodes and validates targets. Unknown keys are errors (a
// misspelt key must not drop a target), so are values out of range and
// ids refs does not know; the error lists every problem with its line.
func ParseTargets(b []byte, refs Refs) (*Targets, error) {
	var ts Targets
	root, problems, err := yamlline.Decode(b, &ts)
	switch {
	case errors.Is(err, yamlline.ErrEmpty):
		return nil, targetsError([]string{"the file holds no targets"})
	case err != nil:
		return nil, targetsError([]string{err.Error()})
	}
	c := targetChecker{refs: refs}
	c.Root = root
	c.check(&ts)
	problems = append(problems, c.List...)
	if len(problems) > 0 {
		return nil, targetsError(problems)
	}
	return &ts, nil
}

func targetsError(problems []string) *TargetsError {
	return &TargetsError{Reason: CodeTargetsInvalid, Message: fmt.Sprintf("invalid targets: %d problem(s)", len(problems)), Problems: problems}
}

// targetChecker collects the targets' problems with the lines of their values.
type targetChecker struct {
	yamlline.Problems
	refs Refs
}

func (c *targetChecker) check(ts *Targets) {
	if ts.ID == "" {
		c.Add(nil, "id: missing")
	}
	if ts.Year < 2013 || ts.Year > 2100 {
		c.Add([]any{"year"}, "year: %d, want 2013..2100", ts.Year)
	}
	if len(ts.Scopes) == 0 {
		c.Add([]any{"scopes"}, "scopes: no scope has targets")
	}
	seen := map[Scope]int{}
	for i, s := range ts.Scopes {
		at := func(key string) []any { return []any{"scopes", i, key} }
		switch s.Scope {
		case aqwarn.ScopeRegion:
			if s.ID != "" && len(c.refs.Regions) > 0 && !slices.Contains(c.refs.Regions, s.ID) {
				c.Add(at("id"), "scopes[%d].id: %q is not a region of the plan (%s)", i, s.ID, strings.Join(c.refs.Regions, ", "))
			}
		case aqwarn.ScopeStation:
			if s.ID != "" && len(c.refs.Stations) > 0 && !slices.Contains(c.refs.Stations, s.ID) {
				c.Add(at("id"), "scopes[%d].id: %q is not a configured station", i, s.ID)
			}
		default:
			c.Add(at("scope"), "scopes[%d].scope: %q, want region or station", i, s.Scope)
		}
		if s.ID == "" {
			c.Add(at("id"), "scopes[%d].id: missing", i)
		}
		key := Scope{Kind: s.Scope, ID: s.ID}
		if j, dup := seen[key]; dup && s.ID != "" {
			c.Add(at("id"), "scopes[%d]: %s %s already has targets in scopes[%d]", i, s.Scope, s.ID, j)
		} else {
			seen[key] = i
		}
		if s.GoodDayRatioPct == nil && s.PM25AnnualMax == nil && s.HeavyDaysMax == nil && s.HeavyDaysReduction == nil {
			c.Add([]any{"scopes", i}, "scopes[%d]: no target set", i)
		}
		if v := s.GoodDayRatioPct; v != nil && (math.IsNaN(*v) || *v <= 0 || *v > 100) {
			c.Add(at("good_day_ratio_pct"), "scopes[%d].good_day_ratio_pct: %v, want a percentage above 0 and at most 100", i, *v)
		}
		if v := s.PM25AnnualMax; v != nil && (math.IsNaN(*v) || *v <= 0 || *v > 500) {
			c.Add(at("pm25_annual_max"), "scopes[%d].pm25_annual_max: %v, want µg/m³ above 0 and at most 500", i, *v)
		}
		if v := s.HeavyDaysMax; v != nil && (*v < 0 || *v > 366) {
			c.Add(at("heavy_days_max"), "scopes[%d].heavy_days_max: %d, want 0..366 days", i, *v)
		}
		if r := s.HeavyDaysReduction; r != nil {
			red := func(key string) []any { return []any{"scopes", i, "heavy_days_reduction", key} }
			if r.By < 1 || r.By > 366 {
				c.Add(red("by"), "scopes[%d].heavy_days_reduction.by: %d, want at least 1 day fewer", i, r.By)
			}
			if r.LastYear != nil {
				switch {
				case *r.LastYear < 0 || *r.LastYear > 366:
					c.Add(red("last_year"), "scopes[%d].heavy_days_reduction.last_year: %d, want 0..366 days", i, *r.LastYear)
				case *r.LastYear < r.By:
					c.Add(red("last_year"), "scopes[%d].heavy_days_reduction: %d fewer than last year's %d cannot be met", i, r.By, *r.LastYear)
				}
			}
		}
	}
}
