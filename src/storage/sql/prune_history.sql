-- Keeps each listed webhook's $2 (the history limit) most recent completed deliveries; a
-- scan of deliveries_completed per webhook skips the kept ones and deletes the rest. The
-- engine runs it once a webhook has completed a few dozen deliveries since it last did, so
-- its cost per delivery stays small. Each webhook remembers the latest change among what
-- was deleted (`history_pruned_through`): a watch resuming from before it missed that much.
-- Returns how many deliveries were deleted.
--
-- Each statement of the engine probes deliveries by primary key through an id array
-- (`id = ANY (ARRAY(...))`): its plan is made once per connection, perhaps while the table
-- was nearly empty, and a join planned then would scan the whole table (or its primary key)
-- for every execution once it has grown.
WITH gone AS (
    DELETE FROM deliveries d
    WHERE d.id = ANY (ARRAY(
        SELECT old.id
        FROM unnest($1::uuid[]) AS w(id)
        CROSS JOIN LATERAL (
            SELECT id FROM deliveries
            WHERE webhook_id = w.id AND status <> 1
            ORDER BY dispatch_time DESC, id DESC
            OFFSET $2
        ) old))
    RETURNING d.webhook_id, d.change_time
), through AS (
    SELECT webhook_id, max(change_time) AS change_time FROM gone WHERE change_time IS NOT NULL GROUP BY webhook_id
), marked AS (
    UPDATE webhooks w SET history_pruned_through = t.change_time
    FROM through t
    WHERE w.id = t.webhook_id AND w.id = ANY ($1::uuid[])
      AND (w.history_pruned_through IS NULL OR w.history_pruned_through < t.change_time)
)
SELECT count(*) AS deleted FROM gone
