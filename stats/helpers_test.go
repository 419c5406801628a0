package stats

import (
	"math"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// clean are daily means that give an excellent day (AQI 29 from PM2.5 20
// under 2012) with every term valid.
func clean() aqi.Concentrations {
	var c aqi.Concentrations
	c[aqi.TermSO2], c[aqi.TermNO2], c[aqi.TermPM10], c[aqi.TermCO] = 5, 10, 20, 0.5
	c[aqi.TermO3], c[aqi.TermO3_8h], c[aqi.TermPM25] = 50, 40, 20
	return c
}

// dayOf builds the Day of date from daily means, its AQI under the edition
// in force that day, the values stored as Days would store them.
func dayOf(date time.Time, c aqi.Concentrations) Day {
	ed := aqi.EditionForPeriodEnd(date.AddDate(0, 0, 1))
	d := Day{Date: date, Edition: ed, Result: aqi.DailyFromMeans(c, ed, aqi.Options{})}
	for t := range aqi.NumTerms {
		d.Conc[t] = c[t]
	}
	return d
}

// pm25Day is a complete day whose only varying value is PM2.5 (µg/m³).
func pm25Day(date time.Time, pm25 float64) Day {
	c := clean()
	c[aqi.TermPM25] = pm25
	return dayOf(date, c)
}

// Daily PM2.5 values that give a category under 2012 (and the same under
// 2026): 20 excellent, 100 light (AQI 132; 2026: 137), 200 heavy (AQI 250).
const (
	pmExcellent = 20.0
	pmLight     = 100.0
	pmHeavy     = 200.0
)

// invalidDay is a day without any valid value.
func invalidDay(date time.Time) Day { return dayOf(date, aqi.MissingConcentrations()) }

// year returns one day per date of period p made by f.
func year(p Period, f func(i int, d time.Time) Day) []Day {
	var out []Day
	i := 0
	for d := p.From; d.Before(p.To); d = d.AddDate(0, 0, 1) {
		out = append(out, f(i, d))
		i++
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
