-- 3: a delivery claim has a lease. claimed_at is when the entry was last
-- claimed (unix milliseconds, the log's clock); another owner may claim an
-- entry left sending once its lease is over (Deliveries.ClaimLease). Rows
-- claimed before this change have 0: their lease is over.

ALTER TABLE deliveries ADD COLUMN claimed_at INTEGER NOT NULL DEFAULT 0;
