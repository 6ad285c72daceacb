-- One webhook (never its secret).
SELECT id, company_id, project_id, target_url, events, ca_certificate, proxy_url,
          create_time, update_time, last_status, last_dispatch_time, last_event_type, last_status_code,
          CASE WHEN previous_secret_expire_time > now() THEN previous_secret_expire_time END
              AS secret_rotation_end_time,
          state, state_reason, state_time, max_in_flight, rate_limit, failure_streak, failing_since,
          breaker_until
FROM webhooks
WHERE id = $1
