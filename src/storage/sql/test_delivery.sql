-- A test event ($1 id, $2 name, $3/$4 scope, $5 timestamp, $6 body) for webhook $7 only,
-- its single delivery, and a wake-up of the delivery engines on channel $8. The delivery's
-- reference to the event is checked at the end of the statement, when both rows exist.
WITH event AS (
    INSERT INTO events (id, event_name, company_id, project_id, event_timestamp, body)
    VALUES ($1, $2, $3, $4, $5, $6)
    RETURNING id
), new AS (
    INSERT INTO deliveries (id, webhook_id, event_id, event_type, next_attempt_time)
    SELECT delivery_uuid(), $7, event.id, $2, now() FROM event
    RETURNING id, webhook_id, event_id, event_type, status, status_code, dispatch_time, attempts,
              duration_ms, error, create_time, next_attempt_time
), wake AS (SELECT pg_notify($8, '') FROM new)
SELECT new.* FROM new, wake
