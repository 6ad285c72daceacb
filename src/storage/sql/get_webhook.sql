-- One webhook (never its secret).
SELECT w.id, company_id, project_id, target_url, events, ca_certificate, proxy_url,
          create_time, update_time, l.status AS last_status, l.dispatch_time AS last_dispatch_time,
          l.event_type AS last_event_type, l.status_code AS last_status_code,
          CASE WHEN previous_secret_expire_time > now() THEN previous_secret_expire_time END
              AS secret_rotation_end_time,
          state, state_reason, state_time, max_in_flight, rate_limit, failure_streak, failing_since,
          breaker_until, custom_headers, a.delivery_id AS attempt_delivery_id, a.status AS attempt_status,
          a.dispatch_time AS attempt_dispatch_time, a.event_type AS attempt_event_type,
          a.status_code AS attempt_status_code, a.error AS attempt_error, a.next_attempt_time AS attempt_next_time
FROM webhooks w
LEFT JOIN LATERAL webhook_last_event(w.id) l ON true
LEFT JOIN LATERAL webhook_latest_attempt(w.id) a ON true
WHERE w.id = $1
