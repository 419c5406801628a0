package api

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	_ "image/png"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// A listed source signs in on /enterprise with its own token, sees its
// orange measures with the due time of its execution report, acknowledges
// the notice and reports a measure done; on the duty console's board its
// row turns acknowledged (the board's own 15 s refresh), the sources' rows
// filter by town, type and grade, and a source that let its deadline pass
// stands out as overdue. The warning was published by the real publisher
// into SQLite (newSourcesFixture).
func TestBrowserEnterpriseAcknowledges(t *testing.T) {
	browser := headlessChromium(t)
	f := newSourcesFixture(t)
	srv := httptest.NewServer(NewHandler(f.deps))
	defer srv.Close()

	// The console, signed in as the duty officer: cem-b pending.
	console, cancel := chromedp.NewContext(browser)
	defer cancel()
	row := `#board section[data-warning="1"] tr[data-unit="cem-b"]`
	if err := chromedp.Do(console,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/console?lang=en"),
		chromedp.SendKeys(chromedp.CSS(`#token`), "tok-duty"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(row+` td.ack[data-state="pending"]`)),
	); err != nil {
		t.Fatalf("the console's board: %v", err)
	}
	// The filters: a town keeps its sources (and every member unit).
	visible := func() []string {
		return evalJS[[]string](t, console, `Array.from(document.querySelectorAll('#board section[data-warning="1"] tr[data-role="source"]'))
		  .filter(function (r) { return !r.hidden; }).map(function (r) { return r.dataset.unit; })`)
	}
	if n := len(visible()); n != len(f.list.Enterprises) {
		t.Fatalf("%d source rows shown unfiltered, want %d", n, len(f.list.Enterprises))
	}
	members := evalJS[int](t, console, `document.querySelectorAll('#board section[data-warning="1"] tr[data-role="member"]:not([hidden])').length`)
	for _, tc := range []struct {
		filter, value string
		want          []string
	}{
		{"town", "qiaotoupu", []string{"cem-b", "coat-x", "site-3"}},
		{"source_type", "industrial", nil},
		{"grade", "B", nil},
	} {
		var want []string
		for _, e := range sourcesByID(f.list) {
			g, _ := e.GradeAt(f.Now())
			if (tc.filter == "town" && e.Town == tc.value) || (tc.filter == "source_type" && e.SourceType == tc.value) || (tc.filter == "grade" && g == tc.value) {
				want = append(want, e.ID)
			}
		}
		if err := chromedp.Do(console, chromedp.SetValue(chromedp.CSS(`select[data-filter="`+tc.filter+`"]`), tc.value),
			fire(`select[data-filter="`+tc.filter+`"]`)); err != nil {
			t.Fatal(err)
		}
		got := visible()
		slices.Sort(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("filter %s=%s shows %v, want %v", tc.filter, tc.value, got, want)
		}
		if m := evalJS[int](t, console, `document.querySelectorAll('#board section[data-warning="1"] tr[data-role="member"]:not([hidden])').length`); m != members {
			t.Errorf("filter %s=%s hides member units: %d of %d shown", tc.filter, tc.value, m, members)
		}
		if tc.filter == "town" {
			saveScreenshot(t, console, "board-sources-filtered.png")
		}
		// Back to all for the next filter.
		if err := chromedp.Do(console, chromedp.SetValue(chromedp.CSS(`select[data-filter="`+tc.filter+`"]`), ""),
			fire(`select[data-filter="`+tc.filter+`"]`)); err != nil {
			t.Fatal(err)
		}
	}

	// The enterprise, on a phone.
	ent, cancel2 := chromedp.NewContext(browser)
	defer cancel2()
	if err := chromedp.Do(ent,
		chromedp.EmulateViewport(360, 780, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(srv.URL+"/enterprise?lang=zh"),
		chromedp.SendKeys(chromedp.CSS(`#token`), "tok-cem-b"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#warnings .wcard[data-warning="1"] #ack`)),
	); err != nil {
		t.Fatalf("the enterprise signs in: %v", err)
	}
	if name := evalJS[string](t, ent, `document.getElementById("source-name").textContent`); name != "江华演示瑶峰水泥有限公司" {
		t.Errorf("signed in as %q", name)
	}
	tasks := evalJS[[]string](t, ent, `Array.from(document.querySelectorAll('#warnings li.task')).map(function (li) { return li.textContent; })`)
	// The report is due report_within after the response starts (the effective start, later than the publication).
	due := time.Date(2026, 12, 2, 0, 0, 0, 0, CST).Add(f.list.Notices.ReportWithin.Duration).Format("2006-01-02 15:04")
	if len(tasks) != 2 || !slices.ContainsFunc(tasks, func(s string) bool { return strings.Contains(s, "2800") }) ||
		!strings.Contains(tasks[0], "执行情况报告时限 "+due) || !strings.Contains(tasks[1], "执行情况报告时限 "+due) {
		t.Errorf("the enterprise's measures %q, want two with the 2800 t/d limit and the report due %s", tasks, due)
	}
	if s := evalJS[string](t, ent, `document.getElementById("ack-state").textContent`); !strings.Contains(s, "1h") {
		t.Errorf("the acknowledgement box says %q, want the list's 1h deadline", s)
	}
	if sw, cw := evalJS[int](t, ent, `document.documentElement.scrollWidth`), evalJS[int](t, ent, `document.documentElement.clientWidth`); sw > cw {
		t.Errorf("on a 360 px phone /enterprise is %d px wide", sw)
	}
	saveScreenshot(t, ent, "enterprise-360.png")
	first := `#warnings li.task:first-child`
	if err := chromedp.Do(ent,
		chromedp.Click(chromedp.CSS(`#ack`)),
		chromedp.WaitVisible(chromedp.CSS(`#ack-state[data-state="acknowledged"]`)),
		chromedp.SendKeys(chromedp.CSS(first+` textarea`), "1号线负荷降至2800吨/日"),
		chromedp.Click(chromedp.CSS(first+` button.done`)),
		chromedp.WaitVisible(chromedp.CSS(`#warnings li.task[data-state="done"]`)),
	); err != nil {
		t.Fatalf("acknowledge and report: %v", err)
	}
	saveScreenshot(t, ent, "enterprise-acknowledged-360.png")

	// A photo of the report from the phone: shrunk to JPEG on the page, kept
	// for the task, counted on the page.
	var img bytes.Buffer
	png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 2400, 1800)))
	photo := filepath.Join(t.TempDir(), "site.png")
	if err := os.WriteFile(photo, img.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	upload, cancelUpload := context.WithTimeout(ent, 20*time.Second)
	defer cancelUpload()
	if err := chromedp.Do(upload,
		chromedp.SetUploadFiles(chromedp.CSS(first+` input[type=file]`), []string{photo}),
		chromedp.WaitVisible(chromedp.CSS(first+` p.photos`)),
	); err != nil {
		t.Fatalf("photo of the report: %v; the page says %q", err, evalJS[string](t, ent, `document.getElementById("status").textContent`))
	}
	ev, err := f.db.TaskEvidence(context.Background(), f.warningID, "cem-b")
	if err != nil || len(ev) != 1 || ev[0].ContentType != "image/jpeg" || ev[0].Size >= img.Len() || ev[0].By != "demo-source-cem-b" {
		t.Errorf("the photo as kept: %+v %v (sent %d bytes of PNG)", ev, err, img.Len())
	}

	// The deadline passes for the others; the board's refresh shows both.
	ns, err := f.dl.Notices(context.Background(), f.warningID)
	if err != nil || len(ns) == 0 {
		t.Fatal(err)
	}
	f.Set(ns[0].Sent.Add(f.list.Notices.AckWithin.Duration + time.Minute))
	if err := chromedp.Do(console,
		chromedp.WaitVisible(chromedp.CSS(row+` td.ack[data-state="ok"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#board section[data-warning="1"] tr.overdue[data-unit="cem-c"]`)),
	); err != nil {
		t.Fatalf("the board after the acknowledgement: %v", err)
	}
	if n := evalJS[int](t, console, `document.querySelectorAll('`+row+`.overdue').length`); n != 0 {
		t.Error("cem-b acknowledged but shown overdue")
	}
	if chip := evalJS[string](t, console, `document.querySelector('`+row+` .chip[data-state="done"]') ? "done" : ""`); chip != "done" {
		t.Error("cem-b's reported measure is not done on the board")
	}
	bg := evalJS[string](t, console, `getComputedStyle(document.querySelector('#board tr.overdue[data-unit="cem-c"] td.unit')).backgroundColor`)
	plain := evalJS[string](t, console, `getComputedStyle(document.querySelector('`+row+` td.unit')).backgroundColor`)
	if bg == plain {
		t.Errorf("an overdue row does not stand out: %s like the others", bg)
	}
	saveScreenshot(t, console, "board-sources-acknowledged.png")
}

// The signboard has its QR code: decoded from the page as printed on
// screen, it is the source's public page under the configured address.
// The page shows no private contact, and it prints on one A4 page.
func TestBrowserSignboardQR(t *testing.T) {
	ctx := headlessChromium(t)
	f := newSourcesFixture(t)
	private := privateStrings(t, f.list)
	srv := httptest.NewServer(NewHandler(f.deps))
	defer srv.Close()
	for _, id := range allIDs(f) {
		if err := chromedp.Do(ctx,
			chromedp.EmulateViewport(900, 1200),
			chromedp.Navigate(srv.URL+"/sources/"+id+"/signboard"),
			chromedp.WaitVisible(chromedp.CSS(`svg.qr`)),
		); err != nil {
			t.Fatalf("%s: signboard: %v", id, err)
		}
		shot, err := chromedp.Run(ctx, chromedp.ScreenshotScale(chromedp.CSS(`svg.qr`), 4)) // a camera sees the print at a finer scale than a screen
		if err != nil {
			t.Fatalf("%s: the QR code's screenshot: %v", id, err)
		}
		img, _, err := image.Decode(bytes.NewReader(shot))
		if err != nil {
			t.Fatal(err)
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			t.Fatal(err)
		}
		res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
		if err != nil {
			t.Fatalf("%s: the signboard's QR code does not decode: %v", id, err)
		}
		if want := sourcesBase + "/sources/" + id; res.GetText() != want {
			t.Errorf("%s: the QR code says %q, want %q", id, res.GetText(), want)
		}
		text := evalJS[string](t, ctx, `document.body.innerText`)
		checkNoPrivate(t, id+"'s signboard", []byte(text), private)
		e, _ := f.list.Enterprise(id)
		for _, want := range []string{e.NameZH, e.USCC, "12369"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the signboard lacks %q", id, want)
			}
		}
		prefer := true
		pdf, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &prefer})
		if err != nil {
			t.Fatalf("%s: print: %v", id, err)
		}
		if dir := os.Getenv("AQWARN_ARTIFACTS"); dir != "" {
			os.WriteFile(filepath.Join(dir, "signboard-"+id+".pdf"), pdf.Data, 0o644)
		}
		if n := len(pdfPage.FindAll(pdf.Data, -1)); n != 1 {
			t.Errorf("%s: the signboard prints on %d pages, want one A4 sheet", id, n)
		}
		if id == "cem-b" {
			saveScreenshot(t, ctx, "signboard-cem-b.png")
		}
	}
}

// pdfPage matches a page object of a PDF (not the /Pages tree).
var pdfPage = regexp.MustCompile(`/Type\s*/Page\b[^s]`)

// A source's public page at 360 px has no horizontal scroll and shows its
// name, grade, town, supervising units, measures per level and now, the
// hotline and its signboard; the list page and the notice check work on a
// phone too, and the public page's warning links to the sources under it.
func TestBrowserSourcePagesOnAPhone(t *testing.T) {
	ctx := headlessChromium(t)
	f := newSourcesFixture(t)
	private := privateStrings(t, f.list)
	srv := httptest.NewServer(NewHandler(f.deps))
	defer srv.Close()
	noScroll := func(what string) {
		t.Helper()
		if sw, cw := evalJS[int](t, ctx, `document.documentElement.scrollWidth`), evalJS[int](t, ctx, `document.documentElement.clientWidth`); sw > cw {
			t.Errorf("on a 360 px phone %s is %d px wide (viewport %d)", what, sw, cw)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(360, 780, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(srv.URL+"/sources/cem-b?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`#levels .level`)),
		chromedp.WaitVisible(chromedp.CSS(`#now[data-warning="1"] li.measure`)),
	); err != nil {
		t.Fatalf("the source's page: %v", err)
	}
	noScroll("/sources/cem-b")
	text := evalJS[string](t, ctx, `document.body.innerText`)
	for _, want := range []string{"江华演示瑶峰水泥有限公司", "91431129MA4Q408949", "桥头铺镇", "县科工局", "12369", "2800", "橙色预警", "打印公示牌"} {
		if !strings.Contains(text, want) {
			t.Errorf("the source's page lacks %q", want)
		}
	}
	checkNoPrivate(t, "the source's page", []byte(text), private)
	if levels := evalJS[[]string](t, ctx, `Array.from(document.querySelectorAll("#levels .level")).map(function (s) { return s.dataset.level; })`); len(levels) != 4 {
		t.Errorf("levels shown %v, want pre and the plan's three", levels)
	}
	if href := evalJS[string](t, ctx, `document.getElementById("signboard-link").getAttribute("href")`); href != "/sources/cem-b/signboard" {
		t.Errorf("signboard link %q", href)
	}
	saveScreenshot(t, ctx, "source-cem-b-360.png")

	// An id the list does not have: the page says so.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/sources/nobody?lang=en"), chromedp.WaitVisible(chromedp.CSS(`#status.error`))); err != nil {
		t.Fatal(err)
	}
	if s := evalJS[string](t, ctx, `document.getElementById("status").textContent`); !strings.Contains(s, "not in the emission-reduction list") {
		t.Errorf("unknown source: %q", s)
	}

	// The public page's warning links to its sources; the list page filters.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`#warning-banner .sources-link a`)),
		chromedp.Click(chromedp.CSS(`#warning-banner .sources-link a`)),
		chromedp.WaitVisible(chromedp.CSS(`#source-list li.source-card`)),
	); err != nil {
		t.Fatalf("from the public page to the list: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := url.Parse(loc); u.Path != "/sources" || u.Query().Get("warning") != "1" {
		t.Errorf("the link leads to %s", loc)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll("#source-list li.source-card .in-force").length`); n != len(f.list.Enterprises) {
		t.Errorf("%d sources under the warning listed, want %d", n, len(f.list.Enterprises))
	}
	noScroll("/sources")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`#f-town`), "tuojiang"),
		fire(`#f-town`),
		chromedp.WaitNotPresent(chromedp.CSS(`#source-list li.source-card:not([data-town="tuojiang"])`))); err != nil {
		t.Fatal(err)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll("#source-list li.source-card").length`); n != 10 {
		t.Errorf("%d sources in Tuojiang listed, want 10", n)
	}
	checkNoPrivate(t, "the list page", []byte(evalJS[string](t, ctx, `document.body.innerText`)), private)
	saveScreenshot(t, ctx, "sources-360.png")

	// The notice check: the real serial and code, then a wrong code.
	serial, code := f.notice(t, "cem-b")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/verify?lang=zh&serial="+serial+"&code="+code),
		chromedp.WaitVisible(chromedp.CSS(`#verdict[data-verdict="genuine"]`)),
	); err != nil {
		t.Fatalf("a genuine notice: %v", err)
	}
	v := evalJS[string](t, ctx, `document.getElementById("verdict").textContent`)
	if !strings.Contains(v, "江华演示瑶峰水泥有限公司") || !strings.Contains(v, "橙色") || !strings.Contains(v, "2800") {
		t.Errorf("the genuine verdict says %q", v)
	}
	noScroll("/verify")
	saveScreenshot(t, ctx, "verify-genuine-360.png")
	wrong := fmt.Sprintf("%06d", (atoi(code)+1)%1_000_000)
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#code`), wrong),
		chromedp.Click(chromedp.CSS(`#check-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#verdict[data-verdict="forged"]`)),
	); err != nil {
		t.Fatalf("a forged notice: %v", err)
	}
	v = evalJS[string](t, ctx, `document.getElementById("verdict").textContent`)
	color := evalJS[string](t, ctx, `getComputedStyle(document.getElementById("verdict")).color`)
	if !strings.Contains(v, "伪造") || !strings.Contains(v, "12369") || color != "rgb(138, 28, 28)" {
		t.Errorf("the forged verdict says %q in %s", v, color)
	}
	saveScreenshot(t, ctx, "verify-forged-360.png")
}

// fire tells the page a select changed (chromedp.SetValue does not).
func fire(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`document.querySelector('`+sel+`').dispatchEvent(new Event("change"))`)(ctx, t)
		return err
	})
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func allIDs(f *sourcesFixture) []string {
	var ids []string
	for _, e := range f.list.Enterprises {
		ids = append(ids, e.ID)
	}
	return ids
}
