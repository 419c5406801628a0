package mosquitto

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/broker"
	"github.com/aqwarn/aqwarn/configs"
)

const testConfig = `
http: {addr: "127.0.0.1:0"}
mqtt:
  embedded: false
  url: tcp://127.0.0.1:1
  client_id: svc
  topic_prefix: aq
  accounts:
    - {username: watcher, role: observer, password_sha256: %[2]s}
    - {username: sa, role: station, subject: sa, password_sha256: %[2]s}
store: {dir: %[1]q, readings: embedded}
demo: {enabled: false}
plan: embedded:plans/jianghua-2024.yaml
stations:
  - {id: sa, name_zh: 甲站, name_en: Station A, region: jianghua, pollutants: [pm25]}
  - {id: sb, name_zh: 乙站, name_en: Station B, region: jianghua, pollutants: [pm25]}
`

// deployment is two stations, an observer and a station account of the
// configuration (sa: taken by the station's own), and the county plan.
func deployment(t *testing.T) (*configs.Config, *alert.Plan) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "aqwarn.yaml")
	os.WriteFile(path, fmt.Appendf(nil, testConfig, filepath.Join(dir, "store"), broker.HashPassword("old")), 0o644)
	cfg, err := configs.Load(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	b, err := cfg.OpenPlan()
	if err != nil {
		t.Fatal(err)
	}
	plan, err := alert.ParsePlan(b)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, plan
}

// memberUnits are the plan's units that get an account (not upstream).
func memberUnits(plan *alert.Plan) []string {
	var out []string
	for _, u := range plan.Units {
		if u.Role != alert.UnitUpstream {
			out = append(out, u.ID)
		}
	}
	return out
}

func TestBrokerACLAccounts(t *testing.T) {
	cfg, plan := deployment(t)
	as := Accounts(cfg, plan, "fc")
	units := memberUnits(plan)
	if len(as) != 3+2+len(units)+1 {
		t.Fatalf("%d accounts: %+v", len(as), as)
	}
	if !slices.IsSortedFunc(as, func(a, b broker.Account) int { return strings.Compare(a.Username, b.Username) }) {
		t.Error("accounts not sorted by username")
	}
	by := map[string]broker.Account{}
	for _, a := range as {
		if _, dup := by[a.Username]; dup {
			t.Errorf("username %s twice", a.Username)
		}
		by[a.Username] = a
	}
	for _, want := range []broker.Account{
		{Username: "svc", Role: broker.RoleIngest, BindClientID: true},
		{Username: "svc-publish", Role: broker.RolePublish, BindClientID: true},
		{Username: "fc", Role: broker.RoleForecaster},
		{Username: "sa", Role: broker.RoleStation, Subject: "sa"},
		{Username: "sb", Role: broker.RoleStation, Subject: "sb"},
		{Username: "unit-education", Role: broker.RoleUnit, Subject: "education"},
		{Username: "unit-ecology_branch", Role: broker.RoleUnit, Subject: "ecology_branch"}, // the office is a unit too
		{Username: "watcher", Role: broker.RoleObserver},                                    // from mqtt.accounts, its hash dropped
	} {
		if got := by[want.Username]; got != want {
			t.Errorf("account %s = %+v, want %+v", want.Username, got, want)
		}
	}
	if _, ok := by["unit-city_command"]; ok {
		t.Error("the upstream command got an MQTT account")
	}
}

func writeDeployment(t *testing.T, o Options) (string, *Result) {
	t.Helper()
	cfg, plan := deployment(t)
	dir := filepath.Join(t.TempDir(), "broker")
	res, err := Write(dir, cfg, plan, o)
	if err != nil {
		t.Fatal(err)
	}
	return dir, res
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The five files, their modes (secrets 0600, even over an older file of
// another mode), the ACL's blocks, the broker settings and the service's
// side.
func TestBrokerACLFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rel")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, PasswdFile), []byte("old"), 0o666)
	cfg, plan := deployment(t)
	t.Chdir(filepath.Dir(dir))
	res, err := Write("rel", cfg, plan, Options{MaxMessageBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	if res.Dir != dir || res.Kept != 0 || res.Generated != len(res.Credentials) || len(res.Credentials) != len(Accounts(cfg, plan, "forecaster")) {
		t.Errorf("result %s, %d kept, %d generated, %d credentials", res.Dir, res.Kept, res.Generated, len(res.Credentials))
	}
	for name, mode := range map[string]os.FileMode{PasswdFile: 0o600, CredentialsFile: 0o600, ACLFile: 0o644, ConfFile: 0o644, ServiceFile: 0o644} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v, mode %v; want %v", name, err, fi.Mode().Perm(), mode)
		}
	}

	acl := read(t, dir, ACLFile)
	for _, block := range []string{
		"\n# ingest\nuser svc\ntopic read aq/stations/+/readings\ntopic read aq/stations/+/hj212\ntopic read aq/forecasts/+\n" +
			"topic read aq/power/#\ntopic read aq/emissions/+/hj212\ntopic write aq/deadletter\n",
		"\n# publish\nuser svc-publish\ntopic readwrite aq/warnings/+\ntopic write aq/units/+/tasks\ntopic read aq/units/+/ack\n",
		"\n# forecaster\nuser forecaster\ntopic write aq/forecasts/+\n",
		"\n# station sa\nuser sa\ntopic write aq/stations/sa/readings\ntopic write aq/stations/sa/hj212\n",
		"\n# unit education\nuser unit-education\ntopic write aq/units/education/ack\ntopic read aq/units/education/tasks\n",
		"\n# observer\nuser watcher\ntopic read aq/warnings/+\n",
	} {
		if !strings.Contains(acl, block) {
			t.Errorf("acl lacks the block%s", block)
		}
	}
	if n := strings.Count(acl, "\nuser "); n != len(res.Credentials) {
		t.Errorf("acl has %d user blocks for %d accounts", n, len(res.Credentials))
	}

	conf := read(t, dir, ConfFile)
	for _, line := range []string{"allow_anonymous false", "password_file " + dir + "/passwd", "acl_file " + dir + "/acl",
		"use_username_as_clientid true", "max_packet_size 4096", "persistence true", "(svc, svc-publish)"} {
		if !strings.Contains(conf, line) {
			t.Errorf("mosquitto.conf lacks %q:\n%s", line, conf)
		}
	}

	// credentials.txt: a comment, then username password role subject.
	pw := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(read(t, dir, CredentialsFile), "\n"), "\n")
	if !strings.HasPrefix(lines[0], "# ") || len(lines) != 1+len(res.Credentials) {
		t.Fatalf("credentials.txt: %d lines", len(lines))
	}
	for i, c := range res.Credentials {
		if want := fmt.Sprintf("%s %s %s %s", c.Username, c.Password, c.Role, c.Subject); lines[1+i] != want {
			t.Errorf("credentials line %d = %q, want %q", 1+i, lines[1+i], want)
		}
		if len(c.Password) != 24 {
			t.Errorf("%s: password %q, want 24 characters (18 random bytes)", c.Username, c.Password)
		}
		pw[c.Username] = c.Password
	}
	if pw["svc"] != pw["svc-publish"] {
		t.Error("the service's two logins got different passwords; it has one (mqtt.password)")
	}
	if pw["sa"] == pw["sb"] || pw["sa"] == pw["svc"] {
		t.Error("accounts share generated passwords")
	}

	// aqwarn-mqtt.yaml: the service's logins and the others' hashes.
	var svc struct {
		MQTT struct {
			ClientID        string           `yaml:"client_id"`
			Username        string           `yaml:"username"`
			PublishUsername string           `yaml:"publish_username"`
			Accounts        []broker.Account `yaml:"accounts"`
		} `yaml:"mqtt"`
	}
	if err := yaml.Unmarshal([]byte(read(t, dir, ServiceFile)), &svc); err != nil {
		t.Fatal(err)
	}
	m := svc.MQTT
	if m.ClientID != "svc" || m.Username != "svc" || m.PublishUsername != "svc-publish" || len(m.Accounts) != len(res.Credentials)-2 {
		t.Errorf("aqwarn-mqtt.yaml: %+v", m)
	}
	for _, a := range m.Accounts {
		if a.Role == broker.RoleIngest || a.Role == broker.RolePublish || a.PasswordSHA256 != broker.HashPassword(pw[a.Username]) {
			t.Errorf("aqwarn-mqtt.yaml account %+v", a)
		}
	}
}

// Every passwd line is username:$7$101$salt$key with key the PBKDF2-SHA512
// of the account's password under the line's salt (what Mosquitto checks);
// salts are random per line.
func TestBrokerACLPasswdVerifies(t *testing.T) {
	dir, res := writeDeployment(t, Options{})
	lines := strings.Split(strings.TrimSuffix(read(t, dir, PasswdFile), "\n"), "\n")
	if len(lines) != len(res.Credentials) {
		t.Fatalf("%d passwd lines for %d accounts", len(lines), len(res.Credentials))
	}
	salts := map[string]bool{}
	for i, line := range lines {
		c := res.Credentials[i]
		user, hash, _ := strings.Cut(line, ":")
		if user != c.Username {
			t.Errorf("line %d: user %q, want %q", i+1, user, c.Username)
		}
		if !checkHash(t, hash, c.Password) {
			t.Errorf("line %d (%s): the hash does not verify", i+1, user)
		}
		if checkHash(t, hash, c.Password+"x") {
			t.Errorf("line %d (%s): a wrong password verifies", i+1, user)
		}
		salt := strings.Split(hash, "$")[3]
		if salts[salt] {
			t.Errorf("salt %s twice", salt)
		}
		salts[salt] = true
	}
}

// checkHash recomputes a $7$ entry's PBKDF2-SHA512 with its salt.
func checkHash(t *testing.T, hash, password string) bool {
	t.Helper()
	f := strings.Split(hash, "$")
	if len(f) != 5 || f[0] != "" || f[1] != "7" || f[2] != "101" {
		t.Fatalf("hash %q: want $7$101$salt$key", hash)
	}
	salt, err1 := base64.StdEncoding.DecodeString(f[3])
	key, err2 := base64.StdEncoding.DecodeString(f[4])
	if err1 != nil || err2 != nil || len(salt) != 12 || len(key) != sha512.Size {
		t.Fatalf("hash %q: salt %d bytes (%v), key %d bytes (%v)", hash, len(salt), err1, len(key), err2)
	}
	want, err := pbkdf2.Key(sha512.New, password, salt, 101, sha512.Size)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(key, want)
}

func TestBrokerACLHash(t *testing.T) {
	a, err := Hash("secret")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Hash("secret")
	if a == b {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if !checkHash(t, a, "secret") || !checkHash(t, b, "secret") {
		t.Error("Hash does not verify")
	}
}

// A second run with --passwords keeps every password (the files' hashes
// are new: new salts); a partial file keeps what it names. The service's
// publish login always has the service's password.
func TestBrokerACLKeepsPasswords(t *testing.T) {
	dir, first := writeDeployment(t, Options{})
	kept, err := ReadCredentials(filepath.Join(dir, CredentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != len(first.Credentials) {
		t.Fatalf("read %d credentials of %d", len(kept), len(first.Credentials))
	}
	_, again := writeDeployment(t, Options{Passwords: kept})
	if again.Kept != len(first.Credentials) || again.Generated != 0 {
		t.Errorf("%d kept, %d generated", again.Kept, again.Generated)
	}
	for i, c := range again.Credentials {
		if c.Password != first.Credentials[i].Password {
			t.Errorf("%s: password changed", c.Username)
		}
	}

	_, part := writeDeployment(t, Options{Passwords: map[string]string{"svc": "service-pw", "svc-publish": "other", "sa": "sa-pw", "gone": "x"}})
	if part.Kept != 3 || part.Generated != len(part.Credentials)-3 {
		t.Errorf("partial: %d kept, %d generated", part.Kept, part.Generated)
	}
	for _, c := range part.Credentials {
		switch c.Username {
		case "svc", "svc-publish":
			if c.Password != "service-pw" {
				t.Errorf("%s: password %q, want the service's", c.Username, c.Password)
			}
		case "sa":
			if c.Password != "sa-pw" {
				t.Errorf("sa: password %q not kept", c.Password)
			}
		default:
			if len(c.Password) != 24 {
				t.Errorf("%s: password %q, want a generated one", c.Username, c.Password)
			}
		}
	}
}

func TestBrokerACLReadCredentials(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.txt")
	os.WriteFile(path, []byte("# comment\n\n  sa pw1 station sa\nsvc pw2\n"), 0o600)
	got, err := ReadCredentials(path)
	if err != nil || len(got) != 2 || got["sa"] != "pw1" || got["svc"] != "pw2" {
		t.Errorf("%v %v", got, err)
	}
	os.WriteFile(path, []byte("sa pw1\nlonely\n"), 0o600)
	if _, err := ReadCredentials(path); err == nil || !strings.Contains(err.Error(), path+":2:") {
		t.Errorf("bad line: %v", err)
	}
	if _, err := ReadCredentials(filepath.Join(dir, "none")); err == nil {
		t.Error("a missing file read")
	}
}

// An account the ACL cannot express is refused before anything is written.
func TestBrokerACLRefusesBadAccount(t *testing.T) {
	cfg, plan := deployment(t)
	cfg.MQTT.Accounts = append(cfg.MQTT.Accounts, broker.Account{Username: "odd", Role: "admin"})
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := Write(dir, cfg, plan, Options{}); err == nil || !strings.Contains(err.Error(), "admin") {
		t.Errorf("err %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the directory was made: %v", err)
	}
}

// With a reduction list, each listed source gets an account that reads its
// notices and acknowledges on the unit topics of its id.
func TestBrokerACLAccountsForListedSources(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "aqwarn.yaml")
	os.WriteFile(path, append(fmt.Appendf(nil, testConfig, filepath.Join(dir, "store"), broker.HashPassword("old")),
		"reduction_list: embedded:reduction/jianghua-2026.yaml\n"...), 0o644)
	cfg, err := configs.Load(path, func(k string) string {
		return map[string]string{"AQWARN_NOTICE_KEY": "test-notice-key-0123456789"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	_, plan := deployment(t)
	as := Accounts(cfg, plan, "fc")
	sources := 0
	for _, a := range as {
		if strings.HasPrefix(a.Username, "source-") {
			sources++
			if a.Role != broker.RoleSource || a.Username != "source-"+a.Subject {
				t.Errorf("source account %+v", a)
			}
		}
	}
	if n := len(cfg.ParsedList().Enterprises); sources != n || n == 0 {
		t.Errorf("%d source accounts for %d listed sources", sources, n)
	}
	rules, err := broker.RulesFor("aq", broker.Account{Username: "source-cem-b", Role: broker.RoleSource, Subject: "cem-b"})
	if err != nil || !strings.Contains(fmt.Sprint(rules), "aq/units/cem-b/ack") {
		t.Errorf("cem-b's rules: %v %v", rules, err)
	}
	// A source writes its own meters' power and its monitors' frames, no other firm's.
	for _, c := range []struct {
		topic string
		want  bool
	}{
		{"aq/power/cem-b/cem-b-m1", true},
		{"aq/emissions/cem-b/hj212", true},
		{"aq/power/cem-a/cem-a-m1", false},
		{"aq/emissions/cem-a/hj212", false},
		{"aq/stations/tuojiang-1/readings", false},
	} {
		if got := broker.Allowed(rules, c.topic, true); got != c.want {
			t.Errorf("source-cem-b writes %s: %v, want %v", c.topic, got, c.want)
		}
	}
}
