-- One delivery with what was sent (the event's body, the latest request headers), what
-- came back, every attempt, and its webhook's scope (for the caller's reach check).
SELECT d.id, d.webhook_id, d.event_id, d.event_type, d.status, d.status_code, d.dispatch_time,
       d.attempts, d.duration_ms, d.error, d.create_time, d.next_attempt_time,
       d.request_headers, d.response_body, d.attempt_log, e.body,
       w.company_id, w.project_id
FROM deliveries d
JOIN events e ON e.id = d.event_id
JOIN webhooks w ON w.id = d.webhook_id
WHERE d.id = $1
