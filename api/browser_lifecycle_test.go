package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/configs"
)

// steadyAir is a region whose observed air stays at one PM2.5 level: the
// rolling 24 h AQI windows and the hourly values the blended series starts
// from, every hour up to the time asked for.
type steadyAir struct {
	pm25 float64
	aqi  int
}

func (a steadyAir) Observed(_ context.Context, _ string, from, to time.Time) ([]alert.Window, error) {
	var out []alert.Window
	for t := from.Truncate(time.Hour).Add(time.Hour); !t.After(to); t = t.Add(time.Hour) {
		out = append(out, alert.Window{Start: t.Add(-24 * time.Hour), End: t, AQI: a.aqi, Source: alert.SourceObserved})
	}
	return out, nil
}

func (a steadyAir) ObservedHours(_ context.Context, _ string, from, to time.Time) ([]alert.SeriesHour, error) {
	var out []alert.SeriesHour
	for t := from.Truncate(time.Hour).Add(time.Hour); !t.After(to); t = t.Add(time.Hour) {
		out = append(out, alert.SeriesHour{Time: t, Values: cleanHour(a.pm25)})
	}
	return out, nil
}

// cleanHour is an hour of every pollutant, PM2.5 at pm25 and the others
// low (a window of PM2.5 alone has no AQI at or below 100 under HJ 633-2026).
func cleanHour(pm25 float64) aqi.Hour {
	h := aqi.MissingHour()
	h[aqi.PM25], h[aqi.PM10], h[aqi.SO2], h[aqi.NO2], h[aqi.CO], h[aqi.O3] = pm25, 60, 8, 20, 0.6, 50
	return h
}

// clock is the service's settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// hourlyForecast is PM2.5 hour by hour after from: high on [hi0, hi1), low
// elsewhere.
func hourlyForecast(source string, issued, from time.Time, n int, hi0, hi1 time.Time) alert.Forecast {
	f := alert.Forecast{Region: "jianghua", Source: source, IssuedAt: issued}
	for i := 1; i <= n; i++ {
		t := from.Add(time.Duration(i) * time.Hour)
		v := 58.0
		if !t.Before(hi0) && t.Before(hi1) {
			v = 200
		}
		h := cleanHour(v)
		f.Hourly = append(f.Hourly, alert.HourlyForecast{Time: t, PM25: &h[aqi.PM25], PM10: &h[aqi.PM10], SO2: &h[aqi.SO2],
			NO2: &h[aqi.NO2], CO: &h[aqi.CO], O3: &h[aqi.O3]})
	}
	return f
}

func signAll(t *testing.T, svc *lifecycle.Service, id int64, roles ...string) lifecycle.ProposalRecord {
	t.Helper()
	var rec lifecycle.ProposalRecord
	var err error
	for _, r := range roles {
		if rec, err = svc.Sign(context.Background(), id, r, "user-"+r, true, "同意 "+r); err != nil {
			t.Fatalf("%s signs proposal %d: %v", r, id, err)
		}
	}
	return rec
}

func pendingOne(t *testing.T, svc *lifecycle.Service, action alert.Action) lifecycle.ProposalRecord {
	t.Helper()
	ps, err := svc.Store.Proposals(context.Background(), lifecycle.ProposalFilter{Status: lifecycle.StatusPending})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Proposal.Action != action {
		var got []string
		for _, p := range ps {
			got = append(got, string(p.Proposal.Action)+"/"+p.LevelID)
		}
		t.Fatalf("pending proposals %v, want one %s", got, action)
	}
	return ps[0]
}

// The warning lifecycle in the browser, on a real lifecycle.Service with the
// county's plan, its approval chains and an hourly forecast: an orange
// warning is issued (chain: office director, commander, county leaders),
// then at the 10:00 decision four days later the forecast shows the air
// clean for 36 h but a new run within 72 h, so the engine proposes a pause
// (chain: ecology branch and meteorology, then the commander). The duty
// console shows the pending pause on its region's timeline (observed and
// forecast AQI, the plan's 200 line, now and the next decision time), and
// the warning's history page lists the issue and the pause with who signed
// them; the public page says effective from, expected until and paused
// until, the health advice first and the suspended measures folded.
func TestBrowserWarningLifecycle(t *testing.T) {
	ctx := headlessChromium(t)
	b, err := fs.ReadFile(configs.Plans, "plans/jianghua-2024.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := alert.ParsePlan(b)
	if err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	t1 := time.Date(2026, 11, 27, 10, 0, 0, 0, CST) // a decision time
	clk := &clock{t: t1.Add(5 * time.Minute)}
	store := lifecycle.NewMemStore()
	svc := &lifecycle.Service{Plan: plan, Store: store, Forecasts: store, Observations: steadyAir{pm25: 58, aqi: 79}, Now: clk.Now}

	// Day 1, 10:00: a run above 200 from tomorrow afternoon, 60 h long → orange.
	if _, err := svc.AddForecast(bg, hourlyForecast("county-forecast", t1.Add(-30*time.Minute), t1, 96, t1.Add(30*time.Hour), t1.Add(90*time.Hour)),
		"duty", "duty_officer"); err != nil {
		t.Fatal(err)
	}
	issue := pendingOne(t, svc, alert.ActionIssue)
	if issue.LevelID != "orange" {
		t.Fatalf("issue proposal for %s, want orange", issue.LevelID)
	}
	signAll(t, svc, issue.ID, "office_director", "commander", "county_leader")
	ws, _ := store.ActiveWarnings(bg)
	if len(ws) != 1 {
		t.Fatalf("active warnings after the chain: %+v", ws)
	}
	warn := ws[0]

	// Day 5, 10:00: clean for the next 36 h, a new run from +56 h → pause.
	t2 := t1.Add(96 * time.Hour)
	clk.Set(t2.Add(5 * time.Minute))
	if _, err := svc.AddForecast(bg, hourlyForecast("county-forecast", t2.Add(-30*time.Minute), t2, 110, t2.Add(56*time.Hour), t2.Add(100*time.Hour)),
		"duty", "duty_officer"); err != nil {
		t.Fatal(err)
	}
	pause := pendingOne(t, svc, alert.ActionPause)

	d := historyDeps(t)
	d.Alert = &AlertDeps{Service: svc}
	d.Staff = []StaffToken{{SHA256: HashToken("duty-token"), User: "duty", Roles: []string{"duty_officer"}}}
	srv := httptest.NewServer(NewHandler(d))
	defer srv.Close()

	// The status endpoint answers in its documented shape.
	var st decisionStatus
	statusJSON(t, srv.URL+"/api/v1/warnings/status", &st)
	if len(st.Regions) != 1 || st.Regions[0].Region != "jianghua" || st.Regions[0].Proposal == nil || st.Regions[0].Proposal.Key != pause.Key {
		t.Fatalf("status: %+v", st)
	}
	next := st.Regions[0].NextDecision
	if want := time.Date(2026, 12, 1, 16, 0, 0, 0, CST); !next.Equal(want) {
		t.Errorf("next decision %s, want %s", next, want)
	}

	// The console: the pending pause on its region's timeline.
	row := fmt.Sprintf(`#proposals tr.timeline-row[data-for="%d"]`, pause.ID)
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/console"),
		chromedp.SendKeys(chromedp.CSS(`#token`), "duty-token"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(row+` svg.timeline`)),
		chromedp.WaitVisible(chromedp.CSS(`#decisions svg.timeline`)),
	); err != nil {
		t.Fatalf("console timeline: %v", err)
	}
	for _, sel := range []string{row, `#decisions`} {
		checkTimeline(t, ctx, sel, "2026-12-01 16:00")
	}
	// The proposal's effective start is marked; the region view says what
	// the engine does this hour.
	if n := evalJS[int](t, ctx, `document.querySelectorAll('`+row+` svg.timeline line.start-marker').length`); n != 1 {
		t.Errorf("%d effective-start markers on the pause's timeline, want 1", n)
	}
	if s := evalJS[string](t, ctx, `document.querySelector('`+row+` .timeline-label').textContent`); !strings.Contains(s, "the engine still proposes this") {
		t.Errorf("the pause's timeline says %q", s)
	}
	if s := evalJS[string](t, ctx, `document.querySelector('#decisions .decision-waiting').textContent`); !strings.Contains(s, "pause") {
		t.Errorf("the region's outlook says %q, want the pause proposed this hour", s)
	}
	saveScreenshot(t, ctx, "lifecycle-console-pause-1280.png")

	// The chain of the pause is signed; the warning is paused until the next run.
	signAll(t, svc, pause.ID, "ecology_branch", "meteorology", "commander")
	w, err := store.Warning(bg, warn.ID)
	if err != nil || !w.Paused || w.RestartAt == nil {
		t.Fatalf("after the pause: %+v %v", w, err)
	}
	restart := w.RestartAt.In(CST).Format("2006-01-02 15:04")

	// The history page: the issue and the pause, each with its signers.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/console#warning/"+strconv.FormatInt(warn.ID, 10)),
		chromedp.WaitVisible(chromedp.CSS(`#history li.step[data-kind="pause"] tr.signer`)),
	); err != nil {
		t.Fatalf("history page: %v", err)
	}
	signers := func(kind string) []string {
		return evalJS[[]string](t, ctx, `Array.from(document.querySelectorAll('#history li.step[data-kind="`+kind+`"] tr.signer')).map(r => r.dataset.role + "=" + r.dataset.user)`)
	}
	if got := strings.Join(signers("issue"), ","); got != "office_director=user-office_director,commander=user-commander,county_leader=user-county_leader" {
		t.Errorf("issue signed by %s", got)
	}
	if got := strings.Join(signers("pause"), ","); got != "ecology_branch=user-ecology_branch,meteorology=user-meteorology,commander=user-commander" {
		t.Errorf("pause signed by %s", got)
	}
	kinds := evalJS[[]string](t, ctx, `Array.from(document.querySelectorAll('#history li.step')).map(li => li.dataset.kind)`)
	if strings.Join(kinds, ",") != "issue,pause" {
		t.Errorf("history steps %v, want issue, pause", kinds)
	}
	issueSigned := evalJS[string](t, ctx, `document.querySelector('#history li.step[data-kind="issue"] tr.signer td:nth-child(4)').textContent`)
	if want := t1.Add(5 * time.Minute).Format("2006-01-02 15:04"); issueSigned != want {
		t.Errorf("the issue's first signature shown at %q, want %q", issueSigned, want)
	}
	if s := evalJS[string](t, ctx, `(document.querySelector('#history .paused-until')||{}).textContent||""`); s != restart {
		t.Errorf("history page: paused until %q, want %q", s, restart)
	}
	// Only the history is shown; the other panels wait behind "back".
	if vis := evalJS[bool](t, ctx, `getComputedStyle(document.getElementById('decisions-panel')).display !== 'none'`); vis {
		t.Error("the decisions panel is shown on the history page")
	}
	// The issue as decided: the timeline rebuilt as known then, before the second forecast.
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#history li.step[data-kind="issue"] .as-decided svg.timeline path.series-forecast`))); err != nil {
		t.Fatalf("the issue's timeline as decided: %v", err)
	}
	saveScreenshot(t, ctx, "lifecycle-history-1280.png")

	// The public page: effective from, expected until, paused until; the
	// health advice first; the suspended measures folded.
	eff := w.EffectiveStart.In(CST).Format("2006-01-02 15:04")
	until := w.ExpectedEnd.In(CST).Format("2006-01-02 15:04")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#warning-banner .warning[data-level="orange"] .paused-until`)),
	); err != nil {
		t.Fatalf("public banner: %v", err)
	}
	banner := func(sel string) string {
		return evalJS[string](t, ctx, `(document.querySelector('#warning-banner `+sel+`')||{}).textContent||""`)
	}
	if s := banner(".eff-from"); s != "Effective from "+eff {
		t.Errorf("banner: %q, want effective from %s", s, eff)
	}
	if s := banner(".eff-until"); s != "Expected until "+until {
		t.Errorf("banner: %q, want expected until %s", s, until)
	}
	if s := banner(".paused-until strong"); s != "Measures paused until "+restart {
		t.Errorf("banner: %q, want paused until %s", s, restart)
	}
	if s := banner(".advice-health li"); s != "Less" { // the county's advice now (testDeps)
		t.Errorf("the first advice is %q, want the health advice for the air now", s)
	}
	if open := evalJS[bool](t, ctx, `document.querySelector('#warning-banner details.suspended').open`); open {
		t.Error("the suspended measures are not folded")
	}
	if s := banner("details.suspended"); !strings.Contains(s, "Schools and kindergartens stop outdoor activities") {
		t.Errorf("the suspended measures do not list the schools' measure: %q", s)
	}
	saveScreenshot(t, ctx, "lifecycle-public-paused-1280.png")
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(360, 780, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#warning-banner .paused-until`)),
	); err != nil {
		t.Fatal(err)
	}
	if sw, cw := evalJS[int](t, ctx, `document.documentElement.scrollWidth`), evalJS[int](t, ctx, `document.documentElement.clientWidth`); sw > cw {
		t.Errorf("on a 360 px phone the public page is %d px wide", sw)
	}
	saveScreenshot(t, ctx, "lifecycle-public-paused-360.png")
}

// checkTimeline asserts the timeline under sel: a now marker, an observed
// and a forecast path, the plan's 200 line and the next decision time.
func checkTimeline(t *testing.T, ctx context.Context, sel, next string) {
	t.Helper()
	q := func(css string) int {
		return evalJS[int](t, ctx, `document.querySelectorAll('`+sel+` svg.timeline `+css+`').length`)
	}
	for css, want := range map[string]int{"line.now-marker": 1, "path.series-observed": 1, "path.series-forecast": 1,
		`line.threshold[data-threshold="200"]`: 1, "line.decision-marker": 1} {
		if n := q(css); n < want {
			t.Errorf("%s: %d %s in the timeline, want %d", sel, n, css, want)
		}
	}
	for _, thr := range []string{"150", "300"} {
		if q(`line.threshold[data-threshold="`+thr+`"]`) == 0 {
			t.Errorf("%s: no %s line", sel, thr)
		}
	}
	if q("rect.level-span") == 0 {
		t.Errorf("%s: the level strip is empty", sel)
	}
	if s := evalJS[string](t, ctx, `document.querySelector('`+sel+` .decision-next').textContent`); s != next {
		t.Errorf("%s: next decision %q, want %q", sel, s, next)
	}
}

func statusJSON(t *testing.T, url string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer duty-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func evalJS[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// The public banner's rules, checked in the page without the network: a
// paused warning says until when, the health advice comes before what
// changes, schools/traffic/events get their own headings, an internal duty
// (not public, or kind duty) is never shown, and a long list folds.
func TestBrowserPublicBannerRules(t *testing.T) {
	ctx := headlessChromium(t)
	srv := httptest.NewServer(NewHandler(historyDeps(t)))
	defer srv.Close()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/?lang=en"), chromedp.WaitReady(chromedp.CSS(`#county-card`))); err != nil {
		t.Fatal(err)
	}
	// One warning JSON as GET /api/v1/warnings/{id} sends it, plus the
	// lifecycle fields of lifecycle.Warning (paused, restart_at).
	js := `(function(){
	  var w = {id: 3, region: "county", level: "red", name_en: "Red warning", name_zh: "红色预警", color: "#FF0000", response: "Ⅰ",
	    episode_start: "2026-12-02T00:00:00+08:00", expected_end: "2026-12-05T12:00:00+08:00", PAUSED
	    transitions: [{kind: "issue", from: "none", to: "red", at: "2026-12-01T10:05:00+08:00", start: "2026-12-01T18:00:00+08:00", expected_end: "2026-12-05T12:00:00+08:00"}],
	    public_measures: [
	      {id: "r3-sensitive-stay-indoors", kind: "health", text_en: "Sensitive groups stay indoors", text_zh: "易感人群留在室内"},
	      {id: "r3-schools-reduce-outdoor", kind: "health", text_en: "Schools and kindergartens reduce outdoor activities", text_zh: "中小学、幼儿园减少户外活动"},
	      {id: "r3-green-travel", kind: "advisory", text_en: "Take public transport", text_zh: "乘坐公共交通"},
	      {id: "r2-no-outdoor-events", kind: "health", text_en: "Large public outdoor events are suspended", text_zh: "暂停大型群众性户外活动"},
	      {id: "r2-hospital-monitoring", kind: "health", public: false, text_en: "Monitor hospital respiratory cases", text_zh: "加强医院监测"},
	      {id: "r3-duty-opinion", kind: "duty", text_en: "Monitor online opinion", text_zh: "网络舆情"},
	      {id: "r2-diesel-restrictions", kind: "mandatory", text_en: "Old diesel trucks restricted", text_zh: "柴油货车限行"},
	      {id: "r1-diesel-detour", kind: "advisory", text_en: "Through diesel trucks detour", text_zh: "柴油货车绕行"},
	      {id: "r1-vehicle-restrictions", kind: "mandatory", text_en: "Stricter vehicle restrictions", text_zh: "机动车限行"},
	      {id: "r1-schools-suspend", kind: "health", text_en: "Schools suspend classes", text_zh: "停课"}]};
	  var box = window.aqwarnPublic.box(w, "Reduce outdoor activity");
	  var secs = Array.from(box.querySelectorAll("section")).map(function (s) { return s.className + ":" + (s.dataset.group || ""); });
	  return {
	    from: (box.querySelector(".eff-from")||{}).textContent || "",
	    until: (box.querySelector(".eff-until")||{}).textContent || "",
	    paused: (box.querySelector(".paused-until strong")||{}).textContent || "",
	    sections: secs,
	    firstAdvice: (box.querySelector(".advice-health li")||{}).textContent || "",
	    schools: Array.from(box.querySelectorAll('[data-group="schools"] li')).map(function (l) { return l.textContent; }),
	    traffic: Array.from(box.querySelectorAll('[data-group="traffic"] > ul > li')).map(function (l) { return l.textContent; }),
	    trafficFolded: Array.from(box.querySelectorAll('[data-group="traffic"] details li')).map(function (l) { return l.textContent; }),
	    suspended: !!box.querySelector("details.suspended"),
	    text: box.textContent
	  };
	})()`
	type result struct {
		From, Until, Paused, FirstAdvice string
		Sections, Schools                []string
		Traffic, TrafficFolded           []string
		Suspended                        bool
		Text                             string
	}
	run := func(paused string) result {
		return evalJS[result](t, ctx, strings.Replace(js, "PAUSED", paused, 1))
	}

	r := run("")
	if r.From != "Effective from 2026-12-01 18:00" || r.Until != "Expected until 2026-12-05 12:00" {
		t.Errorf("in force: %q / %q (the issue's start is the effective start)", r.From, r.Until)
	}
	if r.Paused != "" || r.Suspended {
		t.Errorf("a warning in force shows a pause: %q %v", r.Paused, r.Suspended)
	}
	if len(r.Sections) == 0 || r.Sections[0] != "advice-health:" {
		t.Errorf("sections %v: the health advice must come first", r.Sections)
	}
	if strings.Join(r.Sections[1:], ",") != "changes:schools,changes:traffic,changes:events" {
		t.Errorf("what changes: %v, want schools, traffic, events", r.Sections)
	}
	if r.FirstAdvice != "Reduce outdoor activity" {
		t.Errorf("first advice %q", r.FirstAdvice)
	}
	if strings.Join(r.Schools, "|") != "Schools suspend classes|Schools and kindergartens reduce outdoor activities" {
		t.Errorf("schools %v: the strictest first", r.Schools)
	}
	if len(r.Traffic) != 3 || len(r.TrafficFolded) != 1 {
		t.Errorf("traffic %v + folded %v: a list longer than 3 folds the rest", r.Traffic, r.TrafficFolded)
	}
	for _, internal := range []string{"Monitor hospital respiratory cases", "Monitor online opinion"} {
		if strings.Contains(r.Text, internal) {
			t.Errorf("the public banner shows an internal duty: %q", internal)
		}
	}

	r = run(`paused: true, restart_at: "2026-12-03T00:00:00+08:00",`)
	if r.Paused != "Measures paused until 2026-12-03 00:00" || !r.Suspended {
		t.Errorf("paused: %q, measures folded %v", r.Paused, r.Suspended)
	}
	if r.FirstAdvice != "Reduce outdoor activity" || !strings.HasPrefix(strings.Join(r.Sections, ","), "advice-health:,changes:health,") {
		t.Errorf("paused: sections %v, first advice %q: the advice for the air now stays first, the plan's health measures are suspended", r.Sections, r.FirstAdvice)
	}

	// The same in Chinese.
	evalJS[bool](t, ctx, `window.aqwarnPublic.setLang("zh"), true`)
	r = run(`paused: true, restart_at: "2026-12-03T00:00:00+08:00",`)
	if r.From != "生效时间 2026-12-01 18:00" || r.Until != "预计持续至 2026-12-05 12:00" || r.Paused != "措施暂停至 2026-12-03 00:00" {
		t.Errorf("zh: %q / %q / %q", r.From, r.Until, r.Paused)
	}
}

// GET /api/v1/warnings/status: staff only; the live answer and the one
// rebuilt with ?at= match the documented schema; at in the future, a bad
// time and a region that is not a warning area are refused.
func TestDecisionStatusEndpoint(t *testing.T) {
	b, err := fs.ReadFile(configs.Plans, "plans/jianghua-2024.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := alert.ParsePlan(b)
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Date(2026, 11, 27, 11, 20, 0, 0, CST) // not a decision hour
	clk := &clock{t: t1}
	store := lifecycle.NewMemStore()
	svc := &lifecycle.Service{Plan: plan, Store: store, Forecasts: store, Observations: steadyAir{pm25: 58, aqi: 79}, Now: clk.Now}
	hour := t1.Truncate(time.Hour)
	if _, err := svc.AddForecast(context.Background(), hourlyForecast("county-forecast", hour.Add(-30*time.Minute), hour, 96,
		hour.Add(60*time.Hour), hour.Add(90*time.Hour)), "duty", "duty_officer"); err != nil {
		t.Fatal(err)
	}
	d := fullDeps(t)
	d.Alert = &AlertDeps{Service: svc}
	d.Staff = []StaffToken{{SHA256: HashToken("duty-token"), User: "duty", Roles: []string{"duty_officer"}}}
	doc := loadOpenAPI(t)
	srv := httptest.NewServer(NewHandler(d))
	defer srv.Close()
	doc.Servers = openapi3.Servers{{URL: srv.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	call := func(query, token string, want int) []byte {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/warnings/status"+query, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("%s: %d, want %d: %s", query, resp.StatusCode, want, body)
		}
		if !strings.Contains(query, "yesterday") { // that request breaks the document on purpose
			validateResponse(t, router, req, resp, body)
		}
		return body
	}
	call("", "", http.StatusUnauthorized)
	var st decisionStatus
	if err := json.Unmarshal(call("", "duty-token", http.StatusOK), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Regions) != 1 {
		t.Fatalf("regions %+v, want the county alone (the towns are not warning areas)", st.Regions)
	}
	r := st.Regions[0]
	// The run is ≥ 24 h ahead of the 16:00 decision: the issue waits for it.
	if r.Decision != "urgent" || r.Waiting == nil || r.Waiting.Action != alert.ActionIssue || r.Proposal != nil {
		t.Fatalf("11:20: decision %q, waiting %+v, proposal %+v; want an issue held for 16:00", r.Decision, r.Waiting, r.Proposal)
	}
	if want := time.Date(2026, 11, 27, 16, 0, 0, 0, CST); !r.Waiting.Until.Equal(want) || !r.NextDecision.Equal(want) {
		t.Errorf("waiting until %s, next decision %s, want %s", r.Waiting.Until, r.NextDecision, want)
	}
	if len(r.Episodes) != 1 || r.Waiting.Level != r.Episodes[0].Level {
		t.Fatalf("episodes %+v: the held issue is for %s, want the episode's level", r.Episodes, r.Waiting.Level)
	}
	_, en := levelNames(plan, r.Waiting.Level)
	if !strings.Contains(r.Waiting.ConditionEN, "issue "+en+" at 11-27 16:00") || r.Outlook == nil || r.Outlook.EN != r.Waiting.ConditionEN {
		t.Errorf("waiting %+v, outlook %+v", r.Waiting, r.Outlook)
	}
	sources := map[alert.Source]int{}
	for _, w := range r.Series {
		sources[w.Source]++
		if w.Source == alert.SourceObserved && w.End.After(r.EvaluatedAt) || w.Source == alert.SourceForecast && !w.End.After(r.EvaluatedAt) {
			t.Errorf("window %+v on the wrong side of %s", w, r.EvaluatedAt)
		}
	}
	if sources[alert.SourceObserved] == 0 || sources[alert.SourceForecast] == 0 {
		t.Errorf("series by source %v, want observed and forecast windows", sources)
	}
	if len(r.Levels) == 0 || !r.Levels[0].Start.Equal(r.Episodes[0].Start) || r.Levels[0].Start.Before(hour.Add(24*time.Hour)) {
		t.Errorf("levels %+v, episodes %+v: want the episode more than 24 h ahead", r.Levels, r.Episodes)
	}
	// As known an hour before the forecast was issued: observations only, no decision.
	var old decisionStatus
	if err := json.Unmarshal(call("?region=jianghua&at="+url.QueryEscape(hour.Add(-time.Hour).Format(time.RFC3339)), "duty-token", http.StatusOK), &old); err != nil {
		t.Fatal(err)
	}
	if old.AsOf == nil || len(old.Regions) != 1 || old.Regions[0].Decision != "" || old.Regions[0].Outlook != nil || len(old.Regions[0].Episodes) != 0 {
		t.Errorf("as of before the forecast: %+v", old)
	}
	for _, w := range old.Regions[0].Series {
		if w.Source == alert.SourceForecast {
			t.Errorf("as of before the forecast, a forecast window %+v", w)
			break
		}
	}
	call("?at="+url.QueryEscape(t1.Add(time.Hour).Format(time.RFC3339)), "duty-token", http.StatusUnprocessableEntity)
	call("?at=yesterday", "duty-token", http.StatusUnprocessableEntity)
	call("?region=tuojiang", "duty-token", http.StatusUnprocessableEntity)
}
