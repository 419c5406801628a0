// Package configs loads the service configuration: a YAML file (the embedded
// default.yaml unless one is named) plus AQWARN_* environment overrides,
// validated at load with one error that lists every problem.
//
// The folder also holds the emergency plans (plans/*.yaml) and a production
// example (production.yaml). Defaults and plans are embedded in the binary so
// `aqwarn serve` runs from anywhere with no files beside it.
package configs

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/robfig/cron/v3"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/broker"
	"github.com/aqwarn/aqwarn/reduction"
	"github.com/aqwarn/aqwarn/stats"
)

//go:embed default.yaml production.yaml
var files embed.FS

// Plans holds the plan files shipped with the binary (plans/*.yaml).
//
//go:embed plans
var Plans embed.FS

// Lists holds the bundled emission-reduction lists (the demo county's).
//
//go:embed reduction
var Lists embed.FS

// Config is the whole service configuration.
type Config struct {
	HTTP   HTTP   `yaml:"http"`
	MQTT   MQTT   `yaml:"mqtt"`
	Store  Store  `yaml:"store"`
	Influx Influx `yaml:"influx"`
	AQI    AQI    `yaml:"aqi"`
	Ingest Ingest `yaml:"ingest"`
	HJ212  HJ212  `yaml:"hj212"`
	Demo   Demo   `yaml:"demo"`
	Plan   string `yaml:"plan"` // path, or "embedded:plans/NAME.yaml"
	// ReductionList is the emission-reduction list (重污染天气应急减排清单,
	// package reduction): a path, or "embedded:reduction/NAME.yaml";
	// empty: no list, and only the plan's member units are told.
	ReductionList string `yaml:"reduction_list"`
	// Targets are the county's yearly air-quality targets (package stats,
	// configs/targets/): a path, or "embedded:targets/NAME.yaml"; empty:
	// none, and GET /api/v1/targets says so.
	Targets  string           `yaml:"targets"`
	Auth     Auth             `yaml:"auth"`
	Publish  Publish          `yaml:"publish"`
	Stations []aqwarn.Station `yaml:"stations"`
	// Inspection is the inspection loop of compliance (inspection.go).
	Inspection Inspection `yaml:"inspection"`

	// Regions are the plan's: the county and its towns are defined once,
	// in the plan file (its regions:), and stations refer to them.
	Regions []aqwarn.Region `yaml:"-"`
	// OldRegions catches a regions: section left from before, to say where
	// the regions live now instead of "field not found".
	OldRegions []yaml.Node `yaml:"regions"`

	plan *alert.Plan     // parsed and checked with the rest (ParsedPlan)
	list *reduction.List // likewise (ParsedList)
	// targets likewise (ParsedTargets, targets.go)
	targets *stats.Targets
}

// ParsedList is the emission-reduction list the configuration names,
// parsed and validated against the plan at load; nil when none is named.
func (c *Config) ParsedList() *reduction.List { return c.list }

// ParsedPlan is the plan the configuration names, parsed and validated at
// load with everything else.
func (c *Config) ParsedPlan() *alert.Plan { return c.plan }

// Auth holds the staff bearer tokens. Only the SHA-256 of each token is
// configured (hex, e.g. `printf %s TOKEN | sha256sum`); its roles are role
// ids of the plan, checked when the service starts.
type Auth struct {
	Tokens []AuthToken `yaml:"tokens"`
	// TokensFile, when set (or AQWARN_AUTH_TOKENS_FILE), replaces Tokens
	// with the list in that YAML file (the same {user, roles, sha256}
	// entries), so tokens need not live in the configuration.
	TokensFile string `yaml:"tokens_file"`
}

type AuthToken struct {
	User   string   `yaml:"user"`
	SHA256 string   `yaml:"sha256"`
	Roles  []string `yaml:"roles"`
}

type HTTP struct {
	Addr string `yaml:"addr"`
	// CORSOrigins may read the public API from their own pages ("*": any).
	CORSOrigins []string `yaml:"cors_origins"`
	// RateLimit is requests per second per client (0: unlimited), with
	// bursts of RateBurst; 429 with Retry-After beyond.
	RateLimit float64 `yaml:"rate_limit"`
	RateBurst int     `yaml:"rate_burst"`
	// MaxBodyBytes limits request bodies (413 beyond).
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// TrustedProxies may name the client in X-Forwarded-For (IPs or CIDRs).
	TrustedProxies []string `yaml:"trusted_proxies"`
	// TLSCert and TLSKey (PEM files) serve HTTPS, with HSTS. Without them,
	// keep http.addr on loopback behind a TLS-terminating proxy named in
	// trusted_proxies (tokens must not cross a network in clear).
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
}

type MQTT struct {
	// Embedded starts an in-process broker on EmbeddedAddr and connects to it.
	Embedded     bool   `yaml:"embedded"`
	EmbeddedAddr string `yaml:"embedded_addr"`
	URL          string `yaml:"url"` // tcp://host:port; ignored when Embedded
	ClientID     string `yaml:"client_id"`
	Username     string `yaml:"username"`
	Password     string `yaml:"password"`
	TopicPrefix  string `yaml:"topic_prefix"`
	// SharedGroup, when set, subscribes with $share/<group>/… so several
	// instances split the stations' messages between them.
	SharedGroup string `yaml:"shared_group"`
	// PublishUsername is the delivery client's login (client id
	// <client_id>-publish); empty: Username. With a broker that binds
	// client ids to usernames (Mosquitto use_username_as_clientid, as
	// `aqwarn broker-acl` sets up), username is the client id and
	// publish_username the client id + "-publish".
	PublishUsername string `yaml:"publish_username"`
	// Accounts who may connect to the embedded broker besides the
	// service itself: stations, the forecast centre, member units,
	// observers, each limited to its own topics (broker.RulesFor). Outside
	// the demo anonymous clients are refused. `aqwarn broker-acl` writes
	// the same accounts for Mosquitto.
	Accounts []broker.Account `yaml:"accounts"`
	// MaxMessageBytes caps one MQTT message, in the embedded broker and in
	// the service (bigger ones are refused and counted); default 1 MiB.
	MaxMessageBytes int `yaml:"max_message_bytes"`
	// For a tls:// (ssl://) broker URL: the CA that signed the broker's
	// certificate (PEM; empty: the system's), and a client certificate
	// and key when the broker asks for one.
	CAFile   string `yaml:"ca_file"`
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

type Store struct {
	Dir string `yaml:"dir"` // the embedded SQLite store lives here
	// Readings picks where readings and AQI series go: "embedded" (SQLite in
	// Dir) or "influx". Workflow state is always in the embedded store.
	Readings string `yaml:"readings"`
}

type Influx struct {
	URL   string `yaml:"url"`
	Token string `yaml:"token"` // InfluxDB 1.8: "user:password" (or empty without auth)
	Org   string `yaml:"org"`   // ignored by 1.8
	// Bucket is the v2 bucket; on 1.8 "database/retention-policy", e.g. "aqwarn/autogen".
	Bucket string `yaml:"bucket"`
}

type AQI struct {
	// Edition: "auto" (by the data's timestamp), "2012" or "2026".
	Edition string `yaml:"edition"`
	// Schedule is the cron spec of the hourly AQI job (minute 5 by default).
	Schedule string `yaml:"schedule"`
	// StaleAfter marks current values as stale when the newest hour is older.
	StaleAfter time.Duration `yaml:"stale_after"`
	// OnData also runs the job soon after new readings become durable, at
	// most once per this interval (0: only on schedule), so the current AQI
	// does not wait for minute 5 when the hour's data is in.
	OnData time.Duration `yaml:"on_data"`
}

type Ingest struct {
	QueueSize int           `yaml:"queue_size"`
	BatchSize int           `yaml:"batch_size"`
	BatchWait time.Duration `yaml:"batch_wait"`
	// Writers is how many batches are written to the store at once: InfluxDB
	// syncs its WAL per request, so overlapping writes raise throughput.
	Writers   int           `yaml:"writers"`
	MaxFuture time.Duration `yaml:"max_future"`
	Retention time.Duration `yaml:"retention"` // readings older than this are rejected
	// A station that sent nothing for OfflineAfter, or nothing valid for
	// InvalidAfter, is reported offline (0: that check is off).
	OfflineAfter time.Duration `yaml:"offline_after"`
	InvalidAfter time.Duration `yaml:"invalid_after"`
}

// HJ212 is the TCP listener data loggers connect to (HJ 212 over MQTT needs
// no setting: it arrives on <topic_prefix>/stations/{station}/hj212).
type HJ212 struct {
	// Addr is host:port to listen on, e.g. 0.0.0.0:9212; empty: no listener.
	Addr string `yaml:"addr"`
	// MinuteInterval is the averaging interval of CN=2051 minute data, which
	// frames do not state: 1m or 5m, as the loggers are set.
	MinuteInterval time.Duration `yaml:"minute_interval"`

	// The listener is open to whoever reaches the port; these bound what
	// one peer can hold. Over a cap a new connection is closed at once.
	//
	// MaxConns caps the connections open at once (0, the default: the
	// larger of 64 and 4 × the configured stations).
	MaxConns int `yaml:"max_conns"`
	// MaxConnsPerIP caps those from one peer address, an IPv4 address or
	// an IPv6 /64 (default 8). Raise it when many loggers reach us through
	// one NAT address, e.g. a mobile carrier's.
	MaxConnsPerIP int `yaml:"max_conns_per_ip"`
	// FirstFrameTimeout closes a connection that has not sent a frame with
	// a known MN and its right PW this long after connecting (default 2m).
	// Loggers send at once when they connect; one that waits for its next
	// hourly value is closed and connects again when it has it.
	FirstFrameTimeout time.Duration `yaml:"first_frame_timeout"`
	// FrameTimeout closes a connection whose frame, once begun, has not
	// arrived whole within it (default 30s; 10 kB take under 10 s at 9600
	// baud), so a peer trickling bytes holds nothing for long.
	FrameTimeout time.Duration `yaml:"frame_timeout"`
	// IdleTimeout closes an authenticated connection that sent nothing for
	// this long (default 75m: loggers sending only hourly data keep their
	// connection between frames). Before its first authenticated frame a
	// connection has FirstFrameTimeout.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// Password guessing: AuthMaxFailures frames with an unknown MN or a
	// wrong PW within AuthWindow from one peer address, or with a wrong PW
	// for one MN, lock that peer or MN out for AuthBlock: its frames are
	// refused unchecked, its connections closed, and only a few are kept
	// as dead letters (all are counted in aqwarn_hj212_auth_failures_total).
	// Defaults 5, 10m, 15m. A peer that authenticated as an MN in the last
	// day is not held back by that MN's lockout.
	AuthMaxFailures int           `yaml:"auth_max_failures"`
	AuthWindow      time.Duration `yaml:"auth_window"`
	AuthBlock       time.Duration `yaml:"auth_block"`
	// Monitors are the HJ 212 passwords of the listed sources' online
	// emission monitors (the reduction list's monitoring.hj212_mn), over
	// TCP and MQTT alike: a monitor with none is refused (bad_password).
	Monitors []HJ212Monitor `yaml:"monitors"`
}

// HJ212Monitor is one online emission monitor's HJ 212 password.
type HJ212Monitor struct {
	MN       string `yaml:"mn"`
	Password string `yaml:"password"`
}

// hj212Defaults are the HJ212 settings of the built-in configuration.
var hj212Defaults = HJ212{MinuteInterval: time.Minute, MaxConnsPerIP: 8, FirstFrameTimeout: 2 * time.Minute,
	FrameTimeout: 30 * time.Second, IdleTimeout: 75 * time.Minute, AuthMaxFailures: 5, AuthWindow: 10 * time.Minute,
	AuthBlock: 15 * time.Minute}

// Publish is the delivery side of warnings (alert/notify and friends,
// wired in app/publish.go). Channel secrets are not here: a
// unit's channel in the plan names the environment variable holding it.
type Publish struct {
	// CAP sender and GB/T 35965 identifier parts.
	SenderID     string `yaml:"sender_id"`
	SenderNameZH string `yaml:"sender_name_zh"`
	SenderNameEN string `yaml:"sender_name_en"`
	DivisionCode string `yaml:"division_code"` // GB/T 2260, six digits
	AgencyCode   string `yaml:"agency_code"`   // three digits
	// BaseURL is the service's public address, for acknowledgement links
	// and the Atom feed (default: http://<http.addr>).
	BaseURL string `yaml:"base_url"`
	SMTP    SMTP   `yaml:"smtp"`
	// Channels limits the channel kinds used (empty: all the plan names;
	// the demo uses only mqtt because the plan's targets are placeholders).
	Channels []string `yaml:"channels"`
	// Acknowledgement (叫应): remind after AckResendAfter, at most
	// AckMaxResends times, then escalate to the command office.
	AckResendAfter   time.Duration `yaml:"ack_resend_after"`
	AckMaxResends    int           `yaml:"ack_max_resends"`
	AckEscalateAfter time.Duration `yaml:"ack_escalate_after"`
	// Holidays and make-up working days (YYYY-MM-DD) for the plan-7
	// deadlines counted in working days.
	Holidays []string `yaml:"holidays"`
	Workdays []string `yaml:"workdays"`
	// SMS is the gateway the sms channels go through (alert/sms).
	SMS SMSGateway `yaml:"sms"`
	// ClaimLease is how long a delivery a sender claimed stays its own: a
	// claim left "sending" longer (the process died between sending and
	// recording) is sent again, as a redelivery with the same key. Default
	// 30s, twice a send's deadline (15 s); shorter only in tests.
	ClaimLease time.Duration `yaml:"claim_lease"`
	// NoticeKey makes the verification codes of the listed sources'
	// notices (AQWARN_NOTICE_KEY only: a secret is never in this file).
	NoticeKey string `yaml:"-"`
}

// SMSGateway is an SMS gateway's HTTP API: a signed JSON POST per message.
type SMSGateway struct {
	Gateway string `yaml:"gateway"` // its URL; empty: sms deliveries fail, named
	// Secret signs the requests (AQWARN_SMS_SECRET only).
	Secret string `yaml:"-"`
}

type SMTP struct {
	Addr     string `yaml:"addr"` // host:port; empty: e-mail channels fail visibly
	From     string `yaml:"from"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// TLS: "" STARTTLS when offered (required with a username beyond
	// loopback), "implicit" (port 465), "none" (a loopback relay).
	TLS string `yaml:"tls"`
}

// Demo replays a bundled real episode through the broker as the stations
// would, on a compressed clock.
type Demo struct {
	Enabled bool `yaml:"enabled"`
	// Speed is simulated seconds per real second (3600 → an hour a second).
	Speed float64 `yaml:"speed"`
	// ClockLead is how far the demo clock may run past the latest hour
	// with data the warning evaluation has judged and the newest stored
	// meter reading: on a busy machine the demo runs slower instead of the
	// service deciding on data it has not caught up with. 0: a rigid clock.
	ClockLead time.Duration `yaml:"clock_lead"`
	// From and To bound the replayed data (local dates, +08:00).
	From string `yaml:"from"`
	To   string `yaml:"to"`
	// AutoApprove signs every proposal as the demo roles.
	AutoApprove bool `yaml:"auto_approve"`
	// Sources maps each demo station to the bundled Beijing station whose
	// data it replays (see simulate/data/SOURCE.md), e.g. tuojiang-1: Dongsi.
	Sources map[string]string `yaml:"sources"`
}

// Default returns the embedded default configuration (demo mode).
func Default() (*Config, error) {
	b, err := files.ReadFile("default.yaml")
	if err != nil {
		return nil, err
	}
	return Parse(b, nil)
}

// ProductionExample returns the text of the shipped production example.
func ProductionExample() []byte {
	b, _ := files.ReadFile("production.yaml")
	return b
}

// Load reads the file at path ("" means the embedded default), applies the
// environment overrides from getenv and validates the result.
func Load(path string, getenv func(string) string) (*Config, error) {
	var b []byte
	var err error
	if path == "" {
		b, err = files.ReadFile("default.yaml")
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(b, getenv)
}

// Parse decodes YAML over the built-in defaults, applies environment
// overrides (getenv may be nil) and validates.
func Parse(b []byte, getenv func(string) string) (*Config, error) {
	c := builtin()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) { // an empty file means "all defaults"
		return nil, fmt.Errorf("config: %w", err)
	}
	var problems []string
	if getenv != nil {
		problems = append(problems, c.applyEnv(getenv)...)
	}
	if c.Auth.TokensFile != "" {
		if err := c.readTokens(); err != nil {
			problems = append(problems, err.Error())
		}
	}
	problems = append(problems, c.validate()...)
	if len(problems) > 0 {
		return nil, &aqwarn.Error{Code: aqwarn.EINVALID, Op: "config",
			Message: fmt.Sprintf("%d problem(s):\n  - %s", len(problems), strings.Join(problems, "\n  - "))}
	}
	return c, nil
}

func builtin() *Config {
	return &Config{
		HTTP:   HTTP{Addr: "127.0.0.1:8080", RateLimit: 50, RateBurst: 200, MaxBodyBytes: 1 << 20},
		MQTT:   MQTT{EmbeddedAddr: "127.0.0.1:1883", ClientID: "aqwarn-ingest", TopicPrefix: "aq"},
		Store:  Store{Dir: "data", Readings: "embedded"},
		Influx: Influx{Bucket: "aqwarn/autogen"},
		AQI:    AQI{Edition: "auto", Schedule: "5 * * * *", StaleAfter: 2 * time.Hour, OnData: 10 * time.Second},
		Ingest: Ingest{QueueSize: 20000, BatchSize: 2000, BatchWait: 50 * time.Millisecond, Writers: 4,
			MaxFuture: 5 * time.Minute, Retention: 0, OfflineAfter: 2 * time.Hour, InvalidAfter: 3 * time.Hour},
		HJ212: hj212Defaults,
		Demo:  Demo{Speed: 7200, ClockLead: 2 * time.Hour, From: "2015-11-25", To: "2015-12-13"},
		Plan:  "embedded:plans/jianghua-2024.yaml",
		Publish: Publish{SenderID: "aqwarn.jianghua", SenderNameZH: "江华瑶族自治县重污染天气应急指挥部办公室",
			SenderNameEN: "Jianghua County heavy-pollution emergency command office", DivisionCode: "431129", AgencyCode: "000",
			AckResendAfter: 15 * time.Minute, AckMaxResends: 2, AckEscalateAfter: 45 * time.Minute},
		Inspection: inspectionDefaults,
	}
}

// envVars lists every override: AQWARN_<NAME> sets the field.
func (c *Config) envVars() []envVar {
	return []envVar{
		{"HTTP_ADDR", &c.HTTP.Addr},
		{"HTTP_RATE_LIMIT", &c.HTTP.RateLimit},
		{"HTTP_RATE_BURST", &c.HTTP.RateBurst},
		{"MQTT_EMBEDDED", &c.MQTT.Embedded},
		{"MQTT_EMBEDDED_ADDR", &c.MQTT.EmbeddedAddr},
		{"MQTT_URL", &c.MQTT.URL},
		{"MQTT_CLIENT_ID", &c.MQTT.ClientID},
		{"MQTT_USERNAME", &c.MQTT.Username},
		{"MQTT_PASSWORD", &c.MQTT.Password},
		{"AUTH_TOKENS_FILE", &c.Auth.TokensFile},
		{"MQTT_PUBLISH_USERNAME", &c.MQTT.PublishUsername},
		{"MQTT_TOPIC_PREFIX", &c.MQTT.TopicPrefix},
		{"MQTT_SHARED_GROUP", &c.MQTT.SharedGroup},
		{"STORE_DIR", &c.Store.Dir},
		{"STORE_READINGS", &c.Store.Readings},
		{"INFLUX_URL", &c.Influx.URL},
		{"INFLUX_TOKEN", &c.Influx.Token},
		{"INFLUX_ORG", &c.Influx.Org},
		{"INFLUX_BUCKET", &c.Influx.Bucket},
		{"AQI_EDITION", &c.AQI.Edition},
		{"AQI_SCHEDULE", &c.AQI.Schedule},
		{"AQI_STALE_AFTER", &c.AQI.StaleAfter},
		{"AQI_ON_DATA", &c.AQI.OnData},
		{"INGEST_QUEUE_SIZE", &c.Ingest.QueueSize},
		{"INGEST_BATCH_SIZE", &c.Ingest.BatchSize},
		{"INGEST_BATCH_WAIT", &c.Ingest.BatchWait},
		{"INGEST_WRITERS", &c.Ingest.Writers},
		{"INGEST_MAX_FUTURE", &c.Ingest.MaxFuture},
		{"INGEST_OFFLINE_AFTER", &c.Ingest.OfflineAfter},
		{"INGEST_INVALID_AFTER", &c.Ingest.InvalidAfter},
		{"HJ212_ADDR", &c.HJ212.Addr},
		{"HJ212_MAX_CONNS", &c.HJ212.MaxConns},
		{"HJ212_MAX_CONNS_PER_IP", &c.HJ212.MaxConnsPerIP},
		{"DEMO", &c.Demo.Enabled},
		{"DEMO_SPEED", &c.Demo.Speed},
		{"DEMO_CLOCK_LEAD", &c.Demo.ClockLead},
		{"DEMO_AUTO_APPROVE", &c.Demo.AutoApprove},
		{"PLAN", &c.Plan},
		{"REDUCTION_LIST", &c.ReductionList},
		{"TARGETS", &c.Targets},
		{"PUBLISH_BASE_URL", &c.Publish.BaseURL},
		{"PUBLISH_SMTP_ADDR", &c.Publish.SMTP.Addr},
		{"PUBLISH_SMTP_FROM", &c.Publish.SMTP.From},
		{"PUBLISH_SMTP_USERNAME", &c.Publish.SMTP.Username},
		{"PUBLISH_SMTP_PASSWORD", &c.Publish.SMTP.Password},
		{"SMS_GATEWAY", &c.Publish.SMS.Gateway},
		{"SMS_SECRET", &c.Publish.SMS.Secret},
		{"NOTICE_KEY", &c.Publish.NoticeKey},
	}
}

type envVar struct {
	name string
	ptr  any
}

// EnvNames lists the recognised environment variables (for docs and -h).
func EnvNames() []string {
	var c Config
	var out []string
	for _, v := range c.envVars() {
		out = append(out, "AQWARN_"+v.name)
	}
	return out
}

func (c *Config) applyEnv(getenv func(string) string) []string {
	var problems []string
	for _, v := range c.envVars() {
		name := "AQWARN_" + v.name
		s := getenv(name)
		if s == "" {
			continue
		}
		var err error
		switch p := v.ptr.(type) {
		case *string:
			*p = s
		case *bool:
			*p, err = strconv.ParseBool(s)
		case *int:
			*p, err = strconv.Atoi(s)
		case *float64:
			*p, err = strconv.ParseFloat(s, 64)
		case *time.Duration:
			*p, err = time.ParseDuration(s)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s=%q: %v", name, s, err))
		}
	}
	return problems
}

func (c *Config) validate() []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	p = append(p, c.demoSecrets()...)
	p = append(p, c.checkPlan()...)
	if c.Demo.Enabled {
		for _, d := range []struct{ key, v string }{{"demo.from", c.Demo.From}, {"demo.to", c.Demo.To}} {
			if _, err := time.Parse(time.DateOnly, d.v); err != nil {
				add("%s %q is not a date like 2015-11-25", d.key, d.v)
			}
		}
	}
	if _, err := cron.ParseStandard(c.AQI.Schedule); err != nil {
		add("aqi.schedule %q is not a cron schedule like \"5 * * * *\": %v", c.AQI.Schedule, err)
	}
	if c.HTTP.Addr == "" {
		add("http.addr is empty")
	}
	for i, t := range c.Auth.Tokens {
		if b, err := hex.DecodeString(t.SHA256); err != nil || len(b) != 32 || t.User == "" || len(t.Roles) == 0 {
			add("auth.tokens[%d]: needs user, roles and sha256 (64 hex digits of the token's SHA-256)", i)
		}
	}
	if c.HTTP.RateLimit < 0 || c.HTTP.RateBurst < 0 || c.HTTP.MaxBodyBytes < 0 {
		add("http.rate_limit, rate_burst and max_body_bytes must not be negative")
	}
	for _, p := range c.HTTP.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			add("http.trusted_proxies: %q is not an IP address or CIDR", p)
		}
	}
	if c.MQTT.Embedded {
		if c.MQTT.EmbeddedAddr == "" {
			add("mqtt.embedded_addr is empty")
		}
	} else if u, err := url.Parse(c.MQTT.URL); err != nil || u.Host == "" {
		add("mqtt.url %q is not a broker URL like tcp://127.0.0.1:1883 (or set mqtt.embedded: true)", redactURL(c.MQTT.URL))
	} else if u.User != nil {
		add("mqtt.url %s carries credentials: put them in mqtt.username and mqtt.password (AQWARN_MQTT_PASSWORD), which are never shown or logged", u.Redacted())
	}
	if c.MQTT.ClientID == "" {
		add("mqtt.client_id is empty: a fixed client id is needed for a persistent session")
	}
	if c.Publish.ClaimLease < 0 || (c.Publish.ClaimLease > 0 && c.Publish.ClaimLease < time.Second) {
		add("publish.claim_lease %s must be at least 1s (default 30s)", c.Publish.ClaimLease)
	}
	switch c.Publish.SMTP.TLS {
	case "", "implicit", "none":
	default:
		add("publish.smtp.tls %q must be empty (STARTTLS), implicit or none", c.Publish.SMTP.TLS)
	}
	if (c.HTTP.TLSCert == "") != (c.HTTP.TLSKey == "") {
		add("http.tls_cert and http.tls_key go together")
	}
	if (c.MQTT.CertFile == "") != (c.MQTT.KeyFile == "") {
		add("mqtt.cert_file and mqtt.key_file go together")
	}
	if _, err := c.MQTT.TLSConfig(); err != nil {
		add("mqtt TLS: %v", err)
	}
	if c.MQTT.MaxMessageBytes < 0 {
		add("mqtt.max_message_bytes must not be negative")
	}
	if c.MQTT.Embedded && c.Demo.Enabled {
		// The demo's broker lets every client do everything: keep it on loopback.
		if host, _, err := net.SplitHostPort(c.MQTT.EmbeddedAddr); err == nil && !isLoopback(host) {
			add("mqtt.embedded_addr %s: the demo broker takes anonymous clients and must listen on loopback (127.0.0.1 or ::1)", c.MQTT.EmbeddedAddr)
		}
	}
	seenAcct := map[string]bool{}
	for i, a := range c.MQTT.Accounts {
		if _, err := broker.RulesFor(c.MQTT.TopicPrefix, a); err != nil {
			add("mqtt.accounts[%d]: %v", i, err)
		}
		if b, err := hex.DecodeString(a.PasswordSHA256); err != nil || len(b) != 32 {
			add("mqtt.accounts[%d] (%s): password_sha256 must be 64 hex digits (the password's SHA-256)", i, a.Username)
		}
		if seenAcct[a.Username] || a.Username == c.MQTT.ClientID || a.Username == c.MQTT.ClientID+"-publish" {
			add("mqtt.accounts[%d]: username %q is taken (listed twice, or the service's own)", i, a.Username)
		}
		seenAcct[a.Username] = true
		if a.Role == broker.RoleStation && !slices.ContainsFunc(c.Stations, func(s aqwarn.Station) bool { return s.ID == a.Subject }) {
			add("mqtt.accounts[%d] (%s): station %q is not in stations", i, a.Username, a.Subject)
		}
	}
	if strings.ContainsAny(c.MQTT.TopicPrefix, "#+") || c.MQTT.TopicPrefix == "" {
		add("mqtt.topic_prefix %q must be a plain topic level", c.MQTT.TopicPrefix)
	}
	if g := c.Publish.SMS.Gateway; g != "" {
		u, err := url.Parse(g)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			add("publish.sms.gateway %q is not an http(s) URL", redactURL(g))
		case u.User != nil:
			add("publish.sms.gateway %s carries credentials: the gateway is signed with AQWARN_SMS_SECRET instead", u.Redacted())
		case u.Scheme == "http" && !isLoopback(u.Hostname()):
			add("publish.sms.gateway %s: phone numbers and notices leave the machine in clear; use https beyond loopback", g)
		}
	}
	if c.Store.Dir == "" {
		add("store.dir is empty")
	}
	switch c.Store.Readings {
	case "embedded":
	case "influx":
		if u, err := url.Parse(c.Influx.URL); err != nil || u.Host == "" {
			add("influx.url %q is not a URL like http://127.0.0.1:8086", redactURL(c.Influx.URL))
		} else if u.User != nil {
			add("influx.url %s carries credentials: put them in influx.token (AQWARN_INFLUX_TOKEN), which is never shown or logged", u.Redacted())
		}
		if c.Influx.Bucket == "" {
			add("influx.bucket is empty (on InfluxDB 1.8 use database/retention-policy, e.g. aqwarn/autogen)")
		}
	default:
		add("store.readings %q must be embedded or influx", c.Store.Readings)
	}
	switch c.AQI.Edition {
	case "auto", "2012", "2026":
	default:
		add("aqi.edition %q must be auto, 2012 or 2026", c.AQI.Edition)
	}
	if c.AQI.Schedule == "" {
		add("aqi.schedule is empty")
	}
	if c.Ingest.QueueSize <= 0 || c.Ingest.BatchSize <= 0 || c.Ingest.BatchWait <= 0 || c.Ingest.Writers <= 0 {
		add("ingest.queue_size, batch_size, batch_wait and writers must be positive")
	}
	if c.Ingest.OfflineAfter < 0 || c.Ingest.InvalidAfter < 0 {
		add("ingest.offline_after and invalid_after must not be negative")
	}
	if c.HJ212.MinuteInterval != time.Minute && c.HJ212.MinuteInterval != 5*time.Minute {
		add("hj212.minute_interval %s must be 1m or 5m", c.HJ212.MinuteInterval)
	}
	if c.HJ212.MaxConns < 0 {
		add("hj212.max_conns %d must not be negative (0: the larger of 64 and 4 × the stations)", c.HJ212.MaxConns)
	}
	if c.HJ212.MaxConnsPerIP <= 0 {
		add("hj212.max_conns_per_ip %d must be positive", c.HJ212.MaxConnsPerIP)
	}
	if c.HJ212.AuthMaxFailures <= 0 {
		add("hj212.auth_max_failures %d must be positive", c.HJ212.AuthMaxFailures)
	}
	for _, d := range []struct {
		key string
		d   time.Duration
	}{{"first_frame_timeout", c.HJ212.FirstFrameTimeout}, {"frame_timeout", c.HJ212.FrameTimeout},
		{"idle_timeout", c.HJ212.IdleTimeout}, {"auth_window", c.HJ212.AuthWindow}, {"auth_block", c.HJ212.AuthBlock}} {
		if d.d <= 0 {
			add("hj212.%s %s must be positive", d.key, d.d)
		}
	}
	if c.Demo.Enabled && c.Demo.Speed <= 0 {
		add("demo.speed must be positive")
	}
	if c.Demo.Enabled && c.Demo.ClockLead < 0 {
		add("demo.clock_lead must be ≥ 0 (0: a rigid clock)")
	}
	if c.Demo.Enabled {
		if len(c.Demo.Sources) == 0 {
			add("demo.sources is empty: map each demo station to the bundled station it replays (e.g. tuojiang-1: Dongsi)")
		}
		for _, id := range slices.Sorted(maps.Keys(c.Demo.Sources)) {
			if !slices.ContainsFunc(c.Stations, func(s aqwarn.Station) bool { return s.ID == id }) {
				add("demo.sources: %q is not one of the stations", id)
			}
			if c.Demo.Sources[id] == "" {
				add("demo.sources: station %q names no bundled station", id)
			}
		}
	}
	if len(c.OldRegions) > 0 {
		add("regions: the county and its towns are defined in the plan now (its regions:, %s); remove this section and refer to the plan's region ids from stations", c.Plan)
	}
	regions := map[string]bool{}
	for _, r := range c.Regions {
		regions[r.ID] = true
	}
	var regionIDs []string
	for _, r := range c.Regions {
		regionIDs = append(regionIDs, r.ID)
	}
	if len(c.Stations) == 0 {
		add("no stations configured")
	}
	ids, mns := map[string]bool{}, map[string]bool{}
	for i, s := range c.Stations {
		if s.ID == "" || strings.ContainsAny(s.ID, "/#+ ") {
			add("stations[%d].id %q must be non-empty without / # + or spaces", i, s.ID)
		}
		if ids[s.ID] {
			add("station %q is repeated", s.ID)
		}
		ids[s.ID] = true
		if !regions[s.Region] && len(regionIDs) > 0 { // no regions: the plan did not load, which is reported
			add("station %q: region %q is not a region of the plan (one of %s)", s.ID, s.Region, strings.Join(regionIDs, ", "))
		}
		if s.MN != "" {
			if mns[s.MN] {
				add("station %q: HJ 212 MN %q is used twice", s.ID, s.MN)
			}
			mns[s.MN] = true
		}
		for _, pol := range s.Pollutants {
			if !known(pol) {
				add("station %q: unknown pollutant %q (want one of %s)", s.ID, pol, strings.Join(aqwarn.Pollutants, ", "))
			}
		}
	}
	if _, err := c.OpenPlan(); err != nil {
		add("plan %q: %v", c.Plan, err)
	}
	return p
}

func known(p string) bool {
	for _, k := range aqwarn.Pollutants {
		if k == p {
			return true
		}
	}
	return false
}

// OpenPlan returns the bytes of the configured plan file, reading
// "embedded:..." paths from the binary.
func (c *Config) OpenPlan() ([]byte, error) {
	if name, ok := strings.CutPrefix(c.Plan, "embedded:"); ok {
		return fs.ReadFile(Plans, name)
	}
	return os.ReadFile(c.Plan)
}

// Station returns the configured station with the given id.
func (c *Config) Station(id string) (aqwarn.Station, bool) {
	for _, s := range c.Stations {
		if s.ID == id {
			return s, true
		}
	}
	return aqwarn.Station{}, false
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// readTokens replaces the tokens with those of auth.tokens_file.
func (c *Config) readTokens() error {
	b, err := os.ReadFile(c.Auth.TokensFile)
	if err != nil {
		return fmt.Errorf("auth.tokens_file: %v", err)
	}
	var ts []AuthToken
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&ts); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("auth.tokens_file %s: %v", c.Auth.TokensFile, err)
	}
	c.Auth.Tokens = ts
	return nil
}

// weakPasswords are the example and demo passwords (HJ 212 loggers ship
// with 123456).
var weakPasswords = map[string]bool{"": true, "123456": true, "change-me": true, "000000": true, "888888": true, "password": true}

// demoTokenHashes are the SHA-256 of the demo tokens in default.yaml.
func demoTokenHashes() map[string]bool {
	out := map[string]bool{}
	b, err := files.ReadFile("default.yaml")
	if err != nil {
		return out
	}
	var d struct {
		Auth Auth `yaml:"auth"`
	}
	if yaml.Unmarshal(b, &d) == nil {
		for _, t := range d.Auth.Tokens {
			out[strings.ToLower(t.SHA256)] = true
		}
	}
	return out
}

// demoSecrets refuses the demo's published credentials outside the demo,
// and the demo itself beyond loopback (audit H5): the demo tokens and the
// stations' example passwords are in the README for anyone to read.
func (c *Config) demoSecrets() []string {
	var p []string
	if c.Demo.Enabled {
		if host, _, err := net.SplitHostPort(c.HTTP.Addr); err == nil && !isLoopback(host) {
			p = append(p, fmt.Sprintf("http.addr %s: the demo's tokens are public, so the demo listens on loopback only (127.0.0.1 or ::1)", c.HTTP.Addr))
		}
		return p
	}
	demo := demoTokenHashes()
	for i, t := range c.Auth.Tokens {
		if demo[strings.ToLower(t.SHA256)] {
			p = append(p, fmt.Sprintf("auth.tokens[%d] (%s) is a demo token, published in the README: outside the demo give each person a random token (printf '%%s' \"$TOKEN\" | sha256sum)", i, t.User))
		}
	}
	for _, s := range c.Stations {
		if s.MN != "" && weakPasswords[s.Password] {
			p = append(p, fmt.Sprintf("station %s: HJ 212 password %q is an example or factory default; set the logger's own", s.ID, s.Password))
		}
	}
	for _, m := range c.HJ212.Monitors {
		if m.Password != "" && weakPasswords[m.Password] {
			p = append(p, fmt.Sprintf("hj212.monitors MN %s: HJ 212 password %q is an example or factory default; set the logger's own", m.MN, m.Password))
		}
	}
	return p
}

// redactURL hides the password of a URL that may not parse.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		if j := strings.Index(s, "://"); j >= 0 && j < i {
			return s[:j+3] + "***" + s[i:]
		}
		return "***" + s[i:]
	}
	return s
}

// TLSConfig is the client TLS of a tls:// broker (nil when nothing is
// configured: the system's roots then).
func (m MQTT) TLSConfig() (*tls.Config, error) {
	if m.CAFile == "" && m.CertFile == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if m.CAFile != "" {
		pem, err := os.ReadFile(m.CAFile)
		if err != nil {
			return nil, fmt.Errorf("mqtt.ca_file: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("mqtt.ca_file %s holds no PEM certificate", m.CAFile)
		}
		cfg.RootCAs = pool
	}
	if m.CertFile != "" && m.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(m.CertFile, m.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("mqtt.cert_file/key_file: %v", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// checkPlan parses the plan and checks the tokens' roles against it, so
// that its problems come in the one error with the rest (audit L5).
func (c *Config) checkPlan() []string {
	c.plan = nil
	b, err := c.OpenPlan()
	if err != nil {
		return []string{fmt.Sprintf("plan %s: %v", c.Plan, err)}
	}
	plan, err := alert.ParsePlan(b)
	if err != nil {
		return []string{fmt.Sprintf("plan %s: %v", c.Plan, err)}
	}
	c.Regions = plan.Regions
	p := c.checkList(plan)
	p = append(p, c.checkTargets(plan)...)
	p = append(p, c.Inspection.check(plan)...)
	isSource := func(id string) bool {
		if c.list == nil {
			return false
		}
		_, ok := c.list.Enterprise(id)
		return ok
	}
	for _, t := range c.Auth.Tokens {
		for _, r := range t.Roles {
			if id, ok := strings.CutPrefix(r, "source:"); ok {
				if c.ReductionList == "" {
					p = append(p, fmt.Sprintf("auth token of %s: role %q names a listed source, but no reduction_list is configured", t.User, r))
				} else if c.list != nil && !isSource(id) {
					p = append(p, fmt.Sprintf("auth token of %s: role %q names no source of the reduction list %s", t.User, r, c.list.ID))
				}
				continue
			}
			if unit, ok := strings.CutPrefix(r, "unit:"); ok {
				if !slices.ContainsFunc(plan.Units, func(u alert.Unit) bool { return u.ID == unit }) {
					p = append(p, fmt.Sprintf("auth token of %s: role %q names no member unit of plan %s", t.User, r, plan.ID))
				}
			} else if _, ok := plan.Role(r); !ok {
				p = append(p, fmt.Sprintf("auth token of %s: role %q is not in plan %s", t.User, r, plan.ID))
			}
		}
	}
	for i, a := range c.MQTT.Accounts {
		if a.Role == broker.RoleUnit && !slices.ContainsFunc(plan.Units, func(u alert.Unit) bool { return u.ID == a.Subject }) && !isSource(a.Subject) {
			p = append(p, fmt.Sprintf("mqtt.accounts[%d] (%s): unit %q is not a member unit of plan %s nor a source of the reduction list", i, a.Username, a.Subject, plan.ID))
		}
		if a.Role == broker.RoleSource && !isSource(a.Subject) {
			p = append(p, fmt.Sprintf("mqtt.accounts[%d] (%s): %q is not a source of the reduction list", i, a.Username, a.Subject))
		}
	}
	listed := map[string]bool{}
	if c.list != nil {
		for _, e := range c.list.Enterprises {
			for _, mn := range e.Monitoring.HJ212MN {
				listed[mn] = true
			}
		}
	}
	seenMN := map[string]bool{}
	for i, m := range c.HJ212.Monitors {
		switch {
		case !listed[m.MN]:
			p = append(p, fmt.Sprintf("hj212.monitors[%d]: MN %q is no listed source's online monitor (monitoring.hj212_mn of the reduction list)", i, m.MN))
		case seenMN[m.MN]:
			p = append(p, fmt.Sprintf("hj212.monitors[%d]: MN %q is listed twice", i, m.MN))
		case m.Password == "":
			p = append(p, fmt.Sprintf("hj212.monitors[%d]: MN %q has no password", i, m.MN))
		}
		seenMN[m.MN] = true
	}
	if len(p) == 0 {
		c.plan = plan
	}
	return p
}

// ParseListFor parses a reduction list against plan: its towns,
// supervising units and channel kinds are the plan's, and no source may
// take a member unit's id (they share the recipients' names).
func ParseListFor(plan *alert.Plan, b []byte) (*reduction.List, error) {
	refs := reduction.Refs{ChannelKinds: alert.ChannelKinds()}
	for _, u := range plan.Units {
		refs.Units = append(refs.Units, u.ID)
	}
	for _, r := range plan.Regions {
		refs.Regions = append(refs.Regions, r.ID)
	}
	list, err := reduction.Parse(b, refs)
	if err != nil {
		return nil, err
	}
	for _, e := range list.Enterprises {
		if slices.Contains(refs.Units, e.ID) {
			return nil, &aqwarn.Error{Code: aqwarn.EINVALID, Reason: reduction.CodeListInvalid,
				Message: fmt.Sprintf("source id %q is a member unit's id in plan %s; give the source its own / 企业编号与成员单位重复", e.ID, plan.ID)}
		}
	}
	return list, nil
}

// checkList parses the emission-reduction list against the plan: its
// towns, supervising units and channel kinds are the plan's, and no
// source may take a member unit's id (they share the recipients' names).
func (c *Config) checkList(plan *alert.Plan) []string {
	c.list = nil
	if c.ReductionList == "" {
		return nil
	}
	b, err := readFileOr(Lists, c.ReductionList)
	if err != nil {
		return []string{fmt.Sprintf("reduction_list %s: %v", c.ReductionList, err)}
	}
	list, err := ParseListFor(plan, b)
	if err != nil {
		return []string{fmt.Sprintf("reduction_list %s: %v", c.ReductionList, err)}
	}
	var p []string
	if !c.Demo.Enabled && len(c.Publish.NoticeKey) < 16 {
		p = append(p, "AQWARN_NOTICE_KEY: a reduction list is configured, so its notices carry verification codes: set a random key of at least 16 characters (openssl rand -hex 16); it is never logged or stored")
	}
	if len(p) == 0 {
		c.list = list
	}
	return p
}
