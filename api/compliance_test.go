package api

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/compliance/inspect"
	"github.com/aqwarn/aqwarn/configs"
)

// complianceFixture is the inspection loop on the county plan and the demo
// list: cem-b (grade B) produced through an orange night (R1 on its kiln,
// R3 for the firm) and site-1's meter went quiet (R7). Tokens: duty staff,
// the branch head, the enforcement brigade, the industry bureau's own
// token (it inspects cem-b) and the housing bureau's (site-1).
type complianceFixture struct {
	h    http.Handler
	svc  *inspect.Service
	mem  *inspect.MemStore
	mu   sync.Mutex
	now  time.Time
	r1   compliance.Event
	site compliance.Event
}

func (f *complianceFixture) Now() time.Time  { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *complianceFixture) Set(t time.Time) { f.mu.Lock(); f.now = t; f.mu.Unlock() }

var complianceTokens = []StaffToken{
	{SHA256: HashToken("tok-duty"), User: "duty", Roles: []string{"duty_officer"}},
	{SHA256: HashToken("tok-head"), User: "head-wang", Roles: []string{"branch_leader"}},
	{SHA256: HashToken("tok-brigade"), User: "brigade-chen", Roles: []string{"enforcement_brigade"}},
	{SHA256: HashToken("tok-industry"), User: "insp-industry", Roles: []string{"unit:industry_it"}},
	{SHA256: HashToken("tok-housing"), User: "insp-housing", Roles: []string{"unit:housing"}},
}

// complianceService is the loop as the app builds it, on store, with the
// shipped checklists and consequences.
func complianceService(t *testing.T, store inspect.Store, now func() time.Time) *inspect.Service {
	t.Helper()
	plan, list := demoList(t)
	read := func(name string) []byte {
		b, err := fs.ReadFile(configs.Compliance, name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cl, err := inspect.ParseChecklists(read("compliance/checklists.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var roles []string
	for _, r := range plan.Roles {
		roles = append(roles, r.ID)
	}
	cs, err := inspect.ParseConsequences(read("compliance/consequences.yaml"), roles)
	if err != nil {
		t.Fatal(err)
	}
	return &inspect.Service{Store: store, Plan: plan, List: list, Checklists: cl, Rules: cs, Now: now}
}

// nightEvents are cem-b's orange night and site-1's gap.
func nightEvents() (r1, r3, gap compliance.Event) {
	start := time.Date(2026, 12, 2, 22, 0, 0, 0, CST)
	var pts, base []compliance.Point
	for i := 1; i <= 8; i++ {
		end := start.Add(time.Duration(i) * 15 * time.Minute)
		pts = append(pts, compliance.Point{End: end, KWh: 410 + float64(i%3)*5})
		base = append(base, compliance.Point{End: end, KWh: 450})
	}
	mk := func(rule compliance.Rule, source, unit string, from, to time.Time) compliance.Event {
		return compliance.Event{ID: compliance.EventID(rule, source, unit, from), Rule: rule, Enterprise: source, Unit: unit, Meter: "cem-b-m1",
			Warning: "1", Level: "orange", Start: from, End: to, Severity: compliance.SeverityCritical, Observed: 3310, Expected: 900,
			TextZH: "停产期间1号窑用电为基线的92%", TextEN: "kiln 1 drew 92 % of its baseline while told to stop", State: compliance.StateOpen,
			Evidence: []compliance.Series{{Meter: "cem-b-m1", Role: "production", Points: pts, Baseline: base}}}
	}
	r1 = mk(compliance.RuleStopNotExecuted, "cem-b", "kiln1", start, start.Add(2*time.Hour))
	r3 = mk(compliance.RuleNightProduction, "cem-b", "", start, start.Add(8*time.Hour))
	gap = mk(compliance.RuleDataGap, "site-1", "", start.Add(time.Hour), start.Add(4*time.Hour))
	gap.Meter, gap.Evidence, gap.Severity, gap.TextZH, gap.TextEN = "site-1-m1", nil, compliance.SeverityInfo, "3小时无数据", "no data for 3 h"
	return r1, r3, gap
}

func newComplianceFixture(t *testing.T) *complianceFixture {
	t.Helper()
	f := &complianceFixture{mem: inspect.NewMemStore(), now: time.Date(2026, 12, 3, 0, 30, 0, 0, CST)}
	f.svc = complianceService(t, f.mem, f.Now)
	r1, r3, gap := nightEvents()
	f.r1, f.site = r1, gap
	if _, err := f.svc.Sync(context.Background(), []compliance.Event{r1, r3, gap}); err != nil {
		t.Fatal(err)
	}
	d := testDeps()
	d.Now = f.Now
	d.Staff = complianceTokens
	d.Compliance = &ComplianceDeps{Service: f.svc}
	f.h = NewHandler(d)
	return f
}

func (f *complianceFixture) do(t *testing.T, method, url, tok, body string, ct ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if len(ct) > 0 {
		req.Header.Set("Content-Type", ct[0])
	} else if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	return w
}

func wantStatus(t *testing.T, what string, w *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if w.Code != status {
		t.Errorf("%s: status %d, want %d: %s", what, w.Code, status, w.Body)
		return
	}
	if code != "" {
		var e errorBody
		json.Unmarshal(w.Body.Bytes(), &e)
		if e.Error.Code != code {
			t.Errorf("%s: code %q, want %q (%s)", what, e.Error.Code, code, e.Error.Message)
		}
	}
}

// The loop's API through a whole case: the findings and tasks as staff
// and as the inspecting unit see them, findings, a photo, the conclusion
// with its consequences, their signatures with four eyes, the cases'
// export. The answers are pinned in golden files.
func TestComplianceAPI(t *testing.T) {
	f := newComplianceFixture(t)
	get := func(url, tok string) *httptest.ResponseRecorder {
		t.Helper()
		return f.do(t, http.MethodGet, url, tok, "")
	}

	w := get("/api/v1/compliance/events", "tok-duty")
	wantStatus(t, "events", w, 200, "")
	checkGolden(t, "testdata/compliance-events.golden.json", w.Body.Bytes())
	w = get("/api/v1/inspections", "tok-duty")
	wantStatus(t, "inspections", w, 200, "")
	checkGolden(t, "testdata/inspections.golden.json", w.Body.Bytes())

	for _, tc := range []struct {
		what, method, url, tok, body string
		status                       int
		code                         string
	}{
		{"events without a token", "GET", "/api/v1/compliance/events", "", "", 401, "unauthorized"},
		{"events with a unit's token", "GET", "/api/v1/compliance/events", "tok-industry", "", 403, "forbidden"},
		{"events of a state that is none", "GET", "/api/v1/compliance/events?state=closed", "tok-duty", "", 422, "invalid"},
		{"events of an unknown rule", "GET", "/api/v1/compliance/events?rule=R9", "tok-duty", "", 422, "invalid"},
		{"an unknown event", "GET", "/api/v1/compliance/events/ce-000000000000", "tok-duty", "", 404, "not_found"},
		{"another unit's tasks", "GET", "/api/v1/inspections?unit=housing", "tok-industry", "", 403, "forbidden"},
		{"another unit's inspection", "GET", "/api/v1/inspections/1", "tok-housing", "", 403, "forbidden"},
		{"findings on another unit's inspection", "POST", "/api/v1/inspections/1/findings", "tok-housing", `{"findings":[{"item":"ledger","result":"ok"}]}`, 403, "forbidden"},
		{"an item the checklist has not", "POST", "/api/v1/inspections/1/findings", "tok-industry", `{"findings":[{"item":"roof","result":"ok"}]}`, 422, "invalid"},
		{"not JSON", "POST", "/api/v1/inspections/1/findings", "tok-industry", `{`, 400, "bad_request"},
		{"a photo that is not one", "POST", "/api/v1/inspections/1/photos", "tok-industry", "GIF89a", 422, "invalid"},
		{"consequences with a unit's token", "GET", "/api/v1/compliance/consequences", "tok-industry", "", 403, "forbidden"},
		{"consequences of an unknown kind", "GET", "/api/v1/compliance/consequences?kind=fine", "tok-duty", "", 422, "invalid"},
		{"cases with a unit's token", "GET", "/api/v1/compliance/cases.csv", "tok-industry", "", 403, "forbidden"},
		{"an approval with a unit's token", "POST", "/api/v1/compliance/approvals", "tok-industry", `{"enterprise":"cem-b","from":"2026-12-03T08:00:00+08:00","ref":"x"}`, 403, "forbidden"},
		{"an approval of a source not listed", "POST", "/api/v1/compliance/approvals", "tok-duty", `{"enterprise":"nobody","from":"2026-12-03T08:00:00+08:00","ref":"x"}`, 422, "restart_approval_invalid"},
		{"an approval of a unit the source has not", "POST", "/api/v1/compliance/approvals", "tok-duty", `{"enterprise":"cem-b","unit":"roof","from":"2026-12-03T08:00:00+08:00","ref":"x"}`, 422, "restart_approval_invalid"},
		{"an approval without its document", "POST", "/api/v1/compliance/approvals", "tok-duty", `{"enterprise":"cem-b","from":"2026-12-03T08:00:00+08:00"}`, 422, "restart_approval_invalid"},
		{"an approval ending before it starts", "POST", "/api/v1/compliance/approvals", "tok-duty", `{"enterprise":"cem-b","from":"2026-12-03T08:00:00+08:00","until":"2026-12-03T07:00:00+08:00","ref":"x"}`, 422, "restart_approval_invalid"},
		{"approvals of a bad period", "GET", "/api/v1/compliance/approvals?from=yesterday", "tok-duty", "", 422, "invalid"},
	} {
		wantStatus(t, tc.what, f.do(t, tc.method, tc.url, tc.tok, tc.body, map[bool]string{true: "image/gif", false: "application/json"}[strings.HasPrefix(tc.body, "GIF")]), tc.status, tc.code)
	}

	// A restart approval, recorded and listed.
	w = f.do(t, "POST", "/api/v1/compliance/approvals", "tok-duty", `{"enterprise":"cem-b","unit":"kiln1","from":"2026-12-03T08:00:00+08:00","ref":"江环复产〔2026〕1号"}`)
	wantStatus(t, "an approval", w, 201, "")
	w = get("/api/v1/compliance/approvals?from=2026-12-03T00:00:00%2B08:00&to=2026-12-04T00:00:00%2B08:00", "tok-duty")
	var ap struct {
		Approvals []inspect.RestartApproval `json:"approvals"`
	}
	if json.Unmarshal(w.Body.Bytes(), &ap) != nil || len(ap.Approvals) != 1 || ap.Approvals[0].Unit != "kiln1" || ap.Approvals[0].By == "" {
		t.Errorf("approvals: %s", w.Body)
	}
	w = get("/api/v1/compliance/approvals?from=2026-12-01T00:00:00%2B08:00&to=2026-12-02T00:00:00%2B08:00", "tok-duty")
	if !strings.Contains(w.Body.String(), `"approvals":[]`) {
		t.Errorf("approvals of a day before: %s", w.Body)
	}

	// The industry bureau's own token sees its one task (cem-b) with the evidence.
	w = get("/api/v1/inspections", "tok-industry")
	var list struct {
		Inspections []inspectionView `json:"inspections"`
	}
	json.Unmarshal(w.Body.Bytes(), &list)
	if len(list.Inspections) != 1 || list.Inspections[0].Enterprise != "cem-b" {
		t.Fatalf("the industry bureau's tasks: %s", w.Body)
	}
	w = get("/api/v1/inspections/1", "tok-industry")
	wantStatus(t, "one inspection", w, 200, "")
	checkGolden(t, "testdata/inspection.golden.json", w.Body.Bytes())

	// Findings with the position, a photo, the conclusion.
	f.Set(f.Now().Add(6 * time.Hour))
	w = f.do(t, "POST", "/api/v1/inspections/1/findings", "tok-industry", `{"findings":[{"item":"line_stopped","result":"not_ok","note":"1号窑在运行"},
		{"item":"treatment_running","result":"ok"},{"item":"ledger","result":"not_ok","note":"无停产记录"},{"item":"meters_intact","result":"ok"},
		{"item":"signboard","result":"na"}],"position":{"lat":25.2621,"lon":111.5119,"accuracy_m":12}}`)
	wantStatus(t, "findings", w, 200, "")
	if !strings.Contains(w.Body.String(), `"state":"inspecting"`) {
		t.Errorf("the events after findings: %s", w.Body)
	}
	w = f.do(t, "POST", "/api/v1/inspections/1/photos", "tok-industry", "\xff\xd8\xff\xe0 kiln 1 running", "image/jpeg")
	wantStatus(t, "photo", w, 201, "")
	if !strings.Contains(w.Body.String(), `"url":"/api/v1/evidence/`) {
		t.Errorf("photo: %s", w.Body)
	}
	w = f.do(t, "POST", "/api/v1/inspections/1/conclude", "tok-industry", `{"outcome":"confirmed","text":"1号窑未按橙色预警停产，台账无停产记录"}`)
	wantStatus(t, "conclude", w, 200, "")
	checkGolden(t, "testdata/inspection-concluded.golden.json", w.Body.Bytes())
	wantStatus(t, "conclude twice", f.do(t, "POST", "/api/v1/inspections/1/conclude", "tok-industry", `{"outcome":"dismissed","text":"x"}`), 409, "event_state_invalid")

	w = get("/api/v1/compliance/consequences?status=pending", "tok-duty")
	wantStatus(t, "consequences", w, 200, "")
	checkGolden(t, "testdata/consequences.golden.json", w.Body.Bytes())
	var cs struct {
		Consequences []inspect.Consequence `json:"consequences"`
	}
	json.Unmarshal(w.Body.Bytes(), &cs)
	if len(cs.Consequences) != 2 {
		t.Fatalf("consequences: %s", w.Body)
	}
	down, penalty := cs.Consequences[0], cs.Consequences[1] // newest first
	if down.Kind != inspect.KindDowngrade || penalty.Kind != inspect.KindPenalty {
		t.Fatalf("kinds %s, %s", down.Kind, penalty.Kind)
	}
	id := func(c inspect.Consequence) string {
		return "/api/v1/compliance/consequences/" + strings.TrimSpace(jsonNum(c.ID))
	}

	// The chain: the head cannot sign the penalty before the brigade; the
	// duty officer is not in the downgrade's chain; a unit's token is not staff.
	wantStatus(t, "head before brigade", f.do(t, "POST", id(penalty)+"/approve", "tok-head", ""), 409, "approval_out_of_order")
	wantStatus(t, "duty signs a downgrade", f.do(t, "POST", id(down)+"/approve", "tok-duty", ""), 403, "approval_role_not_in_chain")
	wantStatus(t, "a unit signs", f.do(t, "POST", id(down)+"/approve", "tok-industry", ""), 403, "forbidden")
	wantStatus(t, "reject without a reason", f.do(t, "POST", id(down)+"/reject", "tok-head", `{"comment":""}`), 422, "approval_reason_required")
	w = f.do(t, "POST", id(down)+"/approve", "tok-head", `{"comment":"同意降级"}`)
	wantStatus(t, "head approves the downgrade", w, 200, "")
	if !strings.Contains(w.Body.String(), `"status":"approved"`) {
		t.Errorf("approved: %s", w.Body)
	}
	wantStatus(t, "brigade signs the penalty", f.do(t, "POST", id(penalty)+"/approve", "tok-brigade", `{"comment":"证据确实"}`), 200, "")

	// Four eyes: the head records the conclusion of the next case (staff
	// may inspect), and then cannot sign its consequences.
	f.Set(f.Now().Add(24 * time.Hour))
	r1b := f.r1
	r1b.Start, r1b.End = f.r1.Start.Add(24*time.Hour), f.r1.End.Add(24*time.Hour)
	r1b.ID = compliance.EventID(r1b.Rule, r1b.Enterprise, r1b.Unit, r1b.Start)
	if _, err := f.svc.Sync(context.Background(), []compliance.Event{r1b}); err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, it := range []string{"line_stopped", "treatment_running", "ledger", "meters_intact", "signboard"} {
		all = append(all, `{"item":"`+it+`","result":"not_ok"}`)
	}
	wantStatus(t, "head's findings", f.do(t, "POST", "/api/v1/inspections/3/findings", "tok-head", `{"findings":[`+strings.Join(all, ",")+`]}`), 200, "")
	wantStatus(t, "head's photo", f.do(t, "POST", "/api/v1/inspections/3/photos", "tok-head", "\xff\xd8\xff night two", "image/jpeg"), 201, "")
	w = f.do(t, "POST", "/api/v1/inspections/3/conclude", "tok-head", `{"outcome":"confirmed","text":"第二晚仍在生产"}`)
	wantStatus(t, "head concludes", w, 200, "")
	if !strings.Contains(w.Body.String(), `"kind":"stop_order"`) {
		t.Errorf("the season's second case proposes no stop order: %s", w.Body)
	}
	var concl struct {
		Consequences []inspect.Consequence `json:"consequences"`
	}
	json.Unmarshal(w.Body.Bytes(), &concl)
	for _, c := range concl.Consequences {
		if c.Kind == inspect.KindStopOrder {
			continue
		}
		wantStatus(t, "the concluder signs "+c.Kind, f.do(t, "POST", id(c)+"/approve", "tok-head", ""), 403, "four_eyes")
	}

	// The discipline commission's export: the two confirmed cases.
	w = get("/api/v1/compliance/cases.csv", "tok-duty")
	wantStatus(t, "cases", w, 200, "")
	body, _ := io.ReadAll(w.Body)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || strings.Count(string(body), "\n") != 3 ||
		!strings.Contains(string(body), "1号窑未按橙色预警停产") || !strings.Contains(w.Header().Get("Content-Disposition"), "compliance-cases-") {
		t.Errorf("cases: %s %s\n%s", ct, w.Header().Get("Content-Disposition"), body)
	}

	// Overdue: site-1's task is past its due time now.
	w = get("/api/v1/inspections?overdue=true", "tok-duty")
	json.Unmarshal(w.Body.Bytes(), &list)
	if len(list.Inspections) != 1 || list.Inspections[0].Enterprise != "site-1" || !list.Inspections[0].Overdue {
		t.Errorf("overdue: %s", w.Body)
	}
}

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

// Without the loop its endpoints answer 503, and the page is still served.
func TestComplianceUnavailable(t *testing.T) {
	d := testDeps()
	d.Staff = complianceTokens
	h := NewHandler(d)
	for _, url := range []string{"/api/v1/compliance/events", "/api/v1/inspections", "/api/v1/compliance/consequences", "/api/v1/compliance/cases.csv"} {
		if w := get(t, h, url, "Authorization", "Bearer tok-duty"); w.Code != http.StatusServiceUnavailable {
			t.Errorf("%s: %d", url, w.Code)
		}
	}
	if w := get(t, h, "/inspect"); w.Code != 200 || !strings.Contains(w.Header().Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("/inspect: %d %q", w.Code, w.Header().Get("Content-Security-Policy"))
	}
}

// The loop's answers, successes and failures, match the documented schemas.
func TestComplianceOpenAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	f := newComplianceFixture(t)
	srv := httptest.NewServer(f.h)
	defer srv.Close()
	doc.Servers = openapi3.Servers{{URL: srv.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path, tok, body string
		status                  int
	}{
		{"GET", "/api/v1/compliance/events", "tok-duty", "", 200},
		{"GET", "/api/v1/compliance/events/" + f.r1.ID, "tok-duty", "", 200},
		{"GET", "/api/v1/compliance/events?rule=R9", "tok-duty", "", 422},
		{"GET", "/api/v1/inspections?open=true", "tok-industry", "", 200},
		{"GET", "/api/v1/inspections/1", "tok-industry", "", 200},
		{"GET", "/api/v1/inspections/2", "tok-industry", "", 403},
		{"POST", "/api/v1/inspections/1/findings", "tok-industry", `{"findings":[{"item":"ledger","result":"ok"}],"position":{"lat":25.26,"lon":111.51}}`, 200},
		{"POST", "/api/v1/inspections/1/conclude", "tok-industry", `{"outcome":"dismissed","text":"x"}`, 422},
		{"GET", "/api/v1/compliance/consequences", "tok-duty", "", 200},
		{"POST", "/api/v1/compliance/consequences/9/approve", "tok-head", "", 404},
		{"GET", "/api/v1/compliance/cases.csv", "tok-duty", "", 200},
		{"POST", "/api/v1/compliance/approvals", "tok-duty", `{"enterprise":"cem-b","from":"2026-12-03T08:00:00+08:00","ref":"x"}`, 201},
		{"GET", "/api/v1/compliance/approvals", "tok-duty", "", 200},
		{"GET", "/inspect", "", "", 200},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if tc.tok != "" {
				req.Header.Set("Authorization", "Bearer "+tc.tok)
			}
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			req.Body = io.NopCloser(strings.NewReader(tc.body))
			validateResponse(t, router, req, resp, body)
		})
	}
}
