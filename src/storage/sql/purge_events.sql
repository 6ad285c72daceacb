-- Up to $2 of the oldest events older than $1 seconds that no delivery references, nor a
-- failed delivery kept for recovery.
DELETE FROM events WHERE id IN (
    SELECT e.id FROM events e
    WHERE e.create_time < now() - $1 * interval '1 second'
      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
      AND NOT EXISTS (SELECT 1 FROM failed_deliveries f WHERE f.event_id = e.id)
    ORDER BY e.create_time
    LIMIT $2)
