-- Stores a batch of events and fans each new one out in one statement (one round trip, one
-- commit): one delivery per webhook subscribed to the event's name on the instance, on the
-- event's company, or on the event's project (served by webhooks_by_scope), DISABLED ones
-- aside. A repeated idempotency key (earlier, or earlier in the batch) inserts nothing. Each
-- event keeps the publisher's trace context ($9 traceparent, $10 tracestate; null when none).
-- An operational event about webhook $11 (null for others) never goes to that webhook. A
-- webhook with labels gets the event only if the event's labels ($18) hold them all; one with
-- a filter, only if the event's payload ($17) contains it (jsonb `@>`).
--
-- Hand-off: with a lease token $12 (null for none), up to $13 of the new deliveries are
-- inserted already claimed by the publishing process, under $12 for a lease of $14
-- milliseconds, their first attempt counted, for its engine to send at once from memory.
-- Only deliveries the fair claim would send now anyway are handed off: their webhook is
-- ACTIVE, unordered (a FIFO webhook's go through the claim, one at a time), not
-- rate-limited, its circuit breaker closed with fewer than $16 failures in a row,
-- it has no due work waiting (that goes first, through the claim), and a slot free under its
-- in-flight limit (its own, else $15) counting what every replica holds. The rest stay in
-- the queue, and only then are the engines woken on channel $8 (once per statement).
--
-- Returns one row per event handed off a delivery (the delivery and its webhook's target,
-- sealed secrets and proxy, read as a claim reads them), or one row for an event with none;
-- each with the event's delivery count.
WITH input AS (
    SELECT id, event_name, company_id, project_id, event_timestamp, idempotency_key, body, traceparent, tracestate,
           payload::jsonb AS payload, labels
    FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::bytea[],
                $9::text[], $10::text[], $17::text[], $18::jsonb[])
         AS i (id, event_name, company_id, project_id, event_timestamp, idempotency_key, body,
               traceparent, tracestate, payload, labels)
), new AS (
    INSERT INTO events (id, event_name, company_id, project_id, event_timestamp, idempotency_key, body,
                        traceparent, tracestate)
    SELECT id, event_name, company_id, project_id, event_timestamp, idempotency_key, body, traceparent, tracestate
    FROM input
    ON CONFLICT (company_id, project_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id, event_name, company_id, project_id
), targets AS MATERIALIZED (
    SELECT e.id AS event_id, e.event_name, w.id AS webhook_id,
           $12::uuid IS NOT NULL AND w.state = 1 AND w.rate_limit = 0 AND w.breaker_until IS NULL
               AND w.failure_streak < $16::int4 AND w.ordering = 1 AS direct,
           w.ordering = 2 AS ordered,
           coalesce(nullif(w.max_in_flight, 0), $15::int4) AS cap
    FROM new e
    JOIN input i ON i.id = e.id
    JOIN webhooks w
      ON (w.company_id, w.project_id) IN (('', ''), (e.company_id, ''), (e.company_id, e.project_id))
     AND w.events @> ARRAY[e.event_name]
     AND w.state <> 3
     AND w.id IS DISTINCT FROM $11::uuid
     AND i.labels @> w.labels
     AND (w.filter IS NULL OR i.payload @> w.filter)
), room AS MATERIALIZED (
    -- Free slots of each webhook that may be handed deliveries: one probe of deliveries_due
    -- and a count of deliveries_claimed (what the replicas hold) per webhook.
    SELECT t.webhook_id,
           t.cap - (SELECT count(*) FROM deliveries f
                    WHERE f.webhook_id = t.webhook_id AND f.status = 1 AND f.claim_token IS NOT NULL) AS free
    FROM (SELECT DISTINCT webhook_id, cap FROM targets WHERE direct) t
    WHERE NOT EXISTS (SELECT FROM deliveries q
                      WHERE q.webhook_id = t.webhook_id AND q.status = 1 AND q.claim_token IS NULL
                        AND q.next_attempt_time <= now())
), fitting AS (
    SELECT t.event_id, t.event_name, t.webhook_id, t.ordered,
           coalesce(r.free >= row_number() OVER (PARTITION BY t.webhook_id ORDER BY t.event_id), false) AS fits
    FROM targets t
    LEFT JOIN room r ON r.webhook_id = t.webhook_id
), chosen AS (
    SELECT event_id, event_name, webhook_id, ordered,
           fits AND row_number() OVER (PARTITION BY fits ORDER BY event_id, webhook_id) <= $13::int8 AS leased
    FROM fitting
), fan AS (
    INSERT INTO deliveries (id, webhook_id, event_id, event_type, next_attempt_time, claim_token, claim_expire_time,
                            attempts, seq)
    SELECT delivery_uuid(), webhook_id, event_id, event_name, now(),
           CASE WHEN leased THEN $12::uuid END,
           CASE WHEN leased THEN now() + $14::float8 * interval '1 millisecond' END,
           CASE WHEN leased THEN 1 ELSE 0 END,
           -- A FIFO webhook's delivery takes its place in publish order: the rows come sorted
           -- by event (stream order), and the sequence is drawn above the sort.
           CASE WHEN ordered THEN nextval('delivery_order') END
    FROM (SELECT * FROM chosen ORDER BY event_id, webhook_id OFFSET 0) c
    RETURNING id, webhook_id, event_id, claim_token
), counts AS (
    SELECT event_id, count(*)::int4 AS n FROM fan GROUP BY event_id
), handed AS (
    SELECT id, webhook_id, event_id FROM fan WHERE claim_token IS NOT NULL
)
SELECT new.id AS event_id, coalesce(counts.n, 0) AS deliveries,
       -- Evaluated once: one notification however many deliveries wait in the queue.
       (SELECT count(pg_notify($8, '')) FROM (SELECT FROM fan WHERE claim_token IS NULL LIMIT 1) AS queued) AS woken,
       h.id AS delivery_id, h.webhook_id, w.target_url, w.secret, w.ca_certificate, w.proxy_url, w.proxy_url_sealed,
       w.secret_key_id, w.custom_headers_sealed, w.client_certificate, w.client_key_sealed,
       CASE WHEN w.previous_secret_expire_time > now() THEN w.previous_secret END AS previous_secret,
       w.signature_scheme, w.signing_key_sealed,
       CASE WHEN w.previous_signing_key_expire_time > now() THEN w.previous_signing_key_sealed END
           AS previous_signing_key_sealed
FROM new
LEFT JOIN counts ON counts.event_id = new.id
LEFT JOIN handed h ON h.event_id = new.id
-- The id list lets the generic plan probe the primary key whatever the table's size.
LEFT JOIN webhooks w ON w.id = h.webhook_id AND w.id = ANY (ARRAY(SELECT webhook_id FROM handed))
