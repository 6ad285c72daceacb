-- Claims up to $1 due deliveries for a lease of $2 milliseconds under token $3: locks them
-- (skipping rows another replica holds), sets when the claim expires and counts the attempt.
-- Claims left by a dead replica (lease run out) come first, then unclaimed due work, each
-- oldest due first: a claim keeps the delivery's due time, so a stranded delivery is not
-- pushed behind newer backlog. Served by deliveries_claimed and deliveries_due.
WITH stranded AS (
    SELECT id, next_attempt_time FROM deliveries
    WHERE status = 1 AND claim_token IS NOT NULL AND claim_expire_time <= now()
    ORDER BY claim_expire_time
    LIMIT $1
    FOR UPDATE SKIP LOCKED
), fresh AS (
    SELECT id, next_attempt_time FROM deliveries
    WHERE status = 1 AND claim_token IS NULL AND next_attempt_time <= now()
    ORDER BY next_attempt_time
    LIMIT $1
    FOR UPDATE SKIP LOCKED
), due AS (
    SELECT id FROM (
        SELECT id, next_attempt_time, 0 AS stranded_first FROM stranded
        UNION ALL
        SELECT id, next_attempt_time, 1 FROM fresh
    ) c
    ORDER BY stranded_first, next_attempt_time
    LIMIT $1
)
UPDATE deliveries d
SET claim_expire_time = now() + $2 * interval '1 millisecond',
    claim_token = $3,
    attempts = d.attempts + 1
FROM due, webhooks w, events e
WHERE d.id = due.id AND w.id = d.webhook_id AND e.id = d.event_id
RETURNING d.id, d.webhook_id, d.attempts, d.event_type, d.next_attempt_time,
          w.target_url, w.secret, w.ca_certificate, w.proxy_url, w.proxy_url_sealed, w.secret_key_id, e.body,
          CASE WHEN w.previous_secret_expire_time > now() THEN w.previous_secret END AS previous_secret
