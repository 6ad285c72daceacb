-- A new pending delivery of delivery $1's event to the same webhook (last in publish order
-- if the webhook is FIFO), and a wake-up of the delivery engines on channel $2.
WITH new AS (
    INSERT INTO deliveries (id, webhook_id, event_id, event_type, next_attempt_time, seq)
    SELECT delivery_uuid(), d.webhook_id, d.event_id, d.event_type, now(),
           CASE WHEN w.ordering = 2 THEN nextval('delivery_order') END
    FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
    WHERE d.id = $1
    RETURNING id, webhook_id, event_id, event_type, status, status_code, dispatch_time, attempts,
              duration_ms, error, create_time, next_attempt_time
), wake AS (SELECT pg_notify($2, '') FROM new)
SELECT new.* FROM new, wake
