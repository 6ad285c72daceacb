-- Stores a batch of events and fans each new one out in one statement (one round trip, one
-- commit): one delivery per webhook subscribed to the event's name on the instance, on the
-- event's company, or on the event's project (served by webhooks_by_scope), DISABLED ones
-- aside. A repeated idempotency key (earlier, or earlier in the batch) inserts nothing.
-- Wakes the engines on channel $8 when there is something to deliver. Each event keeps the
-- publisher's trace context ($9 traceparent, $10 tracestate; null when none). An operational
-- event about webhook $11 (null for others) never goes to that webhook. Returns each new
-- event with its delivery count.
WITH new AS (
    INSERT INTO events (id, event_name, company_id, project_id, event_timestamp, idempotency_key, body,
                        traceparent, tracestate)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::bytea[],
                         $9::text[], $10::text[])
    ON CONFLICT (company_id, project_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id, event_name, company_id, project_id
), fan AS (
    INSERT INTO deliveries (id, webhook_id, event_id, event_type, next_attempt_time)
    SELECT gen_random_uuid(), w.id, e.id, e.event_name, now()
    FROM new e
    JOIN webhooks w
      ON (w.company_id, w.project_id) IN (('', ''), (e.company_id, ''), (e.company_id, e.project_id))
     AND w.events @> ARRAY[e.event_name]
     AND w.state <> 3
     AND w.id IS DISTINCT FROM $11::uuid
    RETURNING event_id
), counts AS (
    SELECT event_id, count(*)::int4 AS n FROM fan GROUP BY event_id
)
SELECT new.id, coalesce(counts.n, 0) AS deliveries,
       -- Evaluated once, with the first row: one notification however many deliveries.
       (SELECT count(pg_notify($8, '')) FROM (SELECT FROM fan LIMIT 1) AS any_delivery) AS woken
FROM new
LEFT JOIN counts ON counts.event_id = new.id
