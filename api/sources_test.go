package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/cap"
	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/alert/publish"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/reduction"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// sourcesBase is the public address of the fixture's service: links and
// the signboards' QR codes are built from it, never from the request.
const sourcesBase = "https://aq.jianghua.example"

// sourcesFixture is the service with the county plan and the demo
// reduction list: an orange warning over the county published through
// the real publisher (alert/publish with publish.ListSources, as
// app/publish.go wires it) into a real SQLite store, so every listed
// source has its notice and its measures as tasks. Tokens: a duty officer
// (tok-duty) and source cem-b (tok-cem-b, as the demo's
// demo-source-cem-b).
type sourcesFixture struct {
	deps      Deps
	plan      *alert.Plan
	list      *reduction.List
	mem       *lifecycle.MemStore
	dl        *sqlite.Deliveries
	db        *sqlite.DB // also the photos of reports
	warningID int64
	at        time.Time // the publication
	mu        sync.Mutex
	now       time.Time
}

func (f *sourcesFixture) Now() time.Time  { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *sourcesFixture) Set(t time.Time) { f.mu.Lock(); f.now = t; f.mu.Unlock() }

// demoList is the demo county's plan and reduction list, parsed as the
// configuration does (configs.Config.checkList).
func demoList(t *testing.T) (*alert.Plan, *reduction.List) {
	t.Helper()
	b, err := configs.Plans.ReadFile("plans/jianghua-2024.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := alert.ParsePlan(b)
	if err != nil {
		t.Fatal(err)
	}
	refs := reduction.Refs{ChannelKinds: alert.ChannelKinds()}
	for _, u := range plan.Units {
		refs.Units = append(refs.Units, u.ID)
	}
	for _, r := range plan.Regions {
		refs.Regions = append(refs.Regions, r.ID)
	}
	lb, err := fs.ReadFile(configs.Lists, "reduction/jianghua-2026.yaml")
	if err != nil {
		t.Fatal(err)
	}
	list, err := reduction.Parse(lb, refs)
	if err != nil {
		t.Fatal(err)
	}
	return plan, list
}

func newSourcesFixture(t *testing.T) *sourcesFixture {
	t.Helper()
	ctx := context.Background()
	plan, list := demoList(t)
	at := time.Date(2026, 12, 1, 16, 5, 0, 0, CST)
	f := &sourcesFixture{plan: plan, list: list, mem: lifecycle.NewMemStore(), at: at, now: at.Add(10 * time.Minute)}
	start := time.Date(2026, 12, 2, 0, 0, 0, 0, CST)
	w := &lifecycle.Warning{Region: "jianghua", PlanID: plan.ID, LevelID: "orange", Since: at, EpisodeStart: start,
		EffectiveStart: start, ExpectedEnd: start.Add(72 * time.Hour), Issued: at}
	tr, _, err := f.mem.Publish(ctx, 0, lifecycle.Transition{Key: "w1-issue", Region: "jianghua", Kind: "issue", FromID: "none", ToID: "orange",
		At: at, Start: start, ExpectedEnd: w.ExpectedEnd}, w, lifecycle.AuditEntry{})
	if err != nil {
		t.Fatal(err)
	}
	f.warningID = tr.WarningID
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.db = db
	if f.dl, err = sqlite.NewDeliveries(ctx, db); err != nil {
		t.Fatal(err)
	}
	src := publish.ListSources{List: list, Plan: plan}
	// Deliveries are only enqueued: nothing is sent.
	pub := &publish.Publisher{Plan: plan, Sender: cap.Sender{ID: "ecology.jianghua.example", DivisionCode: "431129", AgencyCode: "011"},
		CAPs: f.dl, Fanout: &notify.Dispatcher{Log: f.dl, Now: f.Now}, Sent: f.dl,
		AckURL:  func(u string) string { return sourcesBase + "/api/v1/units/" + u + "/ack" },
		Sources: src, SourceReportWithin: list.Notices.ReportWithin.Duration, NoticeKey: []byte("test-notice-key-0123456789"),
		VerifyURL: func(s string) string { return sourcesBase + "/verify?serial=" + s }}
	tracker := &followup.Tracker{Store: f.dl, Now: f.Now, Policy: followup.Policy{ResendAfter: 10 * time.Minute, MaxResends: 1, EscalateAfter: 30 * time.Minute},
		Remind: pub.Remind, Escalate: pub.Escalate}
	tracker.PolicyFor = func(unit string) followup.Policy {
		if src.IsSource(unit) {
			return src.Policy()
		}
		return tracker.Policy
	}
	pub.Tracker = tracker
	if err := pub.Publish(ctx, publish.Change{Key: tr.Key, WarningID: tr.WarningID, Kind: "issue", Region: "jianghua", From: "none", To: "orange",
		At: at, Start: start, ExpectedEnd: w.ExpectedEnd}); err != nil {
		t.Fatal(err)
	}
	verifier := &publish.Verifier{CAPs: f.dl, Sent: f.dl, Key: pub.NoticeKey, Sources: func() []string {
		var ids []string
		for _, e := range list.Enterprises {
			ids = append(ids, e.ID)
		}
		return ids
	}}
	d := testDeps()
	d.Now = f.Now
	d.Staff = []StaffToken{
		{SHA256: HashToken("tok-duty"), User: "duty", Roles: []string{"duty_officer"}},
		{SHA256: HashToken("tok-cem-b"), User: "demo-source-cem-b", Roles: []string{"source:cem-b"}},
	}
	d.Alert = &AlertDeps{Service: &lifecycle.Service{Plan: plan, Store: f.mem, Now: f.Now}}
	d.Publish = &PublishDeps{Store: f.dl, Units: append(slices.Clip(plan.Units), src.Recipients("jianghua")...), Now: f.Now, BaseURL: sourcesBase,
		Replies: &followup.Replies{Store: f.dl, Audit: f.mem, Now: f.Now}, Verifier: verifier, Evidence: f.db}
	d.Reduction = &ReductionDeps{List: list, Plan: plan, Now: f.Now, BaseURL: sourcesBase, Active: f.mem}
	f.deps = d
	return f
}

// notice is what source unit was sent: its serial and verification code.
func (f *sourcesFixture) notice(t *testing.T, unit string) (serial, code string) {
	t.Helper()
	es, err := f.dl.DeliveryEntries(context.Background(), sqlite.DeliveryFilter{Unit: unit, Limit: 10})
	if err != nil || len(es) == 0 {
		t.Fatalf("no delivery for %s: %v", unit, err)
	}
	return es[0].Message.Serial, es[0].Message.VerifyCode
}

// privateStrings are every contact's and responsible person's name and
// phone and every channel's target and secret variable in the list,
// collected by walking it: a field added to those types later is
// collected too.
func privateStrings(t *testing.T, l *reduction.List) []string {
	t.Helper()
	seen := map[string]bool{}
	private := map[reflect.Type]bool{reflect.TypeOf(reduction.Contact{}): true, reflect.TypeOf(reduction.Channel{}): true}
	var walk func(v reflect.Value, in bool)
	walk = func(v reflect.Value, in bool) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem(), in)
			}
		case reflect.Struct:
			in = in || private[v.Type()]
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i), in)
				}
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i), in)
			}
		case reflect.Map:
			for it := v.MapRange(); it.Next(); {
				walk(it.Value(), in)
			}
		case reflect.String:
			if s := v.String(); in && len(s) >= 2 && s != "mqtt" && s != "sms" && !slices.Contains(alert.ChannelKinds(), s) {
				seen[s] = true
				if n, ok := strings.CutPrefix(s, "+86"); ok { // the national number alone
					seen[n] = true
				}
			}
		}
	}
	walk(reflect.ValueOf(l), false)
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	if len(out) < 60 { // 30 sources with contacts and channels, some with responsible persons
		t.Fatalf("only %d private strings collected from the demo list: %v", len(out), out)
	}
	return out
}

// checkNoPrivate fails for every private string found in body.
func checkNoPrivate(t *testing.T, what string, body []byte, private []string) {
	t.Helper()
	for _, s := range private {
		if strings.Contains(string(body), s) {
			t.Errorf("%s discloses %q (private: a contact, a responsible person or a channel)", what, s)
		}
	}
}

// The public list and one source's page are a contract with the pages and
// outside readers: pin them for the demo list under an orange warning.
func TestSourcesGolden(t *testing.T) {
	f := newSourcesFixture(t)
	h := NewHandler(f.deps)
	for _, tc := range []struct{ url, golden string }{
		{"/api/v1/sources", "testdata/sources.golden.json"},
		{"/api/v1/sources/cem-b", "testdata/sources-cem-b.golden.json"},
	} {
		w := get(t, h, tc.url)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.url, w.Code, w.Body)
		}
		checkGolden(t, tc.golden, w.Body.Bytes())
	}
}

// No response of the public side discloses a contact, a responsible
// person or a channel of any source: the list, every filter, every
// source's JSON, page and signboard.
func TestSourcesDiscloseNothingPrivate(t *testing.T) {
	f := newSourcesFixture(t)
	private := privateStrings(t, f.list)
	h := NewHandler(f.deps)
	urls := []string{"/api/v1/sources", "/sources", "/verify", "/enterprise", "/api/v1/sources?type=industrial", "/api/v1/sources?grade=B"}
	for _, r := range f.plan.Regions {
		urls = append(urls, "/api/v1/sources?town="+r.ID)
	}
	for _, e := range f.list.Enterprises {
		urls = append(urls, "/api/v1/sources/"+e.ID, "/sources/"+e.ID, "/sources/"+e.ID+"/signboard")
	}
	for _, u := range urls {
		w := get(t, h, u)
		if w.Code != http.StatusOK {
			t.Errorf("%s: %d %s", u, w.Code, w.Body)
			continue
		}
		checkNoPrivate(t, u, w.Body.Bytes(), private)
	}
	// The notice check is public too.
	serial, code := f.notice(t, "cem-b")
	w := get(t, h, "/api/v1/notices/"+serial+"?code="+code)
	if w.Code != http.StatusOK {
		t.Fatalf("notice check: %d %s", w.Code, w.Body)
	}
	checkNoPrivate(t, "the notice check", w.Body.Bytes(), private)
}

type sourcesAnswer struct {
	Count        int `json:"count"`
	UnderWarning int `json:"under_warning"`
	Sources      []struct {
		ID         string `json:"id"`
		Town       string `json:"town"`
		SourceType string `json:"source_type"`
		Grade      string `json:"grade"`
		InForce    *struct {
			WarningID int64                     `json:"warning_id"`
			Level     string                    `json:"level"`
			Paused    bool                      `json:"paused"`
			Measures  []reduction.PublicMeasure `json:"measures"`
		} `json:"in_force"`
		SupervisingUnits []namedRef `json:"supervising_units"`
		URL              string     `json:"url"`
	} `json:"sources"`
}

func getSources(t *testing.T, h http.Handler, url string) sourcesAnswer {
	t.Helper()
	w := get(t, h, url)
	if w.Code != http.StatusOK {
		t.Fatalf("%s: %d %s", url, w.Code, w.Body)
	}
	var v sourcesAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// The filters keep the sources within a region (a town, or the county:
// all), of a type, of a grade in force; a value that is none of those is
// refused with what is allowed.
func TestSourcesFilters(t *testing.T) {
	f := newSourcesFixture(t)
	h := NewHandler(f.deps)
	count := func(keep func(e *reduction.Enterprise) bool) int {
		n := 0
		for i := range f.list.Enterprises {
			if keep(&f.list.Enterprises[i]) {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct {
		name, query string
		keep        func(e *reduction.Enterprise) bool
	}{
		{"no filter: every source", "", func(*reduction.Enterprise) bool { return true }},
		{"the county: every source", "?town=jianghua", func(*reduction.Enterprise) bool { return true }},
		{"a town: its sources", "?town=tuojiang", func(e *reduction.Enterprise) bool { return e.Town == "tuojiang" }},
		{"a type", "?type=dust_construction", func(e *reduction.Enterprise) bool { return e.SourceType == reduction.SourceDustConstruction }},
		{"a grade in force", "?grade=B", func(e *reduction.Enterprise) bool { g, _ := e.GradeAt(f.Now()); return g == reduction.GradeB }},
		{"all three", "?town=tuojiang&type=industrial&grade=C", func(e *reduction.Enterprise) bool {
			g, _ := e.GradeAt(f.Now())
			return e.Town == "tuojiang" && e.SourceType == reduction.SourceIndustrial && g == reduction.GradeC
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := getSources(t, h, "/api/v1/sources"+tc.query)
			want := count(tc.keep)
			if want == 0 {
				t.Fatalf("the demo list has no source for %s: a useless case", tc.query)
			}
			if v.Count != want || len(v.Sources) != want {
				t.Errorf("%d sources (count %d), want %d", len(v.Sources), v.Count, want)
			}
			for _, s := range v.Sources {
				e, _ := f.list.Enterprise(s.ID)
				if !tc.keep(e) {
					t.Errorf("%s does not match %s", s.ID, tc.query)
				}
			}
		})
	}
	for _, q := range []string{"?town=atlantis", "?type=factory", "?grade=E"} {
		w := get(t, h, "/api/v1/sources"+q)
		if w.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", q, w.Code)
		}
	}
}

// Under the county's orange warning every source is told its orange
// measures, and the list shows exactly those; paused, none are in force.
func TestSourcesInForce(t *testing.T) {
	f := newSourcesFixture(t)
	h := NewHandler(f.deps)
	v := getSources(t, h, "/api/v1/sources")
	if v.UnderWarning != len(f.list.Enterprises) {
		t.Errorf("%d sources under the county's warning, want all %d", v.UnderWarning, len(f.list.Enterprises))
	}
	told := publish.ListSources{List: f.list, Plan: f.plan}.Tasks("orange", "", f.Now())
	for _, s := range v.Sources {
		if s.InForce == nil || s.InForce.WarningID != f.warningID || s.InForce.Level != "orange" {
			t.Errorf("%s: in force %+v, want warning %d at orange", s.ID, s.InForce, f.warningID)
			continue
		}
		if len(s.InForce.Measures) != len(told[s.ID]) {
			t.Errorf("%s: %d measures shown, %d told", s.ID, len(s.InForce.Measures), len(told[s.ID]))
		}
		if !strings.HasPrefix(s.URL, sourcesBase+"/sources/") || len(s.SupervisingUnits) == 0 || s.SupervisingUnits[0].NameZH == s.SupervisingUnits[0].ID {
			t.Errorf("%s: url %q, supervisors %+v", s.ID, s.URL, s.SupervisingUnits)
		}
	}
	var cemB []reduction.PublicMeasure
	for _, s := range v.Sources {
		if s.ID == "cem-b" {
			cemB = s.InForce.Measures
		}
	}
	// cem-b is grade B cement: orange limits its kiln by 20 % of 3500 t/d.
	if !slices.ContainsFunc(cemB, func(m reduction.PublicMeasure) bool { return m.KeyIndicator != nil && m.KeyIndicator.Limit == 2800 }) {
		t.Errorf("cem-b's measures in force %+v do not leave it 2800 t/d", cemB)
	}

	// Paused: the level is shown, its measures are suspended.
	ws, _ := f.mem.ActiveWarnings(context.Background())
	w := ws[0]
	restart := f.at.Add(48 * time.Hour)
	w.Paused, w.RestartAt = true, &restart
	if _, _, err := f.mem.Publish(context.Background(), 0, lifecycle.Transition{Key: "w1-pause", Region: "jianghua", Kind: "pause", At: f.at.Add(time.Hour)}, &w, lifecycle.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range getSources(t, h, "/api/v1/sources").Sources {
		if s.InForce == nil || !s.InForce.Paused || len(s.InForce.Measures) != 0 {
			t.Errorf("%s while paused: %+v", s.ID, s.InForce)
		}
	}
}

// Without a list every route of the public side says so, in Chinese and
// English; the page itself still loads (it shows the message).
func TestSourcesWithoutList(t *testing.T) {
	for name, rd := range map[string]*ReductionDeps{"no deps": nil, "no list": {Plan: &alert.Plan{}}} {
		d := testDeps()
		d.Reduction = rd
		h := NewHandler(d)
		for _, u := range []string{"/api/v1/sources", "/api/v1/sources/cem-b", "/sources/cem-b/signboard"} {
			w := get(t, h, u)
			if w.Code != http.StatusServiceUnavailable {
				t.Errorf("%s: %s: %d, want 503", name, u, w.Code)
				continue
			}
			msg := decodeError(t, w.Body.Bytes()).Error.Message
			if !strings.Contains(msg, "emission-reduction list") || !strings.Contains(msg, "减排清单") {
				t.Errorf("%s: %s says %q", name, u, msg)
			}
		}
		if w := get(t, h, "/sources/cem-b"); w.Code != http.StatusOK {
			t.Errorf("%s: the page: %d", name, w.Code)
		}
	}
	// A list but no public address: no QR code can be made.
	f := newSourcesFixture(t)
	f.deps.Reduction.BaseURL = ""
	if w := get(t, NewHandler(f.deps), "/sources/cem-b/signboard", "Host", "evil.example"); w.Code != http.StatusServiceUnavailable || strings.Contains(w.Body.String(), "evil.example") {
		t.Errorf("signboard without a base address: %d %s", w.Code, w.Body)
	}
}

// The signboard's links come from the configured address whatever Host
// the request names (audit L6), and it carries the source's name, credit
// code and hotline; an unknown source's page is the page with 404.
func TestSignboardAndPages(t *testing.T) {
	f := newSourcesFixture(t)
	h := NewHandler(f.deps)
	w := get(t, h, "/sources/cem-b/signboard", "Host", "evil.example")
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("signboard: %d %s", w.Code, body)
	}
	e, _ := f.list.Enterprise("cem-b")
	for _, want := range []string{e.NameZH, e.USCC, "12369", sourcesBase + "/sources/cem-b", "<svg class=\"qr\"", "2800"} {
		if !strings.Contains(body, want) {
			t.Errorf("the signboard lacks %q", want)
		}
	}
	if strings.Contains(body, "evil.example") {
		t.Error("the signboard follows the Host header")
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script") {
		t.Errorf("signboard CSP %q", csp)
	}
	if w := get(t, h, "/sources/nobody/signboard"); w.Code != http.StatusNotFound {
		t.Errorf("unknown source's signboard: %d", w.Code)
	}
	if w := get(t, h, "/sources/nobody"); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "/assets/source.js") {
		t.Errorf("unknown source's page: %d", w.Code)
	}
	if w := get(t, h, "/sources/cem-b"); w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("the source's page: %d %q", w.Code, w.Header().Get("Content-Security-Policy"))
	}
}

// The duty board describes the listed sources' rows for its filters (role,
// town, type, grade in force) and marks a notice unacknowledged past the
// list's deadline (notices.ack_within) overdue; member units' rows keep
// their fields and carry their role.
func TestBoardSourceRows(t *testing.T) {
	f := newSourcesFixture(t)
	h := NewHandler(f.deps)
	board := func() map[string]map[string]any {
		w := get(t, h, fmt.Sprintf("/api/v1/warnings/%d/board", f.warningID), "Authorization", "Bearer tok-duty")
		if w.Code != http.StatusOK {
			t.Fatalf("board: %d %s", w.Code, w.Body)
		}
		var v struct{ Units []map[string]any }
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		out := map[string]map[string]any{}
		for _, u := range v.Units {
			out[u["id"].(string)] = u
		}
		return out
	}
	b := board()
	cem := b["cem-b"]
	for k, want := range map[string]any{"role": "source", "town": "qiaotoupu", "source_type": "industrial", "grade": "B", "overdue": false,
		"acknowledged": false, "town_name_zh": "桥头铺镇"} {
		if cem[k] != want {
			t.Errorf("cem-b's row: %s = %v, want %v (%v)", k, cem[k], want, cem)
		}
	}
	ns, err := f.dl.Notices(context.Background(), f.warningID)
	if err != nil {
		t.Fatal(err)
	}
	sent := followup.CurrentNotice(ns, "cem-b").Sent
	if due := sent.Add(f.list.Notices.AckWithin.Duration).In(CST).Format(time.RFC3339); cem["ack_due"] != due {
		t.Errorf("cem-b's ack due %v, want %s", cem["ack_due"], due)
	}
	edu := b["education"]
	if edu["role"] != "member" || edu["town"] != nil || edu["name_zh"] == "" || edu["tasks"] == nil {
		t.Errorf("a member unit's row: %v", edu)
	}
	// cem-b acknowledges; an hour past the deadline the others are overdue.
	req := httptest.NewRequest("POST", "/api/v1/units/cem-b/ack", strings.NewReader(fmt.Sprintf(`{"warning_id":%d}`, f.warningID)))
	req.Header.Set("Authorization", "Bearer tok-cem-b")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("ack: %d %s", rec.Code, rec.Body)
	}
	f.Set(sent.Add(f.list.Notices.AckWithin.Duration + time.Minute))
	b = board()
	if b["cem-b"]["overdue"] != false || b["cem-b"]["acknowledged"] != true {
		t.Errorf("cem-b acknowledged: %v", b["cem-b"])
	}
	if b["cem-c"]["overdue"] != true {
		t.Errorf("cem-c unacknowledged past its deadline: %v", b["cem-c"])
	}
}

// The public side's answers, successes and failures, match openapi.json.
func TestSourcesMatchOpenAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	f := newSourcesFixture(t)
	srv := httptest.NewServer(NewHandler(f.deps))
	defer srv.Close()
	none := testDeps()
	bare := httptest.NewServer(NewHandler(none))
	defer bare.Close()
	for _, tc := range []struct {
		srv    *httptest.Server
		path   string
		status int
	}{
		{srv, "/api/v1/sources", 200},
		{srv, "/api/v1/sources?town=tuojiang&type=industrial", 200},
		{srv, "/api/v1/sources?grade=unrated", 200},
		{srv, "/api/v1/sources?town=atlantis", 422},
		{srv, "/api/v1/sources/cem-b", 200},
		{srv, "/api/v1/sources/site-1", 200},
		{srv, "/api/v1/sources/heat-1", 200},
		{srv, "/api/v1/sources/nobody", 404},
		{srv, "/sources", 200},
		{srv, "/sources/cem-b", 200},
		{srv, "/sources/nobody", 404},
		{srv, "/sources/cem-b/signboard", 200},
		{srv, "/sources/nobody/signboard", 404},
		{srv, "/verify", 200},
		{srv, "/enterprise", 200},
		{bare, "/api/v1/sources", 503},
		{bare, "/api/v1/sources/cem-b", 503},
		{bare, "/sources/cem-b/signboard", 503},
	} {
		t.Run(tc.path, func(t *testing.T) {
			d := *doc
			d.Servers = openapi3.Servers{{URL: tc.srv.URL}}
			router, err := gorillamux.NewRouter(&d)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest(http.MethodGet, tc.srv.URL+tc.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			validateResponse(t, router, req, resp, body)
		})
	}
}

// The new pages load their scripts and styles from this server, and the
// scripts read only documented endpoints.
func TestSourcePagesAssets(t *testing.T) {
	f := newSourcesFixture(t)
	h := NewHandler(f.deps)
	doc := loadOpenAPI(t)
	assets := regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`)
	for _, page := range []string{"/sources", "/sources/cem-b", "/verify", "/enterprise"} {
		w := get(t, h, page)
		refs := assets.FindAllStringSubmatch(w.Body.String(), -1)
		if len(refs) < 4 {
			t.Errorf("%s references %d assets", page, len(refs))
		}
		for _, m := range refs {
			if a := get(t, h, m[1]); a.Code != http.StatusOK {
				t.Errorf("%s: %s: %d", page, m[1], a.Code)
			}
		}
	}
	for _, name := range []string{"reduction.js", "sources.js", "source.js", "verify.js", "enterprise.js"} {
		js, err := fs.ReadFile(webFS, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`"(/api/v1/[a-z0-9/_{}.-]+)`).FindAllStringSubmatch(string(js), -1) {
			if doc.Paths.Find(strings.TrimSuffix(m[1], "/")) == nil {
				t.Errorf("%s reads %s, which is not in openapi.json", name, m[1])
			}
		}
	}
	if w := get(t, h, "/assets/signboard.html"); w.Code != http.StatusNotFound {
		t.Errorf("the signboard template is served as an asset: %d", w.Code)
	}
}
