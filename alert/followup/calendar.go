package followup

import (
	"fmt"
	"time"

	"github.com/aqwarn/aqwarn/alert"
)

// Calendar knows which days are working days: Monday to Friday, except the
// configured public holidays, plus the configured make-up working days (调休,
// weekend days worked in exchange for a holiday).
type Calendar struct {
	Loc      *time.Location  // default China Standard Time
	holidays map[string]bool // "2006-01-02"
	workdays map[string]bool
}

// NewCalendar checks the dates ("2006-01-02").
func NewCalendar(loc *time.Location, holidays, workdays []string) (*Calendar, error) {
	if loc == nil {
		loc = alert.CST
	}
	c := &Calendar{Loc: loc, holidays: map[string]bool{}, workdays: map[string]bool{}}
	for _, set := range []struct {
		days []string
		m    map[string]bool
		name string
	}{{holidays, c.holidays, "holiday"}, {workdays, c.workdays, "working day"}} {
		for _, d := range set.days {
			if _, err := time.ParseInLocation("2006-01-02", d, loc); err != nil {
				return nil, fmt.Errorf("%s %q: want YYYY-MM-DD", set.name, d)
			}
			set.m[d] = true
		}
	}
	return c, nil
}

// WorkingDay reports whether the day of t is a working day.
func (c *Calendar) WorkingDay(t time.Time) bool {
	day := t.In(c.Loc).Format("2006-01-02")
	if c.workdays[day] {
		return true
	}
	if c.holidays[day] {
		return false
	}
	wd := t.In(c.Loc).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// Deadline is the end of the n-th working day after the day of t ("within n
// working days" of t, plan 7): the instant that day ends (midnight).
func (c *Calendar) Deadline(t time.Time, n int) time.Time {
	local := t.In(c.Loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, c.Loc)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if c.WorkingDay(day) {
			n--
		}
	}
	return day.AddDate(0, 0, 1)
}
