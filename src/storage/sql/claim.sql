-- Claims up to $1 due deliveries for a lease of $2 milliseconds under token $3, fairly
-- between webhooks, and counts the attempt.
--
-- Webhooks with unclaimed pending work are visited in id order from just after $4 (the last
-- webhook the previous claim served), wrapping round, at most $5 of them: a skip scan of
-- deliveries_due, one index descent per webhook however long its backlog. A visited webhook
-- is served when it is ACTIVE and its circuit breaker is not holding it, as many deliveries
-- as it has free slots: its in-flight limit (its own, else $6; 1 while the breaker probes,
-- after $7 failures in a row) less the claims out on it (on any replica; not counting the
-- deliveries $9 that the claiming process has had answered and not yet recorded, so a slot is
-- free as soon as its response is in), no more than its rate limit lets
-- through now, and no more than twice its fair share of the batch. Its oldest due deliveries
-- are taken, and the batch is filled round-robin: every webhook's first, then every
-- webhook's second, and so on. A FIFO webhook has one slot and sends only its head, the
-- first of its pending deliveries in publish order. Test pings go first, whatever their
-- webhook's state.
--
-- Claims left by a dead replica (lease run out) are freed in passing; they keep their due
-- time, so the next claim takes them before newer work of their webhook.
--
-- Rows are reached by key through id arrays (`id = ANY (ARRAY(...))`) besides the joins: the
-- plan is made once per connection, perhaps while the tables were nearly empty, and a join
-- planned then would scan a whole table (or its primary key) on every claim once it has grown.
WITH RECURSIVE hooks(webhook_id, lap, ord) AS (
    SELECT s.webhook_id, CASE WHEN s.webhook_id > $4 THEN 0 ELSE 1 END, 1
    FROM (SELECT coalesce(
        (SELECT webhook_id FROM deliveries
         WHERE status = 1 AND claim_token IS NULL AND webhook_id > $4 ORDER BY webhook_id LIMIT 1),
        (SELECT webhook_id FROM deliveries
         WHERE status = 1 AND claim_token IS NULL ORDER BY webhook_id LIMIT 1)) AS webhook_id OFFSET 0) s
    WHERE s.webhook_id IS NOT NULL
    UNION ALL
    SELECT n.webhook_id, n.lap, h.ord + 1
    FROM hooks h
    CROSS JOIN LATERAL (
        SELECT x.webhook_id, CASE WHEN x.webhook_id > h.webhook_id THEN h.lap ELSE 1 END AS lap
        FROM (SELECT coalesce(
            (SELECT webhook_id FROM deliveries
             WHERE status = 1 AND claim_token IS NULL AND webhook_id > h.webhook_id ORDER BY webhook_id LIMIT 1),
            CASE WHEN h.lap = 0 THEN
                (SELECT webhook_id FROM deliveries
                 WHERE status = 1 AND claim_token IS NULL ORDER BY webhook_id LIMIT 1) END) AS webhook_id
              OFFSET 0) x
    ) n
    WHERE n.webhook_id IS NOT NULL AND h.ord < $5::int8
      -- The second lap ends where the first began.
      AND NOT (n.lap = 1 AND n.webhook_id > $4)
), ready AS MATERIALIZED (
    SELECT w.id, h.ord, w.rate_limit, greatest(w.rate_tat, now()) AS tat, w.ordering,
           CASE WHEN w.failure_streak >= $7 OR w.ordering = 2 THEN 1
                ELSE coalesce(nullif(w.max_in_flight, 0), $6) END
             - (SELECT count(*) FROM deliveries f
                WHERE f.webhook_id = w.id AND f.status = 1 AND f.claim_token IS NOT NULL
                  AND f.id <> ALL ($9::uuid[])) AS free
    FROM hooks h
    JOIN webhooks w ON w.id = h.webhook_id AND w.id = ANY (ARRAY(SELECT webhook_id FROM hooks))
    WHERE w.state = 1 AND (w.breaker_until IS NULL OR w.breaker_until <= now())
), slots AS (
    SELECT id, ord, ordering,
           least(free,
                 CASE WHEN rate_limit > 0
                      THEN floor(extract(epoch FROM now() + interval '1 second' - tat) * rate_limit)
                      ELSE free END,
                 2 * ceil($1::int8::float8 / count(*) OVER ()))::int AS slots
    FROM ready
    WHERE free > 0
), picked AS (
    SELECT d.id, d.webhook_id, d.next_attempt_time, s.ord
    FROM slots s
    CROSS JOIN LATERAL (
        SELECT id, webhook_id, next_attempt_time FROM deliveries
        WHERE webhook_id = s.id AND status = 1 AND claim_token IS NULL AND next_attempt_time <= now()
          AND event_type <> 'webhook_test'
        ORDER BY next_attempt_time
        LIMIT greatest(s.slots, 0)
        FOR UPDATE SKIP LOCKED
    ) d
    WHERE s.ordering = 1
    UNION ALL
    -- A FIFO webhook sends its head alone: its pending delivery first in publish order (test
    -- pings and deliveries this process has had answered aside), once due and unclaimed.
    SELECT d.id, d.webhook_id, d.next_attempt_time, s.ord
    FROM slots s
    CROSS JOIN LATERAL (
        SELECT id, webhook_id, next_attempt_time FROM deliveries
        WHERE id = (SELECT f.id FROM deliveries f
                    WHERE f.webhook_id = s.id AND f.status = 1 AND f.seq IS NOT NULL
                      AND f.id <> ALL ($9::uuid[])
                    ORDER BY f.seq LIMIT 1)
          AND status = 1 AND claim_token IS NULL AND next_attempt_time <= now()
        FOR UPDATE SKIP LOCKED
    ) d
    WHERE s.ordering = 2 AND s.slots > 0
), tests AS (
    SELECT id, webhook_id, next_attempt_time FROM deliveries
    WHERE status = 1 AND claim_token IS NULL AND event_type = 'webhook_test' AND next_attempt_time <= now()
    ORDER BY next_attempt_time
    LIMIT $1
    FOR UPDATE SKIP LOCKED
), due AS (
    SELECT id, webhook_id, ord FROM (
        SELECT id, webhook_id, 0::bigint AS turn, 0 AS ord, next_attempt_time FROM tests
        UNION ALL
        SELECT id, webhook_id, row_number() OVER (PARTITION BY webhook_id ORDER BY next_attempt_time), ord,
               next_attempt_time
        FROM picked
    ) c
    ORDER BY turn, ord
    LIMIT $1
), rated AS (
    UPDATE webhooks w
    SET rate_tat = greatest(w.rate_tat, now()) + c.n * interval '1 second' / w.rate_limit
    FROM (SELECT webhook_id, count(*) AS n FROM due WHERE ord > 0 GROUP BY webhook_id) c
    WHERE w.id = c.webhook_id AND w.id = ANY (ARRAY(SELECT webhook_id FROM due)) AND w.rate_limit > 0
    RETURNING w.id, w.rate_tat
), freed AS (
    UPDATE deliveries
    SET claim_token = NULL, claim_expire_time = NULL
    WHERE id = ANY (ARRAY(SELECT id FROM deliveries
                          WHERE status = 1 AND claim_token IS NOT NULL AND claim_expire_time <= now()
                          LIMIT $1
                          FOR UPDATE SKIP LOCKED))
)
, claimed AS (
    UPDATE deliveries d
    SET claim_expire_time = now() + $2 * interval '1 millisecond',
        claim_token = $3,
        attempts = d.attempts + 1
    FROM due, webhooks w
    WHERE d.id = ANY (ARRAY(SELECT id FROM due)) AND d.id = due.id
      AND w.id = ANY (ARRAY(SELECT webhook_id FROM due)) AND w.id = d.webhook_id
    RETURNING d.id, d.webhook_id, d.attempts, d.event_type, d.next_attempt_time, due.ord,
              w.target_url, w.secret, w.ca_certificate, w.proxy_url, w.proxy_url_sealed, w.secret_key_id,
              w.custom_headers_sealed, w.client_certificate, w.client_key_sealed, d.event_id,
              CASE WHEN w.previous_secret_expire_time > now() THEN w.previous_secret END AS previous_secret,
              w.signature_scheme, w.signing_key_sealed,
              CASE WHEN w.previous_signing_key_expire_time > now() THEN w.previous_signing_key_sealed END
                  AS previous_signing_key_sealed
),
-- When a claim leaves the batch short, the same statement tells when there is work next
-- (`next_at`, NULL when nothing is pending) and whether a webhook with due work is held only
-- by its in-flight limit (`blocked`: a recorded outcome frees a slot, so the engine then
-- claims at once). The queue is seen as this claim leaves it, though the statement's
-- snapshot predates its own changes: the deliveries just taken are neither due nor free
-- slots, and rate limiters are as just advanced.
--
-- The queue's heads (each webhook's earliest unclaimed pending delivery, one index descent
-- per webhook, at most $8 webhooks) count for ACTIVE webhooks with a free slot, no earlier
-- than their circuit breaker's next probe or their rate limiter's next slot; then test pings,
-- and the earliest claim to expire (a replica may die holding it), this claim's included.
taken AS MATERIALIZED (
    SELECT coalesce(array_agg(id), '{}') AS ids, count(*) AS n FROM due
), heads(webhook_id, next_attempt_time, n) AS (
    (SELECT webhook_id, next_attempt_time, 1 FROM deliveries
     WHERE status = 1 AND claim_token IS NULL AND id <> ALL ((SELECT ids FROM taken)::uuid[])
       -- A full batch: the engine claims again at once and needs no answer.
       AND (SELECT n FROM taken) < $1::int8
     ORDER BY webhook_id, next_attempt_time LIMIT 1)
    UNION ALL
    SELECT x.webhook_id, x.next_attempt_time, h.n + 1
    FROM heads h
    CROSS JOIN LATERAL (
        SELECT webhook_id, next_attempt_time FROM deliveries
        WHERE status = 1 AND claim_token IS NULL AND webhook_id > h.webhook_id
          AND id <> ALL ((SELECT ids FROM taken)::uuid[])
        ORDER BY webhook_id, next_attempt_time LIMIT 1) x
    WHERE h.n < $8::int8
), active AS MATERIALIZED (
    -- A FIFO webhook's work is next due when its head is (a retried head holds the rest).
    SELECT greatest(CASE WHEN w.ordering = 2
                         THEN coalesce((SELECT f.next_attempt_time FROM deliveries f
                                        WHERE f.webhook_id = w.id AND f.status = 1 AND f.seq IS NOT NULL
                                          AND f.id <> ALL ($9::uuid[])
                                        ORDER BY f.seq LIMIT 1), h.next_attempt_time)
                         ELSE h.next_attempt_time END,
                    w.breaker_until,
                    CASE WHEN w.rate_limit > 0
                         THEN coalesce(r.rate_tat, w.rate_tat) - interval '1 second'
                              + interval '1 second' / w.rate_limit END) AS at,
           CASE WHEN w.failure_streak >= $7 OR w.ordering = 2 THEN 1
                ELSE coalesce(nullif(w.max_in_flight, 0), $6) END
             <= (SELECT count(*) FROM deliveries f
                 WHERE f.webhook_id = w.id AND f.status = 1 AND f.claim_token IS NOT NULL
                   AND f.id <> ALL ($9::uuid[]))
                + (SELECT count(*) FROM due t WHERE t.webhook_id = w.id) AS saturated
    FROM heads h
    JOIN webhooks w ON w.id = h.webhook_id AND w.id = ANY (ARRAY(SELECT webhook_id FROM heads))
    LEFT JOIN rated r ON r.id = w.id
    WHERE w.state = 1
), next AS (
    SELECT least(
               (SELECT min(at) FROM active WHERE NOT saturated),
               (SELECT min(next_attempt_time) FROM deliveries
                WHERE status = 1 AND claim_token IS NULL AND event_type = 'webhook_test'
                  AND id <> ALL ((SELECT ids FROM taken)::uuid[])),
               (SELECT min(claim_expire_time) FROM deliveries WHERE status = 1 AND claim_token IS NOT NULL),
               CASE WHEN (SELECT n FROM taken) > 0 THEN now() + $2 * interval '1 millisecond' END) AS next_at,
           coalesce((SELECT bool_or(saturated) FROM active WHERE at <= now()), false) AS blocked
)
-- One row per delivery claimed, or one row of NULLs when none was; each with `next_at` and
-- `blocked`.
-- Each claimed delivery's event (its body, and the publisher's trace context) is read once,
-- by key.
SELECT c.*, e.body, e.traceparent, e.tracestate, n.next_at, n.blocked
FROM next n
LEFT JOIN claimed c ON true
LEFT JOIN events e ON e.id = c.event_id AND e.id = ANY (ARRAY(SELECT event_id FROM claimed))
