package api

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/compliance/inspect"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/reduction"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// The industry bureau's inspector, on a phone with the location allowed,
// opens cem-b's inspection on /inspect: the power data's chart (observed
// against baseline), the checklist; ticks the items, saves them with the
// position, uploads a photo (shrunk on the phone), concludes confirmed —
// and the downgrade and penalty proposals appear. On the duty console the
// branch head sees them with the open tasks (site-1's overdue one in red)
// and approves the downgrade. Real Chromium, the loop on a real SQLite.
func TestBrowserInspection(t *testing.T) {
	browser := headlessChromium(t)
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mu sync.Mutex
	now := time.Date(2026, 12, 3, 0, 30, 0, 0, CST)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	svc := complianceService(t, db, clock)
	r1, r3, gap := nightEvents()
	if _, err := svc.Sync(ctx, []compliance.Event{r1, r3, gap}); err != nil {
		t.Fatal(err)
	}
	d := testDeps()
	d.Now = clock
	d.Staff = complianceTokens
	d.Compliance = &ComplianceDeps{Service: svc}
	d.Alert = &AlertDeps{Service: &lifecycle.Service{Plan: svc.Plan, Store: lifecycle.NewMemStore(), Now: clock}}
	d.Lists = &ListDeps{InForce: svc.List, Now: clock, Account: shippedAccounting(t)}
	srv := httptest.NewServer(NewHandler(d))
	defer srv.Close()

	phone, cancel := chromedp.NewContext(browser)
	defer cancel()
	lat, lon, acc := 25.2621, 111.5119, 15.0
	task := `#tasks li.task[data-inspection="1"]`
	if err := chromedp.Do(phone,
		chromedp.EmulateViewport(360, 780, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := chromedp.Call(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
				Permission: &cdpbrowser.PermissionDescriptor{Name: "geolocation"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: srv.URL}); err != nil {
				return err
			}
			_, err := chromedp.Call(ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lon, Accuracy: &acc})
			return err
		}),
		chromedp.Navigate(srv.URL+"/inspect?lang=zh"),
		chromedp.SendKeys(chromedp.CSS(`#token`), "tok-industry"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(task+` button.open`)),
	); err != nil {
		t.Fatalf("the inspector signs in: %v; the page says %q", err, evalJS[string](t, phone, `document.getElementById("status").textContent`))
	}
	// Only the bureau's own task: cem-b (site-1 is the housing bureau's).
	if n := evalJS[int](t, phone, `document.querySelectorAll("#tasks li.task").length`); n != 1 {
		t.Errorf("%d tasks shown, want cem-b's only", n)
	}
	saveScreenshot(t, phone, "inspect-tasks-360.png")
	if err := chromedp.Do(phone,
		chromedp.Click(chromedp.CSS(task+` button.open`)),
		chromedp.WaitVisible(chromedp.CSS(`#detail[data-inspection="1"] .chart svg polyline.observed`)),
	); err != nil {
		t.Fatalf("open the inspection: %v", err)
	}
	// The evidence: both events, each with its chart of observed and baseline.
	if n := evalJS[int](t, phone, `document.querySelectorAll("#detail .event .chart svg polyline.baseline").length`); n != 2 {
		t.Errorf("%d baselines drawn, want one per event", n)
	}
	if s := evalJS[string](t, phone, `document.querySelector("#detail .event").textContent`); !strings.Contains(s, "停产期间1号窑用电为基线的92%") {
		t.Errorf("the event says %q", s)
	}
	if sw, cw := evalJS[int](t, phone, `document.documentElement.scrollWidth`), evalJS[int](t, phone, `document.documentElement.clientWidth`); sw > cw {
		t.Errorf("on a 360 px phone /inspect is %d px wide", sw)
	}
	saveScreenshot(t, phone, "inspect-detail-360.png")

	// Tick every item (the line and the ledger not as required), save with the position.
	answers := map[string]string{"line_stopped": "not_ok", "treatment_running": "ok", "ledger": "not_ok", "meters_intact": "ok", "signboard": "na"}
	var ticks []chromedp.Action[chromedp.Void]
	for item, r := range answers {
		ticks = append(ticks, chromedp.Click(chromedp.CSS(`#detail li[data-item="`+item+`"] input[value="`+r+`"]`)))
	}
	ticks = append(ticks, chromedp.SendKeys(chromedp.CSS(`#detail li[data-item="line_stopped"] input.note`), "1号窑在运行"),
		chromedp.Click(chromedp.CSS(`#save-findings`)),
		chromedp.WaitVisible(chromedp.CSS(`#position-text[data-recorded="yes"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#detail li[data-item="line_stopped"].not_ok input[value="not_ok"]:checked`)))
	if err := chromedp.Do(phone, ticks...); err != nil {
		t.Fatalf("tick and save: %v; the page says %q", err, evalJS[string](t, phone, `document.getElementById("status").textContent`))
	}
	testenv.Eventually(t, "the findings with the position in the store", 10*time.Second, func() bool {
		in, err := db.Inspection(ctx, 1)
		return err == nil && len(in.Findings) == 5 && in.Position != nil
	})
	in, _ := db.Inspection(ctx, 1)
	if in.Position.Lat != lat || in.Position.Lon != lon || in.Position.By != "insp-industry" || in.Findings[0].Note != "1号窑在运行" {
		t.Errorf("kept: position %+v, findings %+v", in.Position, in.Findings)
	}
	if s := evalJS[string](t, phone, `document.getElementById("position-text").textContent`); !strings.Contains(s, "25.26210, 111.51190") {
		t.Errorf("the position shown: %q", s)
	}

	// A photo from the phone: a large PNG, shrunk to JPEG on the page.
	img := image.NewRGBA(image.Rect(0, 0, 2400, 1800))
	for x := 0; x < 2400; x += 7 {
		img.Set(x, x*3/4, color.RGBA{200, 30, 30, 255})
	}
	var pngBytes bytes.Buffer
	png.Encode(&pngBytes, img)
	photo := filepath.Join(t.TempDir(), "kiln.png")
	if err := os.WriteFile(photo, pngBytes.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	upload, cancelUpload := context.WithTimeout(phone, 20*time.Second)
	defer cancelUpload()
	if err := chromedp.Do(upload,
		chromedp.SetUploadFiles(chromedp.CSS(`#detail label.photo input[type=file]`), []string{photo}),
		chromedp.WaitVisible(chromedp.CSS(`#photos[data-count="1"]`)),
	); err != nil {
		t.Fatalf("the photo: %v; the page says %q", err, evalJS[string](t, phone, `document.getElementById("status").textContent`))
	}
	in, _ = db.Inspection(ctx, 1)
	if len(in.Photos) != 1 || in.Photos[0].ContentType != "image/jpeg" || in.Photos[0].Size >= pngBytes.Len() {
		t.Errorf("the photo as kept: %+v (sent %d bytes of PNG)", in.Photos, pngBytes.Len())
	}
	if ct, _, units, err := db.EvidenceData(ctx, in.Photos[0].SHA256); err != nil || ct != "image/jpeg" || strings.Join(units, ",") != "industry_it" {
		t.Errorf("the photo in the evidence store: %q %v %v", ct, units, err)
	}

	// Conclude confirmed: the proposals appear.
	if err := chromedp.Do(phone,
		chromedp.Click(chromedp.CSS(`#detail input[name="outcome"][value="confirmed"]`)),
		chromedp.SendKeys(chromedp.CSS(`#conclusion-text`), "1号窑未按橙色预警停产，台账无停产记录"),
		chromedp.Click(chromedp.CSS(`#conclude`)),
		chromedp.WaitVisible(chromedp.CSS(`#consequences li[data-kind="downgrade"][data-status="pending"]`)),
	); err != nil {
		t.Fatalf("conclude: %v; the page says %q", err, evalJS[string](t, phone, `document.getElementById("status").textContent`))
	}
	if s := evalJS[string](t, phone, `document.getElementById("consequences").textContent`); !strings.Contains(s, "B → C") || !strings.Contains(s, "行政处罚") {
		t.Errorf("the proposals shown: %q", s)
	}
	if s := evalJS[string](t, phone, `document.getElementById("conclusion").dataset.outcome`); s != "confirmed" {
		t.Errorf("the conclusion shown: %q", s)
	}
	for _, id := range []string{r1.ID, r3.ID} {
		if e, _ := db.Event(ctx, id); e.State != compliance.StateConfirmed {
			t.Errorf("event %s is %s", id, e.State)
		}
	}
	saveScreenshot(t, phone, "inspect-concluded-360.png")

	// The console: site-1's task is overdue by now; the branch head approves the downgrade.
	mu.Lock()
	now = now.Add(30 * time.Hour)
	mu.Unlock()
	console, cancel2 := chromedp.NewContext(browser)
	defer cancel2()
	down := `#compliance-panel tr[data-kind="downgrade"]`
	if err := chromedp.Do(console,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/console?lang=en"),
		chromedp.SendKeys(chromedp.CSS(`#token`), "tok-head"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(down+` button.approve`)),
		chromedp.WaitVisible(chromedp.CSS(`#compliance-panel tr.overdue[data-inspection="2"]`)),
	); err != nil {
		t.Fatalf("the console's compliance panel: %v", err)
	}
	bg := evalJS[string](t, console, `getComputedStyle(document.querySelector('#compliance-panel tr.overdue[data-inspection="2"] td')).backgroundColor`)
	plain := evalJS[string](t, console, `getComputedStyle(document.querySelector('`+down+` td')).backgroundColor`)
	if bg == plain {
		t.Errorf("the overdue task does not stand out: %s like the others", bg)
	}
	// The list's reduction accounting: a row per level and pollutant; the
	// demo list's VOCs shortfall stands out.
	wctx, wcancel := context.WithTimeout(console, 15*time.Second)
	defer wcancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(`#compliance-panel tr[data-level="orange"][data-pollutant="vocs"] td.late`))); err != nil {
		t.Fatalf("the accounting table: %v; the panel: %s", err, evalJS[string](t, console, `document.getElementById("compliance-panel").innerText.slice(-400)`))
	}
	if n := evalJS[int](t, console, `document.querySelectorAll('#compliance-panel tr[data-pollutant]').length`); n < 12 {
		t.Errorf("%d accounting rows, want 4 pollutants × the levels", n)
	}
	saveScreenshot(t, console, "console-compliance.png")
	if err := chromedp.Do(console,
		chromedp.SendKeys(chromedp.CSS(down+` input`), "同意降级"),
		chromedp.Click(chromedp.CSS(down+` button.approve`)),
		chromedp.WaitNotPresent(chromedp.CSS(down)),
	); err != nil {
		t.Fatalf("approve: %v; the panel says %q", err, evalJS[string](t, console, `document.getElementById("compliance-status").textContent`))
	}
	cs, err := db.Consequences(ctx, inspect.ConsequenceFilter{Kind: inspect.KindDowngrade})
	if err != nil || len(cs) != 1 || cs[0].Status != inspect.StatusApproved || cs[0].Approval.Signatures[0].User != "head-wang" ||
		cs[0].Approval.Signatures[0].Comment != "同意降级" {
		t.Errorf("the downgrade after the approval: %+v %v", cs, err)
	}
}

// shippedAccounting is the accounting with the shipped parameters and
// illustrative inventory.
func shippedAccounting(t *testing.T) func(*reduction.List, time.Time) *compliance.Accounting {
	t.Helper()
	pb, _ := fs.ReadFile(configs.Compliance, "compliance/defaults.yaml")
	params, err := compliance.ParseParams(pb)
	if err != nil {
		t.Fatal(err)
	}
	ib, _ := fs.ReadFile(configs.Compliance, "compliance/inventory-jianghua.yaml")
	inv, err := compliance.ParseInventory(ib)
	if err != nil {
		t.Fatal(err)
	}
	return func(l *reduction.List, now time.Time) *compliance.Accounting {
		return params.Accounting.Account(l, inv, now)
	}
}
