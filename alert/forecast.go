package alert

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// Forecast is one issue of a forecast for a region, by the forecast centre
// or duty staff: daily AQI (with the primary pollutant and concentrations
// where given) or hourly concentrations.
type Forecast struct {
	ID       int64            `json:"id"`
	Region   string           `json:"region"`
	Source   string           `json:"source"`
	IssuedAt time.Time        `json:"issued_at"`
	Received time.Time        `json:"received"`
	Daily    []DailyForecast  `json:"daily,omitempty"`
	Hourly   []HourlyForecast `json:"hourly,omitempty"`
}

// DailyForecast is the AQI of one natural day (00:00–24:00 China time).
type DailyForecast struct {
	Date    string   `json:"date"` // 2006-01-02
	AQI     int      `json:"aqi"`
	Primary string   `json:"primary,omitempty"`
	PM25    *float64 `json:"pm25,omitempty"`
	PM10    *float64 `json:"pm10,omitempty"`
	O3_8h   *float64 `json:"o3_8h,omitempty"`
}

// HourlyForecast holds the concentrations of the hour ending at Time
// (µg/m³, CO mg/m³); missing pollutants are nil.
type HourlyForecast struct {
	Time time.Time `json:"time"`
	PM25 *float64  `json:"pm25,omitempty"`
	PM10 *float64  `json:"pm10,omitempty"`
	SO2  *float64  `json:"so2,omitempty"`
	NO2  *float64  `json:"no2,omitempty"`
	CO   *float64  `json:"co,omitempty"`
	O3   *float64  `json:"o3,omitempty"`
}

// CST is the zone of forecast dates (China Standard Time).
var CST = aqi.CST // China Standard Time, as HJ 633 and the plan count days

// BaselinePersistence labels the built-in persistence forecast.
const BaselinePersistence = "baseline:persistence"

// Check reports every problem of a forecast as one invalid-input error.
func (f *Forecast) Check(p *Plan) error {
	var probs []string
	if _, ok := p.Region(f.Region); !ok {
		probs = append(probs, fmt.Sprintf("region %q is not covered by plan %s", f.Region, p.ID))
	}
	if strings.TrimSpace(f.Source) == "" {
		probs = append(probs, "source is required")
	}
	if f.IssuedAt.IsZero() {
		probs = append(probs, "issued_at is required")
	}
	if len(f.Daily) == 0 && len(f.Hourly) == 0 {
		probs = append(probs, "daily or hourly values are required")
	}
	for i, d := range f.Daily {
		if _, err := time.ParseInLocation(time.DateOnly, d.Date, CST); err != nil {
			probs = append(probs, fmt.Sprintf("daily[%d].date %q is not YYYY-MM-DD", i, d.Date))
		}
		if d.AQI < 0 || d.AQI > 500 {
			probs = append(probs, fmt.Sprintf("daily[%d].aqi %d is outside 0..500", i, d.AQI))
		}
	}
	for i, h := range f.Hourly {
		if h.Time.IsZero() {
			probs = append(probs, fmt.Sprintf("hourly[%d].time is required", i))
		} else if i > 0 && !h.Time.After(f.Hourly[i-1].Time) {
			probs = append(probs, fmt.Sprintf("hourly[%d].time is not after the previous hour", i))
		}
	}
	if len(probs) > 0 {
		return &Error{Code: CodeForecastInvalid, Message: "invalid forecast", MessageZH: "预报数据无效", Problems: probs}
	}
	return nil
}

// CodeForecastInvalid is returned by Forecast.Check.
const CodeForecastInvalid = "forecast_invalid"

// Windows turns the daily part of the forecast into whole calendar-day
// windows, with the concentrations the health-notice rule reads. The hourly
// part is not made into windows here: it joins the observed hours in the
// blended series (Hours, Situation.ForecastHours).
func (f *Forecast) Windows() ([]Window, []Concentrations) {
	var ws []Window
	var cs []Concentrations
	for _, d := range f.Daily {
		day, err := time.ParseInLocation(time.DateOnly, d.Date, CST)
		if err != nil {
			continue
		}
		w := Window{Start: day, End: day.AddDate(0, 0, 1), AQI: d.AQI, Source: SourceForecast, ForecastSource: f.Source}
		ws = append(ws, w)
		c := Concentrations{Start: w.Start, End: w.End, Values: map[string]float64{}, ForecastSource: f.Source}
		for q, v := range map[string]*float64{QuantityPM2_5_24h: d.PM25, QuantityPM10_24h: d.PM10, QuantityO3_8h: d.O3_8h} {
			if v != nil {
				c.Values[q] = *v
			}
		}
		if len(c.Values) > 0 {
			cs = append(cs, c)
		}
	}
	return ws, cs
}

// Hours returns the hourly part of the forecast as series hours.
func (f *Forecast) Hours() []SeriesHour {
	out := make([]SeriesHour, 0, len(f.Hourly))
	for _, h := range f.Hourly {
		out = append(out, SeriesHour{Time: h.Time, Values: h.hour()})
	}
	return out
}

func (h HourlyForecast) hour() aqi.Hour {
	out := aqi.MissingHour()
	for p, v := range map[aqi.Pollutant]*float64{aqi.PM25: h.PM25, aqi.PM10: h.PM10, aqi.SO2: h.SO2,
		aqi.NO2: h.NO2, aqi.CO: h.CO, aqi.O3: h.O3} {
		if v != nil {
			out[p] = *v
		}
	}
	return out
}

// MergedForecast is what the forecasts of one region say together.
type MergedForecast struct {
	Daily []Window
	Conc  []Concentrations
	// Hours is the hourly forecast, hour by hour from the newest issue
	// covering each hour; Source names the issue of the last hour.
	Hours  []SeriesHour
	Source string
	End    time.Time // how far they reach
}

// MergeForecasts combines the forecasts of one region: for every hour the
// newest issue (by IssuedAt, then by id) that covers it wins; an older
// issue keeps only the hours no newer one covers. Daily and hourly issues
// are merged each on their own: daily windows stay whole days, hourly values
// join the blended series.
func MergeForecasts(fs []Forecast) MergedForecast {
	order := slices.Clone(fs)
	slices.SortStableFunc(order, func(a, b Forecast) int {
		if c := b.IssuedAt.Compare(a.IssuedAt); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	var m MergedForecast
	var covered []hspan // union of newer daily issues, sorted and disjoint
	hourAt := map[int64]bool{}
	for _, f := range order {
		fw, fc := f.Windows()
		var mine []hspan
		for _, w := range fw {
			for _, part := range subtract(hspan{w.Start, w.End}, covered) {
				c := w
				c.Start, c.End = part.from, part.to
				m.Daily = append(m.Daily, c)
			}
			mine = append(mine, hspan{w.Start, w.End})
			m.End = later(m.End, w.End)
		}
		for _, c := range fc {
			for _, part := range subtract(hspan{c.Start, c.End}, covered) {
				cc := c
				cc.Start, cc.End = part.from, part.to
				m.Conc = append(m.Conc, cc)
			}
		}
		covered = union(append(covered, mine...))
		for _, h := range f.Hours() {
			if hourAt[h.Time.Unix()] {
				continue
			}
			hourAt[h.Time.Unix()] = true
			m.Hours = append(m.Hours, h)
			if h.Time.After(m.End) {
				m.End = h.Time
				m.Source = f.Source
			}
		}
	}
	slices.SortStableFunc(m.Daily, cmpStart)
	slices.SortFunc(m.Hours, func(a, b SeriesHour) int { return a.Time.Compare(b.Time) })
	if m.Source == "" && len(order) > 0 && len(m.Hours) > 0 {
		m.Source = order[0].Source
	}
	return m
}

type hspan struct{ from, to time.Time }

// subtract returns the parts of s outside the sorted disjoint spans.
func subtract(s hspan, spans []hspan) []hspan {
	out := []hspan{}
	cur := s.from
	for _, c := range spans {
		if !c.to.After(cur) {
			continue
		}
		if !c.from.Before(s.to) {
			break
		}
		if c.from.After(cur) {
			out = append(out, hspan{cur, c.from})
		}
		cur = later(cur, c.to)
		if !cur.Before(s.to) {
			return out
		}
	}
	if cur.Before(s.to) {
		out = append(out, hspan{cur, s.to})
	}
	return out
}

func union(spans []hspan) []hspan {
	slices.SortFunc(spans, func(a, b hspan) int { return a.from.Compare(b.from) })
	var out []hspan
	for _, s := range spans {
		if n := len(out); n > 0 && !s.from.After(out[n-1].to) {
			out[n-1].to = later(out[n-1].to, s.to)
			continue
		}
		out = append(out, s)
	}
	return out
}

// Persistence is the built-in baseline: the last observed daily AQI
// (the newest observed window ending at or before now) held for the next
// hours, in 24 h windows from now. It is labelled SourceBaseline and
// BaselinePersistence so no one takes it for a forecaster's work. Nil when
// nothing was observed.
func Persistence(observed []Window, now time.Time, hours int) []Window {
	var last *Window
	for i := range observed {
		w := &observed[i]
		if w.End.After(now) {
			continue
		}
		if last == nil || w.End.After(last.End) {
			last = w
		}
	}
	if last == nil {
		return nil
	}
	var out []Window
	for t := now; t.Before(now.Add(time.Duration(hours) * time.Hour)); t = t.Add(24 * time.Hour) {
		out = append(out, Window{Start: t, End: t.Add(24 * time.Hour), AQI: last.AQI, Source: SourceBaseline,
			ForecastSource: BaselinePersistence})
	}
	return out
}
