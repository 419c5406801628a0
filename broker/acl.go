package broker

import (
	"fmt"
	"sort"
	"strings"
)

// Roles of MQTT accounts. Each role may read and write only its own
// topics (ACL); the same rules drive the embedded broker and the Mosquitto
// ACL that `aqwarn broker-acl` writes.
const (
	RoleIngest     = "ingest"     // the service's ingest client: reads readings, forecasts, listed sources' power and emissions; writes dead letters
	RolePublish    = "publish"    // the service's delivery client: writes warnings and unit tasks, reads acks
	RoleStation    = "station"    // one monitoring station: writes its own readings
	RoleForecaster = "forecaster" // the city's forecast centre: writes forecasts
	RoleUnit       = "unit"       // one member unit: writes its acks, reads its tasks
	RoleObserver   = "observer"   // reads the public warnings
	// RoleSource is one source of the emission-reduction list: what a unit
	// may (its acks, its tasks), and it writes its own meters' power
	// readings and its online monitors' HJ 212 frames.
	RoleSource = "source"
)

// Roles lists the roles an account may have.
var Roles = []string{RoleIngest, RolePublish, RoleStation, RoleForecaster, RoleUnit, RoleSource, RoleObserver}

// Account is one MQTT login. Subject names the station or unit of a
// station or unit account. PasswordSHA256 is the hex SHA-256 of the
// password (the embedded broker keeps no password).
type Account struct {
	Username       string `yaml:"username"`
	Role           string `yaml:"role"`
	Subject        string `yaml:"subject"`
	PasswordSHA256 string `yaml:"password_sha256"`
	// BindClientID: the account may connect only with its username as
	// client id (the service's own accounts, whose persistent sessions
	// must not be taken over).
	BindClientID bool `yaml:"bind_client_id"`
}

// Access of an ACL rule.
const (
	Read      = "read"
	Write     = "write"
	ReadWrite = "readwrite"
)

// Rule grants access to a topic filter.
type Rule struct {
	Access string
	Topic  string
}

// RulesFor returns what an account of role may do under prefix.
func RulesFor(prefix string, a Account) ([]Rule, error) {
	p := strings.TrimSuffix(prefix, "/") + "/"
	switch a.Role {
	case RoleIngest:
		return []Rule{{Read, p + "stations/+/readings"}, {Read, p + "stations/+/hj212"}, {Read, p + "forecasts/+"},
			{Read, p + "power/#"}, {Read, p + "emissions/+/hj212"}, {Write, p + "deadletter"}}, nil
	case RolePublish:
		// Reads its own retained warnings to notice (and heal) an overwrite.
		return []Rule{{ReadWrite, p + "warnings/+"}, {Write, p + "units/+/tasks"}, {Read, p + "units/+/ack"}}, nil
	case RoleStation:
		if a.Subject == "" || strings.ContainsAny(a.Subject, "+#/") {
			return nil, fmt.Errorf("station account %s: subject must be the station id", a.Username)
		}
		return []Rule{{Write, p + "stations/" + a.Subject + "/readings"}, {Write, p + "stations/" + a.Subject + "/hj212"}}, nil
	case RoleForecaster:
		return []Rule{{Write, p + "forecasts/+"}}, nil
	case RoleUnit:
		if a.Subject == "" || strings.ContainsAny(a.Subject, "+#/") {
			return nil, fmt.Errorf("unit account %s: subject must be the unit id", a.Username)
		}
		return []Rule{{Write, p + "units/" + a.Subject + "/ack"}, {Read, p + "units/" + a.Subject + "/tasks"}}, nil
	case RoleSource:
		if a.Subject == "" || strings.ContainsAny(a.Subject, "+#/") {
			return nil, fmt.Errorf("source account %s: subject must be the listed source's id", a.Username)
		}
		return []Rule{{Write, p + "units/" + a.Subject + "/ack"}, {Read, p + "units/" + a.Subject + "/tasks"},
			{Write, p + "power/" + a.Subject + "/#"}, {Write, p + "emissions/" + a.Subject + "/hj212"}}, nil
	case RoleObserver:
		return []Rule{{Read, p + "warnings/+"}}, nil
	}
	return nil, fmt.Errorf("account %s: role %q is not one of %s", a.Username, a.Role, strings.Join(Roles, ", "))
}

// Allowed reports whether rules let a client write to topic (write) or
// subscribe to the filter topic (read). A subscription is allowed only
// when a rule covers every topic the filter can match.
func Allowed(rules []Rule, topic string, write bool) bool {
	// A shared subscription $share/<group>/<filter> is checked on its filter.
	if rest, ok := strings.CutPrefix(topic, "$share/"); ok && !write {
		if _, f, ok := strings.Cut(rest, "/"); ok {
			topic = f
		}
	}
	for _, r := range rules {
		if write && r.Access == Read || !write && r.Access == Write {
			continue
		}
		if covers(r.Topic, topic) {
			return true
		}
	}
	return false
}

// covers reports whether the rule filter matches every topic filter f
// can match (for a plain topic: whether it matches the topic).
func covers(rule, f string) bool {
	rs, fs := strings.Split(rule, "/"), strings.Split(f, "/")
	for i, r := range rs {
		if r == "#" {
			return true
		}
		if i >= len(fs) {
			return false
		}
		switch {
		case r == "+":
			if fs[i] == "#" {
				return false
			}
		case r != fs[i]:
			return false
		}
	}
	return len(rs) == len(fs)
}

// MosquittoACL renders accounts as a Mosquitto acl_file: one block per
// user, in username order.
func MosquittoACL(prefix string, accounts []Account) (string, error) {
	as := append([]Account(nil), accounts...)
	sort.Slice(as, func(i, j int) bool { return as[i].Username < as[j].Username })
	var b strings.Builder
	b.WriteString("# Written by `aqwarn broker-acl`: one block per account; anything not listed is refused.\n")
	for _, a := range as {
		rules, err := RulesFor(prefix, a)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "\n# %s", a.Role)
		if a.Subject != "" {
			fmt.Fprintf(&b, " %s", a.Subject)
		}
		fmt.Fprintf(&b, "\nuser %s\n", a.Username)
		for _, r := range rules {
			fmt.Fprintf(&b, "topic %s %s\n", r.Access, r.Topic)
		}
	}
	return b.String(), nil
}
