-- A claim no longer moves a delivery's due time: it sets claim_expire_time instead, so a
-- delivery whose claim was left by a dead replica keeps its place (its original due time)
-- and is taken again, before newer backlog, as soon as the lease runs out.
ALTER TABLE deliveries ADD COLUMN claim_expire_time timestamptz;
-- Claims held at the upgrade keep their lease; their due time was already pushed forward.
UPDATE deliveries SET claim_expire_time = next_attempt_time WHERE status = 1 AND claim_token IS NOT NULL;
-- Unclaimed due work, oldest due first.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (next_attempt_time) WHERE status = 1 AND claim_token IS NULL;
-- Claims, by when their lease runs out (few rows: what replicas hold in flight).
CREATE INDEX deliveries_claimed ON deliveries (claim_expire_time) WHERE status = 1 AND claim_token IS NOT NULL;
