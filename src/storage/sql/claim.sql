-- Claims due deliveries: locks them (skipping rows another replica holds), pushes their
-- due time forward by the lease and counts the attempt. A claim whose holder dies falls
-- due again when the lease runs out. Served by deliveries_due.
WITH due AS (
    SELECT id FROM deliveries
    WHERE status = 1 AND next_attempt_time <= now()
    ORDER BY next_attempt_time
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
UPDATE deliveries d
SET next_attempt_time = now() + $2 * interval '1 millisecond',
    claim_token = $3,
    attempts = d.attempts + 1
FROM due, webhooks w, events e
WHERE d.id = due.id AND w.id = d.webhook_id AND e.id = d.event_id
RETURNING d.id, d.webhook_id, d.attempts, d.event_type,
          w.target_url, w.secret, w.ca_certificate, w.proxy_url, w.proxy_url_sealed, w.secret_key_id, e.body,
          CASE WHEN w.previous_secret_expire_time > now() THEN w.previous_secret END AS previous_secret
