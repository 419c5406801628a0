package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/internal/testenv"
)

// boardBody is the part of GET /warnings/{id}/board the test reads.
type boardBody struct {
	Units []struct {
		ID      string `json:"id"`
		Acked   bool   `json:"acknowledged"`
		Pending int    `json:"notices_unacknowledged"`
	} `json:"units"`
}

// The acknowledgement loop in a real browser against the real service
// (run() with a real Mosquitto): a yellow warning is approved through the
// API by the plan's chain, the duty console's board shows education amber,
// education signs in on /unit with its own token, acknowledges (叫应) and
// reports a task done, and the console's board cell for education turns
// green while finance stays amber.
func TestBrowserUnitAcknowledges(t *testing.T) {
	ctx := newBrowser(t)
	broker := testenv.StartMosquitto(t)
	cfgPath := alertTestConfig(t, broker.URL(), t.TempDir())
	cfgText, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	// A member unit's token (role unit:education) after the staff tokens.
	cfgText = fmt.Appendf(cfgText, "    - {user: unit-education, roles: [\"unit:education\"], sha256: %s}\npublish: {channels: [mqtt]}\n",
		api.HashToken("tok-unit-education"))
	if err := os.WriteFile(cfgPath, cfgText, 0o644); err != nil {
		t.Fatal(err)
	}
	svc := startService(t, []string{"serve", "--config", cfgPath, "--log-level", "warn"}, nil)
	v1 := svc.URL + "/api/v1"

	// A forecast over 200 tomorrow raises a yellow proposal; the chain signs it.
	pid := proposeYellow(t, v1, "browser")
	// The console, in its own tab: the commander signs in and opens the
	// proposal's evidence chart (the forecast day above 200, the run against
	// its threshold, the lead time).
	console, cancelConsole := chromedp.NewContext(ctx)
	defer cancelConsole()
	evidence := fmt.Sprintf(`#evidence-%d svg`, pid)
	if err := chromedp.Do(console,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(svc.URL+"/console"),
		chromedp.SendKeys(chromedp.CSS(`#token`), "tok-commander"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#proposals tr[data-id="%d"] button.evidence-toggle`, pid))),
		chromedp.WaitVisible(chromedp.CSS(evidence+` line.threshold`)),
	); err != nil {
		t.Fatalf("console evidence: %v", err)
	}
	if n := eval[int](t, console, `document.querySelectorAll('`+evidence+` .win-forecast').length`); n == 0 {
		t.Errorf("the evidence chart draws no forecast window")
	}
	if th := eval[string](t, console, `document.querySelector('`+evidence+` line.threshold').dataset.threshold`); th != "200" {
		t.Errorf("the evidence chart's threshold is %q, want the yellow level's 200", th)
	}
	screenshot(t, console, "console-evidence.png")

	for _, r := range []string{"ecology_branch", "meteorology", "commander"} {
		if code := call(t, "POST", fmt.Sprintf("%s/proposals/%d/approve", v1, pid), r, "application/json", []byte(`{}`), nil); code != 200 {
			t.Fatalf("%s approves: %d", r, code)
		}
	}
	var act struct {
		Warnings []struct {
			ID int64 `json:"id"`
		} `json:"warnings"`
	}
	eventually(t, "the active warning", 20*time.Second, func() bool {
		call(t, "GET", v1+"/warnings/active", "", "", nil, &act)
		return len(act.Warnings) == 1
	})
	wid := act.Warnings[0].ID
	// Wait until the fan-out has recorded the units' notices.
	eventually(t, "notices for education and finance", 20*time.Second, func() bool {
		var b boardBody
		call(t, "GET", fmt.Sprintf("%s/warnings/%d/board", v1, wid), "commander", "", nil, &b)
		n := 0
		for _, u := range b.Units {
			if (u.ID == "education" || u.ID == "finance") && u.Pending > 0 {
				n++
			}
		}
		return n == 2
	})

	// The console's board (refreshed on its own) shows education amber.
	eduAck := `#board tr[data-unit="education"] td.ack`
	finAck := `#board tr[data-unit="finance"] td.ack`
	if err := chromedp.Do(console,
		chromedp.WaitVisible(chromedp.CSS(eduAck+`[data-state="pending"]`)),
	); err != nil {
		t.Fatalf("console board: %v", err)
	}
	amber := eval[string](t, console, `getComputedStyle(document.querySelector('`+eduAck+`')).backgroundColor`)
	screenshot(t, console, "console-board-before-ack.png")

	// The member-unit page on a phone: sign in as education, acknowledge,
	// report a task done.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(svc.URL+"/unit?unit=education&lang=zh"),
		chromedp.SendKeys(chromedp.CSS(`#token`), "tok-unit-education"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#ack`)),
		chromedp.WaitVisible(chromedp.CSS(`li.task[data-task="r3-schools-reduce-outdoor"]`)),
	); err != nil {
		t.Fatalf("unit page: %v", err)
	}
	if name := textOf(t, ctx, `#unit-name`); !strings.Contains(name, "教育") {
		t.Errorf("unit page names %q, want the education bureau", name)
	}
	if lvl := eval[string](t, ctx, `document.querySelector(".wcard").dataset.level`); lvl != "yellow" {
		t.Errorf("the warning card shows level %q", lvl)
	}
	if sw, cw := eval[int](t, ctx, `document.documentElement.scrollWidth`), eval[int](t, ctx, `document.documentElement.clientWidth`); sw > cw {
		t.Errorf("on a phone the unit page is %d px wide in a %d px viewport", sw, cw)
	}
	screenshot(t, ctx, "unit-page-before-ack.png")
	task := `li.task[data-task="r3-schools-reduce-outdoor"]`
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#ack`)),
		chromedp.WaitVisible(chromedp.CSS(`#ack-state[data-state="acknowledged"]`)),
		chromedp.SendKeys(chromedp.CSS(task+` textarea`), "已通知全县学校减少户外活动"),
		chromedp.Click(chromedp.CSS(task+` button.done`)),
		chromedp.WaitVisible(chromedp.CSS(task+`[data-state="done"] .note`)),
	); err != nil {
		t.Fatalf("acknowledge and report done: %v", err)
	}
	screenshot(t, ctx, "unit-page-after-ack.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lang`))); err != nil {
		t.Fatal(err)
	}
	// The switch re-renders the page: wait for the new texts, never race them.
	title := waitText(t, ctx, `h1`, func(s string) bool { return s == "Member unit: tasks and acknowledgement" })
	ack := waitText(t, ctx, `#ack-state`, func(s string) bool { return strings.Contains(s, "Acknowledged") })
	if title != "Member unit: tasks and acknowledgement" || !strings.Contains(ack, "Acknowledged") {
		t.Errorf("in English: title %q, acknowledgement %q", title, ack)
	}
	screenshot(t, ctx, "unit-page-en.png")

	// The console's board turns education green on its own refresh.
	if err := chromedp.Do(console,
		chromedp.WaitVisible(chromedp.CSS(eduAck+`[data-state="ok"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#board tr[data-unit="education"] .chip.ok[data-state="done"]`)),
	); err != nil {
		t.Fatalf("the board did not turn green: %v", err)
	}
	green := eval[string](t, console, `getComputedStyle(document.querySelector('`+eduAck+`')).backgroundColor`)
	if green == amber || green != "rgb(159, 220, 176)" {
		t.Errorf("education's board cell is %s after the acknowledgement (was %s)", green, amber)
	}
	if st := eval[string](t, console, `document.querySelector('`+finAck+`').dataset.state`); st != "pending" {
		t.Errorf("finance, which did not acknowledge, shows %q", st)
	}
	screenshot(t, console, "console-board-after-ack.png")

	// The board's colour rule, case by case, as the console's script has it.
	for _, tc := range []struct{ name, js, want string }{
		{"an assigned task without deadline is pending", `taskColour({state:"assigned"}, new Date())`, "pending"},
		{"an assigned task past its deadline is overdue", `taskColour({state:"assigned", due:"2026-01-01T00:00:00Z"}, new Date("2026-01-02T00:00:00Z"))`, "late"},
		{"an acknowledged task is green", `taskColour({state:"acknowledged"}, new Date())`, "ok"},
		{"a task done in time is green", `taskColour({state:"done", due:"2026-01-02T00:00:00Z", updated:"2026-01-01T00:00:00Z"}, new Date())`, "ok"},
		{"a task done late stays red", `taskColour({state:"done", due:"2026-01-01T00:00:00Z", updated:"2026-01-02T00:00:00Z"}, new Date())`, "late"},
		{"a released task is grey", `taskColour({state:"released"}, new Date())`, "off"},
		{"an acknowledged unit is green", `ackColour({acknowledged:true, notices_unacknowledged:0}, false, false, true)`, "ok"},
		{"a unit that acknowledged an earlier notice but not the new one is pending", `ackColour({acknowledged:true, notices_unacknowledged:1}, false, false, true)`, "pending"},
		{"an escalated unit is red", `ackColour({acknowledged:false, notices_unacknowledged:1}, true, false, true)`, "late"},
		{"a unit late with its acknowledgement is red", `ackColour({acknowledged:false, notices_unacknowledged:1}, false, true, true)`, "late"},
		{"a unit without notice or task is grey", `ackColour({acknowledged:false, notices_unacknowledged:0}, false, false, false)`, "off"},
	} {
		if got := eval[string](t, console, `(function(){ var r = window.aqwarnBoardRules, taskColour = r.taskColour, ackColour = r.ackColour; return `+tc.js+`; })()`); got != tc.want {
			t.Errorf("%s: %s = %q, want %q", tc.name, tc.js, got, tc.want)
		}
	}

	// The API agrees with the page.
	var b boardBody
	call(t, "GET", fmt.Sprintf("%s/warnings/%d/board", v1, wid), "commander", "", nil, &b)
	for _, u := range b.Units {
		if u.ID == "education" && (!u.Acked || u.Pending != 0) {
			t.Errorf("board API: education %+v", u)
		}
	}
}
