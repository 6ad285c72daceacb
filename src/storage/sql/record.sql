-- Records a batch of attempt outcomes in one statement: each delivery's new state and
-- attempt (only where the claim is still ours; $11 is the attempt as its log keeps it, the
-- serialised `model::Attempt`), and each webhook's last event.
-- Returns the new states with the webhooks' scopes, for watchers.
WITH o AS (
    SELECT *
    FROM unnest($1::uuid[], $2::uuid[], $3::int2[], $4::int4[], $5::timestamptz[], $6::int8[], $7::text[],
                $8::jsonb[], $9::bytea[], $10::timestamptz[], $11::jsonb[])
      AS o(id, claim_token, status, status_code, dispatch_time, duration_ms, error,
           request_headers, response_body, next_attempt_time, entry)
), upd AS (
    UPDATE deliveries d
    SET status = o.status, status_code = o.status_code, dispatch_time = o.dispatch_time,
        duration_ms = o.duration_ms, error = o.error, request_headers = o.request_headers,
        response_body = o.response_body, next_attempt_time = o.next_attempt_time, claim_token = NULL,
        claim_expire_time = NULL,
        attempt_log = d.attempt_log || jsonb_build_array(o.entry)
    FROM o
    WHERE d.id = o.id AND d.claim_token = o.claim_token
    RETURNING d.id, d.webhook_id, d.event_id, d.event_type, d.status, d.status_code, d.dispatch_time,
              d.attempts, d.duration_ms, d.error, d.create_time, d.next_attempt_time
), last_event AS (
    UPDATE webhooks w
    SET last_status = l.status, last_dispatch_time = l.dispatch_time,
        last_event_type = l.event_type, last_status_code = l.status_code
    FROM (
        SELECT DISTINCT ON (webhook_id) webhook_id, status, dispatch_time, event_type, status_code
        FROM upd WHERE status <> 1
        ORDER BY webhook_id, dispatch_time DESC, id DESC
    ) l
    WHERE w.id = l.webhook_id AND (w.last_dispatch_time IS NULL OR w.last_dispatch_time <= l.dispatch_time)
)
SELECT upd.*, w.company_id, w.project_id
FROM upd JOIN webhooks w ON w.id = upd.webhook_id
