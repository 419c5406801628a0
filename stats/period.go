package stats

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// Period is the natural days [From, To) of China Standard Time: From and To
// are midnights in aqi.CST, From the first day, To the day after the last.
type Period struct {
	From, To time.Time
	// Label names the period as ParsePeriod reads it: "2015", "2015-11",
	// "2015-spring", "2015-11-03" or "2015-03-01/2015-06-01".
	Label string
}

// Season is a meteorological season (see the package doc).
type Season int

// The seasons of a year; Winter of year Y is December Y−1 to February Y.
const (
	Spring Season = iota
	Summer
	Autumn
	Winter
)

var seasonNames = [...]string{"spring", "summer", "autumn", "winter"}

// String returns "spring", "summer", "autumn" or "winter".
func (s Season) String() string {
	if s >= Spring && s <= Winter {
		return seasonNames[s]
	}
	return "season(" + strconv.Itoa(int(s)) + ")"
}

// Date returns midnight of y-m-d in China Standard Time.
func Date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, aqi.CST) }

// DayOf returns the midnight (CST) that starts the natural day t falls in,
// t being an instant inside it or its end: a natural day holds the hours
// labelled 01:00 … 24:00, so the label 2015-01-02 00:00 belongs to 1 January.
func DayOf(t time.Time) time.Time {
	t = t.In(aqi.CST).Add(-time.Nanosecond)
	return Date(t.Year(), t.Month(), t.Day())
}

// YearPeriod is the calendar year y.
func YearPeriod(y int) Period {
	return Period{From: Date(y, time.January, 1), To: Date(y+1, time.January, 1), Label: strconv.Itoa(y)}
}

// MonthPeriod is the month m of year y.
func MonthPeriod(y int, m time.Month) Period {
	from := Date(y, m, 1)
	return Period{From: from, To: from.AddDate(0, 1, 0), Label: from.Format("2006-01")}
}

// SeasonPeriod is the season s of year y; winter is December y−1 to February y.
func SeasonPeriod(y int, s Season) Period {
	start := [...]time.Month{time.March, time.June, time.September, time.December}
	from := Date(y, start[s&3], 1)
	if s == Winter {
		from = Date(y-1, time.December, 1)
	}
	return Period{From: from, To: from.AddDate(0, 3, 0), Label: strconv.Itoa(y) + "-" + s.String()}
}

// DayPeriod is the single natural day starting at midnight d (CST).
func DayPeriod(d time.Time) Period {
	from := DayOf(d.Add(time.Nanosecond))
	return Period{From: from, To: from.AddDate(0, 0, 1), Label: from.Format(time.DateOnly)}
}

// Between is the days [from, to), both truncated to their day's midnight
// (CST), labelled "from/to".
func Between(from, to time.Time) Period {
	f, t := DayOf(from.Add(time.Nanosecond)), DayOf(to.Add(time.Nanosecond))
	return Period{From: f, To: t, Label: f.Format(time.DateOnly) + "/" + t.Format(time.DateOnly)}
}

// ParsePeriod reads "2015" (a year), "2015-11" (a month), "2015-spring"
// (a season, also summer, autumn, winter), "2015-11-03" (a day) or
// "2015-03-01/2015-06-01" (the days from the first up to but not including
// the second).
func ParsePeriod(s string) (Period, error) {
	s = strings.TrimSpace(s)
	bad := func() (Period, error) {
		return Period{}, fmt.Errorf("stats: period %q: want YYYY, YYYY-MM, YYYY-SEASON, YYYY-MM-DD or YYYY-MM-DD/YYYY-MM-DD", s)
	}
	if a, b, ok := strings.Cut(s, "/"); ok {
		from, err1 := time.ParseInLocation(time.DateOnly, a, aqi.CST)
		to, err2 := time.ParseInLocation(time.DateOnly, b, aqi.CST)
		if err1 != nil || err2 != nil {
			return bad()
		}
		if !from.Before(to) {
			return Period{}, fmt.Errorf("stats: period %q: the end must be after the start", s)
		}
		return Between(from, to), nil
	}
	if len(s) == 4 {
		y, err := strconv.Atoi(s)
		if err != nil || y < 1 {
			return bad()
		}
		return YearPeriod(y), nil
	}
	if y, season, ok := strings.Cut(s, "-"); ok && len(y) == 4 {
		for i, n := range seasonNames {
			if season == n {
				yy, err := strconv.Atoi(y)
				if err != nil || yy < 1 {
					return bad()
				}
				return SeasonPeriod(yy, Season(i)), nil
			}
		}
	}
	if t, err := time.ParseInLocation("2006-01", s, aqi.CST); err == nil {
		return MonthPeriod(t.Year(), t.Month()), nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, aqi.CST); err == nil {
		return DayPeriod(t), nil
	}
	return bad()
}

// Days returns the number of natural days in the period.
func (p Period) Days() int {
	if !p.From.Before(p.To) {
		return 0
	}
	return int(p.To.Sub(p.From) / (24 * time.Hour))
}

// Contains reports whether the day starting at midnight d is in the period.
func (p Period) Contains(d time.Time) bool { return !d.Before(p.From) && d.Before(p.To) }

// IsYear reports whether the period is one calendar year, the only period
// the 324-day rule of an annual mean applies to.
func (p Period) IsYear() bool {
	f := p.From.In(aqi.CST)
	return f.Month() == time.January && f.Day() == 1 && p.To.Equal(Date(f.Year()+1, time.January, 1))
}

// LastYear is the same period one calendar year earlier; 29 February maps to
// 28 February as a first day and to 1 March as an end.
func (p Period) LastYear() Period {
	from, to := shiftYear(p.From, false), shiftYear(p.To, true)
	q := Period{From: from, To: to}
	switch {
	case p.Label == "":
	case p.IsYear():
		q.Label = strconv.Itoa(from.Year())
	case isMonthLabel(p.Label):
		q.Label = from.Format("2006-01")
	case strings.Count(p.Label, "-") == 1: // a season
		y, s, _ := strings.Cut(p.Label, "-")
		yy, _ := strconv.Atoi(y)
		q.Label = strconv.Itoa(yy-1) + "-" + s
	case p.Days() == 1 && !strings.Contains(p.Label, "/"):
		q.Label = from.Format(time.DateOnly)
	default:
		q.Label = from.Format(time.DateOnly) + "/" + to.Format(time.DateOnly)
	}
	return q
}

func isMonthLabel(s string) bool {
	_, err := time.Parse("2006-01", s)
	return err == nil
}

func shiftYear(t time.Time, end bool) time.Time {
	t = t.In(aqi.CST)
	y, m, d := t.Date()
	if m == time.February && d == 29 {
		if end {
			return Date(y-1, time.March, 1)
		}
		return Date(y-1, time.February, 28)
	}
	return Date(y-1, m, d)
}

// MarshalJSON writes {"label", "from", "to" (exclusive), "days"}, dates as
// YYYY-MM-DD.
func (p Period) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Label string `json:"label"`
		From  string `json:"from"`
		To    string `json:"to"`
		Days  int    `json:"days"`
	}{p.Label, p.From.In(aqi.CST).Format(time.DateOnly), p.To.In(aqi.CST).Format(time.DateOnly), p.Days()})
}

// daysIn returns the number of days of month m of year y.
func daysIn(y int, m time.Month) int { return Date(y, m+1, 0).Day() }
