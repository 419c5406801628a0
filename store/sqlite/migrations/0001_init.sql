-- 1: the first layout. Readings, hourly AQI, dead letters, the ingest
-- spool, small state (kv) and the warning lifecycle's tables.
--
-- Every CREATE is IF NOT EXISTS: a store from before schema versions
-- (user_version 0) already has some or all of these tables, made by the
-- same statements, and this change then only adds what is missing. Such a
-- store never has the dead letters' size, sha256 and truncated columns,
-- so the ALTERs below apply to it as to a new file.

CREATE TABLE IF NOT EXISTS readings (
	station TEXT NOT NULL,
	t INTEGER NOT NULL,          -- end of interval, unix seconds UTC
	interval_s INTEGER NOT NULL,
	measures TEXT NOT NULL,      -- JSON [{pollutant,value,flag}]
	PRIMARY KEY (station, t, interval_s)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS readings_t ON readings (t);

CREATE TABLE IF NOT EXISTS aqi_hourly (
	scope TEXT NOT NULL, id TEXT NOT NULL, t INTEGER NOT NULL,
	record TEXT NOT NULL,
	PRIMARY KEY (scope, id, t)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS deadletters (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	received INTEGER NOT NULL, source TEXT NOT NULL, reason TEXT NOT NULL,
	message TEXT NOT NULL, station TEXT NOT NULL, payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deadletters_reason ON deadletters (reason, id);

CREATE TABLE IF NOT EXISTS spool (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	reading TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);

-- The warning lifecycle. Records are kept as JSON next to the columns
-- that are searched; keys are unique so a restart never repeats a
-- proposal or a transition; the audit log is only ever inserted into.
CREATE TABLE IF NOT EXISTS alert_proposals (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	key TEXT NOT NULL UNIQUE,
	region TEXT NOT NULL,
	status TEXT NOT NULL,
	created INTEGER NOT NULL,
	record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_proposals_status ON alert_proposals (status, region);

CREATE TABLE IF NOT EXISTS alert_warnings (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	region TEXT NOT NULL,
	active INTEGER NOT NULL,
	record TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS alert_warnings_active ON alert_warnings (region) WHERE active = 1;

CREATE TABLE IF NOT EXISTS warning_transitions (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	key TEXT NOT NULL UNIQUE,
	warning_id INTEGER,
	region TEXT NOT NULL,
	kind TEXT NOT NULL,
	at INTEGER NOT NULL,
	record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS warning_transitions_warning ON warning_transitions (warning_id, id);

CREATE TABLE IF NOT EXISTS alert_audit (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	at INTEGER NOT NULL,
	actor TEXT NOT NULL,
	role TEXT NOT NULL,
	action TEXT NOT NULL,
	subject TEXT NOT NULL,
	comment TEXT NOT NULL,
	detail TEXT
);
-- Append-only: the database itself refuses to change or drop a line.
CREATE TRIGGER IF NOT EXISTS alert_audit_no_update BEFORE UPDATE ON alert_audit
	BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS alert_audit_no_delete BEFORE DELETE ON alert_audit
	BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE IF NOT EXISTS alert_prompts (
	id TEXT PRIMARY KEY,
	region TEXT NOT NULL,
	end_t INTEGER NOT NULL,
	record TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS alert_forecasts (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	region TEXT NOT NULL,
	source TEXT NOT NULL,
	issued INTEGER NOT NULL,
	record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_forecasts_region ON alert_forecasts (region, issued);

-- Dead letters keep the payload's size and, when cut, its hash (what
-- PRAGMA user_version 1 meant before the one list of changes).
ALTER TABLE deadletters ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deadletters ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE deadletters ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS deadletters_received ON deadletters (received);
