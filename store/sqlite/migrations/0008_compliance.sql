-- 8: the inspection loop of compliance (package compliance/inspect): the
-- power engine's findings (events, by their stable id), the inspections
-- they make with findings, position and conclusion, the photos from the
-- site (the image once in evidence, by its SHA-256) and the consequences'
-- proposals. Records are JSON next to the columns that are searched.
--
-- Retention: ledgers and evidence are kept at least five years (notes §7
-- P1 [V C2]). aqwarn never deletes any of this; the triggers below refuse a
-- DELETE of a row younger than 1827 days (five years with their leap days)
-- by the database's own clock, whoever runs it, and of a task's photos too.

CREATE TABLE IF NOT EXISTS compliance_events (
	id TEXT PRIMARY KEY,
	enterprise TEXT NOT NULL,
	rule TEXT NOT NULL,
	state TEXT NOT NULL,
	start INTEGER NOT NULL,
	inspection_id INTEGER,
	created INTEGER NOT NULL,
	record TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS compliance_events_start ON compliance_events (start DESC, id);
CREATE INDEX IF NOT EXISTS compliance_events_state ON compliance_events (state, enterprise);

CREATE TABLE IF NOT EXISTS compliance_inspections (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	enterprise TEXT NOT NULL,
	unit TEXT NOT NULL,
	open INTEGER NOT NULL,
	due INTEGER NOT NULL,
	created INTEGER NOT NULL,
	record TEXT NOT NULL
);
-- A source has one open inspection at a time: its new events join it.
CREATE UNIQUE INDEX IF NOT EXISTS compliance_inspections_open ON compliance_inspections (enterprise) WHERE open = 1;
CREATE INDEX IF NOT EXISTS compliance_inspections_unit ON compliance_inspections (unit, open);

CREATE TABLE IF NOT EXISTS inspection_photos (
	inspection_id INTEGER NOT NULL REFERENCES compliance_inspections (id),
	sha256 TEXT NOT NULL REFERENCES evidence (sha256),
	at INTEGER NOT NULL,
	by TEXT NOT NULL,
	PRIMARY KEY (inspection_id, sha256)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS compliance_consequences (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	key TEXT NOT NULL UNIQUE,
	enterprise TEXT NOT NULL,
	kind TEXT NOT NULL,
	status TEXT NOT NULL,
	inspection_id INTEGER NOT NULL,
	created INTEGER NOT NULL,
	record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS compliance_consequences_status ON compliance_consequences (status, kind);

CREATE TRIGGER IF NOT EXISTS compliance_events_kept BEFORE DELETE ON compliance_events
	WHEN old.created > (CAST(strftime('%s', 'now') AS INTEGER) - 1827 * 86400) * 1000
	BEGIN SELECT RAISE(ABORT, 'compliance events are kept at least five years / 合规事件至少保存五年'); END;
CREATE TRIGGER IF NOT EXISTS compliance_inspections_kept BEFORE DELETE ON compliance_inspections
	WHEN old.created > (CAST(strftime('%s', 'now') AS INTEGER) - 1827 * 86400) * 1000
	BEGIN SELECT RAISE(ABORT, 'inspections are kept at least five years / 检查记录至少保存五年'); END;
CREATE TRIGGER IF NOT EXISTS inspection_photos_kept BEFORE DELETE ON inspection_photos
	WHEN old.at > (CAST(strftime('%s', 'now') AS INTEGER) - 1827 * 86400) * 1000
	BEGIN SELECT RAISE(ABORT, 'photos are kept at least five years / 现场照片至少保存五年'); END;
CREATE TRIGGER IF NOT EXISTS compliance_consequences_kept BEFORE DELETE ON compliance_consequences
	WHEN old.created > (CAST(strftime('%s', 'now') AS INTEGER) - 1827 * 86400) * 1000
	BEGIN SELECT RAISE(ABORT, 'consequences are kept at least five years / 处理建议至少保存五年'); END;
CREATE TRIGGER IF NOT EXISTS evidence_kept BEFORE DELETE ON evidence
	WHEN old.created > (CAST(strftime('%s', 'now') AS INTEGER) - 1827 * 86400) * 1000
	BEGIN SELECT RAISE(ABORT, 'photos are kept at least five years / 照片至少保存五年'); END;
CREATE TRIGGER IF NOT EXISTS task_evidence_kept BEFORE DELETE ON task_evidence
	WHEN old.at > (CAST(strftime('%s', 'now') AS INTEGER) - 1827 * 86400) * 1000
	BEGIN SELECT RAISE(ABORT, 'photos are kept at least five years / 照片至少保存五年'); END;
