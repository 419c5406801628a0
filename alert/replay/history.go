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
	var all []dataset.Series
	for _, ss := range res {
		all = append(all, ss...)
	}
	return dataset.Join(all, dataset.LaterWins)
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
	reg := dataset.Region("region", series)
	rs.start = reg.Start
	var r aqi.Rolling
	rs.hours = reg.Hours
	rs.at = make([]int, 0, len(reg.Hours))
	for k, h := range reg.Hours {
		t := reg.Label(k)
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
