-- Up to $2 of the oldest failed deliveries kept for recovery longer than $1 seconds, except
-- those a running recovery reserved and has yet to send.
DELETE FROM failed_deliveries WHERE delivery_id IN (
    SELECT delivery_id FROM failed_deliveries
    WHERE failed_time < now() - $1 * interval '1 second'
      AND (recovered_by IS NULL OR recovered_time IS NOT NULL)
    ORDER BY failed_time
    LIMIT $2)
