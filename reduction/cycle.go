package reduction

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// The annual cycle (plan 9.3, notes §7 P2): by 30 September the office
// revises the list, has it approved, files it with the city and publishes
// it. This file holds the pure parts: the reminder dates and the diff
// against last year's list. The workflow (draft → approved → filed →
// published) and its storage are the service's.

// reminderDaysBefore are how many days before the 30 September deadline
// the office is reminded (notes §7 P2).
var reminderDaysBefore = []int{60, 30, 7}

// reminderHour is the hour of a reminder, China time: the start of an
// office day, so it is read the day it is sent.
const reminderHour = 9

// Deadline is the filing deadline of a list year: the end of 30 September
// (China time), i.e. 1 October 00:00.
func Deadline(year int) time.Time { return time.Date(year, time.October, 1, 0, 0, 0, 0, aqi.CST) }

// Reminders returns the reminder times for a year's list: 60, 30 and 7
// days before 30 September, at 09:00 China time (for 2026: 1 August, 31
// August, 23 September).
func Reminders(year int) []time.Time {
	day := time.Date(year, time.September, 30, reminderHour, 0, 0, 0, aqi.CST)
	out := make([]time.Time, len(reminderDaysBefore))
	for i, n := range reminderDaysBefore {
		out[i] = day.AddDate(0, 0, -n)
	}
	return out
}

// ListDiff is what a new list changes against the old one: what the review
// looks at before approval (notes §7 P2). Every slice is sorted by
// enterprise id (then level).
type ListDiff struct {
	// Added are ids only in the new list, Removed ids only in the old one.
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	// Grades are listed grade changes of sources in both.
	Grades []GradeChange `json:"grade_changes"`
	// Measures are changes of the measures in force at a level (as the
	// filing states them: cumulative, grades as listed) of sources in both.
	Measures []MeasureChange `json:"measure_changes"`
}

// GradeChange is a source whose listed grade changed.
type GradeChange struct {
	ID   string `json:"id"`
	From string `json:"from"`
	To   string `json:"to"`
}

// MeasureChange is a source whose measures in force at a level changed,
// each measure written as one line (see measureLine).
type MeasureChange struct {
	ID    string   `json:"id"`
	Level string   `json:"level"`
	Old   []string `json:"old"`
	New   []string `json:"new"`
}

// Empty reports whether the lists do not differ.
func (d ListDiff) Empty() bool {
	return len(d.Added)+len(d.Removed)+len(d.Grades)+len(d.Measures) == 0
}

// Diff compares last year's list (older) with the new one by source id. Measures are compared as they
// resolve (a change of a grade table shows on every source it moves),
// wording included, origin not (the same measure moved from a default into
// the firm's own list is no change).
func Diff(older, newer *List) ListDiff {
	d := ListDiff{Added: []string{}, Removed: []string{}, Grades: []GradeChange{}, Measures: []MeasureChange{}}
	for _, i := range newer.byIDOrder() {
		ne := &newer.Enterprises[i]
		oe, ok := older.Enterprise(ne.ID)
		if !ok {
			d.Added = append(d.Added, ne.ID)
			continue
		}
		if oe.Grade != ne.Grade {
			d.Grades = append(d.Grades, GradeChange{ID: ne.ID, From: oe.Grade, To: ne.Grade})
		}
		for li, lv := range levels {
			o, n := older.filed(oe, li), newer.filed(ne, li)
			if !slices.Equal(o, n) {
				d.Measures = append(d.Measures, MeasureChange{ID: ne.ID, Level: lv, Old: o, New: n})
			}
		}
	}
	for _, i := range older.byIDOrder() {
		if _, ok := newer.Enterprise(older.Enterprises[i].ID); !ok {
			d.Removed = append(d.Removed, older.Enterprises[i].ID)
		}
	}
	return d
}

// filed is a source's measures in force at level index li as the list
// states them (PM-driven, grade as listed), one line each.
func (l *List) filed(e *Enterprise, li int) []string {
	ins := l.resolve(e, li, true, false, e.Grade, "")
	out := make([]string, 0, len(ins.Measures))
	for _, m := range ins.Measures {
		out = append(out, measureLine(m))
	}
	return out
}

// measureLine writes a resolved measure on one line: action, value,
// targets, computed limit and text ("limit_pct 20 % on kiln1 (≤ 2800 t/d):
// 熟料生产线限产 20%").
func measureLine(m ResolvedMeasure) string {
	var b strings.Builder
	b.WriteString(m.Action)
	switch m.Action {
	case ActionLimitPct:
		fmt.Fprintf(&b, " %s %%", num(m.Value))
	case ActionCapIndicator:
		fmt.Fprintf(&b, " %s", num(m.Value))
	}
	if len(m.Targets) > 0 {
		b.WriteString(" on " + strings.Join(m.Targets, ","))
	}
	if k := m.KeyIndicator; k != nil && k.Base > 0 {
		fmt.Fprintf(&b, " (%s ≤ %s %s of %s)", k.NameZH, num(k.Limit), k.Unit, num(k.Base))
	}
	b.WriteString(": " + m.TextZH)
	return b.String()
}

// DueReminder says which reminder of a year's revision is due at now: the
// one whose time has come within the last day (so a daily check sends each
// once, and a check run late the same day still sends it), as days before
// 30 September; ok false when none is.
func DueReminder(year int, now time.Time) (daysBefore int, ok bool) {
	for i, at := range Reminders(year) {
		if !now.Before(at) && now.Before(at.Add(24*time.Hour)) {
			return reminderDaysBefore[i], true
		}
	}
	return 0, false
}
