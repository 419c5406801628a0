package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/simulate"
)

const alertConfig = `
http: {addr: "127.0.0.1:0", rate_limit: 0}
mqtt: {embedded: false, url: %q, client_id: aqwarn-alert-e2e, topic_prefix: aq}
store: {dir: %q, readings: embedded}
demo: {enabled: false}
plan: embedded:plans/jianghua-2024.yaml
stations:
  - {id: tj-1, name_zh: 沱江站, name_en: Tuojiang station, region: tuojiang, pollutants: [pm25]}
auth:
  tokens:
%s`

// staffTokens are the test's tokens: "tok-" + role, one user per role.
var staffRoles = []string{"ecology_branch", "meteorology", "office_director", "commander", "deputy_commander", "county_leader", "duty_officer"}

func alertTestConfig(t *testing.T, brokerURL, storeDir string) string {
	var toks strings.Builder
	for _, r := range staffRoles {
		fmt.Fprintf(&toks, "    - {user: user-%s, roles: [%s], sha256: %s}\n", r, r, api.HashToken("tok-"+r))
	}
	path := filepath.Join(t.TempDir(), "aqwarn.yaml")
	if err := os.WriteFile(path, fmt.Appendf(nil, alertConfig, brokerURL, storeDir, toks.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// call makes a request as a role ("" for none) and decodes the JSON answer.
func call(t *testing.T, method, url, role, contentType string, body []byte, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if role != "" {
		tok := "tok-" + role // the test configuration's tokens
		if strings.HasPrefix(role, "demo-") {
			tok = role // the demo configuration's
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, b)
		}
	}
	return resp.StatusCode
}

type proposalsBody struct {
	Proposals []struct {
		ID         int64  `json:"id"`
		Key        string `json:"key"`
		Region     string `json:"region"`
		Status     string `json:"status"`
		Action     string `json:"action"`
		From       string `json:"from"`
		Level      string `json:"level"`
		Signatures []struct {
			Role, User, Comment string
		} `json:"signatures"`
	} `json:"proposals"`
}

// proposeYellow posts a county forecast over 200 for tomorrow as the duty
// officer, which raises one yellow proposal at once, and returns it.
func proposeYellow(t *testing.T, v1, source string) int64 {
	t.Helper()
	now := time.Now().In(api.CST)
	day := func(d int) string { return now.AddDate(0, 0, d).Format(time.DateOnly) }
	fc := fmt.Sprintf(`{"region":"jianghua","source":%q,"issued_at":%q,
		"daily":[{"date":%q,"aqi":120},{"date":%q,"aqi":210,"primary":"pm25","pm25":160},{"date":%q,"aqi":110}]}`,
		source, now.Add(-time.Minute).Format(time.RFC3339), day(0), day(1), day(2))
	if code := call(t, "POST", v1+"/forecasts", "duty_officer", "application/json", []byte(fc), nil); code != 201 {
		t.Fatalf("POST forecast: %d", code)
	}
	var ps proposalsBody
	call(t, "GET", v1+"/proposals?status=pending", "commander", "", nil, &ps)
	if len(ps.Proposals) != 1 {
		t.Fatalf("pending = %+v", ps)
	}
	return ps.Proposals[0].ID
}

// issueYellow has proposeYellow's proposal signed by the plan's chain for
// yellow, which publishes the warning.
func issueYellow(t *testing.T, v1, source string) {
	t.Helper()
	id := proposeYellow(t, v1, source)
	for _, r := range []string{"ecology_branch", "meteorology", "commander"} {
		if code := call(t, "POST", fmt.Sprintf("%s/proposals/%d/approve", v1, id), r, "application/json", []byte(`{}`), nil); code != 200 {
			t.Fatalf("%s approves: %d", r, code)
		}
	}
}

type errBody struct {
	Error struct{ Code, Message string } `json:"error"`
}

// The warning lifecycle through the running service, against a real
// Mosquitto: forecasts by HTTP, CSV and MQTT → proposals → approvals with
// role tokens → the active warning, with restarts between proposal and
// approval and after publication (scenario 23): nothing twice, nothing lost.
func TestWarningLifecycleEndToEnd(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	storeDir := filepath.Join(t.TempDir(), "store")
	cfg := alertTestConfig(t, broker.URL(), storeDir)
	svc := startService(t, []string{"serve", "--config", cfg}, nil)
	v1 := func(s *service) string { return s.URL + "/api/v1" }

	now := time.Now().In(api.CST)
	day := func(d int) string { return now.AddDate(0, 0, d).Format(time.DateOnly) }

	// 401 without a token, 401 with a wrong one.
	if code := call(t, "GET", v1(svc)+"/proposals", "", "", nil, nil); code != 401 {
		t.Fatalf("no token: %d", code)
	}
	if code := call(t, "GET", v1(svc)+"/proposals", "nobody", "", nil, nil); code != 401 {
		t.Fatalf("bad token: %d", code)
	}

	// A forecast from the duty officer: tomorrow over 200 → yellow proposal at once.
	fc := fmt.Sprintf(`{"region":"jianghua","source":"county-forecast-centre","issued_at":%q,
		"daily":[{"date":%q,"aqi":120},{"date":%q,"aqi":210,"primary":"pm25","pm25":160},{"date":%q,"aqi":110}]}`,
		now.Add(-time.Minute).Format(time.RFC3339), day(0), day(1), day(2))
	if code := call(t, "POST", v1(svc)+"/forecasts", "duty_officer", "application/json", []byte(fc), nil); code != 201 {
		t.Fatalf("POST forecast: %d", code)
	}
	var ps proposalsBody
	call(t, "GET", v1(svc)+"/proposals?status=pending", "commander", "", nil, &ps)
	if len(ps.Proposals) != 1 || ps.Proposals[0].Level != "yellow" || ps.Proposals[0].Action != "issue" {
		t.Fatalf("pending = %+v", ps)
	}
	id := ps.Proposals[0].ID
	url := func(s *service, verb string) string { return fmt.Sprintf("%s/proposals/%d/%s", v1(s), id, verb) }

	// The chain is enforced: the commander before the consultation → 409;
	// a role outside the chain → 403; a rejection without reason → 422.
	var eb errBody
	if code := call(t, "POST", url(svc, "approve"), "commander", "application/json", []byte(`{}`), &eb); code != 409 {
		t.Fatalf("commander first: %d %+v", code, eb)
	}
	if code := call(t, "POST", url(svc, "approve"), "county_leader", "application/json", []byte(`{}`), &eb); code != 403 {
		t.Fatalf("county leader on yellow: %d %+v", code, eb)
	}
	if code := call(t, "POST", url(svc, "reject"), "meteorology", "", nil, &eb); code != 422 {
		t.Fatalf("reject without reason: %d %+v", code, eb)
	}
	if code := call(t, "POST", url(svc, "approve"), "ecology_branch", "application/json", []byte(`{"comment":"同意"}`), nil); code != 200 {
		t.Fatalf("ecology approves: %d", code)
	}

	// Killed between proposal and approval; the same store comes back.
	svc.Stop(t)
	svc = startService(t, []string{"serve", "--config", cfg}, nil)
	call(t, "GET", v1(svc)+"/proposals", "commander", "", nil, &ps)
	if len(ps.Proposals) != 1 || ps.Proposals[0].Status != "pending" || len(ps.Proposals[0].Signatures) != 1 ||
		ps.Proposals[0].Signatures[0].Comment != "同意" {
		t.Fatalf("after restart: %+v", ps)
	}
	for _, r := range []string{"meteorology", "commander"} {
		if code := call(t, "POST", url(svc, "approve"), r, "application/json", []byte(`{"comment":"ok"}`), &eb); code != 200 {
			t.Fatalf("%s approves: %d %+v", r, code, eb)
		}
	}
	type activeBody struct {
		Warnings []struct {
			ID     int64  `json:"id"`
			Region string `json:"region"`
			Level  string `json:"level"`
			NameZH string `json:"name_zh"`
		} `json:"warnings"`
	}
	var act activeBody
	if code := call(t, "GET", v1(svc)+"/warnings/active", "", "", nil, &act); code != 200 || len(act.Warnings) != 1 ||
		act.Warnings[0].Level != "yellow" || act.Warnings[0].NameZH != "黄色预警" {
		t.Fatalf("active: %d %+v", code, act)
	}

	// Restarted after publication: the evaluation at start sees the same
	// situation and proposes nothing new; the transition stays single.
	svc.Stop(t)
	svc = startService(t, []string{"serve", "--config", cfg}, nil)
	var trs struct {
		Transitions []struct{ Kind, Key string } `json:"transitions"`
	}
	eventually(t, "the evaluation after restart", 10*time.Second, func() bool {
		var st struct {
			EvaluatedAt *time.Time `json:"evaluated_at"`
		}
		call(t, "GET", v1(svc)+"/forecasts/status", "commander", "", nil, &st)
		return st.EvaluatedAt != nil
	})
	call(t, "GET", v1(svc)+"/transitions", "commander", "", nil, &trs)
	call(t, "GET", v1(svc)+"/proposals", "commander", "", nil, &ps)
	if len(trs.Transitions) != 1 || trs.Transitions[0].Kind != "issue" || len(ps.Proposals) != 1 || ps.Proposals[0].Status != "published" {
		t.Fatalf("after restart: transitions %+v proposals %+v", trs, ps)
	}

	// A newer forecast over MQTT (aq/forecasts/jianghua): two days over 200 → upgrade to orange.
	ctx := context.Background()
	pub, err := simulate.DialMQTT(ctx, broker.URL(), "forecast-centre")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	fc2 := fmt.Sprintf(`{"source":"city-centre","issued_at":%q,"daily":[{"date":%q,"aqi":210},{"date":%q,"aqi":220}]}`,
		now.Format(time.RFC3339), day(1), day(2))
	if err := pub.Publish(ctx, "aq/forecasts/jianghua", []byte(fc2)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the upgrade proposal from the MQTT forecast", 10*time.Second, func() bool {
		call(t, "GET", v1(svc)+"/proposals?status=pending", "commander", "", nil, &ps)
		return len(ps.Proposals) == 1 && ps.Proposals[0].Action == "upgrade" && ps.Proposals[0].Level == "orange"
	})

	// A forecast that makes no sense over MQTT is a counted rejection, kept
	// as a dead letter like any refused input (audit L1).
	if err := pub.Publish(ctx, "aq/forecasts/jianghua", []byte(`{"source":"x","daily":[{"date":"tomorrow","aqi":-5}]}`)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the bad forecast as a counted dead letter", 10*time.Second, func() bool {
		var dl struct {
			DeadLetters []struct{ Source, Reason string } `json:"deadletters"`
		}
		call(t, "GET", v1(svc)+"/ingest/deadletters?reason=forecast_invalid", "commander", "", nil, &dl)
		resp, err := http.Get(svc.URL + "/metrics")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return len(dl.DeadLetters) == 1 && dl.DeadLetters[0].Source == "mqtt:aq/forecasts/jianghua" &&
			strings.Contains(string(b), `aqwarn_ingest_rejected_total{reason="forecast_invalid"} 1`)
	})

	// A CSV upload for the town, with the region given in the query.
	csv := "date,aqi\n" + day(1) + ",160\n" + day(2) + ",170\n"
	if code := call(t, "POST", v1(svc)+"/forecasts?region=tuojiang&source=duty&issued_at="+now.UTC().Format(time.RFC3339),
		"duty_officer", "text/csv", []byte(csv), &eb); code != 201 {
		t.Fatalf("CSV: %d %+v", code, eb)
	}
	call(t, "GET", v1(svc)+"/proposals?status=pending", "commander", "", nil, &ps)
	regions := map[string]string{}
	for _, p := range ps.Proposals {
		regions[p.Region] = p.Level
	}
	// The county plan's warnings are county-wide: a town's forecast is kept
	// (201 above) but the town is not a warning area of its own.
	if _, town := regions["tuojiang"]; town || regions["jianghua"] != "orange" {
		t.Fatalf("pending by region: %v, want only the county's orange", regions)
	}
	// An invalid CSV is refused whole, with every problem listed.
	if code := call(t, "POST", v1(svc)+"/forecasts?source=duty", "duty_officer", "text/csv", []byte("date,aqi\nnot-a-date,x\n"), &eb); code != 422 {
		t.Fatalf("bad CSV: %d %+v", code, eb)
	}

	// A manual proposal needs a reason; with one it enters the plan's chain.
	manual := `{"region":"jianghua","level":"red","end":%q%s}`
	end := now.Add(48 * time.Hour).Format(time.RFC3339)
	if code := call(t, "POST", v1(svc)+"/proposals", "duty_officer", "application/json", fmt.Appendf(nil, manual, end, ""), &eb); code != 422 {
		t.Fatalf("manual without reason: %d %+v", code, eb)
	}
	if code := call(t, "POST", v1(svc)+"/proposals", "duty_officer", "application/json", fmt.Appendf(nil, manual, end, `,"reason":"会商：静稳天气持续"`), nil); code != 201 {
		t.Fatalf("manual: %d", code)
	}
	// An upstream prompt from the city is evaluated at once.
	prompt := fmt.Sprintf(`{"id":"city-2026-1","region":"jianghua","level":"red","start":%q,"end":%q,"issuer":"永州市重污染天气应急指挥部","reference":"永应急〔2026〕1号"}`,
		now.Format(time.RFC3339), now.Add(72*time.Hour).Format(time.RFC3339))
	if code := call(t, "POST", v1(svc)+"/upstream-prompts", "duty_officer", "application/json", []byte(prompt), &eb); code != 202 {
		t.Fatalf("prompt: %d %+v", code, eb)
	}
	call(t, "GET", v1(svc)+"/proposals?status=pending", "commander", "", nil, &ps)
	actions := map[string]bool{}
	for _, p := range ps.Proposals {
		actions[p.Region+":"+p.Action+"/"+p.Level] = true
	}
	// The staff's proposal is not pushed aside; the engine keeps one pending
	// proposal of its own, now raised to the prompt's level.
	if !actions["jianghua:manual/red"] || !actions["jianghua:upstream/red"] || len(actions) != 2 {
		t.Fatalf("pending: %v", actions)
	}
	var ver struct {
		Days    []any `json:"days"`
		Sources []any `json:"sources"`
	}
	if code := call(t, "GET", v1(svc)+"/forecasts/verification", "commander", "", nil, &ver); code != 200 || ver.Days == nil {
		t.Fatalf("verification: %d %+v", code, ver)
	}
	var audit struct {
		Audit []struct{ Actor, Role, Action string } `json:"audit"`
	}
	call(t, "GET", v1(svc)+"/audit", "commander", "", nil, &audit)
	seen := map[string]bool{}
	for _, a := range audit.Audit {
		seen[a.Action] = true
		if a.Action == "approve" && (a.Role == "" || !strings.HasPrefix(a.Actor, "user-")) {
			t.Errorf("audit line %+v", a)
		}
	}
	for _, a := range []string{"forecast", "propose", "approve", "publish", "supersede", "upstream_prompt"} {
		if !seen[a] {
			t.Errorf("no %q in the audit log", a)
		}
	}
}

// Observations alone, through the real chain (MQTT readings → hourly AQI →
// evaluation job): a heavy day is proposed right after the hourly AQI, on
// the persistence baseline because no forecast was given, and the duty
// console is told that a real forecast is missing.
func TestObservedEpisodeProposedAfterHourlyAQI(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	cfg := alertTestConfig(t, broker.URL(), filepath.Join(t.TempDir(), "store"))
	svc := startService(t, []string{"serve", "--config", cfg}, nil)
	ctx := context.Background()
	pub, err := simulate.DialMQTT(ctx, broker.URL(), "stations")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	last := time.Now().Truncate(time.Hour)
	for i := 30; i >= 0; i-- {
		r := aqwarnReading("tj-1", last.Add(-time.Duration(i)*time.Hour), 200) // PM2.5 200 µg/m³: AQI 250
		if err := pub.Publish(ctx, "aq/stations/tj-1/readings", simulate.EncodeJSON(r)); err != nil {
			t.Fatal(err)
		}
	}
	var ps proposalsBody
	// The town's station makes the county's AQI; the county is the warning area.
	eventually(t, "a proposal for the county from its observations", 20*time.Second, func() bool {
		call(t, "GET", svc.URL+"/api/v1/proposals?region=jianghua", "duty_officer", "", nil, &ps)
		return len(ps.Proposals) > 0
	})
	if p := ps.Proposals[0]; p.Action != "issue" || p.Status != "pending" {
		t.Fatalf("proposal %+v", p)
	}
	var detail struct {
		Proposal struct {
			Baseline bool `json:"baseline_forecast"`
		} `json:"proposal"`
		Detail struct {
			Evidence struct {
				Runs []struct {
					Threshold int `json:"threshold"`
				} `json:"runs"`
				Windows []struct {
					Source         string `json:"source"`
					ForecastSource string `json:"forecast_source"`
				} `json:"windows"`
			} `json:"evidence"`
		} `json:"detail"`
	}
	call(t, "GET", fmt.Sprintf("%s/api/v1/proposals/%d", svc.URL, ps.Proposals[0].ID), "duty_officer", "", nil, &detail)
	sources := map[string]bool{}
	for _, w := range detail.Detail.Evidence.Windows {
		sources[w.Source+"/"+w.ForecastSource] = true
	}
	if !detail.Proposal.Baseline || !sources["observed/"] || !sources["baseline/baseline:persistence"] || len(detail.Detail.Evidence.Runs) == 0 {
		t.Fatalf("evidence: %+v", detail)
	}
	var status struct {
		Missing []struct{ Region, Reason string } `json:"forecast_missing"`
	}
	call(t, "GET", svc.URL+"/api/v1/forecasts/status", "duty_officer", "", nil, &status)
	found := false
	for _, m := range status.Missing {
		found = found || m.Region == "jianghua"
	}
	if !found {
		t.Fatalf("the duty console is not told: %+v", status)
	}
}

func aqwarnReading(station string, t time.Time, pm25 float64) aqwarn.Reading {
	return aqwarn.Reading{Station: station, Time: t, Interval: time.Hour, Values: []aqwarn.Measure{{Pollutant: "pm25", Value: pm25}}}
}

// The demo with auto-approve: the bundled smog on a fast clock becomes
// published warnings, every signature audited as "demo auto-approve".
func TestDemoAutoApprove(t *testing.T) {
	svc := startService(t, []string{"serve", "--demo", "--demo-auto-approve", "--http", "127.0.0.1:0",
		"--mqtt-embedded-addr", "127.0.0.1:0", "--store-dir", filepath.Join(t.TempDir(), "store")},
		map[string]string{"AQWARN_DEMO_SPEED": "72000"}) // as fast as the service keeps up (the elastic clock)
	var act struct {
		Warnings []struct{ Region, Level string } `json:"warnings"`
	}
	eventually(t, "a published warning in the demo", 180*time.Second, func() bool {
		call(t, "GET", svc.URL+"/api/v1/warnings/active", "", "", nil, &act)
		return len(act.Warnings) > 0
	})
	var audit struct {
		Audit []struct{ Actor, Role, Action, Comment string } `json:"audit"`
	}
	call(t, "GET", svc.URL+"/api/v1/audit", "demo-duty_officer", "", nil, &audit)
	signs := 0
	for _, a := range audit.Audit {
		if a.Action == "approve" {
			signs++
			if a.Comment != "demo auto-approve" || a.Role == "" {
				t.Errorf("audit line %+v", a)
			}
		}
	}
	if signs == 0 {
		t.Fatalf("no signatures in %+v", audit)
	}
}
