// Package statsreport is what people read of the statistics: the heavy-
// pollution days beside the warnings issued for them (what the warnings
// are for), the calendar's legend in the official colours, and the monthly
// and annual reports handed in — printable HTML with inline SVG charts, and
// CSV — in the usual order: headline figures, the six pollutants, day
// categories, the comparison with last year, the targets, the episodes and
// warnings of the period. Everything here is a pure function of its input:
// the same input gives the same bytes.
package statsreport

import (
	"slices"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/stats"
)

// Warning is one warning as the statistics show it: its region, when it
// existed and the levels it had.
type Warning struct {
	ID       int64  `json:"id"`
	Region   string `json:"region"`
	RegionZH string `json:"region_zh"`
	RegionEN string `json:"region_en"`
	// Issued is its publication; Start when the response began (plan
	// 4.4); End when its lift took effect (null while in force).
	Issued time.Time  `json:"issued"`
	Start  time.Time  `json:"effective_start"`
	End    *time.Time `json:"end"`
	// Levels are its levels in order, each from the time it took effect.
	Levels []Level `json:"levels"`
}

// Level is a warning level in force over [From, To) (To null: to the end
// of the warning).
type Level struct {
	ID     string     `json:"id"`
	NameZH string     `json:"name_zh"`
	NameEN string     `json:"name_en"`
	Color  string     `json:"color"`
	Rank   int        `json:"rank"` // 1 yellow, 2 orange, 3 red: the plan's order
	From   time.Time  `json:"from"`
	To     *time.Time `json:"to"`
}

// WarningOf is w as the statistics show it: the plan names its region and
// levels; each issue, upgrade or downgrade starts a level at the
// transition's effective start.
func WarningOf(plan *alert.Plan, w lifecycle.Warning) Warning {
	start, end := w.Span()
	out := Warning{ID: w.ID, Region: w.Region, Issued: w.Issued, Start: w.EffectiveStart, Levels: []Level{}}
	if out.Start.IsZero() {
		out.Start = start
	}
	if !end.IsZero() {
		out.End = &end
	}
	for _, r := range plan.Regions {
		if r.ID == w.Region {
			out.RegionZH, out.RegionEN = r.NameZH, r.NameEN
		}
	}
	add := func(id string, from time.Time) {
		l, ok := plan.LevelByID(id)
		spec := plan.Spec(l)
		if !ok || spec == nil {
			return
		}
		if n := len(out.Levels); n > 0 {
			if out.Levels[n-1].ID == id {
				return
			}
			out.Levels[n-1].To = &from
		}
		out.Levels = append(out.Levels, Level{ID: id, NameZH: spec.NameZH, NameEN: spec.NameEN, Color: spec.Color, Rank: int(l), From: from})
	}
	for _, t := range w.Transitions {
		switch t.Kind {
		case alert.KindIssue, alert.KindUpgrade, alert.KindDowngrade:
			from := t.Start
			if from.IsZero() {
				from = t.At
			}
			add(t.ToID, from)
		}
	}
	if len(out.Levels) == 0 { // a record without its transitions: its level as it stands
		add(w.LevelID, out.Start)
	}
	return out
}

// highest is the highest level of w in force at some instant of [from, to).
func (w Warning) highest(from, to time.Time) (Level, bool) {
	var best Level
	found := false
	for _, l := range w.Levels {
		end := w.End
		if l.To != nil {
			end = l.To
		}
		if l.From.Before(to) && (end == nil || end.After(from)) && (!found || l.Rank > best.Rank) {
			best, found = l, true
		}
	}
	return best, found
}

// Related are the regions whose warnings concern a scope: its region, the
// regions above it (the county's warning covers its towns) and, for a
// region, the ones below it (a town's warning is part of the county's
// year). A station's region is the one it is in.
func Related(regions []aqwarn.Region, stations []aqwarn.Station, sc stats.Scope) map[string]bool {
	region := sc.ID
	if sc.Kind == aqwarn.ScopeStation {
		region = ""
		for _, s := range stations {
			if s.ID == sc.ID {
				region = s.Region
			}
		}
	}
	parent := map[string]string{}
	for _, r := range regions {
		parent[r.ID] = r.Parent
	}
	out := map[string]bool{}
	for r, n := region, 0; r != "" && n <= len(regions); r, n = parent[r], n+1 {
		out[r] = true
	}
	if sc.Kind == aqwarn.ScopeRegion {
		for _, r := range regions {
			for p, n := r.Parent, 0; p != "" && n <= len(regions); p, n = parent[p], n+1 {
				if p == region {
					out[r.ID] = true
				}
			}
		}
	}
	return out
}

// HeavyDay is a heavy-pollution day with the warnings that covered it.
type HeavyDay struct {
	stats.HeavyDay
	// Warnings are those that existed during the day, oldest first; none
	// means the day came without a warning.
	Warnings []Cover `json:"warnings"`
}

// Cover is one warning during a heavy day.
type Cover struct {
	ID     int64  `json:"id"`
	Region string `json:"region"`
	// Level is the highest level in force during the day.
	Level Level `json:"level"`
	// IssuedBefore says the warning was published before the day began:
	// issued ahead, as the plan wants (plan 4.4).
	IssuedBefore bool      `json:"issued_before_day"`
	Issued       time.Time `json:"issued"`
}

// Beside sets each heavy day beside the warnings that existed during it.
func Beside(heavy []stats.HeavyDay, ws []Warning) []HeavyDay {
	out := make([]HeavyDay, 0, len(heavy))
	for _, h := range heavy {
		day, err := time.ParseInLocation(time.DateOnly, h.Date, aqi.CST)
		hd := HeavyDay{HeavyDay: h, Warnings: []Cover{}}
		if err == nil {
			next := day.AddDate(0, 0, 1)
			for _, w := range ws {
				l, ok := w.highest(day, next)
				if !ok {
					continue
				}
				hd.Warnings = append(hd.Warnings, Cover{ID: w.ID, Region: w.Region, Level: l, IssuedBefore: w.Issued.Before(day), Issued: w.Issued})
			}
		}
		out = append(out, hd)
	}
	return out
}

// Band is a category of the calendar's legend: its level, names, the
// official colour of HJ 633 and its AQI range (to 0 above 300: open).
type Band struct {
	Level      int    `json:"level"`
	Name       string `json:"name"` // stats.CategoryName: excellent, good, …
	CategoryZH string `json:"category_zh"`
	CategoryEN string `json:"category_en"`
	Color      string `json:"color"`
	AQIMin     int    `json:"aqi_min"`
	AQIMax     *int   `json:"aqi_max"`
}

// Bands are the six categories as package aqi defines them (aqi.LevelOf,
// aqi.CategoryOf): what the pages colour days by, so they hold no table of
// their own.
func Bands() []Band {
	out := make([]Band, 0, 6)
	for a := 0; a <= 500; a++ {
		lv := aqi.LevelOf(a)
		if n := len(out); n > 0 && out[n-1].Level == lv {
			m := a
			out[n-1].AQIMax = &m
			continue
		}
		c := aqi.CategoryOf(lv)
		m := a
		out = append(out, Band{Level: lv, Name: stats.CategoryName(lv), CategoryZH: c.ZH, CategoryEN: c.EN, Color: c.Color, AQIMin: a, AQIMax: &m})
	}
	out[len(out)-1].AQIMax = nil // beyond 500 the index stops, the category does not
	return slices.Clip(out)
}
