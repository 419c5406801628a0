// Package mosquitto writes what an external Mosquitto needs so that MQTT is
// a trust boundary (`aqwarn broker-acl`): one account per station (its own
// topics only), one for the forecast centre, one per member unit (its acks
// and tasks), the service's two (bound to their client ids), the observers
// and others named in the configuration, an ACL refusing everything else
// (broker.MosquittoACL), and the broker settings the service needs.
//
// Write puts five files in a directory: passwd (PBKDF2-SHA512 as
// mosquitto_passwd writes it, 0600), acl, mosquitto.conf, credentials.txt
// (the passwords in clear for their owners, 0600) and aqwarn-mqtt.yaml (the
// service's side). Passwords are generated, or kept from an earlier
// credentials.txt (ReadCredentials).
package mosquitto

import (
	"bufio"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/broker"
	"github.com/aqwarn/aqwarn/configs"
)

// Credential is an account and its password.
type Credential struct {
	broker.Account
	Password string
}

// Options of Write.
type Options struct {
	// Forecaster is the username of the forecast centre's account
	// (default "forecaster").
	Forecaster string
	// MaxMessageBytes is the largest MQTT packet the broker accepts
	// (max_packet_size; `aqwarn broker-acl` passes
	// broker.DefaultMaxMessageBytes unless told otherwise). 0 is
	// Mosquitto's own default, no limit.
	MaxMessageBytes int
	// Passwords are kept, by username (ReadCredentials of an earlier
	// credentials.txt); the other accounts get new ones. The service's two
	// logins share one password, kept under the ingest username.
	Passwords map[string]string
}

// Result is what Write wrote.
type Result struct {
	Dir         string // absolute
	Credentials []Credential
	Kept        int // accounts whose username had a password in Options.Passwords
	Generated   int
}

// File names in the directory Write writes.
const (
	PasswdFile      = "passwd"
	ACLFile         = "acl"
	ConfFile        = "mosquitto.conf"
	CredentialsFile = "credentials.txt"
	ServiceFile     = "aqwarn-mqtt.yaml"
)

// Accounts are the accounts of the deployment, by username: the service's
// ingest (mqtt.client_id) and publish (client_id-publish) logins bound to
// their client ids, the forecast centre, one per station, one per member
// unit of the plan (unit-ID; not the upstream command), one per source of
// the reduction list (source-ID, role source: it reads its notices and
// acknowledges on the same topics as a unit, and writes its own power
// readings and emission frames), and the accounts of mqtt.accounts whose
// usernames are not taken (their hashes dropped).
func Accounts(cfg *configs.Config, plan *alert.Plan, forecaster string) []broker.Account {
	id := cfg.MQTT.ClientID
	as := []broker.Account{
		{Username: id, Role: broker.RoleIngest, BindClientID: true},
		{Username: id + "-publish", Role: broker.RolePublish, BindClientID: true},
		{Username: forecaster, Role: broker.RoleForecaster},
	}
	for _, s := range cfg.Stations {
		as = append(as, broker.Account{Username: s.ID, Role: broker.RoleStation, Subject: s.ID})
	}
	for _, u := range plan.Units {
		if u.Role == alert.UnitUpstream {
			continue // the city's command gets the document on its own channels
		}
		as = append(as, broker.Account{Username: "unit-" + u.ID, Role: broker.RoleUnit, Subject: u.ID})
	}
	if list := cfg.ParsedList(); list != nil {
		for _, e := range list.Enterprises {
			as = append(as, broker.Account{Username: "source-" + e.ID, Role: broker.RoleSource, Subject: e.ID})
		}
	}
	seen := map[string]bool{}
	for _, a := range as {
		seen[a.Username] = true
	}
	for _, a := range cfg.MQTT.Accounts { // observers and others named in the configuration
		if !seen[a.Username] {
			a.PasswordSHA256 = ""
			as = append(as, a)
		}
	}
	sort.SliceStable(as, func(i, j int) bool { return as[i].Username < as[j].Username })
	return as
}

// Credentials gives each account its kept password or a new one; the
// service's two logins share one (it has one, mqtt.password), kept under
// its ingest username.
func Credentials(cfg *configs.Config, accounts []broker.Account, kept map[string]string) ([]Credential, error) {
	creds := make([]Credential, 0, len(accounts))
	servicePW := kept[cfg.MQTT.ClientID]
	var err error
	if servicePW == "" {
		if servicePW, err = newPassword(); err != nil {
			return nil, err
		}
	}
	for _, a := range accounts {
		pw := kept[a.Username]
		if a.Role == broker.RoleIngest || a.Role == broker.RolePublish {
			pw = servicePW
		}
		if pw == "" {
			if pw, err = newPassword(); err != nil {
				return nil, err
			}
		}
		creds = append(creds, Credential{Account: a, Password: pw})
	}
	return creds, nil
}

// Write writes the five files of the deployment of cfg and plan into dir,
// created if need be (0750).
func Write(dir string, cfg *configs.Config, plan *alert.Plan, o Options) (*Result, error) {
	if o.Forecaster == "" {
		o.Forecaster = "forecaster"
	}
	accounts := Accounts(cfg, plan, o.Forecaster)
	creds, err := Credentials(cfg, accounts, o.Passwords)
	if err != nil {
		return nil, err
	}
	acl, err := broker.MosquittoACL(cfg.MQTT.TopicPrefix, accounts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	passwd, err := passwdFile(creds)
	if err != nil {
		return nil, err
	}
	files := []struct {
		name, text string
		mode       os.FileMode
	}{
		{PasswdFile, passwd, 0o600},
		{ACLFile, acl, 0o644},
		{ConfFile, confFile(dir, cfg.MQTT.ClientID, o.MaxMessageBytes), 0o644},
		{CredentialsFile, credentialsFile(creds), 0o600},
		{ServiceFile, serviceFile(cfg.MQTT.ClientID, creds), 0o644},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(f.text), f.mode); err != nil {
			return nil, err
		}
		if err := os.Chmod(filepath.Join(dir, f.name), f.mode); err != nil {
			return nil, err
		}
	}
	res := &Result{Dir: dir, Credentials: creds}
	for _, c := range creds {
		if o.Passwords[c.Username] != "" {
			res.Kept++
		}
	}
	res.Generated = len(creds) - res.Kept
	return res, nil
}

// passwdFile is Mosquitto's password_file: username:hash per line.
func passwdFile(creds []Credential) (string, error) {
	var b strings.Builder
	for _, c := range creds {
		h, err := Hash(c.Password)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%s:%s\n", c.Username, h)
	}
	return b.String(), nil
}

// credentialsFile is "username password role subject" per line, as
// ReadCredentials reads it back.
func credentialsFile(creds []Credential) string {
	var b strings.Builder
	b.WriteString("# username password role subject — hand each to its owner; keep this file secret (0600)\n")
	for _, c := range creds {
		fmt.Fprintf(&b, "%s %s %s %s\n", c.Username, c.Password, c.Role, c.Subject)
	}
	return b.String()
}

// serviceFile is the service's side: its logins and, for the embedded
// broker, the other accounts with the SHA-256 of their passwords.
func serviceFile(clientID string, creds []Credential) string {
	var b strings.Builder
	fmt.Fprintf(&b, `# For the service's configuration: its own logins (client ids bound to usernames)
# and, for the embedded broker, the same accounts (only their SHA-256 kept).
# The service's password goes in AQWARN_MQTT_PASSWORD (see credentials.txt).
mqtt:
  client_id: %s
  username: %s
  publish_username: %s-publish
  accounts:
`, clientID, clientID, clientID)
	for _, c := range creds {
		if c.Role == broker.RoleIngest || c.Role == broker.RolePublish {
			continue
		}
		fmt.Fprintf(&b, "    - {username: %s, role: %s, subject: %q, password_sha256: %s}\n", c.Username, c.Role, c.Subject, broker.HashPassword(c.Password))
	}
	return b.String()
}

// confFile is the broker settings the service needs.
func confFile(dir, clientID string, maxBytes int) string {
	return fmt.Sprintf(`# Written by aqwarn broker-acl. Include it in mosquitto.conf (include_dir) or copy it.
# Everyone logs in; each account may use only its own topics (acl).
allow_anonymous false
password_file %[1]s/passwd
acl_file %[1]s/acl
# The client id is the username: nobody can take over the service's
# persistent sessions (%[2]s, %[2]s-publish) with another account.
use_username_as_clientid true
# One message cannot exhaust the broker or the service.
max_packet_size %[3]d
# The service acknowledges readings in batches once they are durable and
# must get what was queued while it restarted: keep sessions and queues.
persistence true
# Mosquitto has no back-pressure towards publishers: a flood from one
# (compromised) account queues for the service. Past this queue it drops
# messages for the service, readings of other stations too, so keep it high
# (memory: ~1 KiB per queued reading) and watch the broker's memory.
max_inflight_messages 0
max_queued_messages 1000000
max_queued_bytes 1073741824
`, dir, clientID, maxBytes)
}

// HashIterations is the PBKDF2 iteration count of Hash (mosquitto_passwd's).
const HashIterations = 101

// Hash is a password_file entry as mosquitto_passwd writes it:
// $7$<iterations>$<base64 salt>$<base64 PBKDF2-SHA512>, with a random
// 12-byte salt.
func Hash(password string) (string, error) {
	salt := make([]byte, 12)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := pbkdf2.Key(sha512.New, password, salt, HashIterations, sha512.Size)
	if err != nil {
		return "", err
	}
	enc := base64.StdEncoding
	return fmt.Sprintf("$7$%d$%s$%s", HashIterations, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

func newPassword() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ReadCredentials reads a credentials.txt: "username password …" per
// line; blank lines and # comments are skipped.
func ReadCredentials(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 2 {
			return nil, fmt.Errorf("%s:%d: want \"username password\"", path, n)
		}
		out[fields[0]] = fields[1]
	}
	return out, sc.Err()
}
