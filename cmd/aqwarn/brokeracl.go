package main

import (
	"bufio"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/broker"
	"github.com/aqwarn/aqwarn/configs"
)

// runBrokerACL writes what an external Mosquitto needs so that MQTT is a
// trust boundary: one account per station (its own topics only), one for
// the forecast centre, one per member unit (its acks and tasks), the
// service's two (bound to their client ids), an ACL refusing everything
// else, and the broker settings the service needs.
func runBrokerACL(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("broker-acl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", getenv("AQWARN_CONFIG"), "configuration file (stations, plan, mqtt.client_id, mqtt.topic_prefix)")
	out := fs.String("out", "", "directory to write passwd, acl, mosquitto.conf, credentials.txt and aqwarn-mqtt.yaml (required)")
	passwords := fs.String("passwords", "", "keep these passwords: a credentials.txt of an earlier run (username password per line); others are generated")
	forecaster := fs.String("forecaster", "forecaster", "username of the forecast centre's account")
	maxBytes := fs.Int("max-message-bytes", broker.DefaultMaxMessageBytes, "largest MQTT packet the broker accepts")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: aqwarn broker-acl --out DIR [flags]\n\n"+
			"Writes a Mosquitto password file (PBKDF2-SHA512, as mosquitto_passwd) and ACL from the station\n"+
			"registry and the plan's member units, with the broker settings the service needs.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *out == "" {
		fs.Usage()
		return errors.New("broker-acl: --out is required")
	}
	cfg, err := configs.Load(*configPath, getenv)
	if err != nil {
		return err
	}
	b, err := cfg.OpenPlan()
	if err != nil {
		return fmt.Errorf("plan %s: %w", cfg.Plan, err)
	}
	plan, err := alert.ParsePlan(b)
	if err != nil {
		return fmt.Errorf("plan %s: %w", cfg.Plan, err)
	}
	kept := map[string]string{}
	if *passwords != "" {
		if kept, err = readCredentials(*passwords); err != nil {
			return err
		}
	}
	accounts := brokerAccounts(cfg, plan, *forecaster)
	creds := make([]credential, 0, len(accounts))
	// The service has one password (mqtt.password) for its two logins.
	servicePW := kept[cfg.MQTT.ClientID]
	if servicePW == "" {
		if servicePW, err = newPassword(); err != nil {
			return err
		}
	}
	for _, a := range accounts {
		pw := kept[a.Username]
		if a.Role == broker.RoleIngest || a.Role == broker.RolePublish {
			pw = servicePW
		}
		if pw == "" {
			if pw, err = newPassword(); err != nil {
				return err
			}
		}
		creds = append(creds, credential{Account: a, Password: pw})
	}
	acl, err := broker.MosquittoACL(cfg.MQTT.TopicPrefix, accounts)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o750); err != nil {
		return err
	}
	dir, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	var passwd, plain, yml strings.Builder
	plain.WriteString("# username password role subject — hand each to its owner; keep this file secret (0600)\n")
	for _, c := range creds {
		h, err := mosquittoHash(c.Password)
		if err != nil {
			return err
		}
		fmt.Fprintf(&passwd, "%s:%s\n", c.Username, h)
		fmt.Fprintf(&plain, "%s %s %s %s\n", c.Username, c.Password, c.Role, c.Subject)
	}
	fmt.Fprintf(&yml, `# For the service's configuration: its own logins (client ids bound to usernames)
# and, for the embedded broker, the same accounts (only their SHA-256 kept).
# The service's password goes in AQWARN_MQTT_PASSWORD (see credentials.txt).
mqtt:
  client_id: %s
  username: %s
  publish_username: %s-publish
  accounts:
`, cfg.MQTT.ClientID, cfg.MQTT.ClientID, cfg.MQTT.ClientID)
	for _, c := range creds {
		if c.Role == broker.RoleIngest || c.Role == broker.RolePublish {
			continue
		}
		fmt.Fprintf(&yml, "    - {username: %s, role: %s, subject: %q, password_sha256: %s}\n", c.Username, c.Role, c.Subject, broker.HashPassword(c.Password))
	}
	conf := fmt.Sprintf(`# Written by aqwarn broker-acl. Include it in mosquitto.conf (include_dir) or copy it.
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
`, dir, cfg.MQTT.ClientID, *maxBytes)
	files := []struct {
		name, text string
		mode       os.FileMode
	}{
		{"passwd", passwd.String(), 0o600},
		{"acl", acl, 0o644},
		{"mosquitto.conf", conf, 0o644},
		{"credentials.txt", plain.String(), 0o600},
		{"aqwarn-mqtt.yaml", yml.String(), 0o644},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(f.text), f.mode); err != nil {
			return err
		}
		if err := os.Chmod(filepath.Join(dir, f.name), f.mode); err != nil {
			return err
		}
	}
	generated := len(creds) - countKept(creds, kept)
	fmt.Fprintf(stdout, "broker-acl: %d accounts (%d passwords kept, %d generated) written to %s\n", len(creds), len(creds)-generated, generated, dir)
	fmt.Fprintf(stdout, "  mosquitto: include %s/mosquitto.conf; service: merge aqwarn-mqtt.yaml, AQWARN_MQTT_PASSWORD from credentials.txt\n", dir)
	return nil
}

type credential struct {
	broker.Account
	Password string
}

// brokerAccounts are the accounts of the deployment, by role.
func brokerAccounts(cfg *configs.Config, plan *alert.Plan, forecaster string) []broker.Account {
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

// mosquittoHash is a password_file entry as mosquitto_passwd writes it:
// $7$<iterations>$<base64 salt>$<base64 PBKDF2-SHA512>.
func mosquittoHash(pw string) (string, error) {
	const iterations = 101
	salt := make([]byte, 12)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := pbkdf2.Key(sha512.New, pw, salt, iterations, sha512.Size)
	if err != nil {
		return "", err
	}
	enc := base64.StdEncoding
	return fmt.Sprintf("$7$%d$%s$%s", iterations, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

func newPassword() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// readCredentials reads a credentials.txt: "username password …" per line.
func readCredentials(path string) (map[string]string, error) {
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

func countKept(creds []credential, kept map[string]string) int {
	n := 0
	for _, c := range creds {
		if kept[c.Username] != "" {
			n++
		}
	}
	return n
}
