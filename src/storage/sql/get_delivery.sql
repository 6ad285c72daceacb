-- One delivery's summary and its webhook's scope (for the caller's reach check).
SELECT d.id, d.webhook_id, d.event_id, d.event_type, d.status, d.status_code, d.dispatch_time,
       d.attempts, d.duration_ms, d.error, d.create_time, d.next_attempt_time, d.change_time,
       w.company_id, w.project_id
FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
WHERE d.id = $1
