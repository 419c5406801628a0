package replay

import (
	"errors"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/dataset"
)

// ReadFiles reads station files in the Beijing layout (package dataset;
// gzipped or not), two at a time, and joins the pieces of each station:
// where two pieces overlap the later file wins. Stations keep the order of
// first appearance.
func ReadFiles(files []string) ([]dataset.Series, error) {
	res := make([][]dataset.Series, len(files))
	errs := make([]error, len(files))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			res[i], errs[i] = dataset.ReadFile(f)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []dataset.Series
	at := map[string]int{}
	for _, ss := range res {
		for _, s := range ss {
			i, ok := at[s.Station]
			if !ok {
				at[s.Station] = len(out)
				out = append(out, s)
				continue
			}
			out[i] = joinSeries(out[i], s)
		}
	}
	return out, nil
}

// joinSeries joins two pieces of one station; later data win where they overlap.
func joinSeries(a, b dataset.Series) dataset.Series {
	start := a.Start
	if b.Start.Before(start) {
		start = b.Start
	}
	end := a.End()
	if b.End().After(end) {
		end = b.End()
	}
	n := int(end.Sub(start)/time.Hour) + 1
	out := dataset.Series{Station: a.Station, Start: start, Hours: make([]aqi.Hour, n)}
	for i := range out.Hours {
		out.Hours[i] = aqi.MissingHour()
	}
	for _, s := range []dataset.Series{a, b} {
		off := int(s.Start.Sub(start) / time.Hour)
		copy(out.Hours[off:], s.Hours)
	}
	return out
}

// History is a region's hourly series (station means per pollutant) and its
// rolling daily AQI: one observed window per hour with an AQI.
type History struct {
	start   time.Time
	hours   []aqi.Hour     // hours[k] ends at start + k h
	windows []alert.Window // observed windows, by end
	at      []int          // at[k]: index in windows of the window ending at hour k, −1 when NA
}

func (r *History) hourIndex(t time.Time) int { return int(t.Sub(r.start) / time.Hour) }

// Windows returns the observed windows (the plan's window length, one per
// hour whose rolling AQI is not NA), by end.
func (r *History) Windows() []alert.Window { return r.windows }

// NewHistory computes the region's series of the stations: station means
// per pollutant each hour, then the AQI from the means, never a mean of
// AQIs; window is the plan's averaging window (Plan.Window).
func NewHistory(series []dataset.Series, window time.Duration) *History {
	rs := &History{}
	if len(series) == 0 {
		return rs
	}
	start, end := series[0].Start, series[0].End()
	for _, s := range series[1:] {
		if s.Start.Before(start) {
			start = s.Start
		}
		if s.End().After(end) {
			end = s.End()
		}
	}
	rs.start = start
	var r aqi.Rolling
	hours := make([]aqi.Hour, 0, len(series))
	n := int(end.Sub(start)/time.Hour) + 1
	rs.hours = make([]aqi.Hour, 0, n)
	rs.at = make([]int, 0, n)
	for t := start; !t.After(end); t = t.Add(time.Hour) {
		hours = hours[:0]
		for i := range series {
			if j, ok := series[i].Index(t); ok {
				hours = append(hours, series[i].Hours[j])
			}
		}
		h := aqi.RegionHour(hours)
		rs.hours = append(rs.hours, h)
		r.Push(h)
		d := r.Daily(aqi.EditionAt(t))
		if d.NA {
			rs.at = append(rs.at, -1)
			continue
		}
		rs.at = append(rs.at, len(rs.windows))
		rs.windows = append(rs.windows, alert.Window{Start: t.Add(-window), End: t, AQI: d.AQI, Source: alert.SourceObserved})
	}
	return rs
}

// seriesHours returns the hours ending in [from, to] as series hours, each
// value multiplied by scale(t) when scale is not nil.
func (r *History) seriesHours(from, to time.Time, scale func(time.Time) float64, out []alert.SeriesHour) []alert.SeriesHour {
	lo, hi := max(r.hourIndex(from), 0), min(r.hourIndex(to), len(r.hours)-1)
	for k := lo; k <= hi; k++ {
		t := r.start.Add(time.Duration(k) * time.Hour)
		h := r.hours[k]
		if scale != nil {
			f := scale(t)
			for p := range h {
				h[p] *= f
			}
		}
		out = append(out, alert.SeriesHour{Time: t, Values: h})
	}
	return out
}
