package lifecycle

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/aqi"
)

// AddForecast checks and keeps a forecast, then evaluates its region at once
// (a new forecast may call for a warning now).
func (s *Service) AddForecast(ctx context.Context, f alert.Forecast, by, role string) (alert.Forecast, error) {
	if s.Forecasts == nil {
		return f, &alert.Error{Code: alert.CodeForecastInvalid, Message: "this service keeps no forecasts"}
	}
	now := s.now()
	if f.Received.IsZero() {
		f.Received = now
	}
	slices.SortStableFunc(f.Hourly, func(a, b alert.HourlyForecast) int { return a.Time.Compare(b.Time) })
	if err := f.Check(s.Plan); err != nil {
		return f, err
	}
	id, err := s.Forecasts.AddForecast(ctx, f)
	if err != nil {
		return f, err
	}
	f.ID = id
	detail, _ := json.Marshal(struct {
		Region string    `json:"region"`
		Source string    `json:"source"`
		Issued time.Time `json:"issued_at"`
		Days   int       `json:"days,omitempty"`
		Hours  int       `json:"hours,omitempty"`
	}{f.Region, f.Source, f.IssuedAt, len(f.Daily), len(f.Hourly)})
	if err := s.Store.AppendAudit(ctx, AuditEntry{At: now, Actor: by, Role: role, Action: "forecast",
		Subject: fmt.Sprintf("forecast %d", id), Detail: detail}); err != nil {
		return f, err
	}
	_, err = s.EvaluateRegion(ctx, f.Region, now)
	return f, err
}

// Verification compares, for every past day in [from, to) (dates, China
// time) and every source, the newest forecast of that source issued before
// the day began with the observed daily AQI.
func (s *Service) Verification(ctx context.Context, from, to time.Time) ([]alert.VerificationRow, []alert.SourceScore, error) {
	now := s.now()
	if to.After(now) {
		to = now
	}
	rows := []alert.VerificationRow{}
	for _, r := range s.Plan.Regions {
		fs, err := s.Forecasts.Forecasts(ctx, r.ID, from.Add(-10*24*time.Hour), to)
		if err != nil {
			return nil, nil, err
		}
		type k struct{ source, date string }
		best := map[k]alert.VerificationRow{}
		for _, f := range fs {
			for _, d := range f.Daily {
				day, err := time.ParseInLocation(time.DateOnly, d.Date, alert.CST)
				if err != nil || day.Before(from) || day.AddDate(0, 0, 1).After(to) || f.IssuedAt.After(day) {
					continue
				}
				key := k{f.Source, d.Date}
				if old, ok := best[key]; ok && old.IssuedAt.After(f.IssuedAt) {
					continue
				}
				best[key] = alert.VerificationRow{Date: d.Date, Region: r.ID, Source: f.Source, IssuedAt: f.IssuedAt,
					LeadDays: int(day.Sub(f.IssuedAt) / (24 * time.Hour)), ForecastAQI: d.AQI, ForecastLevel: aqi.LevelOf(d.AQI)}
			}
		}
		if len(best) == 0 || s.Observations == nil {
			continue
		}
		obs, err := s.Observations.Observed(ctx, r.ID, from, to)
		if err != nil {
			return nil, nil, err
		}
		daily := map[string]int{}
		for _, w := range obs {
			if w.End.Sub(w.Start) == 24*time.Hour && w.End.In(alert.CST).Hour() == 0 {
				daily[w.Start.In(alert.CST).Format(time.DateOnly)] = w.AQI
			}
		}
		for _, row := range best {
			o, ok := daily[row.Date]
			if !ok {
				continue
			}
			row.ObservedAQI, row.ObservedLevel, row.Error = o, aqi.LevelOf(o), row.ForecastAQI-o
			rows = append(rows, row)
		}
	}
	alert.SortVerification(rows)
	return rows, alert.ScoreVerification(rows, s.Plan.OneDayThreshold()), nil
}

// StateOf is the state a warning (nil: none) leaves its region in.
func StateOf(w *Warning) alert.State {
	switch {
	case w == nil:
		return alert.StateNone
	case w.Paused:
		return alert.StatePaused
	}
	return alert.StateActive
}
