-- For metrics: pending deliveries; the due time of the oldest due delivery of an ACTIVE
-- webhook that nobody is sending (each webhook's queue head, one index descent per webhook);
-- webhooks by state; and webhooks whose circuit breaker is open.
WITH RECURSIVE heads(webhook_id, next_attempt_time) AS (
    (SELECT webhook_id, next_attempt_time FROM deliveries
     WHERE status = 1 AND claim_token IS NULL ORDER BY webhook_id, next_attempt_time LIMIT 1)
    UNION ALL
    SELECT x.webhook_id, x.next_attempt_time
    FROM heads h
    CROSS JOIN LATERAL (
        SELECT webhook_id, next_attempt_time FROM deliveries
        WHERE status = 1 AND claim_token IS NULL AND webhook_id > h.webhook_id
        ORDER BY webhook_id, next_attempt_time LIMIT 1) x
)
SELECT (SELECT count(*) FROM deliveries WHERE status = 1) AS depth,
       (SELECT min(h.next_attempt_time) FROM heads h JOIN webhooks w ON w.id = h.webhook_id
        WHERE w.state = 1 AND h.next_attempt_time <= now()) AS oldest_due,
       (SELECT count(*) FROM webhooks WHERE state = 1) AS active,
       (SELECT count(*) FROM webhooks WHERE state = 2) AS paused,
       (SELECT count(*) FROM webhooks WHERE state = 3) AS disabled,
       (SELECT count(*) FROM webhooks WHERE breaker_until IS NOT NULL) AS breaker_open
