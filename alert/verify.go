package alert

import (
	"slices"
	"time"
)

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

// SortVerification orders rows by date, region and source.
func SortVerification(rows []VerificationRow) {
	slices.SortFunc(rows, func(a, b VerificationRow) int {
		if a.Date != b.Date {
			return compareStrings(a.Date, b.Date)
		}
		if a.Region != b.Region {
			return compareStrings(a.Region, b.Region)
		}
		return compareStrings(a.Source, b.Source)
	})
}

// ScoreVerification summarises rows per source against the plan's
// one-day threshold.
func ScoreVerification(rows []VerificationRow, threshold int) []SourceScore {
	return score(rows, threshold)
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
