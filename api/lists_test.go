package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/reduction"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// The yearly revision through the API on real SQLite: a bad list is
// refused with its problems, a good one kept as a draft with its diff
// against the list in force; the steps run in order, four eyes, each
// audited; a published version takes no more steps; the filing CSV is
// served; member-unit tokens are refused.
func TestListRevisionAPI(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	plan, inForce := demoList(t)
	now := time.Date(2027, 8, 20, 10, 0, 0, 0, CST)
	d := testDeps()
	d.Now = func() time.Time { return now }
	d.Staff = []StaffToken{
		{SHA256: HashToken("tok-wang"), User: "wang", Roles: []string{"ecology_branch"}},
		{SHA256: HashToken("tok-li"), User: "li", Roles: []string{"office_director"}},
		{SHA256: HashToken("tok-zhao"), User: "zhao", Roles: []string{"commander"}},
		{SHA256: HashToken("tok-unit"), User: "u", Roles: []string{"unit:education"}},
	}
	d.Lists = &ListDeps{Store: db, Audit: db, InForce: inForce, Now: d.Now,
		Parse: func(b []byte) (*reduction.List, error) { return configs.ParseListFor(plan, b) }}
	h := NewHandler(d)
	do := func(method, url, tok, body string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if strings.HasPrefix(body, "{") {
			req.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}

	// Next year's list: the demo's with a year and one firm fewer.
	b, err := fs.ReadFile(configs.Lists, "reduction/jianghua-2026.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(strings.Replace(string(b), "id: jianghua-2026 ", "id: jianghua-2027 ", 1), "year: 2026 ", "year: 2027 ", 1)
	if w := do("POST", "/api/v1/reduction/versions", "tok-wang", "id: x\nyear: 2027\npubic: yes\n"); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "pubic") {
		t.Errorf("a bad list: %d %s", w.Code, w.Body)
	}
	if w := do("POST", "/api/v1/reduction/versions", "tok-unit", text); w.Code != http.StatusForbidden {
		t.Errorf("a member unit uploads: %d", w.Code)
	}
	w := do("POST", "/api/v1/reduction/versions", "tok-wang", text)
	if w.Code != http.StatusCreated {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	var v struct {
		reduction.Version
		Diff *reduction.ListDiff `json:"diff"`
	}
	json.Unmarshal(w.Body.Bytes(), &v)
	if v.State != reduction.StateDraft || v.Year != 2027 || v.By != "wang" || v.Diff == nil || !v.Diff.Empty() {
		t.Errorf("draft = %+v (its sources are those in force: no difference)", v)
	}
	step := func(tok, action string, want int) {
		t.Helper()
		if w := do("POST", "/api/v1/reduction/versions/"+strconv.FormatInt(v.ID, 10)+"/"+action, tok, `{"comment":"ok"}`); w.Code != want {
			t.Errorf("%s by %s: %d, want %d: %s", action, tok, w.Code, want, w.Body)
		}
	}
	step("tok-wang", "review", 422)  // the author may not review
	step("tok-li", "approve", 422)   // not reviewed yet
	step("tok-li", "review", 200)    // another reviews
	step("tok-li", "approve", 422)   // the reviewer may not approve
	step("tok-zhao", "approve", 200) // a third approves
	step("tok-wang", "publish", 422) // not filed yet
	step("tok-wang", "file", 200)
	step("tok-wang", "publish", 200)
	step("tok-wang", "withdraw", 422) // published: final

	w = do("GET", "/api/v1/reduction/versions?year=2027", "tok-li", "")
	var list struct {
		Versions  []reduction.Version `json:"versions"`
		Reminders []time.Time         `json:"reminders"`
	}
	json.Unmarshal(w.Body.Bytes(), &list)
	if w.Code != 200 || len(list.Versions) != 1 || list.Versions[0].State != reduction.StatePublished || len(list.Versions[0].Steps) != 4 || len(list.Reminders) != 3 {
		t.Errorf("versions: %d %+v", w.Code, list)
	}
	w = do("GET", "/api/v1/reduction/versions/"+strconv.FormatInt(v.ID, 10)+"/filing.csv", "tok-li", "")
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(w.Body.String(), "\ufeff"))).ReadAll()
	if w.Code != 200 || err != nil || len(rows) < 2 || strings.Join(rows[0], ",") != strings.Join(reduction.FilingColumns(), ",") {
		t.Errorf("filing: %d %v %d rows", w.Code, err, len(rows))
	}
	if w := do("GET", "/api/v1/reduction/versions/999", "tok-li", ""); w.Code != 404 {
		t.Errorf("no such version: %d", w.Code)
	}
	es, err := db.Audit(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Actor+":"+e.Action)
	}
	if got := strings.Join(actions, " "); got != "wang:list_draft li:list_review zhao:list_approve wang:list_file wang:list_publish" {
		t.Errorf("audit: %s", got)
	}
}

// The reduction accounting: 503 without an inventory; with one, the list
// in force per level (the demo list falls short of the VOCs share at
// every level) and a draft version's own beside its diff.
func TestReductionAccountingAPI(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	plan, inForce := demoList(t)
	d := testDeps()
	d.Staff = []StaffToken{{SHA256: HashToken("tok-wang"), User: "wang", Roles: []string{"ecology_branch"}}}
	lists := &ListDeps{Store: db, Audit: db, InForce: inForce, Now: d.Now,
		Parse: func(b []byte) (*reduction.List, error) { return configs.ParseListFor(plan, b) }}
	d.Lists = lists
	do := func(h http.Handler, method, url, body string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok-wang")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	if w := do(NewHandler(d), "GET", "/api/v1/reduction/accounting", ""); w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "inspection.inventory") {
		t.Errorf("without an inventory: %d %s", w.Code, w.Body)
	}

	lists.Account = shippedAccounting(t)
	h := NewHandler(d)
	w := do(h, "GET", "/api/v1/reduction/accounting", "")
	var acc compliance.Accounting
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &acc) != nil {
		t.Fatalf("accounting: %d %s", w.Code, w.Body)
	}
	if len(acc.Levels) < 3 {
		t.Fatalf("accounting of %d levels: %s", len(acc.Levels), w.Body)
	}
	vocs := 0
	for _, la := range acc.Levels {
		for _, p := range la.Pollutants {
			if !strings.EqualFold(p.Pollutant, "vocs") {
				continue
			}
			vocs++
			if p.Met || p.ShortfallPct <= 0 || p.TextEN == "" {
				t.Errorf("%s VOCs %+v: the demo list cannot reach the VOCs share, and must say by how much", la.Level, p)
			}
		}
	}
	if vocs != len(acc.Levels) {
		t.Errorf("VOCs in %d of %d levels", vocs, len(acc.Levels))
	}
	b, _ := fs.ReadFile(configs.Lists, "reduction/jianghua-2026.yaml")
	w = do(h, "POST", "/api/v1/reduction/versions", string(b))
	var v struct {
		Accounting *compliance.Accounting `json:"accounting"`
	}
	if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &v) != nil || v.Accounting == nil || len(v.Accounting.Levels) != len(acc.Levels) {
		t.Errorf("a draft's accounting: %d %s", w.Code, w.Body)
	}
}
