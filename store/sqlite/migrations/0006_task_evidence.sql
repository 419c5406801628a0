-- 6: photos attached to a task's execution report (a listed source's or a
-- member unit's): the image once by its SHA-256, and which task of which
-- warning it documents, who sent it and when. Kept, never edited: the
-- evidence of a response (notes §7: ledgers and evidence ≥ 5 years).

CREATE TABLE IF NOT EXISTS evidence (
	sha256 TEXT PRIMARY KEY,
	content_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	data BLOB NOT NULL,
	created INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS task_evidence (
	warning_id INTEGER NOT NULL,
	unit TEXT NOT NULL,
	task TEXT NOT NULL,
	sha256 TEXT NOT NULL REFERENCES evidence (sha256),
	at INTEGER NOT NULL,
	by TEXT NOT NULL,
	PRIMARY KEY (warning_id, unit, task, sha256)
) WITHOUT ROWID;
