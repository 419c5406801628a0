package report

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

// Warnings finds a warning with its transitions (lifecycle.WarningStore).
type Warnings interface {
	Warning(ctx context.Context, id int64) (lifecycle.Warning, error)
}

// AQIHistory lists the stored hourly AQI records of a station or region
// with hour ends in (from, to], oldest first (store/sqlite.DB).
type AQIHistory interface {
	AQIHistory(ctx context.Context, scope, id string, from, to time.Time) ([]aqwarn.AQIRecord, error)
}

// Forecasts lists a region's forecasts issued in [from, to], oldest issue
// first (lifecycle.ForecastStore).
type Forecasts interface {
	Forecasts(ctx context.Context, region string, from, to time.Time) ([]alert.Forecast, error)
}

// Followups lists a warning's notices and its task board (store/sqlite.Deliveries).
type Followups interface {
	Notices(ctx context.Context, warningID int64) ([]followup.Notice, error)
	Board(ctx context.Context, warningID int64) ([]followup.TaskState, error)
}

// Sources are what an episode's report is gathered from.
type Sources struct {
	Plan      *alert.Plan
	Warnings  Warnings
	History   AQIHistory
	Forecasts Forecasts // optional: no forecast against observed without it
	Followups Followups
	Logger    *slog.Logger // optional: where a report without forecasts is told
	// Compliance gives the listed sources' compliance section (optional:
	// none without it).
	Compliance ComplianceSource
}

// Gather collects the report of a warning's episode (from issue, or the
// episode's earlier start, to lift, or now while it is in force): the
// hourly AQI of its region and sub-regions (a day either side), the daily
// forecasts as known before each day, the warning's steps, the units and
// their notices and tasks. now is the report's "now" (lateness, an open end).
func Gather(ctx context.Context, src Sources, warningID int64, now time.Time) (Input, error) {
	wr, err := src.Warnings.Warning(ctx, warningID)
	if err != nil {
		return Input{}, err
	}
	plan := src.Plan
	in := Input{Title: plan.NameZH, EpisodeID: fmt.Sprintf("%s-%d", wr.Region, wr.ID), Start: wr.Issued,
		End: now, GeneratedAt: now}
	if wr.Lifted != nil {
		in.End = *wr.Lifted
	}
	if !wr.EpisodeStart.IsZero() && wr.EpisodeStart.Before(in.Start) {
		in.Start = wr.EpisodeStart
	}
	for _, r := range plan.Regions {
		if r.ID != wr.Region && r.Parent != wr.Region {
			continue
		}
		recs, err := src.History.AQIHistory(ctx, aqwarn.ScopeRegion, r.ID, in.Start.Add(-24*time.Hour), in.End.Add(24*time.Hour))
		if err != nil {
			return in, err
		}
		s := Series{Region: r.ID, NameZH: r.NameZH, NameEN: r.NameEN}
		for _, rec := range recs {
			if rec.Hourly.AQI != nil {
				s.Points = append(s.Points, Point{T: rec.Time, AQI: *rec.Hourly.AQI})
			}
		}
		if len(s.Points) > 0 {
			in.Series = append(in.Series, s)
		}
		in.Forecasts = append(in.Forecasts, src.dayForecasts(ctx, r.ID, in.Start, in.End)...)
	}
	for _, t := range wr.Transitions {
		st := Step{At: t.At, Kind: t.Kind, Region: t.Region, LevelID: t.ToID}
		if l, ok := plan.LevelByID(t.ToID); ok && l != alert.LevelNone {
			spec := plan.Spec(l)
			st.LevelZH, st.LevelEN, st.Color = spec.NameZH, spec.NameEN, spec.Color
		} else {
			st.LevelZH, st.LevelEN = plan.None.NameZH, plan.None.NameEN
		}
		in.Steps = append(in.Steps, st)
	}
	for _, u := range plan.Units {
		in.Units = append(in.Units, UnitName{ID: u.ID, NameZH: u.NameZH, NameEN: u.NameEN})
	}
	if in.Notices, err = src.Followups.Notices(ctx, warningID); err != nil {
		return in, err
	}
	if in.Tasks, err = src.Followups.Board(ctx, warningID); err != nil {
		return in, err
	}
	if src.Compliance != nil {
		if in.Compliance, err = src.Compliance.ComplianceSection(ctx, highestLevel(plan, wr), in.Start, in.End, now); err != nil {
			return in, err
		}
	}
	return in, nil
}

// highestLevel is the id of the highest level the warning reached.
func highestLevel(plan *alert.Plan, wr lifecycle.Warning) string {
	best, id := alert.LevelNone, wr.LevelID
	for _, t := range wr.Transitions {
		if l, ok := plan.LevelByID(t.ToID); ok && l > best {
			best, id = l, t.ToID
		}
	}
	return id
}

// dayForecasts are, per day of [from, to], the daily AQI forecast issued
// last before the day began (forecasters' ones, not the persistence
// baseline): forecast against observed in the report. Without them (no
// store, or it failed) the report still comes, without forecasts.
func (src Sources) dayForecasts(ctx context.Context, region string, from, to time.Time) []DayForecast {
	if src.Forecasts == nil {
		return nil
	}
	fs, err := src.Forecasts.Forecasts(ctx, region, from.Add(-72*time.Hour), to)
	if err != nil {
		if src.Logger != nil {
			src.Logger.Warn("report without forecasts", "region", region, "err", err)
		}
		return nil
	}
	best := map[string]DayForecast{}
	issued := map[string]time.Time{}
	for _, f := range fs {
		if f.Source == alert.BaselinePersistence {
			continue
		}
		for _, d := range f.Daily {
			start, err := time.ParseInLocation(time.DateOnly, d.Date, cst) // the plan's days
			if err != nil || !f.IssuedAt.Before(start) || f.IssuedAt.Before(issued[d.Date]) {
				continue
			}
			issued[d.Date] = f.IssuedAt
			best[d.Date] = DayForecast{Region: region, Day: d.Date, AQI: d.AQI, Source: f.Source}
		}
	}
	out := make([]DayForecast, 0, len(best))
	for _, f := range best {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b DayForecast) int { return strings.Compare(a.Day, b.Day) })
	return out
}
