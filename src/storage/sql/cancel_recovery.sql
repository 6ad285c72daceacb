-- Cancels recovery $1 if it is running (after any batch a worker is sending commits): the
-- failed deliveries it reserved and has not sent yet are free for another recovery.
WITH r AS (
    UPDATE recoveries SET state = 3, finish_time = now()
    WHERE id = $1 AND state = 1
    RETURNING id
)
UPDATE failed_deliveries SET recovered_by = NULL
WHERE recovered_by = (SELECT id FROM r) AND recovered_time IS NULL
