-- 4: a notice can be escalated twice (a listed source's: to its supervising
-- units, then to the command office). escalations counts them; escalated
-- stays the time of the first. A notice escalated before this change was
-- escalated once.

ALTER TABLE unit_notices ADD COLUMN escalations INTEGER NOT NULL DEFAULT 0;
UPDATE unit_notices SET escalations = 1 WHERE escalated > 0;
