-- 9: restart approvals (复产审批) of listed sources, recorded by duty staff:
-- a unit allowed to run again before a warning's lift is not a restart
-- without approval (compliance rule R6). Kept like the rest of the
-- compliance evidence: never deleted by aqwarn, refused younger than five
-- years.

CREATE TABLE IF NOT EXISTS restart_approvals (
	id         INTEGER PRIMARY KEY,
	enterprise TEXT NOT NULL,
	valid_from INTEGER NOT NULL, -- Unix ms
	valid_to   INTEGER,          -- Unix ms; NULL: until the lift
	recorded   INTEGER NOT NULL, -- Unix ms
	record     TEXT NOT NULL     -- JSON of inspect.RestartApproval
);
CREATE INDEX IF NOT EXISTS restart_approvals_from ON restart_approvals (valid_from);

CREATE TRIGGER IF NOT EXISTS restart_approvals_kept BEFORE DELETE ON restart_approvals
	WHEN old.recorded > (CAST(strftime('%s', 'now') AS INTEGER) - 1827 * 86400) * 1000
	BEGIN SELECT RAISE(ABORT, 'restart approvals are kept at least five years / 复产审批记录至少保存五年'); END;
