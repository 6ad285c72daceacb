-- A new pending delivery of delivery $1's event to the same webhook, and a wake-up of the
-- delivery engines on channel $2.
WITH new AS (
    INSERT INTO deliveries (id, webhook_id, event_id, event_type, next_attempt_time)
    SELECT delivery_uuid(), webhook_id, event_id, event_type, now() FROM deliveries WHERE id = $1
    RETURNING id, webhook_id, event_id, event_type, status, status_code, dispatch_time, attempts,
              duration_ms, error, create_time, next_attempt_time
), wake AS (SELECT pg_notify($2, '') FROM new)
SELECT new.* FROM new, wake
