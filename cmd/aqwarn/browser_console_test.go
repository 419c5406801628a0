package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/internal/testenv"
)

// The duty console's forms in a real browser against the real service:
// the duty officer uploads the city's forecast as a CSV file (a bad file is
// refused with its problems shown), which raises a yellow proposal, and
// proposes a red warning by hand; both enter the plan's chain. The forms
// offer only the plan's warning areas and levels.
func TestBrowserConsoleForms(t *testing.T) {
	ctx := newBrowser(t)
	broker := testenv.StartMosquitto(t)
	svc := startService(t, []string{"serve", "--config", alertTestConfig(t, broker.URL(), t.TempDir()), "--log-level", "warn"}, nil)
	v1 := svc.URL + "/api/v1"

	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(svc.URL+"/console"),
		chromedp.SendKeys(chromedp.CSS(`#token`), "tok-duty_officer"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)),
		chromedp.WaitReady(chromedp.CSS(`#mp-level option[value="none"]`)),
	); err != nil {
		t.Fatalf("console: %v", err)
	}
	// The console says whom the token signs as.
	if who := waitText(t, ctx, `#who`, func(s string) bool { return strings.Contains(s, "user-duty_officer") }); !strings.Contains(who, "应急值班人员") {
		t.Errorf("signed in as %q, want the duty officer named as the plan names the role", who)
	}
	// The county is the plan's only warning area; its towns are not offered.
	regions := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#fc-region option')).map(o => o.value)`)
	if strings.Join(regions, ",") != "jianghua" {
		t.Errorf("forecast regions offered: %v, want the county only", regions)
	}
	levels := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#mp-level option')).map(o => o.value)`)
	if strings.Join(levels, ",") != "yellow,orange,red,none" {
		t.Errorf("levels offered: %v", levels)
	}

	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A bad file: refused whole, the problem shown in red.
	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS(`#fc-file`), []string{write("bad.csv", "date,aqi\nnot-a-date,x\n")}),
		chromedp.Click(chromedp.CSS(`#forecast-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#forecast-status.error`)),
	); err != nil {
		t.Fatalf("bad forecast file: %v", err)
	}
	if msg := textOf(t, ctx, `#forecast-status`); !strings.Contains(msg, "line 2") {
		t.Errorf("the refusal says %q, want it to name the bad line", msg)
	}

	// The city's forecast: above 200 tomorrow.
	now := time.Now().In(api.CST)
	day := func(d int) string { return now.AddDate(0, 0, d).Format(time.DateOnly) }
	good := write("city-forecast.csv", fmt.Sprintf("date,aqi,primary,pm25\n%s,120,pm25,90\n%s,210,pm25,160\n%s,110,pm25,80\n", day(0), day(1), day(2)))
	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS(`#fc-file`), []string{good}),
		chromedp.Click(chromedp.CSS(`#forecast-form button[type="submit"]`)),
	); err != nil {
		t.Fatalf("forecast upload: %v", err)
	}
	if msg := waitText(t, ctx, `#forecast-status`, func(s string) bool { return strings.Contains(s, "已保存预报") }); !strings.Contains(msg, "city-forecast.csv") {
		t.Fatalf("after the upload the console says %q", msg)
	}
	var fcs struct {
		Forecasts []struct {
			Region, Source string
		} `json:"forecasts"`
	}
	call(t, "GET", v1+"/forecasts?region=jianghua", "commander", "", nil, &fcs)
	if len(fcs.Forecasts) != 1 || fcs.Forecasts[0].Source != "city-forecast" {
		t.Fatalf("forecasts kept: %+v", fcs)
	}

	// A red warning proposed by hand, from tomorrow 08:00 for two days.
	start := time.Date(now.Year(), now.Month(), now.Day()+1, 8, 0, 0, 0, api.CST)
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#mp-level`), "red"),
		chromedp.SetValue(chromedp.CSS(`#mp-start`), start.Format("2006-01-02T15:04")),
		chromedp.SetValue(chromedp.CSS(`#mp-end`), start.Add(48*time.Hour).Format("2006-01-02T15:04")),
		chromedp.SendKeys(chromedp.CSS(`#mp-reason`), "会商：静稳天气持续，城市指挥部提示"),
		chromedp.Click(chromedp.CSS(`#manual-form button[type="submit"]`)),
	); err != nil {
		t.Fatalf("manual proposal: %v", err)
	}
	if msg := waitText(t, ctx, `#manual-status`, func(s string) bool { return strings.Contains(s, "已提交建议") }); !strings.Contains(msg, "已提交建议") {
		t.Fatalf("after proposing the console says %q", msg)
	}
	var ps proposalsBody
	call(t, "GET", v1+"/proposals?status=pending", "commander", "", nil, &ps)
	got := map[string]bool{}
	for _, p := range ps.Proposals {
		got[p.Region+":"+p.Action+"/"+p.Level] = true
	}
	if !got["jianghua:manual/red"] || !got["jianghua:issue/yellow"] {
		t.Fatalf("pending after the forms: %v, want the forecast's yellow issue and the manual red", got)
	}
	// Both wait in the console's table for the chain.
	rows := 0
	for deadline := time.Now().Add(10 * time.Second); rows < 2 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		rows = eval[int](t, ctx, `document.querySelectorAll('#proposals tbody tr[data-id]').length`)
	}
	if rows < 2 {
		t.Errorf("the console lists %d pending proposals, want 2", rows)
	}
	screenshot(t, ctx, "console-forms.png")
}
