-- A recovery with its webhook's scope (for the caller's reach).
SELECT r.id, r.webhook_id, r.start_time, r.end_time, r.event_types, r.state, r.total, r.sent, r.create_time,
       r.finish_time, w.company_id, w.project_id
FROM recoveries r
JOIN webhooks w ON w.id = r.webhook_id
WHERE r.id = $1
