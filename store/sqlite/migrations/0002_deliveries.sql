-- 2: the delivery side. The notification log (notify's outbox: one row per
-- transition, unit and channel key), the CAP messages, the member units'
-- notices and the task board.
--
-- Before the one list of changes, sqlite.NewDeliveries made these tables
-- itself, outside the schema version: a store at user_version 1 may or
-- may not have them, so every CREATE is IF NOT EXISTS.

CREATE TABLE IF NOT EXISTS deliveries (
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
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_at);
CREATE INDEX IF NOT EXISTS deliveries_transition ON deliveries (transition, unit);

CREATE TABLE IF NOT EXISTS caps (
	transition TEXT PRIMARY KEY,
	warning_id INTEGER NOT NULL,
	region TEXT NOT NULL,
	identifier TEXT NOT NULL UNIQUE,
	sender TEXT NOT NULL,
	sent INTEGER NOT NULL,        -- unix milliseconds
	msg_type TEXT NOT NULL,
	xml TEXT NOT NULL,
	seq INTEGER NOT NULL          -- insertion order, for the feed
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS caps_warning ON caps (warning_id, seq);
CREATE INDEX IF NOT EXISTS caps_seq ON caps (seq);

CREATE TABLE IF NOT EXISTS unit_notices (
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
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS unit_notices_open ON unit_notices (acked_at, closed);

CREATE TABLE IF NOT EXISTS unit_tasks (
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
) WITHOUT ROWID;
