-- Keeps a webhook's 200 most recent completed deliveries (served by deliveries_history).
DELETE FROM deliveries
WHERE id IN (
    SELECT id FROM deliveries
    WHERE webhook_id = $1 AND status <> 1
    ORDER BY dispatch_time DESC, id DESC
    OFFSET 200
)
