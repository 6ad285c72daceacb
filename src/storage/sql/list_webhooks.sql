-- A page of webhooks in id (creation) order. Exact scope: both ids match ($1, $2). With
-- descendants ($3): only the ids the scope sets. Then the event filter ($4), the page
-- token ($5, the last id of the previous page), the page size ($6) and the states ($7).
SELECT id, company_id, project_id, target_url, events, ca_certificate, proxy_url,
          create_time, update_time, last_status, last_dispatch_time, last_event_type, last_status_code,
          CASE WHEN previous_secret_expire_time > now() THEN previous_secret_expire_time END
              AS secret_rotation_end_time,
          state, state_reason, state_time, max_in_flight, rate_limit, failure_streak, failing_since,
          breaker_until
FROM webhooks
WHERE (CASE WHEN $3 THEN ($1 = '' OR company_id = $1) AND ($2 = '' OR project_id = $2)
            ELSE company_id = $1 AND project_id = $2 END)
  AND (cardinality($4::text[]) = 0 OR events && $4)
  AND ($5::uuid IS NULL OR id > $5)
  AND (cardinality($7::int2[]) = 0 OR state = ANY($7))
ORDER BY id
LIMIT $6
