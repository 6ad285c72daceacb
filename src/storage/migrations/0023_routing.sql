-- Routing beyond event names: a webhook's payload filter (a JSON object the event's payload
-- must contain, jsonb `@>`; null for none) and the labels an event must carry to reach it
-- (an object of strings, contained in the event's labels; empty for none). Both are tested
-- in the fan-out only; the view shows them.
ALTER TABLE webhooks ADD COLUMN filter jsonb, ADD COLUMN labels jsonb NOT NULL DEFAULT '{}';

CREATE OR REPLACE VIEW webhooks_shown AS
SELECT w.id, w.company_id, w.project_id, w.target_url, w.events, w.ca_certificate, w.proxy_url,
       w.create_time, w.update_time, l.status AS last_status, l.dispatch_time AS last_dispatch_time,
       l.event_type AS last_event_type, l.status_code AS last_status_code,
       CASE WHEN w.previous_secret_expire_time > now() THEN w.previous_secret_expire_time END
           AS secret_rotation_end_time,
       w.state, w.state_reason, w.state_time, w.max_in_flight, w.rate_limit, w.failure_streak, w.failing_since,
       w.breaker_until, w.custom_headers, a.delivery_id AS attempt_delivery_id, a.status AS attempt_status,
       a.dispatch_time AS attempt_dispatch_time, a.event_type AS attempt_event_type,
       a.status_code AS attempt_status_code, a.error AS attempt_error, a.next_attempt_time AS attempt_next_time,
       w.filter::text AS filter, w.labels
FROM webhooks w
LEFT JOIN LATERAL webhook_last_event(w.id) l ON true
LEFT JOIN LATERAL webhook_latest_attempt(w.id) a ON true;
