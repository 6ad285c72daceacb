-- What a resuming watch missed: the deliveries of webhook $1 (null for any), of scope $2/$3
-- and below ('' for any), whose state changed at or after $4, oldest change first, each with
-- its webhook's scope. Read through each webhook's deliveries (its pending work and recent
-- history only), when a watch resumes; never on the delivery path.
SELECT d.id, d.webhook_id, d.event_id, d.event_type, d.status, d.status_code, d.dispatch_time, d.attempts,
       d.duration_ms, d.error, d.create_time, d.next_attempt_time, d.change_time, w.company_id, w.project_id
FROM webhooks w
JOIN deliveries d ON d.webhook_id = w.id
WHERE ($1::uuid IS NULL OR w.id = $1) AND ($2 = '' OR w.company_id = $2) AND ($3 = '' OR w.project_id = $3)
  AND d.change_time >= $4
ORDER BY d.change_time, d.id
