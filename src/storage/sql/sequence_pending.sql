-- Webhook $1 has just become FIFO: its pending deliveries without a place in publish order
-- take one, in the order they were made (ids are time-ordered), after any that have one.
WITH o AS MATERIALIZED (
    SELECT id, nextval('delivery_order') AS seq
    FROM (SELECT id FROM deliveries WHERE webhook_id = $1 AND status = 1 AND seq IS NULL ORDER BY id OFFSET 0) p
)
UPDATE deliveries d SET seq = o.seq
FROM o
WHERE d.id = o.id AND d.id = ANY (ARRAY(SELECT id FROM o))
