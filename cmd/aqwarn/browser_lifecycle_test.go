package main

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/simulate"
)

// lifecycleStatus is the part of GET /api/v1/warnings/status the test reads.
type lifecycleStatus struct {
	Regions []struct {
		Region       string    `json:"region"`
		EvaluatedAt  time.Time `json:"evaluated_at"`
		NextDecision time.Time `json:"next_decision"`
		Series       []struct {
			Source string    `json:"source"`
			End    time.Time `json:"end"`
		} `json:"series"`
		Warning *struct {
			ID int64 `json:"id"`
		} `json:"warning"`
	} `json:"regions"`
}

// The warning lifecycle in the duty console and on the public page, on the
// real service (MQTT readings → hourly AQI, an hourly forecast over HTTP →
// the engine's orange proposal → the plan's chain signed with role tokens):
//
//   - while the chain runs, the pending proposal shows its region's
//     timeline: the observed and the forecast rolling AQI, the "now"
//     marker where observation ends, the plan's 200 line, the level strip
//     and the next scheduled decision time;
//   - once published, the warning's history page lists the issue with the
//     three signers and their times;
//   - the public page says from when the warning is effective and until
//     when it is expected, gives the health advice before what changes
//     (schools first among the headings), and shows no internal duty.
//
// Screenshots at 1280 and 360 px go to the artifacts directory.
func TestBrowserLifecycleConsoleAndPublic(t *testing.T) {
	ctx := newBrowser(t)
	broker := testenv.StartMosquitto(t)
	svc := startService(t, []string{"serve", "--config", alertTestConfig(t, broker.URL(), t.TempDir()), "--log-level", "warn"}, nil)
	v1 := svc.URL + "/api/v1"

	// A day and more of lightly polluted air at the county's station (PM2.5 90 µg/m³,
	// AQI ≈ 119; the station measures PM2.5 alone, and under HJ 633-2026 an AQI at
	// or below 100 needs every pollutant).
	bg := context.Background()
	pub, err := simulate.DialMQTT(bg, broker.URL(), "stations")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	last := time.Now().Truncate(time.Hour)
	for i := 30; i >= 0; i-- {
		if err := pub.Publish(bg, "aq/stations/tj-1/readings", simulate.EncodeJSON(aqwarnReading("tj-1", last.Add(-time.Duration(i)*time.Hour), 90))); err != nil {
			t.Fatal(err)
		}
	}
	var st lifecycleStatus
	// Every hour in, up to the last (under load the AQI job can have computed
	// only the first hours: the forecast would then meet a partial series).
	eventually(t, "observed rolling AQI up to the last hour in the decision status", 30*time.Second, func() bool {
		if call(t, "GET", v1+"/warnings/status", "duty_officer", "", nil, &st) != 200 || len(st.Regions) != 1 {
			return false
		}
		for _, w := range st.Regions[0].Series {
			if w.Source == "observed" && !w.End.Before(last) {
				return true
			}
		}
		return false
	})

	// The county's hourly forecast: PM2.5 200 µg/m³ from +30 h to +90 h, 90 around it
	// (runs above 150 and 200 of about 96 h and 80 h: orange, starting in less than a
	// day: proposed at once, whatever the hour).
	var hours []map[string]any
	for i := 1; i <= 100; i++ {
		pm := 90.0
		if i >= 30 && i < 90 {
			pm = 200
		}
		hours = append(hours, map[string]any{"time": last.Add(time.Duration(i) * time.Hour).Format(time.RFC3339),
			"pm25": pm, "pm10": 70, "so2": 8, "no2": 20, "co": 0.6, "o3": 50})
	}
	fc, _ := json.Marshal(map[string]any{"region": "jianghua", "source": "county-forecast-centre",
		"issued_at": time.Now().Add(-time.Minute).Format(time.RFC3339), "hourly": hours})
	var eb errBody
	if code := call(t, "POST", v1+"/forecasts", "duty_officer", "application/json", fc, &eb); code != 201 {
		t.Fatalf("POST hourly forecast: %d %+v", code, eb)
	}
	var ps proposalsBody
	eventually(t, "the engine's orange issue", 30*time.Second, func() bool {
		call(t, "GET", v1+"/proposals?status=pending", "duty_officer", "", nil, &ps)
		return len(ps.Proposals) == 1 && ps.Proposals[0].Action == "issue" && ps.Proposals[0].Level == "orange"
	})
	id := ps.Proposals[0].ID
	approve := func(role string) {
		t.Helper()
		if code := call(t, "POST", fmt.Sprintf("%s/proposals/%d/approve", v1, id), role, "application/json", []byte(`{"comment":"同意"}`), &eb); code != 200 {
			t.Fatalf("%s approves: %d %+v", role, code, eb)
		}
	}
	approve("office_director") // the chain now waits for the commander

	call(t, "GET", v1+"/warnings/status", "duty_officer", "", nil, &st)
	next := st.Regions[0].NextDecision.In(api.CST).Format("2006-01-02 15:04")
	if !regexp.MustCompile(` (10|16):00$`).MatchString(next) {
		t.Fatalf("next decision %s is not one of the plan's decision times (10:00, 16:00)", next)
	}
	nowAt := st.Regions[0].EvaluatedAt

	// The console: the pending proposal on its region's timeline.
	row := fmt.Sprintf(`#proposals tr.timeline-row[data-for="%d"]`, id)
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(svc.URL+"/console"),
		chromedp.SendKeys(chromedp.CSS(`#token`), "tok-duty_officer"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(row+` svg.timeline`)),
	); err != nil {
		t.Fatalf("console: %v", err)
	}
	count := func(css string) int {
		return eval[int](t, ctx, `document.querySelectorAll(`+jsString(css)+`).length`)
	}
	for _, css := range []string{"line.now-marker", "path.series-observed", "path.series-forecast", `line.threshold[data-threshold="200"]`,
		"line.decision-marker", "rect.level-span", "line.start-marker"} {
		if n := count(row + " svg.timeline " + css); n != 1 && !(css == "rect.level-span" && n > 0) {
			t.Errorf("the proposal's timeline has %d %s", n, css)
		}
	}
	// "Now" stands where observation ends; the forecast is drawn after it.
	if at := eval[string](t, ctx, `document.querySelector(`+jsString(row+" line.now-marker")+`).dataset.time`); !sameInstant(at, nowAt) {
		t.Errorf("now marker at %s, want the instant judged %s", at, nowAt.UTC().Format(time.RFC3339))
	}
	if n := eval[int](t, ctx, `+document.querySelector(`+jsString(row+" path.series-forecast")+`).dataset.points`); n < 24 {
		t.Errorf("the forecast path has %d points, want the forecast's rolling windows", n)
	}
	// The level strip shows orange (the plan's colour) where the episode is.
	if n := count(row + ` rect.level-span[data-level="orange"]`); n == 0 {
		t.Error("no orange in the proposal's level strip")
	}
	if got := waitText(t, ctx, row+" .decision-next", func(s string) bool { return s == next }); got != next {
		t.Errorf("next decision shown as %q, want %q", got, next)
	}
	if got := textOf(t, ctx, row+" .decision-waiting"); !strings.Contains(got, "issue") || !strings.Contains(got, "approval chain") {
		t.Errorf("what the decision waits for: %q", got)
	}
	screenshot(t, ctx, "lifecycle-console-1280.png")
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(360, 780, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(row+` svg.timeline`)),
	); err != nil {
		t.Fatal(err)
	}
	if sw, cw := eval[int](t, ctx, `document.documentElement.scrollWidth`), eval[int](t, ctx, `document.documentElement.clientWidth`); sw > cw {
		t.Errorf("on a 360 px phone the console is %d px wide in %d (wide tables scroll in their box)", sw, cw)
	}
	screenshot(t, ctx, "lifecycle-console-360.png")

	// The rest of the chain; the warning is in force.
	approve("commander")
	approve("county_leader")
	var act struct {
		Warnings []struct {
			ID int64 `json:"id"`
		} `json:"warnings"`
	}
	if code := call(t, "GET", v1+"/warnings/active", "", "", nil, &act); code != 200 || len(act.Warnings) != 1 {
		t.Fatalf("active: %d %+v", code, act)
	}
	wid := act.Warnings[0].ID
	var w struct {
		ExpectedEnd time.Time `json:"expected_end"`
		Transitions []struct {
			Kind  string    `json:"kind"`
			Start time.Time `json:"start"`
		} `json:"transitions"`
	}
	if code := call(t, "GET", fmt.Sprintf("%s/warnings/%d", v1, wid), "", "", nil, &w); code != 200 || len(w.Transitions) != 1 {
		t.Fatalf("warning %d: %d %+v", wid, code, w)
	}
	var detail struct {
		Proposal struct {
			Signatures []struct {
				Role, User string
				At         time.Time
			} `json:"signatures"`
		} `json:"proposal"`
	}
	call(t, "GET", fmt.Sprintf("%s/proposals/%d", v1, id), "duty_officer", "", nil, &detail)
	var wantSigners []string
	for _, s := range detail.Proposal.Signatures {
		wantSigners = append(wantSigners, s.Role+"="+s.User+"@"+s.At.In(api.CST).Format("2006-01-02 15:04"))
	}

	// The history page lists the issue with its signers.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(fmt.Sprintf("%s/console#warning/%d", svc.URL, wid)),
		chromedp.WaitVisible(chromedp.CSS(`#history li.step[data-kind="issue"] tr.signer`)),
	); err != nil {
		t.Fatalf("history page: %v", err)
	}
	signers := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#history li.step[data-kind="issue"] tr.signer')).map(r => r.dataset.role + "=" + r.dataset.user + "@" + r.cells[3].textContent)`)
	if got, want := strings.Join(signers, ","), strings.Join(wantSigners, ","); got != want || len(signers) != 3 {
		t.Errorf("the issue's signers on the history page:\n got %s\nwant %s", got, want)
	}
	for _, role := range []string{"指挥部办公室主任", "指挥部指挥长", "县委县政府主要领导"} {
		if s := textOf(t, ctx, `#history li.step[data-kind="issue"] table.signers`); !strings.Contains(s, role) {
			t.Errorf("the signers table does not name the role %s: %q", role, s)
		}
	}
	eff := w.Transitions[0].Start.In(api.CST).Format("2006-01-02 15:04")
	if got := textOf(t, ctx, `#history dd.effective-from`); got != eff {
		t.Errorf("history page: effective from %q, want %q", got, eff)
	}
	screenshot(t, ctx, "lifecycle-history-1280.png")
	// Back on the console, the region's warning links to its history.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#history a.back`)),
		chromedp.WaitVisible(chromedp.CSS(`#decisions .in-force a.history-link`)),
	); err != nil {
		t.Fatal(err)
	}
	if href := eval[string](t, ctx, `document.querySelector('#decisions .in-force a.history-link').getAttribute('href')`); href != fmt.Sprintf("#warning/%d", wid) {
		t.Errorf("history link %q", href)
	}

	// The public page: effective from, expected until; the health advice
	// before what changes; no internal duty.
	until := w.ExpectedEnd.In(api.CST).Format("2006-01-02 15:04")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(svc.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#warning-banner .warning[data-level="orange"] .eff-from`)),
	); err != nil {
		t.Fatalf("public banner: %v", err)
	}
	if got := waitText(t, ctx, `#warning-banner .eff-from`, func(s string) bool { return s == "Effective from "+eff }); got != "Effective from "+eff {
		t.Errorf("banner: %q, want effective from %s (the issue's effective start)", got, eff)
	}
	if got := textOf(t, ctx, `#warning-banner .eff-until`); got != "Expected until "+until {
		t.Errorf("banner: %q, want expected until %s", got, until)
	}
	order := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#warning-banner section')).map(s => s.className + ":" + (s.dataset.group || ""))`)
	if len(order) < 2 || order[0] != "advice-health:" || order[1] != "changes:schools" {
		t.Errorf("banner sections %v: want the health advice first, then schools", order)
	}
	banner := textOf(t, ctx, `#warning-banner`)
	for _, want := range []string{"Children, pregnant women, the elderly", "Schools and kindergartens stop outdoor activities", "Outdoor competitions"} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner lacks the public measure %q", want)
		}
	}
	page := eval[string](t, ctx, `document.body.textContent`)
	for _, internal := range []string{"Monitor respiratory and cardiovascular outpatient", "加强县三甲医院", "Supervise the member units"} {
		if strings.Contains(page, internal) {
			t.Errorf("the public page shows the internal duty %q", internal)
		}
	}
	if i, j := strings.Index(banner, "Health advice"), strings.Index(banner, "Schools"); i < 0 || j < 0 || i > j {
		t.Errorf("the health advice (at %d) must come before the schools heading (at %d)", i, j)
	}
	screenshot(t, ctx, "lifecycle-public-1280.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lang`))); err != nil {
		t.Fatal(err)
	}
	if got := waitText(t, ctx, `#warning-banner .eff-from`, func(s string) bool { return s == "生效时间 "+eff }); got != "生效时间 "+eff {
		t.Errorf("zh banner: %q", got)
	}
	if got := textOf(t, ctx, `#warning-banner .eff-until`); got != "预计持续至 "+until {
		t.Errorf("zh banner: %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(360, 780, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#warning-banner .eff-from`)),
	); err != nil {
		t.Fatal(err)
	}
	if sw, cw := eval[int](t, ctx, `document.documentElement.scrollWidth`), eval[int](t, ctx, `document.documentElement.clientWidth`); sw > cw {
		t.Errorf("on a 360 px phone the public page is %d px wide in %d", sw, cw)
	}
	screenshot(t, ctx, "lifecycle-public-360.png")
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func sameInstant(iso string, t time.Time) bool {
	got, err := time.Parse(time.RFC3339, iso)
	return err == nil && got.Equal(t)
}
