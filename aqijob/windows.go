package aqijob

import (
	"context"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/aqi"
)

// AQIHistory lists the stored hourly AQI records of a station or region
// with hour ends in (from, to], oldest first (what the job writes; store/sqlite.DB).
type AQIHistory interface {
	AQIHistory(ctx context.Context, scope, id string, from, to time.Time) ([]aqwarn.AQIRecord, error)
}

// ObservedWindows is what the warning engine observed of a region, read
// from the job's region records: the rolling 24 h AQI ending at each hour
// as a window (Observed), and the hourly concentrations the blended series
// of an hourly forecast continues (ObservedHours).
type ObservedWindows struct {
	History AQIHistory
	// Window is the length of a window, the plan's (24 h).
	Window time.Duration
}

var (
	_ lifecycle.Observations       = ObservedWindows{}
	_ lifecycle.HourlyObservations = ObservedWindows{}
)

// Observed returns the region's observed windows ending in (from, to]; an
// hour without a 24 h AQI gives none.
func (o ObservedWindows) Observed(ctx context.Context, region string, from, to time.Time) ([]alert.Window, error) {
	recs, err := o.History.AQIHistory(ctx, aqwarn.ScopeRegion, region, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]alert.Window, 0, len(recs))
	for _, rec := range recs {
		if v := rec.Rolling24h.AQI; v != nil {
			out = append(out, alert.Window{Start: rec.Time.Add(-o.Window), End: rec.Time, AQI: *v, Source: alert.SourceObserved})
		}
	}
	return out, nil
}

// ObservedHours returns the region's hourly concentrations, one hour per
// record: a pollutant it did not compute is missing (NaN), and names that
// are no pollutant are left out.
func (o ObservedWindows) ObservedHours(ctx context.Context, region string, from, to time.Time) ([]alert.SeriesHour, error) {
	recs, err := o.History.AQIHistory(ctx, aqwarn.ScopeRegion, region, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]alert.SeriesHour, 0, len(recs))
	for _, rec := range recs {
		h := aqi.MissingHour()
		for name, v := range rec.Conc {
			if p, ok := aqi.ParsePollutant(name); ok {
				h[p] = v
			}
		}
		out = append(out, alert.SeriesHour{Time: rec.Time, Values: h})
	}
	return out, nil
}
