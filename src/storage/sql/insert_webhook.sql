-- A new webhook, its secret ($5) and proxy URL ($9) sealed with key $10 and its proxy URL
-- shown with the password masked ($8), its limits ($11 in flight, $12 per second) and state
-- ($13, active or paused), its custom headers as shown ($14) and sealed ($15); returns it as
-- every webhook read does.
INSERT INTO webhooks (id, company_id, project_id, target_url, secret, events, ca_certificate, proxy_url,
                      proxy_url_sealed, secret_key_id, max_in_flight, rate_limit, state, state_reason, state_time,
                      custom_headers, custom_headers_sealed)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::int2,
        CASE WHEN $13::int2 = 2 THEN 'created paused' ELSE '' END, CASE WHEN $13::int2 = 2 THEN now() END,
        $14, $15)
RETURNING id, company_id, project_id, target_url, events, ca_certificate, proxy_url,
          create_time, update_time, NULL::int2 AS last_status, NULL::timestamptz AS last_dispatch_time,
          NULL::text AS last_event_type, NULL::int4 AS last_status_code,
          CASE WHEN previous_secret_expire_time > now() THEN previous_secret_expire_time END
              AS secret_rotation_end_time,
          state, state_reason, state_time, max_in_flight, rate_limit, failure_streak, failing_since,
          breaker_until, custom_headers, NULL::uuid AS attempt_delivery_id, NULL::int2 AS attempt_status,
          NULL::timestamptz AS attempt_dispatch_time, NULL::text AS attempt_event_type,
          NULL::int4 AS attempt_status_code, NULL::text AS attempt_error, NULL::timestamptz AS attempt_next_time
