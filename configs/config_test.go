package configs

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultIsValidDemo(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if !c.MQTT.Embedded || c.Store.Readings != "embedded" || !c.Demo.Enabled {
		t.Errorf("default should be embedded broker + embedded store + demo, got %+v %+v %+v", c.MQTT, c.Store, c.Demo)
	}
	if len(c.Stations) < 2 || len(c.Regions) < 2 {
		t.Errorf("default has %d stations, %d regions", len(c.Stations), len(c.Regions))
	}
	if _, err := c.OpenPlan(); err != nil {
		t.Errorf("embedded plan: %v", err)
	}
}

func TestEnvOverrides(t *testing.T) {
	c, err := Load("", env(map[string]string{
		"AQWARN_HTTP_ADDR":       "127.0.0.1:0",
		"AQWARN_STORE_READINGS":  "influx",
		"AQWARN_INFLUX_URL":      "http://127.0.0.1:8086",
		"AQWARN_INFLUX_BUCKET":   "db/autogen",
		"AQWARN_MQTT_EMBEDDED":   "false",
		"AQWARN_MQTT_URL":        "tcp://127.0.0.1:1883",
		"AQWARN_AQI_STALE_AFTER": "90m",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != "127.0.0.1:0" || c.Store.Readings != "influx" || c.Influx.Bucket != "db/autogen" ||
		c.MQTT.Embedded || c.MQTT.URL != "tcp://127.0.0.1:1883" || c.AQI.StaleAfter != 90*time.Minute {
		t.Errorf("overrides not applied: %+v", c)
	}
}

// One error lists every problem, so an operator fixes them in one go.
func TestValidationListsEveryProblem(t *testing.T) {
	_, err := Parse([]byte(`
mqtt: {embedded: false, url: "", client_id: ""}
store: {readings: cassandra}
aqi: {edition: "1999"}
regions: [{id: county}]
stations:
  - {id: "a/b", region: jianghua, pollutants: [pm25, h2s]}
  - {id: s2, region: mars}
`), env(map[string]string{"AQWARN_INGEST_BATCH_SIZE": "many"}))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"mqtt.url", "client_id", "store.readings", "aqi.edition", "regions: the county and its towns are defined in the plan",
		"\"a/b\"", "h2s", "region \"mars\"", "AQWARN_INGEST_BATCH_SIZE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestUnknownKeyIsAnError(t *testing.T) {
	if _, err := Parse([]byte("htp: {addr: x}\n"), nil); err == nil || !strings.Contains(err.Error(), "htp") {
		t.Errorf("want an error naming the unknown key, got %v", err)
	}
}

// The production example parses once its placeholders are filled in; as
// shipped, its example station password is refused, named.
func TestProductionExampleParses(t *testing.T) {
	// The example names a plan under /etc; point it at the embedded one.
	plan := env(map[string]string{"AQWARN_PLAN": "embedded:plans/jianghua-2024.yaml"})
	if _, err := Parse(ProductionExample(), plan); err == nil || !strings.Contains(err.Error(), `station jh-county-1: HJ 212 password "change-me"`) {
		t.Errorf("the example's placeholder password was accepted: %v", err)
	}
	filled := bytes.ReplaceAll(ProductionExample(), []byte(`"change-me"`), []byte(`"Lg7-q2Rk"`))
	c, err := Parse(filled, plan)
	if err != nil {
		t.Fatal(err)
	}
	if c.MQTT.Embedded || c.Store.Readings != "influx" || c.Demo.Enabled {
		t.Errorf("production example should use external services without demo: %+v", c)
	}
}

// The demo's published credentials work only in the demo, and the demo
// only on loopback (audit H5); tokens can come from a file.
func TestDemoSecretsOnlyInTheDemo(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // "" = accepted
	}{
		// The demo as shipped.
		{"demo", nil, ""},
		// The demo configuration with the demo off: its tokens and the stations' 123456 refused.
		{"demo off", map[string]string{"AQWARN_DEMO": "false"}, "is a demo token"},
		{"demo off, passwords", map[string]string{"AQWARN_DEMO": "false"}, `HJ 212 password "123456"`},
		// The demo on every interface: refused.
		{"demo beyond loopback", map[string]string{"AQWARN_HTTP_ADDR": "0.0.0.0:8080"}, "listens on loopback only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(mustRead(t, "default.yaml"), env(tc.env))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
	dir := t.TempDir()
	tokens := dir + "/tokens.yaml"
	os.WriteFile(tokens, []byte("- {user: 值班员, roles: [duty_officer], sha256: "+strings.Repeat("ab", 32)+"}\n"), 0o600)
	conf := "demo: {enabled: false}\nmqtt: {embedded: true}\nauth: {tokens: []}\n" +
		"stations: [{id: s1, name_zh: 站, name_en: S, region: jianghua, pollutants: [pm25]}]\n"
	c, err := Parse([]byte(conf), env(map[string]string{"AQWARN_AUTH_TOKENS_FILE": tokens}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Auth.Tokens) != 1 || c.Auth.Tokens[0].User != "值班员" {
		t.Errorf("tokens from the file: %+v", c.Auth.Tokens)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := files.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The HJ 212 listener's limits: defaults when unset, YAML and environment
// overrides, and every bad value named in the one error.
func TestHJ212Limits(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	h := c.HJ212
	if h.MaxConns != 0 || h.MaxConnsPerIP != 8 || h.FirstFrameTimeout != 2*time.Minute || h.FrameTimeout != 30*time.Second ||
		h.IdleTimeout != 75*time.Minute || h.AuthMaxFailures != 5 || h.AuthWindow != 10*time.Minute || h.AuthBlock != 15*time.Minute {
		t.Errorf("defaults %+v", h)
	}

	// Stations behind one NAT: the per-IP cap is raised in YAML, the total by env.
	c, err = Load("", env(map[string]string{"AQWARN_HJ212_MAX_CONNS": "500", "AQWARN_HJ212_MAX_CONNS_PER_IP": "40"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HJ212.MaxConns != 500 || c.HJ212.MaxConnsPerIP != 40 {
		t.Errorf("env overrides not applied: %+v", c.HJ212)
	}
	c, err = Parse([]byte(`
mqtt: {embedded: true}
stations: [{id: s1, region: jianghua}]
hj212: {max_conns_per_ip: 64, first_frame_timeout: 30s, auth_block: 1h}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.HJ212.MaxConnsPerIP != 64 || c.HJ212.FirstFrameTimeout != 30*time.Second || c.HJ212.AuthBlock != time.Hour ||
		c.HJ212.FrameTimeout != 30*time.Second {
		t.Errorf("YAML not applied over the defaults: %+v", c.HJ212)
	}

	_, err = Parse([]byte(`
hj212: {max_conns: -1, max_conns_per_ip: 0, first_frame_timeout: 0s, frame_timeout: -1s, idle_timeout: 0s,
        auth_max_failures: 0, auth_window: 0s, auth_block: -5m}
`), nil)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"hj212.max_conns -1", "hj212.max_conns_per_ip", "hj212.first_frame_timeout", "hj212.frame_timeout",
		"hj212.idle_timeout", "hj212.auth_max_failures", "hj212.auth_window", "hj212.auth_block"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

// Credentials never ride in URLs, where /readyz and the logs would show
// them (audit M3): refused, and the refusal does not repeat them.
func TestNoCredentialsInURLs(t *testing.T) {
	for _, tc := range []struct{ name, key, value, want string }{
		{"mqtt", "AQWARN_MQTT_URL", "tcp://aqwarn:SECRET-IN-URL@127.0.0.1:1883", "mqtt.url tcp://aqwarn:xxxxx@127.0.0.1:1883 carries credentials"},
		{"influx", "AQWARN_INFLUX_URL", "http://admin:SECRET-INFLUX@127.0.0.1:8086", "influx.url http://admin:xxxxx@127.0.0.1:8086 carries credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := map[string]string{"AQWARN_MQTT_EMBEDDED": "false", "AQWARN_MQTT_URL": "tcp://127.0.0.1:1883", "AQWARN_STORE_READINGS": "influx",
				"AQWARN_INFLUX_URL": "http://127.0.0.1:8086", tc.key: tc.value}
			_, err := Parse(mustRead(t, "default.yaml"), env(e))
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "SECRET") {
				t.Errorf("err = %v, want one naming %q without the secret", err, tc.want)
			}
		})
	}
}

// Every problem in one error, the plan's included (audit L5): an empty
// http.addr, a token role the plan lacks, a bad demo date and a bad cron
// schedule all come at once.
func TestOneErrorListsEveryProblem(t *testing.T) {
	conf := `http: {addr: ""}
demo: {enabled: true, from: "25.11.2015"}
aqi: {schedule: "every hour"}
mqtt: {embedded: true}
stations: [{id: s1, name_zh: 站, name_en: S, region: jianghua, pollutants: [pm25]}]
auth: {tokens: [{user: wang, roles: [chief_of_everything], sha256: ` + strings.Repeat("cd", 32) + `}]}
`
	_, err := Parse([]byte(conf), nil)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"http.addr is empty", `role "chief_of_everything" is not in plan`, `demo.from "25.11.2015"`, `aqi.schedule "every hour"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not name %q:\n%v", want, err)
		}
	}
}

// A token's roles are checked against the plan with the rest of the
// configuration: a member unit's role must name a unit of the plan.
func TestTokenRolesCheckedAgainstThePlan(t *testing.T) {
	for _, tc := range []struct {
		name  string
		roles string
		ok    bool
	}{
		{"a plan role", "[commander]", true},
		{"a unit of the plan", `["unit:education"]`, true},
		{"a staff role and a unit", `[duty_officer, "unit:finance"]`, true},
		{"a unit the plan lacks", `["unit:nobody"]`, false},
		{"a unit role without an id", `["unit:"]`, false},
		{"a role the plan lacks", "[janitor]", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := "demo: {enabled: false}\nmqtt: {embedded: true}\n" +
				"stations: [{id: s1, name_zh: 站, name_en: S, region: jianghua, pollutants: [pm25]}]\n" +
				"auth: {tokens: [{user: u, roles: " + tc.roles + ", sha256: " + strings.Repeat("ef", 32) + "}]}\n"
			c, err := Parse([]byte(conf), nil)
			if (err == nil) != tc.ok {
				t.Errorf("roles %s: err = %v, want ok = %v", tc.roles, err, tc.ok)
			}
			if err == nil && c.ParsedPlan() == nil {
				t.Error("accepted without its plan")
			}
		})
	}
}
