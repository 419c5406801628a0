package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/stats"
	"github.com/aqwarn/aqwarn/stats/statsreport"
)

// StatsDays gives a scope's complete natural days of a period at now
// (stats/statsvc.Service): later days are left out; an unknown scope is a
// not-found error.
type StatsDays interface {
	Days(ctx context.Context, sc stats.Scope, p stats.Period, now time.Time) ([]stats.Day, error)
}

// WarningHistory lists the warnings that existed in [from, to), with their
// transitions (lifecycle.WarningHistory: both stores).
type WarningHistory interface {
	WarningsBetween(ctx context.Context, from, to time.Time) ([]lifecycle.Warning, error)
}

var _ WarningHistory = (*lifecycle.MemStore)(nil)

// StatsDeps are the statistics (stats.go): the days, the warnings beside
// the heavy days and the county's targets. Nil, or nil Days: the routes
// answer 503.
type StatsDeps struct {
	Days     StatsDays
	Warnings WarningHistory // nil: heavy days are shown without warnings
	Plan     *alert.Plan    // names the warnings' levels and the report's issuer
	// Targets are the county's yearly targets; nil: none are configured.
	Targets *stats.Targets
	// TargetsYear, when not 0, applies the targets to that year instead
	// of their own (the demo applies its illustrative targets to the
	// replayed year), and TargetsNote says so.
	TargetsYear int
	TargetsNote string
	// DataNoteZH and DataNoteEN say what the data are when they are not
	// all measured (the demo's simulated year); shown with every answer.
	DataNoteZH, DataNoteEN string
	Now                    func() time.Time
}

func (s *StatsDeps) ready(c *gin.Context) bool {
	if s == nil || s.Days == nil {
		writeError(c, aqwarn.Errorf(aqwarn.EUNAVAILABLE, "statistics are not available / 统计功能不可用"))
		return false
	}
	return true
}

// badRequest is a parameter the statistics cannot take: 400 with the
// message in English and Chinese.
func badRequest(format string, args ...any) error {
	return &aqwarn.Error{Code: "bad_request", Message: fmt.Sprintf(format, args...)}
}

// The longest period one request computes: a year (and, beside it, the
// same period last year).
const maxStatsDays = 366

// parseStatsPeriod reads a period: "2026" (a year), "2026-11" (a month),
// "2026-Q4" (a quarter), "2026-winter" (a season: winter 2026 is December
// 2025 to February 2026), "2026-11-03" (a day), "2026-01-01..2026-03-31"
// (the days from the first to the last, both included); empty: the year
// of now.
func parseStatsPeriod(s string, now time.Time) (stats.Period, error) {
	s = strings.TrimSpace(s)
	bad := func() (stats.Period, error) {
		return stats.Period{}, badRequest("period %q: want 2026, 2026-11, 2026-Q4, 2026-winter, 2026-11-03 or 2026-01-01..2026-03-31 / 统计时段格式不对", s)
	}
	var p stats.Period
	switch {
	case s == "":
		p = stats.YearPeriod(now.In(CST).Year())
	case len(s) == 7 && s[4] == '-' && (s[5] == 'Q' || s[5] == 'q') && s[6] >= '1' && s[6] <= '4':
		y, err := strconv.Atoi(s[:4])
		if err != nil {
			return bad()
		}
		from := stats.Date(y, time.Month(3*int(s[6]-'1')+1), 1)
		p = stats.Period{From: from, To: from.AddDate(0, 3, 0), Label: fmt.Sprintf("%d-Q%c", y, s[6])}
	case strings.Contains(s, ".."):
		a, b, _ := strings.Cut(s, "..")
		from, err1 := time.ParseInLocation(time.DateOnly, a, CST)
		last, err2 := time.ParseInLocation(time.DateOnly, b, CST)
		if err1 != nil || err2 != nil {
			return bad()
		}
		if last.Before(from) {
			return stats.Period{}, badRequest("period %q: the last day is before the first / 结束日期早于开始日期", s)
		}
		p = stats.Between(from, last.AddDate(0, 0, 1))
		p.Label = a + ".." + b
	default:
		var err error
		if p, err = stats.ParsePeriod(s); err != nil {
			return bad()
		}
	}
	if y := p.From.In(CST).Year(); y < 2000 || y > 2100 {
		return stats.Period{}, badRequest("period %q: the year must be 2000..2100 / 年份超出范围", s)
	}
	if p.Days() > maxStatsDays {
		return stats.Period{}, badRequest("period %q: at most %d days a request; ask for each year / 统计时段不超过一年", s, maxStatsDays)
	}
	return p, nil
}

// statsScope reads scope= and id=: a region (the default, and without id
// the county) or a station of the configuration.
func statsScope(q func(string) string, d Deps) (stats.Scope, string, string, error) {
	kind, id := q("scope"), q("id")
	if kind == "" {
		kind = aqwarn.ScopeRegion
	}
	switch kind {
	case aqwarn.ScopeRegion:
		if id == "" {
			id = countyOf(d.Regions)
		}
		for _, r := range d.Regions {
			if r.ID == id {
				return stats.Scope{Kind: kind, ID: id}, r.NameZH, r.NameEN, nil
			}
		}
		return stats.Scope{}, "", "", aqwarn.Errorf(aqwarn.ENOTFOUND, "no region %q / 没有该区域", id)
	case aqwarn.ScopeStation:
		for _, s := range d.Stations {
			if s.ID == id {
				return stats.Scope{Kind: kind, ID: id}, s.NameZH, s.NameEN, nil
			}
		}
		if id == "" {
			return stats.Scope{}, "", "", badRequest("scope=station needs id= a station / 请指明监测站")
		}
		return stats.Scope{}, "", "", aqwarn.Errorf(aqwarn.ENOTFOUND, "no station %q / 没有该监测站", id)
	}
	return stats.Scope{}, "", "", badRequest("scope %q: want region or station / 统计范围应为 region 或 station", kind)
}

// countyOf is the top region (the county).
func countyOf(regions []aqwarn.Region) string {
	for _, r := range regions {
		if r.Parent == "" {
			return r.ID
		}
	}
	return ""
}

// StatsResponse is the body of GET /api/v1/stats.
type StatsResponse struct {
	Scope  stats.Scope  `json:"scope"`
	NameZH string       `json:"name_zh"`
	NameEN string       `json:"name_en"`
	Period stats.Period `json:"period"`
	// AsOf is the last complete day counted ("" none yet); Complete says
	// the whole period is over.
	AsOf     string        `json:"as_of"`
	Complete bool          `json:"complete"`
	Summary  stats.Summary `json:"summary"`
	// LastYear compares with the same period a year earlier; null when
	// that period has no valid day.
	LastYear *stats.Comparison `json:"last_year"`
	// Heavy are the heavy-pollution days with the warnings in force on
	// each (statsreport.Beside).
	Heavy []statsreport.HeavyDay `json:"heavy"`
	// Days are the complete days, each with the edition of HJ 633 it used.
	Days []stats.Day `json:"days"`
	// Bands are the categories with their official colours and AQI
	// ranges: what the calendar colours days by.
	Bands []statsreport.Band `json:"bands"`
	// DataNoteZH and DataNoteEN say when the data are not all measured
	// (the demo's simulated year).
	DataNoteZH string `json:"data_note_zh,omitempty"`
	DataNoteEN string `json:"data_note_en,omitempty"`
}

// statsView computes a scope's period: its days, summary, last year and
// heavy days beside the warnings.
type statsView struct {
	StatsResponse
	warnings []statsreport.Warning
}

func (s *StatsDeps) view(ctx context.Context, d Deps, sc stats.Scope, nameZH, nameEN string, p stats.Period, now time.Time) (statsView, error) {
	days, err := s.Days.Days(ctx, sc, p, now)
	if err != nil {
		return statsView{}, err
	}
	v := statsView{StatsResponse: StatsResponse{Scope: sc, NameZH: nameZH, NameEN: nameEN, Period: p, Days: days,
		Complete: len(days) == p.Days(), Bands: statsreport.Bands(), DataNoteZH: s.DataNoteZH, DataNoteEN: s.DataNoteEN}}
	if n := len(days); n > 0 {
		v.AsOf = days[n-1].Date.In(CST).Format(time.DateOnly)
	}
	v.Summary = stats.Summarise(sc, days, p)
	lp := p.LastYear()
	last, err := s.Days.Days(ctx, sc, lp, now)
	if err != nil {
		return statsView{}, err
	}
	if ls := stats.Summarise(sc, last, lp); ls.ValidDays > 0 {
		c := stats.Compare(v.Summary, ls)
		v.LastYear = &c
	}
	if v.warnings, err = s.warningsOf(ctx, d, sc, p); err != nil {
		return statsView{}, err
	}
	v.Heavy = statsreport.Beside(v.Summary.Heavy, v.warnings)
	return v, nil
}

// warningsOf are the warnings of the scope's related regions (the region,
// those above it, and for a region those below) that existed in p.
func (s *StatsDeps) warningsOf(ctx context.Context, d Deps, sc stats.Scope, p stats.Period) ([]statsreport.Warning, error) {
	out := []statsreport.Warning{}
	if s.Warnings == nil || s.Plan == nil {
		return out, nil
	}
	ws, err := s.Warnings.WarningsBetween(ctx, p.From, p.To)
	if err != nil {
		return nil, err
	}
	related := statsreport.Related(d.Regions, d.Stations, sc)
	for _, w := range ws {
		if related[w.Region] {
			out = append(out, statsreport.WarningOf(s.Plan, w))
		}
	}
	return out, nil
}

func handleStats(s *StatsDeps, d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !s.ready(c) {
			return
		}
		now := s.Now()
		sc, zh, en, err := statsScope(c.Query, d)
		if err != nil {
			writeError(c, err)
			return
		}
		p, err := parseStatsPeriod(c.Query("period"), now)
		if err != nil {
			writeError(c, err)
			return
		}
		v, err := s.view(c.Request.Context(), d, sc, zh, en, p, now)
		if err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, v.StatsResponse)
	}
}

// TargetsResponse is the body of GET /api/v1/targets.
type TargetsResponse struct {
	// Configured is false when the service has no targets (targets:);
	// the message says so and Targets is empty.
	Configured   bool   `json:"configured"`
	MessageZH    string `json:"message_zh,omitempty"`
	MessageEN    string `json:"message_en,omitempty"`
	ID           string `json:"id,omitempty"`
	Year         int    `json:"year,omitempty"`
	NameZH       string `json:"name_zh,omitempty"`
	NameEN       string `json:"name_en,omitempty"`
	Source       string `json:"source,omitempty"`
	Illustrative bool   `json:"illustrative"`
	// Note says how the targets were applied (the demo's year).
	Note    string           `json:"note,omitempty"`
	Targets []TargetProgress `json:"targets"`
}

// TargetProgress is one target: where it stands (stats.Progress: the value
// so far, what the rest of the year must do in plain words, the
// projection, the status) and whether it is illustrative.
type TargetProgress struct {
	stats.Progress
	Illustrative bool `json:"illustrative"`
}

// progress evaluates every target at now (sc: only that scope's; zero:
// all), each against its scope's days of the year and, for the
// projection and a reduction on last year, the two years before.
func (s *StatsDeps) progress(ctx context.Context, sc stats.Scope, now time.Time) ([]stats.Progress, error) {
	out := []stats.Progress{}
	if s.Targets == nil {
		return out, nil
	}
	for _, t := range s.Targets.List() {
		if sc.ID != "" && t.Scope != sc {
			continue
		}
		if s.TargetsYear != 0 && s.TargetsYear != t.Year {
			t.Year = s.TargetsYear
			t = t.Restated()
		}
		year := stats.YearPeriod(t.Year)
		days, err := s.Days.Days(ctx, t.Scope, year, now)
		if err != nil {
			return nil, err
		}
		past, err := s.Days.Days(ctx, t.Scope, stats.Period{From: year.From.AddDate(-2, 0, 0), To: year.From}, now)
		if err != nil {
			return nil, err
		}
		out = append(out, stats.Evaluate(t, days, now, past))
	}
	return out, nil
}

func handleTargets(s *StatsDeps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !s.ready(c) {
			return
		}
		if s.Targets == nil {
			c.JSON(http.StatusOK, TargetsResponse{Targets: []TargetProgress{},
				MessageZH: "未配置年度空气质量目标。", MessageEN: "No yearly air-quality targets are configured."})
			return
		}
		ps, err := s.progress(c.Request.Context(), stats.Scope{}, s.Now())
		if err != nil {
			writeError(c, err)
			return
		}
		ts := s.Targets
		resp := TargetsResponse{Configured: true, ID: ts.ID, Year: ts.Year, NameZH: ts.NameZH, NameEN: ts.NameEN, Source: ts.Source,
			Illustrative: ts.Illustrative, Note: s.TargetsNote, Targets: make([]TargetProgress, 0, len(ps))}
		if s.TargetsYear != 0 {
			resp.Year = s.TargetsYear
		}
		for _, p := range ps {
			resp.Targets = append(resp.Targets, TargetProgress{Progress: p, Illustrative: ts.Illustrative})
		}
		c.JSON(http.StatusOK, resp)
	}
}

// handleStatsReport serves the monthly (?month=2026-11) or annual
// (?year=2026) report of a region (region=, default the county) or a
// station (station=), as printable HTML or, with format=csv, CSV.
func handleStatsReport(s *StatsDeps, d Deps, kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !s.ready(c) {
			return
		}
		now := s.Now()
		var p stats.Period
		var err error
		switch kind {
		case statsreport.Monthly:
			m := c.Query("month")
			if len(m) != 7 {
				writeError(c, badRequest("month=%q: want a month like 2026-11 / 月份格式应为 2026-11", m))
				return
			}
			p, err = stats.ParsePeriod(m)
		default:
			y := c.Query("year")
			if len(y) != 4 {
				writeError(c, badRequest("year=%q: want a year like 2026 / 年份格式应为 2026", y))
				return
			}
			p, err = stats.ParsePeriod(y)
		}
		if err != nil {
			writeError(c, badRequest("%v / 时段格式不对", err))
			return
		}
		format := c.DefaultQuery("format", "html")
		if format != "html" && format != "csv" {
			writeError(c, badRequest("format=%q: want html or csv / 格式应为 html 或 csv", format))
			return
		}
		if c.Query("station") != "" && c.Query("region") != "" {
			writeError(c, badRequest("give region= or station=, not both / 区域与监测站只能选一"))
			return
		}
		q := func(k string) string {
			switch k {
			case "scope":
				if c.Query("station") != "" {
					return aqwarn.ScopeStation
				}
				return aqwarn.ScopeRegion
			case "id":
				return c.Query("station") + c.Query("region")
			}
			return ""
		}
		sc, zh, en, err := statsScope(q, d)
		if err != nil {
			writeError(c, err)
			return
		}
		ctx := c.Request.Context()
		v, err := s.view(ctx, d, sc, zh, en, p, now)
		if err != nil {
			writeError(c, err)
			return
		}
		in := statsreport.Input{Kind: kind, Scope: sc, ScopeZH: zh, ScopeEN: en, Period: p, AsOf: v.AsOf, GeneratedAt: now,
			Summary: v.Summary, LastYear: v.LastYear, Days: v.Days, Warnings: v.warnings, Heavy: v.Heavy}
		if s.Plan != nil {
			in.TitleZH, in.TitleEN = s.Plan.NameZH, s.Plan.NameEN
		}
		if kind == statsreport.Annual {
			for m := time.January; m <= time.December; m++ {
				in.Months = append(in.Months, stats.Summarise(sc, v.Days, stats.MonthPeriod(p.From.Year(), m)))
			}
		}
		// The targets as they stood at the period's end (or now).
		at := p.To
		if now.Before(at) {
			at = now
		}
		if in.Targets, err = s.progress(ctx, sc, at); err != nil {
			writeError(c, err)
			return
		}
		if s.Targets != nil {
			in.Illustrative, in.TargetsNote = s.Targets.Illustrative, s.TargetsNote
		}
		writeReport(c, format == "csv", fmt.Sprintf("%s-%s-%s", kind, sc.ID, p.Label),
			func() ([]byte, error) { return statsreport.HTML(in) }, func() ([]byte, error) { return statsreport.CSV(in) })
	}
}

// writeReport answers with a report: as a CSV attachment named name.csv,
// or as printable HTML with its own policy (its own styles, no script, no
// frame).
func writeReport(c *gin.Context, csv bool, name string, html, csvOf func() ([]byte, error)) {
	if csv {
		b, err := csvOf()
		if err != nil {
			writeError(c, err)
			return
		}
		c.Header("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		c.Data(http.StatusOK, "text/csv; charset=utf-8", b)
		return
	}
	b, err := html()
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'")
	c.Data(http.StatusOK, "text/html; charset=utf-8", b)
}

// handleStatsPage serves the public statistics page (/stats).
func handleStatsPage() gin.HandlerFunc { return handlePage("stats.html") }

// handleMonthlyReport and handleAnnualReport serve the two reports.
func handleMonthlyReport(s *StatsDeps, d Deps) gin.HandlerFunc {
	return handleStatsReport(s, d, statsreport.Monthly)
}

func handleAnnualReport(s *StatsDeps, d Deps) gin.HandlerFunc {
	return handleStatsReport(s, d, statsreport.Annual)
}

// withNow is s with the service's clock where it has none; nil stays nil.
func (s *StatsDeps) withNow(now func() time.Time) *StatsDeps {
	if s == nil {
		return nil
	}
	c := *s
	if c.Now == nil {
		c.Now = now
	}
	return &c
}
