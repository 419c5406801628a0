package api

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// The pages' checks shared by the three pages (dom.js): China time in any
// browser zone, AQI categories and plan levels as the API sends them, live
// regions that speak only when something changed, charts named in the
// page's language, and a language button whose accessible name is its text.

// The one China-time formatter (dom.js) gives China time for a UTC instant
// whatever the browser's zone, and the pages show their times through it:
// the public page's data time, the console's default "issued at".
func TestBrowserChinaTime(t *testing.T) {
	browser := headlessChromium(t)
	srv := httptest.NewServer(NewHandler(historyDeps(t)))
	defer srv.Close()
	for _, tc := range []struct {
		zone   string
		offset int // minutes west of UTC on 2026-12-01, as Date.getTimezoneOffset says
	}{{"UTC", 0}, {"America/New_York", 300}, {"Australia/Adelaide", -630}} {
		t.Run(tc.zone, func(t *testing.T) {
			ctx, cancel := chromedp.NewContext(browser) // a tab of its own: the override is per tab
			defer cancel()
			if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: tc.zone}); err != nil {
				t.Fatalf("time zone %s: %v", tc.zone, err)
			}
			if err := chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/?lang=en"),
				chromedp.WaitVisible(chromedp.CSS(`#county-card[data-level]`)),
			); err != nil {
				t.Fatal(err)
			}
			if zone := evalJS[string](t, ctx, `Intl.DateTimeFormat().resolvedOptions().timeZone`); zone != tc.zone {
				t.Fatalf("the browser's zone is %s, want %s", zone, tc.zone)
			}
			if off := evalJS[int](t, ctx, `new Date("2026-12-01T16:30:00Z").getTimezoneOffset()`); off != tc.offset {
				t.Fatalf("offset %d, want %d", off, tc.offset)
			}
			// 16:30 UTC is 00:30 the next day in China (and 11:30 the same day in New York).
			got := evalJS[map[string]string](t, ctx, `(function () {
			  var D = aqwarnDOM, t = "2026-12-01T16:30:00Z";
			  return { full: D.fmtTime(t), short: D.fmtTime(t, "short"), day: D.fmtTime(t, "day"), date: D.fmtTime(t, "date"),
			    input: D.fmtTime(t, "input"), fromMs: D.fmtTime(Date.parse(t)), fromDate: D.fmtTime(new Date(t)),
			    offsetInput: D.fmtTime("2026-12-02T08:30:00+08:00"),
			    back: new Date(D.cstInstant("2026-12-02T00:30")).toISOString(),
			    midnights: D.cstMidnights(Date.parse("2026-12-01T12:00:00Z"), Date.parse("2026-12-03T12:00:00Z"))
			      .map(function (m) { return new Date(m).toISOString(); }).join(",") };
			})()`)
			want := map[string]string{"full": "2026-12-02 00:30", "short": "12-02 00:30", "day": "12-02", "date": "2026-12-02",
				"input": "2026-12-02T00:30", "fromMs": "2026-12-02 00:30", "fromDate": "2026-12-02 00:30", "offsetInput": "2026-12-02 08:30",
				"back":      "2026-12-01T16:30:00.000Z",
				"midnights": "2026-12-01T16:00:00.000Z,2026-12-02T16:00:00.000Z"}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("%s: %s = %q, want %q", tc.zone, k, got[k], w)
				}
			}
			// The public page's data time is the county's hour in China time.
			if s := evalJS[string](t, ctx, `document.getElementById("data-time").textContent`); !strings.Contains(s, hourEnd.In(CST).Format("2006-01-02 15:04")) {
				t.Errorf("%s: data time %q, want %s", tc.zone, s, hourEnd.In(CST).Format("2006-01-02 15:04"))
			}
			// The console's "issued at" starts at the current minute in China.
			before := time.Now().In(CST).Format("2006-01-02T15:04")
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/console"), chromedp.WaitReady(chromedp.CSS(`#fc-issued`))); err != nil {
				t.Fatal(err)
			}
			after := time.Now().In(CST).Format("2006-01-02T15:04")
			if v := evalJS[string](t, ctx, `document.getElementById("fc-issued").value`); v != before && v != after {
				t.Errorf("%s: the console's issued-at is %q, want China's %s", tc.zone, v, after)
			}
		})
	}
}

// No page script keeps a clock or a scale of its own: China time only in
// dom.js (one time zone, one offset for datetime-local inputs), no UTC
// arithmetic, and no HJ 633 colours, breakpoints or plan level ids in the
// scripts, pages and styles.
func TestPageScriptsOneChinaClockNoTables(t *testing.T) {
	clock := regexp.MustCompile(`\b8 \* (3600|H1)|3600e3 \* 8\b|getUTC(FullYear|Month|Date|Hours|Minutes)|toISOString\(\)\.slice`)
	zone := regexp.MustCompile(`Asia/Shanghai|\+08:00"`)
	official := regexp.MustCompile(`(?i)#(00E400|FFFF00|FF7E00|FF0000|99004C|7E0023)\b`)
	levelIDs := regexp.MustCompile(`["'](yellow|orange|red)["']|[{,]\s*(yellow|orange|red)\s*:`)
	breakpoints := regexp.MustCompile(`max:\s*(50|100|150|200|300|500)\b`)
	err := fs.WalkDir(webFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "favicon.svg" {
			return err
		}
		b, _ := fs.ReadFile(webFS, p)
		src := string(b)
		for _, re := range []*regexp.Regexp{clock, official, levelIDs, breakpoints} {
			if m := re.FindString(src); m != "" {
				t.Errorf("%s: %q (China time is dom.js's; categories, colours and levels come from the API)", p, m)
			}
		}
		if m := zone.FindString(src); m != "" && p != "dom.js" {
			t.Errorf("%s: %q: China time belongs to dom.js", p, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// customAir serves AQI categories that are not HJ 633's: names and colours
// the pages can only have from the API. The county now is "Class C (test)"
// in #5A3E9B; its history alternates two other made-up classes.
func customAir(t *testing.T) (Deps, *swappableSnapshot) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	class := func(aqi, level int, zh, en, color string) aqwarn.AQIValue {
		return aqwarn.AQIValue{AQI: ip(aqi), Level: level, CategoryZH: zh, CategoryEN: en, Color: color,
			Primary: []string{"pm25"}, IAQI: map[string]int{"pm25": aqi}, AdviceZH: "测试建议", AdviceEN: "Test advice"}
	}
	var recs []aqwarn.AQIRecord
	for i := range 72 {
		v := class(40+i, 1, "甲类（测试）", "Class A (test)", "#1B6E8A")
		if i%2 == 1 {
			v = class(40+i, 2, "乙类（测试）", "Class B (test)", "#C25E12")
		}
		recs = append(recs, aqwarn.AQIRecord{Scope: aqwarn.ScopeRegion, ID: "county", Edition: 2026,
			Time: hourEnd.Add(time.Duration(i-71) * time.Hour), Conc: map[string]float64{"pm25": 50}, Hourly: v, Rolling24h: v})
	}
	if err := db.WriteAQI(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	d := testDeps()
	d.History = db
	src := &swappableSnapshot{}
	src.p.Store(currentSnapshot(class(137, 3, "丙类（测试）", "Class C (test)", "#5A3E9B")))
	d.AQI = src
	return d, src
}

// currentSnapshot is the county and station sa at v (as testDeps has them).
func currentSnapshot(v aqwarn.AQIValue) *aqwarn.AQISnapshot {
	na := aqwarn.AQIValue{Primary: []string{}, IAQI: map[string]int{}}
	return &aqwarn.AQISnapshot{Computed: hourEnd.Add(5 * time.Minute),
		Regions: map[string]aqwarn.AQIRecord{
			"county": {Scope: "region", ID: "county", Time: hourEnd, Edition: 2026, Conc: map[string]float64{"pm25": 100}, Hourly: v, Rolling24h: v},
		},
		Stations: map[string]aqwarn.AQIRecord{
			"sa": {Scope: "station", ID: "sa", Time: hourEnd, Edition: 2026, Conc: map[string]float64{"pm25": 100}, Hourly: v, Rolling24h: na},
			"sb": {Scope: "station", ID: "sb", Time: hourEnd.Add(-3 * time.Hour), Edition: 2026, Conc: map[string]float64{}, Hourly: na, Rolling24h: na},
		}}
}

// The public page's legend and the trend's category strip are the
// categories the API sends, in its names and colours (made-up ones here),
// lowest level first.
func TestBrowserCategoriesFromAPI(t *testing.T) {
	ctx := headlessChromium(t)
	d, _ := customAir(t)
	srv := httptest.NewServer(NewHandler(d))
	defer srv.Close()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#trend rect.category`)),
	); err != nil {
		t.Fatal(err)
	}
	legend := evalJS[[]string](t, ctx, `Array.from(document.querySelectorAll("#scale li")).map(function (li) {
	  return li.dataset.level + " " + li.textContent + " " + getComputedStyle(li).backgroundColor; })`)
	want := []string{"1 Class A (test) rgb(27, 110, 138)", "2 Class B (test) rgb(194, 94, 18)", "3 Class C (test) rgb(90, 62, 155)"}
	if strings.Join(legend, "|") != strings.Join(want, "|") {
		t.Errorf("legend %q, want %q", legend, want)
	}
	fills := evalJS[map[string]int](t, ctx, `(function () { var n = {};
	  document.querySelectorAll("#trend rect.category").forEach(function (r) { var f = r.getAttribute("fill"); n[f] = (n[f] || 0) + 1; });
	  return n; })()`)
	if fills["#1B6E8A"] == 0 || fills["#C25E12"] == 0 || len(fills) != 2 {
		t.Errorf("the trend's strip has colours %v, want the history's two classes", fills)
	}
	if s := evalJS[string](t, ctx, `document.querySelector("#trend rect.category title").textContent`); !strings.Contains(s, "Class") {
		t.Errorf("a strip hour says %q, want its category", s)
	}
	if bg := evalJS[string](t, ctx, `getComputedStyle(document.getElementById("county-card")).backgroundColor`); bg != "rgb(90, 62, 155)" {
		t.Errorf("county card %s, want the API's colour", bg)
	}
	// In Chinese, the API's Chinese names.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lang`))); err != nil {
		t.Fatal(err)
	}
	if s := evalJS[string](t, ctx, `document.querySelector("#scale li[data-level='3']").textContent`); s != "丙类（测试）" {
		t.Errorf("zh legend: %q", s)
	}
}

// A plan whose levels have other names and colours than the shipped plan:
// the public banner, the console's level choices and its warning in force
// show the plan's, as GET /api/v1/plan and the warning endpoints send them.
func TestBrowserLevelsFromPlan(t *testing.T) {
	ctx := headlessChromium(t)
	b, err := fs.ReadFile(configs.Plans, "plans/jianghua-2024.yaml")
	if err != nil {
		t.Fatal(err)
	}
	yaml := string(b)
	for _, r := range [][2]string{
		{"name_zh: 黄色预警\n    name_en: Yellow warning\n    color: \"#FFFF00\"", "name_zh: 三级（测试）\n    name_en: Level three (test)\n    color: \"#6A5ACD\""},
		{"name_zh: 橙色预警\n    name_en: Orange warning\n    color: \"#FF7E00\"", "name_zh: 二级（测试）\n    name_en: Level two (test)\n    color: \"#2E8B57\""},
	} {
		if !strings.Contains(yaml, r[0]) {
			t.Fatalf("the shipped plan no longer has %q", r[0])
		}
		yaml = strings.Replace(yaml, r[0], r[1], 1)
	}
	plan, err := alert.ParsePlan([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	now := hourEnd.Add(10 * time.Minute)
	svc := &lifecycle.Service{Plan: plan, Store: lifecycle.NewMemStore(), Now: func() time.Time { return now }}
	yellow, _ := plan.LevelByID("yellow")
	rec, err := svc.ProposeManual(context.Background(), "jianghua", alert.ManualRequest{Level: yellow, Start: now, End: now.Add(48 * time.Hour),
		Reason: "会商", By: "duty"}, "duty_officer")
	if err != nil {
		t.Fatal(err)
	}
	signAll(t, svc, rec.ID, "ecology_branch", "meteorology", "commander")
	d := historyDeps(t)
	d.Alert = &AlertDeps{Service: svc}
	d.Staff = []StaffToken{{SHA256: HashToken("duty-token"), User: "duty", Roles: []string{"duty_officer"}}}
	srv := httptest.NewServer(NewHandler(d))
	defer srv.Close()

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#warning-banner .warning[data-level="yellow"]`)),
	); err != nil {
		t.Fatalf("public banner: %v", err)
	}
	if s := evalJS[string](t, ctx, `document.querySelector("#warning-banner h2").textContent`); !strings.HasPrefix(s, "Level three (test)") {
		t.Errorf("banner title %q, want the plan's level name", s)
	}
	if c := evalJS[string](t, ctx, `getComputedStyle(document.querySelector("#warning-banner .warning")).borderLeftColor`); c != "rgb(106, 90, 205)" {
		t.Errorf("banner colour %s, want the plan's #6A5ACD", c)
	}

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/console?lang=zh"),
		chromedp.SendKeys(chromedp.CSS(`#token`), "duty-token"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
		chromedp.WaitReady(chromedp.CSS(`#mp-level option[value="none"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#decisions .in-force strong`)),
	); err != nil {
		t.Fatalf("console: %v", err)
	}
	opts := evalJS[[]string](t, ctx, `Array.from(document.querySelectorAll("#mp-level option")).map(function (o) { return o.value + "=" + o.textContent; })`)
	if len(opts) != 4 || !strings.HasPrefix(opts[0], "yellow=三级（测试） (") || !strings.HasPrefix(opts[1], "orange=二级（测试） (") || opts[3] != "none=解除" {
		t.Errorf("level choices %q, want the plan's names", opts)
	}
	if s := evalJS[string](t, ctx, `document.querySelector("#decisions .in-force strong").textContent`); s != "三级（测试）" {
		t.Errorf("the warning in force is named %q, want the plan's", s)
	}
}

// The public page's live regions (the county line and the warning banner)
// are not written again when a refresh brings the same values; a new value
// or category is written and so announced. The county section itself is
// no longer a live region.
func TestBrowserLiveRegionQuiet(t *testing.T) {
	ctx := headlessChromium(t)
	d, src := customAir(t)
	warnings := []warningView{{ID: 7, Region: "county", Level: "orange", NameZH: "橙色预警", NameEN: "Orange warning",
		Color: "#FF7E00", Response: "Ⅱ", Since: hourEnd.In(CST), EpisodeStart: hourEnd.In(CST),
		ExpectedEnd: hourEnd.Add(96 * time.Hour).In(CST), Issued: hourEnd.In(CST), Plan: "test"}}
	var hits atomic.Int64
	page := NewHandler(d)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/aqi/current" {
			hits.Add(1)
			w = noStore{w} // each load asks the server (max-age=60 would answer from the browser's cache)
		}
		if r.URL.Path == "/api/v1/warnings/active" {
			c, _ := gin.CreateTestContext(w)
			c.JSON(http.StatusOK, gin.H{"warnings": warnings})
			return
		}
		page.ServeHTTP(w, r)
	}))
	defer srv.Close()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`#warning-banner .warning`)),
		chromedp.WaitVisible(chromedp.CSS(`#county-card[data-level="3"]`)),
	); err != nil {
		t.Fatal(err)
	}
	live := evalJS[[]string](t, ctx, `Array.from(document.querySelectorAll("[aria-live]")).map(function (e) { return e.id; })`)
	if strings.Join(live, ",") != "warning-banner,county-live" {
		t.Errorf("live regions %v, want the banner and the county line only", live)
	}
	if s := evalJS[string](t, ctx, `document.getElementById("county-live").textContent`); s != "县：AQI 137，丙类（测试）" {
		t.Errorf("the county line says %q", s)
	}
	watch := `(function () {
	  window.mutations = { live: 0, banner: 0, shown: 0 };
	  function count(id, key) {
	    new MutationObserver(function (rs) { window.mutations[key] += rs.length; })
	      .observe(document.getElementById(id), { childList: true, characterData: true, subtree: true, attributes: true });
	  }
	  count("county-live", "live"); count("warning-banner", "banner"); count("data-time", "shown");
	  return true;
	})()`
	reload := func() map[string]int {
		t.Helper()
		n := hits.Load()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.aqwarnPublic.load().then(function () { return true; })`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
		if hits.Load() == n {
			t.Fatal("the page did not fetch the current AQI again")
		}
		return evalJS[map[string]int](t, ctx, `window.mutations`)
	}
	evalJS[bool](t, ctx, watch)
	for i := range 2 {
		if m := reload(); m["live"] != 0 || m["banner"] != 0 || m["shown"] == 0 {
			t.Errorf("refresh %d with the same data: %v; want the live regions untouched (and the page redrawn)", i+1, m)
		}
	}
	// A new value and category: the county line is written, once.
	src.p.Store(currentSnapshot(aqwarn.AQIValue{AQI: ip(212), Level: 5, CategoryZH: "戊类（测试）", CategoryEN: "Class E (test)",
		Color: "#3F1F5F", Primary: []string{"pm25"}, IAQI: map[string]int{"pm25": 212}, AdviceZH: "测试建议", AdviceEN: "Test advice"}))
	if m := reload(); m["live"] == 0 || m["banner"] != 0 {
		t.Errorf("after a new value: %v; want the county line written, the banner not", m)
	}
	if s := evalJS[string](t, ctx, `document.getElementById("county-live").textContent`); s != "县：AQI 212，戊类（测试）" {
		t.Errorf("the county line says %q after the change", s)
	}
	evalJS[bool](t, ctx, `window.mutations = { live: 0, banner: 0, shown: 0 }, true`)
	if m := reload(); m["live"] != 0 || m["banner"] != 0 {
		t.Errorf("the same new value again: %v", m)
	}
}

// Charts are named in the page's language: the public trend's <title>
// (its accessible name) and <desc> follow the page; the console's timeline
// and evidence charts are in zh, en or both as the console is.
func TestBrowserChartTitles(t *testing.T) {
	ctx := headlessChromium(t)
	srv := httptest.NewServer(NewHandler(historyDeps(t)))
	defer srv.Close()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`#trend svg path.hourly`)),
	); err != nil {
		t.Fatal(err)
	}
	if s := evalJS[string](t, ctx, `document.querySelector("#trend svg > title").textContent`); s != "近 72 小时 AQI 趋势图" {
		t.Errorf("zh trend title %q", s)
	}
	if name := axName(t, ctx, `document.querySelector("#trend svg")`); name != "近 72 小时 AQI 趋势图" {
		t.Errorf("zh trend's accessible name %q", name)
	}
	if s := evalJS[string](t, ctx, `document.querySelector("#trend svg > desc").textContent`); !strings.Contains(s, "最新 95（优）") {
		t.Errorf("zh trend description %q, want the latest value and category", s)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lang`))); err != nil {
		t.Fatal(err)
	}
	if name := axName(t, ctx, `document.querySelector("#trend svg")`); name != "AQI over the last 72 hours" {
		t.Errorf("en trend's accessible name %q", name)
	}

	// The console's charts, drawn from a status and a proposal as the API sends them.
	charts := `(function () {
	  var st = { region: "county", name_zh: "江华", name_en: "Jianghua", evaluated_at: "2026-12-01T13:00:00+08:00",
	    next_decision: "2026-12-01T16:00:00+08:00",
	    series: [{ start: "2026-11-30T13:00:00+08:00", end: "2026-12-01T13:00:00+08:00", aqi: 120, source: "observed" }], levels: [] };
	  var tl = window.aqwarnTimeline.chart(st, { levels: [] });
	  var ev = window.aqwarnEvidenceChart({ created: "2026-12-01T10:00:00+08:00" }, { start: "2026-12-02T00:00:00+08:00",
	    evidence: { windows: [{ start: "2026-12-01T00:00:00+08:00", end: "2026-12-02T00:00:00+08:00", aqi: 220, source: "forecast" }],
	      runs: [{ start: "2026-12-01T00:00:00+08:00", end: "2026-12-02T00:00:00+08:00", threshold: 200, min_hours: 24, hours: 24, level: "yellow" }] } });
	  return { timeline: tl.querySelector("title").textContent, evidence: ev.querySelector("title").textContent,
	    role: tl.getAttribute("role") + "," + ev.getAttribute("role"), label: String(tl.getAttribute("aria-label")) };
	})()`
	for _, tc := range []struct{ lang, timeline, evidence string }{
		{"zh", "江华：24 小时滑动 AQI", "提议的证据"},
		{"en", "Jianghua: rolling 24-hour AQI", "The proposal's evidence"},
		{"both", "江华：24 小时滑动 AQI（观测与预报）及预警级别时间线 / Jianghua: rolling", "提议的证据：24 小时 AQI 窗口与阈值 / The proposal's evidence"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/console?lang="+tc.lang), chromedp.WaitReady(chromedp.CSS(`#decisions`))); err != nil {
			t.Fatal(err)
		}
		got := evalJS[map[string]string](t, ctx, charts)
		if !strings.HasPrefix(got["timeline"], tc.timeline) || !strings.HasPrefix(got["evidence"], tc.evidence) {
			t.Errorf("console in %s: timeline %q, evidence %q", tc.lang, got["timeline"], got["evidence"])
		}
		if got["role"] != "img,img" || got["label"] != "null" {
			t.Errorf("console in %s: roles %s, aria-label %s (the <title> names the chart)", tc.lang, got["role"], got["label"])
		}
		wantLang := "zh-CN" // zh, and both (zh first)
		if tc.lang == "en" {
			wantLang = "en"
		}
		if h := evalJS[string](t, ctx, `document.documentElement.lang`); h != wantLang {
			t.Errorf("console in %s: <html lang=%q>, want %q", tc.lang, h, wantLang)
		}
	}
}

// The language button of each page is named by its visible text (WCAG
// 2.5.3, label in name), marked with that text's language, before and
// after a switch; each page still fits a 360 px phone.
func TestBrowserLanguageButtonName(t *testing.T) {
	ctx := headlessChromium(t)
	srv := httptest.NewServer(NewHandler(historyDeps(t)))
	defer srv.Close()
	for _, tc := range []struct {
		url, shot string
		names     []string // the button's text, then after each click
	}{
		{"/?lang=zh", "public", []string{"English", "中文", "English"}},
		{"/unit?lang=en", "unit", []string{"中文", "English"}},
		{"/console", "console", []string{"中文", "English", "中文 / English", "中文"}},
	} {
		if err := chromedp.Do(ctx,
			chromedp.EmulateViewport(360, 780, chromedp.EmulateScale(2), chromedp.EmulateMobile),
			chromedp.Navigate(srv.URL+tc.url),
			chromedp.WaitVisible(chromedp.CSS(`#lang span`)),
		); err != nil {
			t.Fatal(err)
		}
		for i, want := range tc.names {
			if i > 0 {
				if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lang`))); err != nil {
					t.Fatal(err)
				}
			}
			visible := evalJS[string](t, ctx, `document.getElementById("lang").innerText`)
			name := axName(t, ctx, `document.getElementById("lang")`)
			if visible != want || !strings.Contains(name, visible) {
				t.Errorf("%s, step %d: button shows %q (want %q), accessible name %q", tc.url, i, visible, want, name)
			}
			if l := evalJS[string](t, ctx, `Array.from(document.querySelectorAll("#lang span")).map(function (s) { return s.lang + ":" + s.textContent; }).join(",")`); !strings.Contains(l, "en:English") && !strings.Contains(l, "zh-CN:中文") {
				t.Errorf("%s: the button's text has no language: %s", tc.url, l)
			}
			if has := evalJS[bool](t, ctx, `document.getElementById("lang").hasAttribute("aria-label")`); has {
				t.Errorf("%s: an aria-label replaces the button's text", tc.url)
			}
		}
		if sw, cw := evalJS[int](t, ctx, `document.documentElement.scrollWidth`), evalJS[int](t, ctx, `document.documentElement.clientWidth`); sw > cw {
			t.Errorf("%s on a 360 px phone: %d px wide in %d", tc.url, sw, cw)
		}
		saveScreenshot(t, ctx, "pages-"+tc.shot+"-360.png")
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
}

// axName is the accessible name Chromium computes for the element the
// expression returns.
func axName(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	obj, err := chromedp.Run(ctx, chromedp.Evaluate[*runtime.RemoteObject](expr))
	if err != nil || obj == nil || obj.ObjectID == "" {
		t.Fatalf("%s: %v", expr, err)
	}
	fetch := false
	res, err := chromedp.Call(ctx, accessibility.GetPartialAXTree, accessibility.GetPartialAXTreeParams{ObjectID: obj.ObjectID, FetchRelatives: &fetch})
	if err != nil {
		t.Fatalf("accessibility tree of %s: %v", expr, err)
	}
	for _, n := range res.Nodes {
		if n.Name != nil && len(n.Name.Value) > 0 {
			var s string
			if err := json.Unmarshal(n.Name.Value, &s); err != nil {
				t.Fatalf("name %s: %v", n.Name.Value, err)
			}
			return s
		}
	}
	return ""
}

// noStore sends an answer with Cache-Control: no-store, whatever the route says.
type noStore struct{ http.ResponseWriter }

func (n noStore) WriteHeader(code int) {
	n.Header().Set("Cache-Control", "no-store")
	n.ResponseWriter.WriteHeader(code)
}
