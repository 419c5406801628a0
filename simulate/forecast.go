package simulate

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/aqi"
)

// DegradedError is the error of a degraded forecast: the truth times a
// time-correlated log-normal factor whose spread grows with the lead (σ
// 0.25 at +24 h, 0.35 at +48 h, 0.45 at +72 h, on from there; see
// SigmaAt), one error path per issue, deterministic per seed and issue
// time. The replay's "degraded" shape and the demo's forecast centre use
// it.
type DegradedError struct {
	Seed uint64
}

// SigmaAt is the spread of the log error at a lead: 0.15 up to the issue,
// then 0.10 more per day.
func SigmaAt(lead time.Duration) float64 { return 0.15 + 0.10*max(lead.Hours(), 0)/24 }

// errorBefore is how far before the issue an error path starts (hours);
// the path reaches as far past the horizon.
const errorBefore = 6

// ErrorPath is the error of one issue: a multiplicative factor per hour.
type ErrorPath struct {
	base    time.Time // factors[k] is for the hour ending at base + k h
	factors []float64
}

// Path returns the error of the forecast issued at issued reaching horizon
// hours: factors for the hours ending from issued − 6 h to issued +
// horizon + 6 h, 1 outside. The same seed, issue time and horizon always
// give the same path.
func (d DegradedError) Path(issued time.Time, horizon int) ErrorPath {
	rng := rand.New(rand.NewPCG(d.Seed, uint64(issued.Unix())))
	n := horizon + 2*errorBefore
	p := ErrorPath{base: issued.Add(-errorBefore * time.Hour), factors: make([]float64, 0, n)}
	z := rng.NormFloat64()
	const rho = 0.95 // hour-to-hour correlation of the error (about a day)
	for k := range n {
		if k > 0 {
			z = rho*z + math.Sqrt(1-rho*rho)*rng.NormFloat64()
		}
		sig := SigmaAt(time.Duration(k-errorBefore) * time.Hour)
		p.factors = append(p.factors, math.Exp(sig*z-sig*sig/2))
	}
	return p
}

// At returns the factor of the hour ending at t (1 outside the path).
func (p ErrorPath) At(t time.Time) float64 {
	k := int(t.Sub(p.base) / time.Hour)
	if k < 0 || k >= len(p.factors) {
		return 1
	}
	return p.factors[k]
}

// The demo's city forecast centre.
const (
	// ForecastSource labels the simulated forecasts (the forecast's source).
	ForecastSource = "simulated city forecast (demo)"
	// ForecastIssueHour is when the centre issues, each day, China time.
	ForecastIssueHour = 16
	// ForecastHorizon is how many hours each issue reaches.
	ForecastHorizon = 72
	// ForecastSeed is the fixed seed of the demo forecast's error.
	ForecastSeed = 1
	// ForecastHindcast is how many hours up to the issue each issue also
	// carries (its analysis of the recent past, as real bulletins' model
	// runs start before they are issued): the engine's bias correction
	// compares them with what was observed (spec §1).
	ForecastHindcast = 6
)

// LastIssue returns the newest daily issue time (16:00 China time) at or
// before t.
func LastIssue(t time.Time) time.Time {
	c := t.In(aqi.CST)
	issue := time.Date(c.Year(), c.Month(), c.Day(), ForecastIssueHour, 0, 0, 0, aqi.CST)
	if issue.After(t) {
		issue = issue.AddDate(0, 0, -1)
	}
	return issue
}

// Forecaster plays the city forecast centre for the demo: every day at
// 16:00 China time (on the Now clock) it publishes, for each region, a
// 72-hour hourly forecast on <prefix>/forecasts/{region} (the JSON of
// alert.Forecast, QoS 1). The forecast is the truth, the hours still to
// come, times the degraded error; hours past the end of the truth are left
// out.
type Forecaster struct {
	Pub         Publisher
	TopicPrefix string
	Regions     []string
	// Truth is the hourly concentrations the forecast is made from (each
	// SeriesHour's Time is the end of the hour), ascending.
	Truth  []alert.SeriesHour
	Error  DegradedError
	Now    func() time.Time
	Logger *slog.Logger
	Tick   time.Duration // how often to look at the clock (real time)
	// Ahead delivers each issue this long (simulated) before its issue
	// time, embargoed: the engine reads forecasts by issued_at, so it sees
	// the issue from its issue time on, whenever its own first evaluation
	// of that hour comes. Zero: delivered at the issue time.
	Ahead time.Duration
}

// Forecast returns the issue of issued: the hours ending issued + 1 h ..
// issued + 72 h that the truth holds, each pollutant the truth times the
// issue's error factor for that hour. Region is left empty (the topic
// names it).
func (f *Forecaster) Forecast(issued time.Time) alert.Forecast {
	fc := alert.Forecast{Source: ForecastSource, IssuedAt: issued.In(aqi.CST), Hourly: []alert.HourlyForecast{}}
	path := f.Error.Path(issued, ForecastHorizon)
	first, last := issued.Add(-(ForecastHindcast-1)*time.Hour), issued.Add(ForecastHorizon*time.Hour)
	i := sort.Search(len(f.Truth), func(i int) bool { return !f.Truth[i].Time.Before(first) })
	for ; i < len(f.Truth) && !f.Truth[i].Time.After(last); i++ {
		h := f.Truth[i]
		e := path.At(h.Time)
		hf := alert.HourlyForecast{Time: h.Time.In(aqi.CST)}
		for p, dst := range map[aqi.Pollutant]**float64{aqi.PM25: &hf.PM25, aqi.PM10: &hf.PM10, aqi.SO2: &hf.SO2,
			aqi.NO2: &hf.NO2, aqi.CO: &hf.CO, aqi.O3: &hf.O3} {
			if v := h.Values[p]; !math.IsNaN(v) && v >= 0 {
				x := v * e
				*dst = &x
			}
		}
		fc.Hourly = append(fc.Hourly, hf)
	}
	return fc
}

// Run publishes the issue of the last 16:00 at or before now at once, then
// each day's issue when the clock reaches 16:00 (less Ahead), until no
// issue has an hour of the truth left or ctx ends. An issue the clock went
// past is not published late: the newest one due is.
func (f *Forecaster) Run(ctx context.Context) error {
	tick := f.Tick
	if tick <= 0 {
		tick = 50 * time.Millisecond
	}
	var end time.Time // the truth's last hour
	if n := len(f.Truth); n > 0 {
		end = f.Truth[n-1].Time
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	issue := LastIssue(f.Now()) // the last issue before the start, at once
	published := 0
	for first := true; issue.Before(end); first = false {
		if due := f.Now().Add(f.Ahead); first || !due.Before(issue) {
			if newest := LastIssue(due); newest.After(issue) && !first {
				issue = newest
			}
			ok, err := f.publish(ctx, issue)
			if err != nil {
				return err
			}
			if ok {
				published++
			}
			issue = issue.AddDate(0, 0, 1) // China time has no summer time
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	if f.Logger != nil {
		f.Logger.Info("forecaster: the excerpt ends; no more forecasts", "published", published)
	}
	return nil
}

// publish sends the issue to every region; false when it holds no hour.
func (f *Forecaster) publish(ctx context.Context, issued time.Time) (bool, error) {
	fc := f.Forecast(issued)
	if len(fc.Hourly) == 0 {
		return false, nil
	}
	b, err := json.Marshal(fc)
	if err != nil {
		return false, err
	}
	for _, region := range f.Regions {
		topic := f.TopicPrefix + "/forecasts/" + region
		if err := f.Pub.Publish(ctx, topic, b); err != nil {
			return false, fmt.Errorf("simulate: publish forecast %s issued %s: %w", region, issued.Format(time.RFC3339), err)
		}
		if f.Logger != nil {
			f.Logger.Info("simulated forecast published", "region", region, "issued_at", fc.IssuedAt,
				"hours", len(fc.Hourly), "until", fc.Hourly[len(fc.Hourly)-1].Time, "topic", topic)
		}
	}
	return true, nil
}
