-- A delivery's attempts move into its own row as a JSON log: recording an attempt then
-- writes one row instead of three (delivery, attempt, attempt index), and pruning history
-- no longer cascades. Times are Unix microseconds; response bodies base64.
ALTER TABLE deliveries ADD COLUMN attempt_log jsonb NOT NULL DEFAULT '[]';

UPDATE deliveries d
SET attempt_log = a.log
FROM (
    SELECT delivery_id,
           jsonb_agg(jsonb_build_object(
               'attempt', attempt,
               'at_us', (extract(epoch FROM dispatch_time) * 1000000)::int8,
               'status_code', status_code,
               'error', error,
               'duration_ms', duration_ms,
               'response_body', encode(response_body, 'base64')) ORDER BY attempt) AS log
    FROM delivery_attempts
    GROUP BY delivery_id
) a
WHERE a.delivery_id = d.id;

DROP TABLE delivery_attempts;
