-- A webhook's last event: its newest completed delivery (one probe of deliveries_completed).
-- A single-statement SQL function, so the planner inlines it where it is joined laterally.
CREATE FUNCTION webhook_last_event(webhook uuid)
RETURNS TABLE (status smallint, dispatch_time timestamptz, event_type text, status_code integer)
LANGUAGE sql STABLE
AS $$
    SELECT d.status, d.dispatch_time, d.event_type, d.status_code
    FROM deliveries d
    WHERE d.webhook_id = webhook AND d.status <> 1
    ORDER BY d.dispatch_time DESC, d.id DESC
    LIMIT 1
$$;
