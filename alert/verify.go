package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// AddForecast checks and keeps a forecast, then evaluates its region at once
// (a new forecast may call for a warning now).
func (s *Service) AddForecast(ctx context.Context, f Forecast, by, role string) (Forecast, error) {
	if s.Forecasts == nil {
		return f, &Error{Code: CodeForecastInvalid, Message: "this service keeps no forecasts"}
	}
	now := s.now()
	if f.Received.IsZero() {
		f.Received = now
	}
	slices.SortStableFunc(f.Hourly, func(a, b HourlyForecast) int { return a.Time.Compare(b.Time) })
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

// VerificationRow compares one source's forecast of one past day with the
// observed daily AQI (the 24 h window of the natural day, China time).
type VerificationRow struct {
	Date          string    `json:"date"`
	Region        string    `json:"region"`
	Source        string    `json:"source"`
	IssuedAt      time.Time `json:"issued_at"`
	LeadDays      int       `json:"lead_days"` // whole days between issue and the day's start
	ForecastAQI   int       `json:"forecast_aqi"`
	ForecastLevel int       `json:"forecast_level"` // AQI category 1..6
	ObservedAQI   int       `json:"observed_aqi"`
	ObservedLevel int       `json:"observed_level"`
	Error         int       `json:"error"` // forecast − observed
}

// SourceScore summarises a source over the rows.
type SourceScore struct {
	Source       string  `json:"source"`
	Days         int     `json:"days"`
	MeanAbsError float64 `json:"mean_abs_error"`
	Bias         float64 `json:"bias"`
	LevelHitRate float64 `json:"level_hit_rate"`
	// WarningThreshold is the plan's one-day threshold (see
	// Plan.OneDayThreshold); the day counts are days above it.
	WarningThreshold int `json:"warning_threshold"`
	WarningDaysFcast int `json:"days_forecast_over_threshold"`
	WarningDaysObs   int `json:"days_observed_over_threshold"`
}

// Verification compares, for every past day in [from, to) (dates, China
// time) and every source, the newest forecast of that source issued before
// the day began with the observed daily AQI.
func (s *Service) Verification(ctx context.Context, from, to time.Time) ([]VerificationRow, []SourceScore, error) {
	now := s.now()
	if to.After(now) {
		to = now
	}
	rows := []VerificationRow{}
	for _, r := range s.Plan.Regions {
		fs, err := s.Forecasts.Forecasts(ctx, r.ID, from.Add(-10*24*time.Hour), to)
		if err != nil {
			return nil, nil, err
		}
		type k struct{ source, date string }
		best := map[k]VerificationRow{}
		for _, f := range fs {
			for _, d := range f.Daily {
				day, err := time.ParseInLocation(time.DateOnly, d.Date, CST)
				if err != nil || day.Before(from) || day.AddDate(0, 0, 1).After(to) || f.IssuedAt.After(day) {
					continue
				}
				key := k{f.Source, d.Date}
				if old, ok := best[key]; ok && old.IssuedAt.After(f.IssuedAt) {
					continue
				}
				best[key] = VerificationRow{Date: d.Date, Region: r.ID, Source: f.Source, IssuedAt: f.IssuedAt,
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
			if w.End.Sub(w.Start) == 24*time.Hour && w.End.In(CST).Hour() == 0 {
				daily[w.Start.In(CST).Format(time.DateOnly)] = w.AQI
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
	slices.SortFunc(rows, func(a, b VerificationRow) int {
		if a.Date != b.Date {
			return compareStrings(a.Date, b.Date)
		}
		if a.Region != b.Region {
			return compareStrings(a.Region, b.Region)
		}
		return compareStrings(a.Source, b.Source)
	})
	return rows, score(rows, s.Plan.OneDayThreshold()), nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func score(rows []VerificationRow, threshold int) []SourceScore {
	by := map[string]*SourceScore{}
	var names []string
	for _, r := range rows {
		sc := by[r.Source]
		if sc == nil {
			sc = &SourceScore{Source: r.Source, WarningThreshold: threshold}
			by[r.Source] = sc
			names = append(names, r.Source)
		}
		sc.Days++
		sc.MeanAbsError += float64(max(r.Error, -r.Error))
		sc.Bias += float64(r.Error)
		if r.ForecastLevel == r.ObservedLevel {
			sc.LevelHitRate++
		}
		if r.ForecastAQI > threshold {
			sc.WarningDaysFcast++
		}
		if r.ObservedAQI > threshold {
			sc.WarningDaysObs++
		}
	}
	slices.Sort(names)
	out := []SourceScore{}
	for _, n := range names {
		sc := by[n]
		d := float64(sc.Days)
		sc.MeanAbsError, sc.Bias, sc.LevelHitRate = sc.MeanAbsError/d, sc.Bias/d, sc.LevelHitRate/d
		out = append(out, *sc)
	}
	return out
}
