package sqlite_test

// Frozen copies of the statements the store ran before the one list of
// schema changes (store/sqlite at the commit before it): Open ran
// oldBase and oldAlert on every start, then oldVersion1 once (PRAGMA
// user_version 1); NewDeliveries ran oldDeliveries on every start, outside
// the version. Never edit them: they are what old files hold.

// Open: readings, AQI, dead letters, spool, kv.
var oldBase = []string{
	`CREATE TABLE IF NOT EXISTS readings (
		station TEXT NOT NULL,
		t INTEGER NOT NULL,          -- end of interval, unix seconds UTC
		interval_s INTEGER NOT NULL,
		measures TEXT NOT NULL,      -- JSON [{pollutant,value,flag}]
		PRIMARY KEY (station, t, interval_s)
	) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS readings_t ON readings (t)`,
	`CREATE TABLE IF NOT EXISTS aqi_hourly (
		scope TEXT NOT NULL, id TEXT NOT NULL, t INTEGER NOT NULL,
		record TEXT NOT NULL,
		PRIMARY KEY (scope, id, t)
	) WITHOUT ROWID`,
	`CREATE TABLE IF NOT EXISTS deadletters (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		received INTEGER NOT NULL, source TEXT NOT NULL, reason TEXT NOT NULL,
		message TEXT NOT NULL, station TEXT NOT NULL, payload TEXT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS deadletters_reason ON deadletters (reason, id)`,
	`CREATE TABLE IF NOT EXISTS spool (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		reading TEXT NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)`,
}

// Open: the warning lifecycle.
var oldAlert = []string{
	`CREATE TABLE IF NOT EXISTS alert_proposals (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		key TEXT NOT NULL UNIQUE,
		region TEXT NOT NULL,
		status TEXT NOT NULL,
		created INTEGER NOT NULL,
		record TEXT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS alert_proposals_status ON alert_proposals (status, region)`,
	`CREATE TABLE IF NOT EXISTS alert_warnings (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		region TEXT NOT NULL,
		active INTEGER NOT NULL,
		record TEXT NOT NULL
	)`,
	`CREATE UNIQUE INDEX IF NOT EXISTS alert_warnings_active ON alert_warnings (region) WHERE active = 1`,
	`CREATE TABLE IF NOT EXISTS warning_transitions (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		key TEXT NOT NULL UNIQUE,
		warning_id INTEGER,
		region TEXT NOT NULL,
		kind TEXT NOT NULL,
		at INTEGER NOT NULL,
		record TEXT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS warning_transitions_warning ON warning_transitions (warning_id, id)`,
	`CREATE TABLE IF NOT EXISTS alert_audit (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		at INTEGER NOT NULL,
		actor TEXT NOT NULL,
		role TEXT NOT NULL,
		action TEXT NOT NULL,
		subject TEXT NOT NULL,
		comment TEXT NOT NULL,
		detail TEXT
	)`,
	`CREATE TRIGGER IF NOT EXISTS alert_audit_no_update BEFORE UPDATE ON alert_audit
		BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
	`CREATE TRIGGER IF NOT EXISTS alert_audit_no_delete BEFORE DELETE ON alert_audit
		BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
	`CREATE TABLE IF NOT EXISTS alert_prompts (
		id TEXT PRIMARY KEY,
		region TEXT NOT NULL,
		end_t INTEGER NOT NULL,
		record TEXT NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS alert_forecasts (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		region TEXT NOT NULL,
		source TEXT NOT NULL,
		issued INTEGER NOT NULL,
		record TEXT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS alert_forecasts_region ON alert_forecasts (region, issued)`,
}

// Open, once: user_version 0 → 1.
var oldVersion1 = []string{
	`ALTER TABLE deadletters ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
	 ALTER TABLE deadletters ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';
	 ALTER TABLE deadletters ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0;
	 CREATE INDEX IF NOT EXISTS deadletters_received ON deadletters (received)`,
}

// NewDeliveries: the delivery side.
var oldDeliveries = []string{
	`CREATE TABLE IF NOT EXISTS deliveries (
		key TEXT PRIMARY KEY,
		transition TEXT NOT NULL,
		unit TEXT NOT NULL,
		channel TEXT NOT NULL,
		delivery TEXT NOT NULL,       -- notify.Delivery as JSON
		state TEXT NOT NULL,
		owner TEXT NOT NULL DEFAULT '',
		attempts INTEGER NOT NULL DEFAULT 0,
		created INTEGER NOT NULL,     -- unix milliseconds
		next_at INTEGER NOT NULL,
		sent_at INTEGER NOT NULL DEFAULT 0,
		last_error TEXT NOT NULL DEFAULT ''
	) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_at)`,
	`CREATE INDEX IF NOT EXISTS deliveries_transition ON deliveries (transition, unit)`,
	`CREATE TABLE IF NOT EXISTS caps (
		transition TEXT PRIMARY KEY,
		warning_id INTEGER NOT NULL,
		region TEXT NOT NULL,
		identifier TEXT NOT NULL UNIQUE,
		sender TEXT NOT NULL,
		sent INTEGER NOT NULL,        -- unix milliseconds
		msg_type TEXT NOT NULL,
		xml TEXT NOT NULL,
		seq INTEGER NOT NULL          -- insertion order, for the feed
	) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS caps_warning ON caps (warning_id, seq)`,
	`CREATE INDEX IF NOT EXISTS caps_seq ON caps (seq)`,
	`CREATE TABLE IF NOT EXISTS unit_notices (
		transition TEXT NOT NULL,
		unit TEXT NOT NULL,
		warning_id INTEGER NOT NULL,
		sent INTEGER NOT NULL,
		acked_at INTEGER NOT NULL DEFAULT 0,
		ack_by TEXT NOT NULL DEFAULT '',
		resends INTEGER NOT NULL DEFAULT 0,
		escalated INTEGER NOT NULL DEFAULT 0,
		closed INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (transition, unit)
	) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS unit_notices_open ON unit_notices (acked_at, closed)`,
	`CREATE TABLE IF NOT EXISTS unit_tasks (
		warning_id INTEGER NOT NULL,
		unit TEXT NOT NULL,
		task TEXT NOT NULL,
		kind TEXT NOT NULL,
		text_zh TEXT NOT NULL,
		text_en TEXT NOT NULL,
		state TEXT NOT NULL,
		assigned INTEGER NOT NULL,
		due INTEGER NOT NULL DEFAULT 0,
		updated INTEGER NOT NULL,
		note TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (warning_id, unit, task)
	) WITHOUT ROWID`,
}
