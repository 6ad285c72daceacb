-- Keeps each listed webhook's 200 most recent completed deliveries; a scan of
-- deliveries_completed per webhook skips the 200 kept and deletes the rest.
DELETE FROM deliveries d
USING (
    SELECT old.id
    FROM unnest($1::uuid[]) AS w(id)
    CROSS JOIN LATERAL (
        SELECT id FROM deliveries
        WHERE webhook_id = w.id AND status <> 1
        ORDER BY dispatch_time DESC, id DESC
        OFFSET 200
    ) old
) doomed
WHERE d.id = doomed.id
