package api

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/configs"
)

// headlessChromium starts Debian's chromium for one test (see
// cmd/aqwarn/browser_test.go for the whole-service test). A missing browser
// fails under CI and skips elsewhere.
func headlessChromium(t *testing.T) context.Context {
	t.Helper()
	bin := ""
	for _, p := range []string{os.Getenv("AQWARN_CHROMIUM"), "chromium", "chromium-browser", "/usr/lib/chromium/chromium"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			bin = path
			break
		}
	}
	if bin == "" {
		msg := "headless Chromium not found; install it with scripts/ensure-servers.sh or set AQWARN_CHROMIUM"
		if os.Getenv("CI") != "" || os.Getenv("AQWARN_REQUIRE_SERVERS") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser; no timeout on this first call
		t.Fatalf("start Chromium: %v", err)
	}
	tctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel)
	return tctx
}

func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("AQWARN_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// The banner shows an active warning as GET /api/v1/warnings/active sends
// it (warnings.go's own view type), and nothing when that endpoint fails.
func TestBrowserWarningBanner(t *testing.T) {
	ctx := headlessChromium(t)
	warnings := []warningView{{ID: 7, Region: "county", Level: "orange", NameZH: "橙色预警", NameEN: "Orange warning",
		Color: "#FF7E00", Response: "Ⅱ", Since: hourEnd.In(CST), EpisodeStart: hourEnd.Add(24 * time.Hour).In(CST),
		ExpectedEnd: hourEnd.Add(96 * time.Hour).In(CST), Issued: hourEnd.In(CST), Plan: "test"}}
	var down atomic.Bool // the warnings endpoint fails
	page := NewHandler(historyDeps(t))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/warnings/active" {
			if down.Load() {
				http.Error(w, `{"error":{"code":"unavailable","message":"down"}}`, http.StatusServiceUnavailable)
				return
			}
			c, _ := gin.CreateTestContext(w)
			c.JSON(http.StatusOK, gin.H{"warnings": warnings})
			return
		}
		page.ServeHTTP(w, r)
	}))
	defer srv.Close()

	var title, what string
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`#warning-banner .warning[data-level="orange"]`)),
	)
	if err != nil {
		t.Fatalf("banner: %v", err)
	}
	title, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#warning-banner h2`)))
	what, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#warning-banner ul`)))
	if !strings.Contains(title, "橙色预警") || !strings.Contains(title, "Ⅱ") {
		t.Errorf("banner title %q", title)
	}
	if !strings.Contains(what, "少动") { // the county's health advice (testDeps)
		t.Errorf("banner does not say what it means for the public: %q", what)
	}
	saveScreenshot(t, ctx, "public-page-warning.png")

	// No warning endpoint (or a failing one): no banner, the rest works.
	down.Store(true)
	if err := chromedp.Do(ctx,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#county-card[data-level]`)),
	); err != nil {
		t.Fatal(err)
	}
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("warning-banner").hidden`))
	if err != nil || !hidden {
		t.Errorf("banner shown without a warning (hidden=%v, %v)", hidden, err)
	}
}

// A commander signs in to the duty console with a token, approves the
// pending proposal that waits for the commander (a real lifecycle.Service with
// the county's plan), and the public page then shows the new warning.
func TestBrowserConsoleApproval(t *testing.T) {
	ctx := headlessChromium(t)
	b, err := fs.ReadFile(configs.Plans, "plans/jianghua-2024.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := alert.ParsePlan(b)
	if err != nil {
		t.Fatal(err)
	}
	now := hourEnd.Add(10 * time.Minute)
	svc := &lifecycle.Service{Plan: plan, Store: lifecycle.NewMemStore(), Now: func() time.Time { return now }}
	yellow, _ := plan.LevelByID("yellow")
	bg := context.Background()
	rec, err := svc.ProposeManual(bg, "jianghua", alert.ManualRequest{Level: yellow, Start: now, End: now.Add(48 * time.Hour),
		Reason: "会商：持续重污染", By: "duty"}, "duty_officer")
	if err != nil {
		t.Fatal(err)
	}
	// The consultation step is signed; the chain now waits for the commander.
	for _, role := range []string{"ecology_branch", "meteorology"} {
		if rec, err = svc.Sign(bg, rec.ID, role, role+"-user", true, "同意"); err != nil {
			t.Fatalf("%s signs: %v", role, err)
		}
	}
	d := historyDeps(t)
	d.Alert = &AlertDeps{Service: svc}
	d.Staff = []StaffToken{{SHA256: HashToken("commander-token"), User: "commander", Roles: []string{"commander"}}}
	srv := httptest.NewServer(NewHandler(d))
	defer srv.Close()

	row := fmt.Sprintf(`#proposals tr[data-id="%d"]`, rec.ID)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/console"),
		chromedp.SendKeys(chromedp.CSS(`#token`), "commander-token"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(row)),
	); err != nil {
		t.Fatalf("console lists the proposal: %v", err)
	}
	if next, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row+` td.next`))); next != "commander" {
		t.Errorf("the row waits for %q, want commander", next)
	}
	saveScreenshot(t, ctx, "console-pending.png")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(row+` button.approve`)),
		chromedp.WaitNotPresent(chromedp.CSS(row)),
	); err != nil {
		t.Fatalf("approve: %v", err)
	}
	status, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#status`)))
	if !strings.Contains(status, "published") {
		t.Errorf("status after approval: %q", status)
	}
	saveScreenshot(t, ctx, "console-approved.png")

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#warning-banner .warning[data-level="yellow"]`)),
	); err != nil {
		t.Fatalf("the public page shows no yellow warning: %v", err)
	}
	title, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#warning-banner h2`)))
	if !strings.Contains(title, "Yellow warning") {
		t.Errorf("banner %q", title)
	}
	saveScreenshot(t, ctx, "public-page-after-approval.png")

	// A wrong token is refused with the one error shape's message.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/console"),
		chromedp.SendKeys(chromedp.CSS(`#token`), "wrong"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#status.error`)),
	); err != nil {
		t.Fatalf("wrong token: %v", err)
	}
}
