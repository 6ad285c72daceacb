-- When this engine has work next, and whether a webhook with due work is held only by its
-- in-flight limit (a recorded outcome frees a slot, so the engine then claims at once).
-- The queue's heads (each webhook's earliest unclaimed pending delivery, one index descent
-- per webhook, at most $3 webhooks) count for ACTIVE webhooks with a free slot, no earlier
-- than their circuit breaker's next probe or their rate limiter's next slot; then test pings,
-- and the earliest claim to expire (a replica may die holding it). $1 and $2 are the
-- default in-flight limit and the breaker's threshold, as in claim.sql.
WITH RECURSIVE heads(webhook_id, next_attempt_time, n) AS (
    (SELECT webhook_id, next_attempt_time, 1 FROM deliveries
     WHERE status = 1 AND claim_token IS NULL ORDER BY webhook_id, next_attempt_time LIMIT 1)
    UNION ALL
    SELECT x.webhook_id, x.next_attempt_time, h.n + 1
    FROM heads h
    CROSS JOIN LATERAL (
        SELECT webhook_id, next_attempt_time FROM deliveries
        WHERE status = 1 AND claim_token IS NULL AND webhook_id > h.webhook_id
        ORDER BY webhook_id, next_attempt_time LIMIT 1) x
    WHERE h.n < $3::int8
), active AS MATERIALIZED (
    SELECT greatest(h.next_attempt_time, w.breaker_until,
                    CASE WHEN w.rate_limit > 0
                         THEN w.rate_tat - interval '1 second' + interval '1 second' / w.rate_limit END) AS at,
           CASE WHEN w.failure_streak >= $2 THEN 1 ELSE coalesce(nullif(w.max_in_flight, 0), $1) END
             <= (SELECT count(*) FROM deliveries f
                 WHERE f.webhook_id = w.id AND f.status = 1 AND f.claim_token IS NOT NULL) AS saturated
    FROM heads h
    JOIN webhooks w ON w.id = h.webhook_id
    WHERE w.state = 1
)
SELECT least(
           (SELECT min(at) FROM active WHERE NOT saturated),
           (SELECT min(next_attempt_time) FROM deliveries
            WHERE status = 1 AND claim_token IS NULL AND event_type = 'webhook_test'),
           (SELECT min(claim_expire_time) FROM deliveries WHERE status = 1 AND claim_token IS NOT NULL)) AS at,
       coalesce((SELECT bool_or(saturated) FROM active WHERE at <= now()), false) AS blocked
