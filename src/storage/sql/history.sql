-- A webhook's history, filtered, newest first with undispatched deliveries leading, at
-- most $5 rows. Served by a backward scan of deliveries_history that stops at the limit.
-- Oldest first is this statement with its last line reversed (storage/history.rs), served
-- by a forward scan.
WITH kept AS (
    -- The oldest completed delivery the history shows ($6, the history limit, most recent):
    -- older ones only wait for the engine to prune them.
    SELECT dispatch_time, id FROM deliveries
    WHERE webhook_id = $1 AND status <> 1
    ORDER BY dispatch_time DESC, id DESC
    OFFSET $6::int8 - 1 LIMIT 1
)
SELECT id, webhook_id, event_id, event_type, status, status_code, dispatch_time, attempts,
       duration_ms, error, create_time, next_attempt_time
FROM deliveries
WHERE webhook_id = $1
  AND (cardinality($2::text[]) = 0 OR event_type = ANY($2))
  AND ($3::int2 IS NULL OR status = $3)
  AND (cardinality($4::int4[]) = 0 OR status_code = ANY($4))
  AND (status = 1 OR NOT EXISTS (SELECT FROM kept) OR (dispatch_time, id) >= (SELECT dispatch_time, id FROM kept))
ORDER BY dispatch_time DESC NULLS FIRST, id DESC
LIMIT $5
