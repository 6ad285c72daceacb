-- A page of webhooks in id (creation) order. Exact scope: both ids match ($1, $2). With
-- descendants ($3): only the ids the scope sets. Then the event filter ($4), the page
-- token ($5, the last id of the previous page), the page size ($6), the states ($7) and
-- the text the target URL contains ($8, lower case, LIKE's wildcards escaped; empty for any).
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
WHERE (CASE WHEN $3 THEN ($1 = '' OR company_id = $1) AND ($2 = '' OR project_id = $2)
            ELSE company_id = $1 AND project_id = $2 END)
  AND (cardinality($4::text[]) = 0 OR events && $4)
  AND ($5::uuid IS NULL OR w.id > $5)
  AND (cardinality($7::int2[]) = 0 OR state = ANY($7))
  AND ($8 = '' OR lower(target_url) LIKE '%' || $8 || '%')
ORDER BY w.id
LIMIT $6
