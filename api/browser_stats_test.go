package api

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/aqwarn/aqwarn/aqi"
)

// The statistics page in real Chromium, on the statistics of a real SQLite
// store (statsDeps: October and November 2026 measured, now 1 December):
// the calendar has a cell for every day of 2026, each measured day in the
// colour of its AQI's category (as package aqi has it), the days without
// data and those to come marked as such; the month shows its heavy days
// beside the warning; the targets their status; the language button
// switches every text; on a phone nothing runs off the screen.
func TestBrowserStatsPage(t *testing.T) {
	ctx := headlessChromium(t)
	srv := httptest.NewServer(NewHandler(statsDeps(t)))
	defer srv.Close()
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/stats?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`#targets li`)),
		chromedp.WaitVisible(chromedp.CSS(`#heavy li[data-date]`)),
	); err != nil {
		t.Fatal(err)
	}

	// A cell per day of the year, in twelve months.
	if n := evalJS[int](t, ctx, `document.querySelectorAll("#calendar .day").length`); n != 365 {
		t.Errorf("%d day cells, want 365", n)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll("#calendar .month").length`); n != 12 {
		t.Errorf("%d months, want 12", n)
	}
	// 1 January 2026 is a Thursday: three blanks before it under Mo Tu We.
	if n := evalJS[int](t, ctx, `document.querySelectorAll('.month[data-month="2026-01"] .days > span:not(.dow):not(.day)').length`); n != 3 {
		t.Errorf("January starts after %d blanks, want 3 (a Thursday)", n)
	}
	// Measured days: coloured by their AQI's category.
	cells := evalJS[[]map[string]string](t, ctx, `Array.from(document.querySelectorAll("#calendar .day[data-aqi]")).map(function (c) {
	  return { date: c.getAttribute("data-date"), aqi: c.getAttribute("data-aqi"), bg: getComputedStyle(c).backgroundColor };
	})`)
	if len(cells) != 61 {
		t.Errorf("%d measured days in the calendar, want 61 (October and November)", len(cells))
	}
	levels := map[int]bool{}
	for _, c := range cells {
		a, err := strconv.Atoi(c["aqi"])
		if err != nil {
			t.Fatalf("cell %v", c)
		}
		cat := aqi.CategoryOf(aqi.LevelOf(a))
		if want := rgb(cat.RGB); c["bg"] != want {
			t.Errorf("%s (AQI %d) is %s, want %s (%s)", c["date"], a, c["bg"], want, cat.ZH)
		}
		levels[cat.Level] = true
	}
	if !levels[1] || !levels[2] || !levels[5] {
		t.Errorf("the data should show excellent, good and heavy days; levels %v", levels)
	}
	if got := evalJS[string](t, ctx, `document.querySelector('.day[data-date="2026-11-15"]').getAttribute("data-aqi")`); got != "253" {
		t.Errorf("15 November: AQI %s, want 253", got)
	}
	// Before October: no data; December: to come.
	if got := evalJS[string](t, ctx, `document.querySelector('.day[data-date="2026-03-01"]').className + "|" + document.querySelector('.day[data-date="2026-12-05"]').className`); got != "day nodata|day future" {
		t.Errorf("classes of 1 March and 5 December: %q", got)
	}
	// The month is November (the last counted): its four heavy days, three
	// under warning 1.
	heavy := evalJS[string](t, ctx, `document.getElementById("heavy").innerText`)
	if strings.Count(heavy, "AQI 253") != 4 || !strings.Contains(heavy, "橙色预警（提前发布）") || !strings.Contains(heavy, "未发布预警") {
		t.Errorf("November's heavy days:\n%s", heavy)
	}
	if s := evalJS[string](t, ctx, `document.getElementById("month-head").textContent`); s != "2026年11月" {
		t.Errorf("month heading %q", s)
	}
	// Targets: each with its status, the illustrative ones marked.
	st := evalJS[string](t, ctx, `Array.from(document.querySelectorAll("#targets li")).map(function (l) { return l.getAttribute("data-status"); }).join(",")`)
	if st != "on_track,at_risk,at_risk,out_of_reach,out_of_reach" {
		t.Errorf("target statuses %s", st)
	}
	zh := pageTexts(t, ctx)
	if !strings.Contains(zh, "空气质量统计") || !strings.Contains(zh, "已无法实现") || !strings.Contains(zh, "示意") {
		t.Errorf("the Chinese page lacks its texts:\n%.600s", zh)
	}
	saveScreenshot(t, ctx, "stats-zh-1280.png")

	// English: every text changes; the data stay.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lang`))); err != nil {
		t.Fatal(err)
	}
	en := pageTexts(t, ctx)
	for _, want := range []string{"Air-quality statistics", "Good-day ratio", "out of reach", "illustrative", "Mo", "issued ahead", "no warning issued", "At most 5 more non-good days"} {
		if !strings.Contains(en, want) {
			t.Errorf("English page lacks %q", want)
		}
	}
	for _, gone := range []string{"优良天数比例", "已无法实现", "未发布预警"} {
		if strings.Contains(en, gone) {
			t.Errorf("English page still says %q", gone)
		}
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll("#calendar .day[data-aqi]").length`); n != 61 {
		t.Errorf("after switching: %d measured days", n)
	}

	// A phone: the months wrap, nothing runs off.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(360, 780, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(srv.URL+"/stats?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#targets li`)),
	); err != nil {
		t.Fatal(err)
	}
	if sw, cw := evalJS[int](t, ctx, `document.documentElement.scrollWidth`), evalJS[int](t, ctx, `document.documentElement.clientWidth`); sw > cw {
		t.Errorf("on a 360 px phone the page is %d px wide in %d", sw, cw)
	}
	saveScreenshot(t, ctx, "stats-en-360.png")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
}

// The public page links to the statistics.
func TestBrowserPublicPageLinksStats(t *testing.T) {
	ctx := headlessChromium(t)
	srv := httptest.NewServer(NewHandler(statsDeps(t)))
	defer srv.Close()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/?lang=en"), chromedp.WaitVisible(chromedp.CSS(`a[href="/stats"]`))); err != nil {
		t.Fatal(err)
	}
	if s := evalJS[string](t, ctx, `document.querySelector('a[href="/stats"]').textContent`); !strings.Contains(s, "statistics") {
		t.Errorf("the link says %q", s)
	}
}

func rgb(c [3]uint8) string { return fmt.Sprintf("rgb(%d, %d, %d)", c[0], c[1], c[2]) }

func pageTexts(t *testing.T, ctx context.Context) string {
	t.Helper()
	return evalJS[string](t, ctx, `document.body.innerText + " " + Array.from(document.querySelectorAll("[title]")).slice(0, 400).map(function (e) { return e.title; }).join(" ")`)
}
