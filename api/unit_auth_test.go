package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// unitDeps is the service with the county plan, one active yellow warning
// (in the engine's memory store) and its notices and tasks for education
// and finance in a real SQLite store; tokens for a duty officer, the
// education unit and the finance unit.
func unitDeps(t *testing.T) (Deps, int64) {
	t.Helper()
	ctx := context.Background()
	b, err := configs.Plans.ReadFile("plans/jianghua-2024.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := alert.ParsePlan(b)
	if err != nil {
		t.Fatal(err)
	}
	mem := lifecycle.NewMemStore()
	at := hourEnd.Add(-2 * time.Hour)
	w := &lifecycle.Warning{Region: "jianghua", PlanID: plan.ID, LevelID: "yellow", Since: at, EpisodeStart: at,
		ExpectedEnd: at.Add(48 * time.Hour), Issued: at}
	tr, _, err := mem.Publish(ctx, 0, lifecycle.Transition{Key: "t1", Region: "jianghua", Kind: "issue", At: at}, w, lifecycle.AuditEntry{})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	dl, err := sqlite.NewDeliveries(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var notices []followup.Notice
	var tasks []followup.TaskState
	for _, u := range []string{"education", "finance"} {
		notices = append(notices, followup.Notice{Transition: tr.Key, WarningID: tr.WarningID, Unit: u, Sent: at})
		tasks = append(tasks, followup.TaskState{WarningID: tr.WarningID, Unit: u, Task: "r3-" + u, Kind: "advisory",
			TextZH: "任务", TextEN: "task", State: followup.TaskAssigned, Assigned: at, Updated: at})
	}
	if err := dl.Assign(ctx, tr.WarningID, notices, tasks); err != nil {
		t.Fatal(err)
	}
	d := testDeps()
	d.Staff = []StaffToken{
		{SHA256: HashToken("tok-duty"), User: "duty", Roles: []string{"duty_officer"}},
		{SHA256: HashToken("tok-edu"), User: "edu", Roles: []string{"unit:education"}},
		{SHA256: HashToken("tok-fin"), User: "fin", Roles: []string{"unit:finance"}},
	}
	d.Alert = &AlertDeps{Service: &lifecycle.Service{Plan: plan, Store: mem, Now: d.Now}}
	d.Publish = &PublishDeps{Store: dl, Units: plan.Units, Now: d.Now,
		Replies: &followup.Replies{Store: dl, Audit: mem, DeadLetters: nil, Now: d.Now}}
	return d, tr.WarningID
}

// A member unit's token reads and answers for its own unit only; staff
// tokens answer for any unit, as before; no token is 401.
func TestUnitTokens(t *testing.T) {
	d, _ := unitDeps(t)
	h := NewHandler(d)
	ack := `{"warning_id":1}`
	done := `{"warning_id":1,"note":"已通知"}`
	cases := []struct {
		name, token, method, path, body string
		want                            int
	}{
		{"no token: 401", "", "GET", "/api/v1/units/education/tasks", "", 401},
		{"a wrong token: 401", "nope", "POST", "/api/v1/units/education/ack", ack, 401},
		{"a unit reads its own tasks", "tok-edu", "GET", "/api/v1/units/education/tasks", "", 200},
		{"a unit may not read another unit's tasks", "tok-edu", "GET", "/api/v1/units/finance/tasks", "", 403},
		{"a unit may not acknowledge for another unit", "tok-edu", "POST", "/api/v1/units/finance/ack", ack, 403},
		{"a unit may not report another unit's task done", "tok-edu", "POST", "/api/v1/units/finance/tasks/r3-finance/done", done, 403},
		{"a unit acknowledges its own notice", "tok-edu", "POST", "/api/v1/units/education/ack", ack, 200},
		{"a unit reports its own task done", "tok-edu", "POST", "/api/v1/units/education/tasks/r3-education/done", done, 200},
		{"a unit cannot report a task it does not have: 409", "tok-edu", "POST", "/api/v1/units/education/tasks/r3-finance/done", done, 409},
		{"staff read any unit's tasks", "tok-duty", "GET", "/api/v1/units/finance/tasks", "", 200},
		{"staff acknowledge for a unit that phoned in", "tok-duty", "POST", "/api/v1/units/finance/ack", ack, 200},
		{"staff ask for a unit the plan lacks: 404", "tok-duty", "GET", "/api/v1/units/nobody/tasks", "", 404},
		{"a unit token is no staff token: the board", "tok-edu", "GET", "/api/v1/warnings/1/board", "", 403},
		{"a unit token is no staff token: proposals", "tok-edu", "GET", "/api/v1/proposals", "", 403},
		{"a unit token is no staff token: deliveries", "tok-fin", "GET", "/api/v1/deliveries", "", 403},
		{"a unit token cannot approve", "tok-fin", "POST", "/api/v1/proposals/1/approve", `{}`, 403},
		{"staff still see the board", "tok-duty", "GET", "/api/v1/warnings/1/board", "", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("%s %s as %q: %d, want %d: %s", tc.method, tc.path, tc.token, rec.Code, tc.want, rec.Body)
			}
		})
	}
	// Every accepted acknowledgement and done report is in the audit log,
	// with who and in which role; refused ones are not.
	entries, err := d.Alert.Service.Store.Audit(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		if e.Action != "unit_ack" && e.Action != "task_done" {
			continue // the fixture's own publication
		}
		got = append(got, e.Action+" "+e.Subject+" by "+e.Actor+" ("+e.Role+") "+e.Comment)
	}
	want := []string{
		"unit_ack warning 1 unit education by edu (unit:education) ",
		"task_done warning 1 unit education task r3-education by edu (unit:education) 已通知",
		"unit_ack warning 1 unit finance by duty (duty_officer) ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The unit's view: the active warning with its level, the unit's tasks
// only, and whether the notice is acknowledged.
func TestUnitTasksView(t *testing.T) {
	d, wid := unitDeps(t)
	h := NewHandler(d)
	get := func() (body struct {
		Unit     struct{ ID, NameZH string } `json:"unit"`
		Warnings []struct {
			ID           int64                `json:"id"`
			Level        string               `json:"level"`
			NameZH       string               `json:"name_zh"`
			Color        string               `json:"color"`
			Acknowledged bool                 `json:"acknowledged"`
			Tasks        []followup.TaskState `json:"tasks"`
		} `json:"warnings"`
	}) {
		req := httptest.NewRequest("GET", "/api/v1/units/education/tasks", nil)
		req.Header.Set("Authorization", "Bearer tok-edu")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		return body
	}
	v := get()
	if v.Unit.ID != "education" || len(v.Warnings) != 1 {
		t.Fatalf("view = %+v", v)
	}
	w := v.Warnings[0]
	if w.ID != wid || w.Level != "yellow" || w.NameZH == "" || w.Color == "" || w.Acknowledged {
		t.Errorf("warning = %+v", w)
	}
	if len(w.Tasks) != 1 || w.Tasks[0].Task != "r3-education" || w.Tasks[0].State != followup.TaskAssigned {
		t.Errorf("tasks = %+v", w.Tasks)
	}

	req := httptest.NewRequest("POST", "/api/v1/units/education/ack", strings.NewReader(`{"warning_id":1}`))
	req.Header.Set("Authorization", "Bearer tok-edu")
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(httptest.NewRecorder(), req)
	w = get().Warnings[0]
	if !w.Acknowledged || w.Tasks[0].State != followup.TaskAcknowledged {
		t.Errorf("after the acknowledgement: %+v", w)
	}
}

// The member-unit endpoint's real answers, successes and failures, and the
// plan's, match openapi.json.
func TestUnitTasksMatchOpenAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	d, _ := unitDeps(t)
	srv := httptest.NewServer(NewHandler(d))
	defer srv.Close()
	doc.Servers = openapi3.Servers{{URL: srv.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, token string
		status      int
	}{
		{"/api/v1/units/education/tasks", "tok-edu", 200},
		{"/api/v1/units/education/tasks?warning_id=1", "tok-duty", 200},
		{"/api/v1/units/education/tasks", "", 401},
		{"/api/v1/units/finance/tasks", "tok-edu", 403},
		{"/api/v1/units/nobody/tasks", "tok-duty", 404},
		{"/api/v1/units/education/tasks?warning_id=9", "tok-edu", 404},
		{"/api/v1/units/education/tasks?warning_id=0", "tok-edu", 422},
		{"/unit", "", 200},
		{"/api/v1/plan", "", 200}, // the plan these deps carry
		{"/api/v1/me", "tok-duty", 200},
		{"/api/v1/me", "tok-edu", 200},
		{"/api/v1/me", "", 401},
	} {
		t.Run(tc.path+" "+tc.token, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
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
			validateResponse(t, router, req, resp, body)
		})
	}
}

// /api/v1/me names whom a token speaks for, with the plan's names.
func TestMe(t *testing.T) {
	d, _ := unitDeps(t)
	h := NewHandler(d)
	for _, tc := range []struct{ token, user, role, nameZH string }{
		{"tok-duty", "duty", "duty_officer", "应急值班人员"},
		{"tok-edu", "edu", "unit:education", "县教育局"},
	} {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tc.token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var me meView
		if err := json.Unmarshal(w.Body.Bytes(), &me); err != nil || w.Code != 200 {
			t.Fatalf("%s: %d %s", tc.token, w.Code, w.Body)
		}
		if me.User != tc.user || len(me.Roles) != 1 || me.Roles[0].ID != tc.role {
			t.Errorf("%s: %+v", tc.token, me)
		}
		if tc.nameZH != "" && me.Roles[0].NameZH != tc.nameZH {
			t.Errorf("%s: role named %q, want %q", tc.token, me.Roles[0].NameZH, tc.nameZH)
		}
	}
}
