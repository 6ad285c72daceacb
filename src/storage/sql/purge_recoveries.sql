-- Up to $2 recoveries that ended more than $1 seconds ago.
DELETE FROM recoveries WHERE id IN (
    SELECT id FROM recoveries
    WHERE finish_time < now() - $1 * interval '1 second'
    ORDER BY finish_time
    LIMIT $2)
