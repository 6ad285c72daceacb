-- Records an attempt's outcome, only if the claim is still ours.
UPDATE deliveries
SET status = $3, status_code = $4, dispatch_time = $5, duration_ms = $6, error = $7,
    request_headers = $8, response_body = $9, next_attempt_time = $10, claim_token = NULL
WHERE id = $1 AND claim_token = $2
RETURNING webhook_id, event_type
