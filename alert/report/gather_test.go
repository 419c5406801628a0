package report

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

type fakeWarnings map[int64]lifecycle.Warning

func (f fakeWarnings) Warning(_ context.Context, id int64) (lifecycle.Warning, error) {
	w, ok := f[id]
	if !ok {
		return w, &alert.Error{Code: alert.CodeNotFound, Message: fmt.Sprintf("no warning %d", id)}
	}
	return w, nil
}

// fakeHistory answers from recs by region and notes every query.
type fakeHistory struct {
	recs    map[string][]aqwarn.AQIRecord
	queries []string
	err     error
}

func (f *fakeHistory) AQIHistory(_ context.Context, scope, id string, from, to time.Time) ([]aqwarn.AQIRecord, error) {
	f.queries = append(f.queries, fmt.Sprintf("%s %s %s..%s", scope, id, from.Format(time.RFC3339), to.Format(time.RFC3339)))
	return f.recs[id], f.err
}

type fakeForecasts struct {
	fs  map[string][]alert.Forecast
	err error
}

func (f fakeForecasts) Forecasts(_ context.Context, region string, from, to time.Time) ([]alert.Forecast, error) {
	return f.fs[region], f.err
}

type fakeFollowups struct {
	notices []followup.Notice
	board   []followup.TaskState
	err     error
}

func (f fakeFollowups) Notices(context.Context, int64) ([]followup.Notice, error) {
	return f.notices, f.err
}
func (f fakeFollowups) Board(context.Context, int64) ([]followup.TaskState, error) {
	return f.board, nil
}

func loadPlan(t *testing.T) *alert.Plan {
	t.Helper()
	p, err := alert.LoadPlan("../../configs/plans/jianghua-2024.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func aqiRec(region string, at time.Time, v *int) aqwarn.AQIRecord {
	return aqwarn.AQIRecord{Scope: aqwarn.ScopeRegion, ID: region, Time: at, Hourly: aqwarn.AQIValue{AQI: v}}
}

func intp(v int) *int { return &v }

// The episode of a lifted county warning: its span (from the episode's
// start), the county's and a town's hourly AQI, the forecasts known before
// each day, the steps named by the plan, the units, notices and board.
func TestGatherLiftedEpisode(t *testing.T) {
	plan := loadPlan(t)
	issued := time.Date(2015, 11, 29, 8, 0, 0, 0, time.UTC)
	episode := issued.Add(-6 * time.Hour)
	lifted := issued.Add(72 * time.Hour)
	now := lifted.Add(240 * time.Hour)
	w := lifecycle.Warning{ID: 4, Region: "jianghua", Issued: issued, EpisodeStart: episode, Lifted: &lifted,
		Transitions: []lifecycle.Transition{
			{At: issued, Kind: "issue", Region: "jianghua", ToID: "yellow"},
			{At: issued.Add(24 * time.Hour), Kind: "upgrade", Region: "jianghua", ToID: "orange"},
			{At: lifted, Kind: "lift", Region: "jianghua", ToID: "none"},
		}}
	hist := &fakeHistory{recs: map[string][]aqwarn.AQIRecord{
		"jianghua": {aqiRec("jianghua", issued, intp(210)), aqiRec("jianghua", issued.Add(time.Hour), nil), aqiRec("jianghua", issued.Add(2*time.Hour), intp(230))},
		"tuojiang": {aqiRec("tuojiang", issued, intp(250))},
		"taoxu":    {aqiRec("taoxu", issued, nil)}, // no AQI at all: no series
	}}
	day := func(d string) time.Time { t, _ := time.ParseInLocation(time.DateOnly, d, cst); return t }
	fcs := fakeForecasts{fs: map[string][]alert.Forecast{"jianghua": {
		{Source: "city", IssuedAt: day("2015-11-28").Add(-8 * time.Hour), Daily: []alert.DailyForecast{{Date: "2015-11-29", AQI: 150}, {Date: "2015-11-30", AQI: 170}}},
		{Source: "city", IssuedAt: day("2015-11-29").Add(-8 * time.Hour), Daily: []alert.DailyForecast{{Date: "2015-11-29", AQI: 205}}},                // later, still before the day: wins
		{Source: alert.BaselinePersistence, IssuedAt: day("2015-11-29").Add(-time.Hour), Daily: []alert.DailyForecast{{Date: "2015-11-29", AQI: 999}}}, // the baseline: never
		{Source: "city", IssuedAt: day("2015-11-30").Add(time.Hour), Daily: []alert.DailyForecast{{Date: "2015-11-30", AQI: 888}}},                     // issued during the day: not a forecast of it
	}}}
	fu := fakeFollowups{notices: []followup.Notice{{WarningID: 4, Unit: "finance"}}, board: []followup.TaskState{{WarningID: 4, Unit: "finance", Task: "t1"}}}

	in, err := Gather(context.Background(), Sources{Plan: plan, Warnings: fakeWarnings{4: w}, History: hist, Forecasts: fcs, Followups: fu}, 4, now)
	if err != nil {
		t.Fatal(err)
	}
	if in.Title != plan.NameZH || in.EpisodeID != "jianghua-4" || !in.Start.Equal(episode) || !in.End.Equal(lifted) || !in.GeneratedAt.Equal(now) {
		t.Errorf("title %q, episode %q, %v .. %v, generated %v", in.Title, in.EpisodeID, in.Start, in.End, in.GeneratedAt)
	}
	// The county and every sub-region are read, a day either side of the episode.
	if len(hist.queries) != len(plan.Regions) {
		t.Errorf("%d history queries, want one per region of the county (%d): %v", len(hist.queries), len(plan.Regions), hist.queries)
	}
	if want := "region jianghua 2015-11-28T02:00:00Z..2015-12-03T08:00:00Z"; hist.queries[0] != want {
		t.Errorf("first query %q, want %q", hist.queries[0], want)
	}
	want := []Series{
		{Region: "jianghua", NameZH: "江华瑶族自治县", NameEN: "Jianghua Yao Autonomous County", Points: []Point{{T: issued, AQI: 210}, {T: issued.Add(2 * time.Hour), AQI: 230}}},
		{Region: "tuojiang", NameZH: "沱江镇", NameEN: "Tuojiang", Points: []Point{{T: issued, AQI: 250}}},
	}
	if !reflect.DeepEqual(in.Series, want) {
		t.Errorf("series %+v\nwant %+v", in.Series, want)
	}
	wantF := []DayForecast{{Region: "jianghua", Day: "2015-11-29", AQI: 205, Source: "city"}, {Region: "jianghua", Day: "2015-11-30", AQI: 170, Source: "city"}}
	if !reflect.DeepEqual(in.Forecasts, wantF) {
		t.Errorf("forecasts %+v\nwant %+v", in.Forecasts, wantF)
	}
	var steps []string
	for _, s := range in.Steps {
		steps = append(steps, fmt.Sprintf("%s %s %s/%s %s", s.Kind, s.LevelID, s.LevelZH, s.LevelEN, s.Color))
	}
	yellow, orange := plan.Spec(mustLevel(t, plan, "yellow")), plan.Spec(mustLevel(t, plan, "orange"))
	wantSteps := []string{"issue yellow " + yellow.NameZH + "/" + yellow.NameEN + " " + yellow.Color,
		"upgrade orange " + orange.NameZH + "/" + orange.NameEN + " " + orange.Color, "lift none 无预警/No warning "}
	if !slices.Equal(steps, wantSteps) {
		t.Errorf("steps %q\nwant %q", steps, wantSteps)
	}
	if len(in.Units) != len(plan.Units) || in.Units[0].ID != plan.Units[0].ID || in.Units[0].NameEN != plan.Units[0].NameEN {
		t.Errorf("units %+v", in.Units)
	}
	if !reflect.DeepEqual(in.Notices, fu.notices) || !reflect.DeepEqual(in.Tasks, fu.board) {
		t.Errorf("notices %+v, tasks %+v", in.Notices, in.Tasks)
	}
}

func mustLevel(t *testing.T, p *alert.Plan, id string) alert.Level {
	t.Helper()
	l, ok := p.LevelByID(id)
	if !ok {
		t.Fatalf("no level %q", id)
	}
	return l
}

// A warning in force ends now; a town's warning reads only the town; no
// forecast store, or one that fails, gives a report without forecasts.
func TestGatherOpenWarningWithoutForecasts(t *testing.T) {
	plan := loadPlan(t)
	issued := time.Date(2015, 12, 1, 0, 0, 0, 0, time.UTC)
	now := issued.Add(5 * time.Hour)
	ws := fakeWarnings{1: {ID: 1, Region: "tuojiang", Issued: issued, EpisodeStart: issued.Add(time.Hour)}} // a later episode start is not the start
	for _, fc := range []Forecasts{nil, fakeForecasts{err: errors.New("store down")}} {
		hist := &fakeHistory{recs: map[string][]aqwarn.AQIRecord{"tuojiang": {aqiRec("tuojiang", issued, intp(160))}}}
		in, err := Gather(context.Background(), Sources{Plan: plan, Warnings: ws, History: hist, Forecasts: fc, Followups: fakeFollowups{}}, 1, now)
		if err != nil {
			t.Fatal(err)
		}
		if !in.Start.Equal(issued) || !in.End.Equal(now) {
			t.Errorf("span %v .. %v, want %v .. now %v", in.Start, in.End, issued, now)
		}
		if len(hist.queries) != 1 || !strings.HasPrefix(hist.queries[0], "region tuojiang ") {
			t.Errorf("queries %v, want the town's only", hist.queries)
		}
		if len(in.Series) != 1 || in.Forecasts != nil {
			t.Errorf("series %+v, forecasts %+v", in.Series, in.Forecasts)
		}
	}
}

// What the report cannot do without is an error: the warning, its AQI, its notices.
func TestGatherErrors(t *testing.T) {
	plan := loadPlan(t)
	ws := fakeWarnings{1: {ID: 1, Region: "jianghua"}}
	ok := &fakeHistory{}
	for name, src := range map[string]Sources{
		"no such warning": {Plan: plan, Warnings: fakeWarnings{}, History: ok, Followups: fakeFollowups{}},
		"history":         {Plan: plan, Warnings: ws, History: &fakeHistory{err: errors.New("history down")}, Followups: fakeFollowups{}},
		"notices":         {Plan: plan, Warnings: ws, History: ok, Followups: fakeFollowups{err: errors.New("notices down")}},
	} {
		if _, err := Gather(context.Background(), src, 1, time.Now()); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Gather(context.Background(), Sources{Plan: plan, Warnings: fakeWarnings{}, History: ok, Followups: fakeFollowups{}}, 9, time.Now()); alert.ErrorCode(err) != alert.CodeNotFound {
		t.Errorf("unknown warning: %v, want the store's not_found", err)
	}
}
