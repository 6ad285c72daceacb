-- Up to $1 running recoveries, oldest first, locked for this worker (others skip them).
SELECT id FROM recoveries
WHERE state = 1
ORDER BY create_time
LIMIT $1
FOR UPDATE SKIP LOCKED
