-- Public-key signatures (Standard Webhooks v1a, ed25519): which signatures a webhook's
-- deliveries carry (1 v1, 2 v1a, 3 both), its key pair (the PKCS#8 document sealed like the
-- secret with the row's key; the 32-byte public key in plain) and, while a rotation's grace
-- period runs, the key pair it replaced and when that one stops signing.
ALTER TABLE webhooks
    ADD COLUMN signature_scheme int2 NOT NULL DEFAULT 1 CHECK (signature_scheme BETWEEN 1 AND 3),
    ADD COLUMN signing_key_sealed bytea,
    ADD COLUMN signing_public_key bytea,
    ADD COLUMN previous_signing_key_sealed bytea,
    ADD COLUMN previous_signing_public_key bytea,
    ADD COLUMN previous_signing_key_expire_time timestamptz,
    ADD CHECK (signature_scheme = 1 OR signing_key_sealed IS NOT NULL);

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
           AS signing_key_rotation_end_time
FROM webhooks w
LEFT JOIN LATERAL webhook_last_event(w.id) l ON true
LEFT JOIN LATERAL webhook_latest_attempt(w.id) a ON true;
