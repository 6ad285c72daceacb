-- Keeps deliveries that failed for good for bulk recovery (RecoverDeliveries): $1 their ids.
INSERT INTO failed_deliveries (delivery_id, webhook_id, event_id, event_type, failed_time)
SELECT id, webhook_id, event_id, event_type, dispatch_time
FROM deliveries
WHERE id = ANY ($1::uuid[])
ON CONFLICT DO NOTHING
