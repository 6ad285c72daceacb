-- Recovery $1 of webhook $2's failures for good in [$3, $4) of event types $5 (empty: all):
-- reserves each one no other recovery took (nor is taking: locked rows are skipped), and
-- records the recovery with their count; one that covers nothing is done at once. Announces
-- it on channel $6 for the replicas' recovery workers.
WITH taken AS (
    UPDATE failed_deliveries SET recovered_by = $1
    WHERE delivery_id = ANY (ARRAY(
        SELECT delivery_id FROM failed_deliveries
        WHERE webhook_id = $2 AND recovered_by IS NULL AND failed_time >= $3 AND failed_time < $4
          AND (cardinality($5::text[]) = 0 OR event_type = ANY ($5))
        FOR UPDATE SKIP LOCKED))
    RETURNING delivery_id
), counted AS (
    SELECT count(*)::int4 AS n FROM taken
), announced AS (
    SELECT pg_notify($6, '') FROM counted WHERE n > 0
)
INSERT INTO recoveries (id, webhook_id, start_time, end_time, event_types, total, state, finish_time)
SELECT $1, $2, $3, $4, $5, n, CASE WHEN n = 0 THEN 2 ELSE 1 END, CASE WHEN n = 0 THEN now() END
FROM counted LEFT JOIN announced ON true
RETURNING id, webhook_id, start_time, end_time, event_types, state, total, sent, create_time, finish_time
