-- When work is next due: the earliest unclaimed pending delivery, or the earliest claim to
-- expire (a replica may die holding it).
SELECT least(
    (SELECT min(next_attempt_time) FROM deliveries WHERE status = 1 AND claim_token IS NULL),
    (SELECT min(claim_expire_time) FROM deliveries WHERE status = 1 AND claim_token IS NOT NULL))
