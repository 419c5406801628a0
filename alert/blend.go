package alert

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// SeriesHour is one hour of a region's series: the concentrations of the
// hour ending at Time (µg/m³, CO mg/m³; NaN where missing, as aqi.Hour).
type SeriesHour struct {
	Time   time.Time
	Values aqi.Hour
}

// blended is what the blended series of spec/warning-rules.md §1 gives: the
// rolling windows ending after now (observed hours up to now, bias-corrected
// forecast hours after), their concentrations for the health notice, and
// how far the hourly forecast reaches.
type blended struct {
	windows []Window
	conc    []Concentrations
	end     time.Time
	ratio   [aqi.NumPollutants]float64 // bias correction applied at +0 h (1: none)
}

// blend makes one series of observed hours ≤ now and forecast hours > now
// and computes every rolling window that ends after now: a window that
// straddles now mixes both and counts whole. Nothing is cut at now.
func (p *Plan) blend(now time.Time, obs, fc []SeriesHour, source string) blended {
	var b blended
	for i := range b.ratio {
		b.ratio[i] = 1
	}
	if len(fc) == 0 {
		return b
	}
	last := fc[len(fc)-1].Time
	if !last.After(now) {
		return b
	}
	b.end = last
	win := p.Window()
	first := now.Add(-win + time.Hour)
	n := int(last.Sub(first)/time.Hour) + 1
	series := make([]aqi.Hour, n)
	have := make([]bool, n)
	for i := range series {
		series[i] = aqi.MissingHour()
	}
	at := func(t time.Time) (int, bool) {
		d := t.Sub(first)
		if d < 0 || d%time.Hour != 0 {
			return 0, false
		}
		i := int(d / time.Hour)
		return i, i < n
	}
	for _, h := range obs {
		if h.Time.After(now) {
			continue
		}
		if i, ok := at(h.Time); ok {
			series[i], have[i] = h.Values, true
		}
	}
	b.ratio = p.biasRatio(now, obs, fc)
	fade := hours(p.Decisions.BiasCorrection.FadeHours)
	for _, h := range fc {
		if !h.Time.After(now) {
			continue
		}
		i, ok := at(h.Time)
		if !ok {
			continue
		}
		v := h.Values
		if k := h.Time.Sub(now); k < fade {
			f := float64(k) / float64(fade)
			for pol := range v {
				if r := b.ratio[pol]; r != 1 && !math.IsNaN(v[pol]) {
					v[pol] *= r + (1-r)*f
				}
			}
		}
		series[i] = v
	}
	var r aqi.Rolling
	for i := range series {
		r.Push(series[i])
		end := first.Add(time.Duration(i) * time.Hour)
		if !end.After(now) || r.Len() < int(win/time.Hour) {
			continue
		}
		res := r.Daily(aqi.EditionAt(end))
		if res.NA {
			continue
		}
		w := Window{Start: end.Add(-win), End: end, AQI: res.AQI, Source: SourceForecast, ForecastSource: source}
		b.windows = append(b.windows, w)
		c := Concentrations{Start: w.Start, End: w.End, Values: map[string]float64{}, ForecastSource: source}
		for q, term := range map[string]aqi.Term{QuantityPM2_5_24h: aqi.TermPM25, QuantityPM10_24h: aqi.TermPM10, QuantityO3_8h: aqi.TermO3_8h} {
			if v := res.Conc[term]; !math.IsNaN(v) {
				c.Values[q] = v
			}
		}
		if len(c.Values) > 0 {
			b.conc = append(b.conc, c)
		}
	}
	return b
}

// biasRatio is r = mean(observed) / mean(forecast) over the last observed
// hours (those ending at the latest one observed), per pollutant, clipped; 1 where the rule is off, where the forecast
// does not cover every one of those hours, or where a value is missing.
func (p *Plan) biasRatio(now time.Time, obs, fc []SeriesHour) [aqi.NumPollutants]float64 {
	var out [aqi.NumPollutants]float64
	for i := range out {
		out[i] = 1
	}
	bc := p.Decisions.BiasCorrection
	if !bc.Enabled {
		return out
	}
	// The last observed hours are those ending at the latest hour observed
	// (a lagging hourly run must not switch the correction off at the top
	// of every hour), as long as it is within the last ObservedHours.
	last := latestObserved(now, obs)
	if !last.After(now.Add(-hours(bc.ObservedHours))) {
		return out
	}
	from, now := last.Add(-hours(bc.ObservedHours)), last
	var so, sf [aqi.NumPollutants]float64
	var cnt [aqi.NumPollutants]int
	fcAt := map[int64]aqi.Hour{}
	for _, h := range fc {
		if h.Time.After(from) && !h.Time.After(now) {
			fcAt[h.Time.Unix()] = h.Values
		}
	}
	for _, h := range obs {
		if !h.Time.After(from) || h.Time.After(now) {
			continue
		}
		f, ok := fcAt[h.Time.Unix()]
		if !ok {
			continue
		}
		for pol := range h.Values {
			if o, v := h.Values[pol], f[pol]; !math.IsNaN(o) && !math.IsNaN(v) {
				so[pol] += o
				sf[pol] += v
				cnt[pol]++
			}
		}
	}
	for pol := range out {
		if cnt[pol] < bc.ObservedHours || sf[pol] <= 0 {
			continue
		}
		out[pol] = min(max(so[pol]/sf[pol], bc.MinRatio), bc.MaxRatio)
	}
	return out
}

// BlendedWindows is the rolling windows ending after now of the blended
// series (observed hours up to now, bias-corrected forecast hours after), as
// Evaluate computes them: for verification and evidence outside the engine.
func (p *Plan) BlendedWindows(now time.Time, obs, fc []SeriesHour, source string) []Window {
	return p.blend(now, obs, fc, source).windows
}

// WithBaseline fills what no forecast covers up to the plan's horizon
// with the persistence baseline, labelled as such, and says so (the need
// the duty console shows). With forecasts that reach the horizon, or no
// observations to persist, the situation is returned as it is.
func WithBaseline(p *Plan, sit Situation) (Situation, *ForecastNeed) {
	coverEnd := sit.ForecastCoverageEnd
	for _, w := range sit.Forecast {
		coverEnd = later(coverEnd, w.End)
	}
	if n := len(sit.ForecastHours); n > 0 {
		coverEnd = later(coverEnd, sit.ForecastHours[n-1].Time)
	}
	needUntil := sit.Now.Add(p.Timing.Coverage())
	if !coverEnd.Before(needUntil) {
		return sit, nil
	}
	from := later(sit.Now, coverEnd)
	base := Persistence(sit.Observed, from, int((needUntil.Sub(from)+time.Hour-1)/time.Hour))
	if len(base) == 0 {
		return sit, nil
	}
	need := &ForecastNeed{Reason: "coverage", CoverageEnd: coverEnd, NeededUntil: needUntil,
		Message: fmt.Sprintf("no forecast covers %s .. %s; the engine runs on the persistence baseline (last observed daily AQI %d)",
			from.Format(time.RFC3339), needUntil.Format(time.RFC3339), base[0].AQI),
		MessageZH: fmt.Sprintf("%s 至 %s 无预报，暂以持续性基线（最近观测日均 AQI %d）运行，请提供预报",
			from.Format(time.RFC3339), needUntil.Format(time.RFC3339), base[0].AQI)}
	sit.Forecast = append(slices.Clone(sit.Forecast), base...)
	sit.ForecastCoverageEnd = later(coverEnd, base[len(base)-1].End)
	return sit, need
}

// latestObserved is the end of the latest hour up to now with any value
// observed (zero: none).
func latestObserved(now time.Time, obs []SeriesHour) time.Time {
	var last time.Time
	for _, h := range obs {
		if h.Time.After(now) || !h.Time.After(last) {
			continue
		}
		for _, v := range h.Values {
			if !math.IsNaN(v) {
				last = h.Time
				break
			}
		}
	}
	return last
}
