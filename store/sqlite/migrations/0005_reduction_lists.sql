-- 5: the versions of the emission-reduction list (package reduction): the
-- year's revision goes draft → reviewed → approved → filed → published
-- (plan 9.3). yaml is the list as uploaded and never changes; state and
-- steps (a JSON array of who did what when) follow the workflow.

CREATE TABLE IF NOT EXISTS reduction_lists (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	year INTEGER NOT NULL,
	list_id TEXT NOT NULL,
	state TEXT NOT NULL,
	sha256 TEXT NOT NULL,
	yaml TEXT NOT NULL,
	created INTEGER NOT NULL,
	created_by TEXT NOT NULL,
	steps TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS reduction_lists_year ON reduction_lists (year, state);
