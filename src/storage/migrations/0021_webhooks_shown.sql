-- A webhook as the API shows it, written once for every statement that answers with webhooks
-- (get, list, and create and update, which read their row back through it): never its
-- secrets; its last event (newest completed delivery) and latest attempt, and when a secret
-- rotation in progress ends. A later migration that changes a column shown here replaces the
-- view with it.
CREATE VIEW webhooks_shown AS
SELECT w.id, w.company_id, w.project_id, w.target_url, w.events, w.ca_certificate, w.proxy_url,
       w.create_time, w.update_time, l.status AS last_status, l.dispatch_time AS last_dispatch_time,
       l.event_type AS last_event_type, l.status_code AS last_status_code,
       CASE WHEN w.previous_secret_expire_time > now() THEN w.previous_secret_expire_time END
           AS secret_rotation_end_time,
       w.state, w.state_reason, w.state_time, w.max_in_flight, w.rate_limit, w.failure_streak, w.failing_since,
       w.breaker_until, w.custom_headers, a.delivery_id AS attempt_delivery_id, a.status AS attempt_status,
       a.dispatch_time AS attempt_dispatch_time, a.event_type AS attempt_event_type,
       a.status_code AS attempt_status_code, a.error AS attempt_error, a.next_attempt_time AS attempt_next_time
FROM webhooks w
LEFT JOIN LATERAL webhook_last_event(w.id) l ON true
LEFT JOIN LATERAL webhook_latest_attempt(w.id) a ON true;
