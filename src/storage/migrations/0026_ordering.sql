-- Ordered delivery: a webhook's ordering (1 unordered, 2 FIFO) and, for a FIFO webhook's
-- deliveries only, their place in publish order from one sequence for the whole database (so
-- across replicas), taken as the row is inserted (null for the others: they pay no sequence
-- and no index entry). A FIFO webhook's head is its pending delivery of least `seq`, found
-- by one descent of deliveries_in_order.
ALTER TABLE webhooks ADD COLUMN ordering int2 NOT NULL DEFAULT 1 CHECK (ordering IN (1, 2));
CREATE SEQUENCE delivery_order AS bigint;
ALTER TABLE deliveries ADD COLUMN seq bigint;
ALTER SEQUENCE delivery_order OWNED BY deliveries.seq;
CREATE INDEX deliveries_in_order ON deliveries (webhook_id, seq) WHERE status = 1 AND seq IS NOT NULL;

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
       w.filter::text AS filter, w.labels, w.client_certificate,
       w.signature_scheme, w.signing_public_key,
       CASE WHEN w.previous_signing_key_expire_time > now() THEN w.previous_signing_public_key END
           AS previous_signing_public_key,
       CASE WHEN w.previous_signing_key_expire_time > now() THEN w.previous_signing_key_expire_time END
           AS signing_key_rotation_end_time,
       w.ordering
FROM webhooks w
LEFT JOIN LATERAL webhook_last_event(w.id) l ON true
LEFT JOIN LATERAL webhook_latest_attempt(w.id) a ON true;
