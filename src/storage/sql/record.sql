-- Records an attempt's outcome, only if the claim is still ours; returns the new state
-- and the webhook's scope for watchers.
UPDATE deliveries d
SET status = $3, status_code = $4, dispatch_time = $5, duration_ms = $6, error = $7,
    request_headers = $8, response_body = $9, next_attempt_time = $10, claim_token = NULL
FROM webhooks w
WHERE d.id = $1 AND d.claim_token = $2 AND w.id = d.webhook_id
RETURNING d.id, d.webhook_id, d.event_id, d.event_type, d.status, d.status_code, d.dispatch_time,
          d.attempts, d.duration_ms, d.error, d.create_time, d.next_attempt_time,
          w.company_id, w.project_id
