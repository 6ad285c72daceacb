-- Sends up to $2 of recovery $1's reserved failed deliveries again, oldest first: each a new
-- pending delivery of the same event to the same webhook, due in that order (and, to a FIFO
-- webhook, last in publish order, in that order), and marked sent. A batch short of $2 finishes the recovery. Returns the recovery's progress.
WITH picked AS (
    SELECT delivery_id, webhook_id, event_id, event_type,
           row_number() OVER (ORDER BY failed_time, delivery_id) AS n
    FROM failed_deliveries
    WHERE recovered_by = $1 AND recovered_time IS NULL
    ORDER BY failed_time, delivery_id
    LIMIT $2
), marked AS (
    UPDATE failed_deliveries SET recovered_time = now()
    WHERE delivery_id = ANY (ARRAY(SELECT delivery_id FROM picked))
), new AS (
    INSERT INTO deliveries (id, webhook_id, event_id, event_type, next_attempt_time, seq)
    SELECT delivery_uuid(), webhook_id, event_id, event_type, now() + n * interval '1 microsecond',
           CASE WHEN ordering = 2 THEN nextval('delivery_order') END
    FROM (SELECT p.*, w.ordering FROM picked p JOIN webhooks w ON w.id = p.webhook_id ORDER BY p.n OFFSET 0) o
    RETURNING id
), counted AS (
    SELECT count(*)::int4 AS n FROM new
)
UPDATE recoveries r
SET sent = r.sent + c.n,
    state = CASE WHEN c.n < $2 THEN 2 ELSE r.state END,
    finish_time = CASE WHEN c.n < $2 THEN now() ELSE r.finish_time END
FROM counted c
WHERE r.id = $1
RETURNING c.n AS sent_now, r.state
