package stats

import (
	"encoding/json"
	"math"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// Scope is what statistics are about: a station or a region (the county,
// a town).
type Scope struct {
	Kind string `json:"kind"` // "station" or "region" (aqwarn.ScopeStation, aqwarn.ScopeRegion)
	ID   string `json:"id"`
}

// Hourly is one scope's consecutive hours: Hours[i] is the hour labelled
// Start + i hours (the end of the hour, as Chinese data are labelled).
type Hourly struct {
	Start time.Time
	Hours []aqi.Hour
}

// at returns the hour labelled t, or a missing hour outside the series.
func (h *Hourly) at(t time.Time) aqi.Hour {
	d := t.Sub(h.Start)
	if d < 0 || d%time.Hour != 0 || int(d/time.Hour) >= len(h.Hours) {
		return aqi.MissingHour()
	}
	return h.Hours[d/time.Hour]
}

// RegionHourly is a region's hours over the union of its stations' periods:
// each hour the per-pollutant mean of the valid values of the stations that
// report it (aqi.RegionHour); a station without data at an hour does not
// count. Stations' hours must share the hour grid (whole hours).
func RegionHourly(stations []Hourly) Hourly {
	var start, end time.Time // end: the label after the last hour
	for _, s := range stations {
		if len(s.Hours) == 0 {
			continue
		}
		e := s.Start.Add(time.Duration(len(s.Hours)) * time.Hour)
		if start.IsZero() || s.Start.Before(start) {
			start = s.Start
		}
		if e.After(end) {
			end = e
		}
	}
	if start.IsZero() {
		return Hourly{}
	}
	out := Hourly{Start: start, Hours: make([]aqi.Hour, int(end.Sub(start)/time.Hour))}
	row := make([]aqi.Hour, 0, len(stations))
	for i := range out.Hours {
		label := start.Add(time.Duration(i) * time.Hour)
		row = row[:0]
		for k := range stations {
			s := &stations[k]
			d := label.Sub(s.Start)
			if d >= 0 && int(d/time.Hour) < len(s.Hours) {
				row = append(row, s.Hours[d/time.Hour])
			}
		}
		out.Hours[i] = aqi.RegionHour(row)
	}
	return out
}

// Options are the choices of Days; the zero value follows the standards.
type Options struct {
	// Edition forces one edition of HJ 633 for every day; 0 picks the one in
	// force at each day's end (aqi.EditionForPeriodEnd).
	Edition aqi.Edition
	// AQI describes the scope's stations (pollutants not measured).
	AQI aqi.Options
}

// Indicators are the six daily values HJ 663 evaluates, in its order: the
// 24-hour means of SO2, NO2, PM10, PM2.5 and CO, and the daily maximum
// 8-hour mean of O3.
var Indicators = [...]aqi.Term{aqi.TermSO2, aqi.TermNO2, aqi.TermPM10, aqi.TermPM25, aqi.TermCO, aqi.TermO3_8h}

// ByIndicator holds one T per indicator (see Indicators), named in JSON by
// the indicator's term: the shape of every per-pollutant figure of a summary,
// a comparison and a day, so that they cannot drift apart.
type ByIndicator[T any] struct {
	SO2   T `json:"so2"`
	NO2   T `json:"no2"`
	PM10  T `json:"pm10"`
	PM25  T `json:"pm25"`
	CO    T `json:"co"`
	O3_8h T `json:"o3_8h"`
}

// Of returns the value of an indicator term (nil for any other term, such as
// TermO3).
func (b *ByIndicator[T]) Of(t aqi.Term) *T {
	switch t {
	case aqi.TermSO2:
		return &b.SO2
	case aqi.TermNO2:
		return &b.NO2
	case aqi.TermPM10:
		return &b.PM10
	case aqi.TermPM25:
		return &b.PM25
	case aqi.TermCO:
		return &b.CO
	case aqi.TermO3_8h:
		return &b.O3_8h
	}
	return nil
}

// Day is one natural day of a scope: the hours labelled 01:00 … 24:00 (CST)
// of Date.
type Day struct {
	// Date is the midnight (CST) that starts the day.
	Date time.Time
	// Edition is the edition of HJ 633 the day's AQI was computed under.
	Edition aqi.Edition
	// Result is the day's AQI report (aqi.DailyAQI over the 24 hours).
	Result aqi.Result
	// Conc holds the day's values per term (µg/m³, CO mg/m³; NaN when not
	// valid): 24-hour means from ≥ 20 valid hours; TermO3_8h the daily
	// maximum 8-hour mean over the windows ending 08:00 … 24:00 (each ≥ 6
	// valid hours); TermO3 the daily maximum 1-hour value. Unrounded (see the
	// package doc).
	Conc [aqi.NumTerms]float64
}

// Valid reports whether the day counts for categories and ratios: its report
// is complete (every measured pollutant valid, an AQI published).
func (d *Day) Valid() bool { return d.Result.Complete() }

// Heavy reports whether the day is a valid heavy-pollution day: AQI > 200
// (重度污染 and 严重污染, levels 5 and 6).
func (d *Day) Heavy() bool { return d.Valid() && d.Result.Level >= 5 }

// Days computes every natural day of period p from the scope's hours; hours
// outside the series count as missing.
func Days(h Hourly, p Period, opt Options) []Day {
	out := make([]Day, 0, p.Days())
	var hours [24]aqi.Hour
	for d := p.From; d.Before(p.To); d = d.AddDate(0, 0, 1) {
		for i := range hours {
			hours[i] = h.at(d.Add(time.Duration(i+1) * time.Hour))
		}
		out = append(out, DayFrom(d, hours, opt))
	}
	return out
}

// DayFrom computes the day starting at midnight date from its 24 hours,
// hours[0] labelled 01:00 and hours[23] 24:00.
func DayFrom(date time.Time, hours [24]aqi.Hour, opt Options) Day {
	end := date.AddDate(0, 0, 1)
	ed := opt.Edition
	if ed == 0 {
		ed = aqi.EditionForPeriodEnd(end)
	}
	// The 2012 report does not round its inputs: its concentrations are the
	// day's unrounded values whatever the edition of the AQI.
	conc := aqi.DailyAQI(hours, aqi.Edition2012, opt.AQI)
	res := conc
	if ed != aqi.Edition2012 {
		res = aqi.DailyAQI(hours, ed, opt.AQI)
	}
	day := Day{Date: date, Edition: res.Edition, Result: res, Conc: conc.Conc}
	if conc.Flags&aqi.FlagO3_8hAbove800 != 0 {
		// Above 800 the 2012 table has no 8-hour O3 value; 2026 keeps it.
		alt := res
		if ed == aqi.Edition2012 {
			alt = aqi.DailyAQI(hours, aqi.Edition2026, opt.AQI)
		}
		day.Conc[aqi.TermO3_8h] = alt.Conc[aqi.TermO3_8h]
	}
	return day
}

// value returns the day's value of term t and whether it is valid.
func (d *Day) value(t aqi.Term) (float64, bool) {
	v := d.Conc[t]
	return v, !math.IsNaN(v)
}

// micro returns a valid daily value in millionths of its unit, the exact
// quantum package aqi computes in (so sums are exact and order-free).
func micro(v float64) int64 { return int64(math.Round(v * 1e6)) }

// MarshalJSON writes the day for a calendar: its date, the edition used,
// AQI (null when not published), level, primary pollutants, whether it is
// valid for statistics, and the six daily values (null when not valid).
func (d Day) MarshalJSON() ([]byte, error) {
	out := struct {
		Date     string                `json:"date"`
		Edition  int                   `json:"edition"`
		AQI      *int                  `json:"aqi"`
		Level    int                   `json:"level"`
		Category string                `json:"category,omitempty"`
		Primary  aqi.TermSet           `json:"primary"`
		Valid    bool                  `json:"valid"`
		Conc     ByIndicator[*float64] `json:"conc"`
	}{
		Date: d.Date.In(aqi.CST).Format(time.DateOnly), Edition: int(d.Edition),
		Level: d.Result.Level, Primary: d.Result.Primary, Valid: d.Valid(),
	}
	if !d.Result.NA {
		a := d.Result.AQI
		out.AQI = &a
		out.Category = CategoryName(d.Result.Level)
	}
	for _, t := range Indicators {
		if x, ok := d.value(t); ok {
			r := roundFor(t, x)
			*out.Conc.Of(t) = &r
		}
	}
	return json.Marshal(out)
}

var categoryNames = [7]string{"", "excellent", "good", "light", "moderate", "heavy", "severe"}

// CategoryName returns the statistics name of a level: excellent (1, 优),
// good (2, 良), light (3, 轻度污染), moderate (4, 中度污染), heavy (5, 重度污染),
// severe (6, 严重污染); "" for any other level. "Good days" in the ratio
// 优良天数比例 are excellent and good days together.
func CategoryName(level int) string {
	if level < 1 || level > 6 {
		return ""
	}
	return categoryNames[level]
}

// roundFor rounds a value of term t for display: CO (mg/m³) to 0.01, the
// rest (µg/m³) to 0.1, half to even (GB/T 8170).
func roundFor(t aqi.Term, v float64) float64 {
	if t == aqi.TermCO {
		return round(v, 2)
	}
	return round(v, 1)
}

func round(v float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.RoundToEven(v*p) / p
}
