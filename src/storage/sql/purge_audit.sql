-- Up to $2 audit events older than $1 seconds.
DELETE FROM audit_events WHERE id IN (
    SELECT id FROM audit_events
    WHERE create_time < now() - $1 * interval '1 second'
    ORDER BY create_time
    LIMIT $2)
