package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds headless Chromium: $AQWARN_CHROMIUM or Debian's
// chromium. A missing browser fails the run under CI (scripts/test.sh
// installs it) and skips the test elsewhere.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("AQWARN_CHROMIUM"), "chromium", "chromium-browser", "/usr/lib/chromium/chromium"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	msg := "headless Chromium not found; install it with scripts/ensure-servers.sh (apt-get install chromium) or set AQWARN_CHROMIUM"
	if os.Getenv("CI") != "" || os.Getenv("AQWARN_REQUIRE_SERVERS") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// newBrowser starts headless Chromium for one test, with a fresh profile
// and nothing that reaches the internet on its own.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first Do starts the browser and binds it to ctx: no timeout here,
	// only on the steps after it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	tctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel)
	return tctx
}

// artifactsDir is where screenshots go: $AQWARN_ARTIFACTS (kept after the
// run) or the test's temporary directory.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("AQWARN_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG; below, JPEG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(artifactsDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// The public page of the real service (run() with the embedded demo: its
// own MQTT broker, store and replayed stations) shows the county AQI in the
// official colour, the stations and the trend, in Chinese and in English,
// on a desktop and on a phone.
func TestBrowserPublicPage(t *testing.T) {
	ctx := newBrowser(t)
	svc := startService(t, []string{"serve", "--demo", "--http", "127.0.0.1:0", "--mqtt-embedded-addr", "127.0.0.1:0",
		"--store-dir", t.TempDir(), "--log-level", "warn"}, nil)
	var cur struct {
		County *struct {
			ID     string `json:"id"`
			Time   string `json:"time"`
			NameZH string `json:"name_zh"`
			NameEN string `json:"name_en"`
			Hourly struct {
				AQI *int `json:"aqi"`
			} `json:"hourly"`
		} `json:"county"`
	}
	eventually(t, "a county AQI from the demo", 90*time.Second, func() bool {
		return getJSON(t, svc.URL+"/api/v1/aqi/current", &cur) == 200 && cur.County != nil && cur.County.Hourly.AQI != nil
	})
	// Half a day of stored history, so the trend has a line to draw.
	eventually(t, "12 hours of county AQI history", 90*time.Second, func() bool {
		var h struct {
			Points []json.RawMessage `json:"points"`
		}
		return getJSON(t, svc.URL+"/api/v1/aqi/history?region="+cur.County.ID, &h) == 200 && len(h.Points) >= 12
	})

	if err := chromedp.Do(ctx,
		chromedp.Navigate(svc.URL+"/?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`#county-card[data-level]`)),
		chromedp.WaitVisible(chromedp.CSS(`#stations li`)),
		chromedp.WaitVisible(chromedp.CSS(`#trend path.hourly`)),
	); err != nil {
		t.Fatalf("public page: %v", err)
	}
	aqiText := textOf(t, ctx, `#county-aqi`)
	if !regexp.MustCompile(`^\d{1,3}$`).MatchString(aqiText) {
		t.Errorf("county AQI shown as %q", aqiText)
	}
	if name := textOf(t, ctx, `#county-name`); name != cur.County.NameZH {
		t.Errorf("county name %q, want %q", name, cur.County.NameZH)
	}
	bg := eval[string](t, ctx, `getComputedStyle(document.getElementById("county-card")).backgroundColor`)
	official := map[string]bool{"rgb(0, 228, 0)": true, "rgb(255, 255, 0)": true, "rgb(255, 126, 0)": true,
		"rgb(255, 0, 0)": true, "rgb(153, 0, 76)": true, "rgb(126, 0, 35)": true}
	if !official[bg] {
		t.Errorf("county card colour %s is not an official AQI colour", bg)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#stations li").length`); n != 4 {
		t.Errorf("%d station cards, want the demo's 4", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#map circle").length`); n != 4 {
		t.Errorf("%d stations on the map, want 4", n)
	}
	screenshot(t, ctx, "public-page-zh.png")

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lang`))); err != nil {
		t.Fatal(err)
	}
	// The switch re-renders the page: wait for the new texts, never race them.
	name := waitText(t, ctx, `#county-name`, func(s string) bool { return s == cur.County.NameEN })
	if title := waitText(t, ctx, `h1`, func(s string) bool { return s == "Air quality now" }); name != cur.County.NameEN || title != "Air quality now" {
		t.Errorf("after switching to English: county %q, title %q", name, title)
	}
	screenshot(t, ctx, "public-page-en.png")

	// A phone: the page fits the width (no sideways scrolling).
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#county-card[data-level]`)),
	); err != nil {
		t.Fatal(err)
	}
	scrollW := eval[int](t, ctx, `document.documentElement.scrollWidth`)
	clientW := eval[int](t, ctx, `document.documentElement.clientWidth`)
	if scrollW > clientW {
		t.Errorf("on a phone the page is %d px wide in a %d px viewport", scrollW, clientW)
	}
	screenshot(t, ctx, "public-page-phone.png")
}

func textOf(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// waitText polls the text of the first element matching css until ok
// accepts it or 10 s pass, and returns the last text seen ("" while the
// element is absent, e.g. during a re-render).
func waitText(t *testing.T, ctx context.Context, css string, ok func(string) bool) string {
	t.Helper()
	js := `(function(){var e=document.querySelector(` + strconv.Quote(css) + `);return e?e.textContent:""})()`
	var s string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if s = eval[string](t, ctx, js); ok(s) || time.Now().After(deadline) {
			return s
		}
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}
