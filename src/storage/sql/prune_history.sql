-- Keeps each listed webhook's $2 (the history limit) most recent completed deliveries; a
-- scan of deliveries_completed per webhook skips the kept ones and deletes the rest. The
-- engine runs it once a webhook has completed a few dozen deliveries since it last did, so
-- its cost per delivery stays small.
--
-- Each statement of the engine probes deliveries by primary key through an id array
-- (`id = ANY (ARRAY(...))`): its plan is made once per connection, perhaps while the table
-- was nearly empty, and a join planned then would scan the whole table (or its primary key)
-- for every execution once it has grown.
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
