-- Changes the fields given: $2 to $4 when not null; the CA certificate and the proxy when
-- $5 / $7 say so (to $6 / $8, null removing them).
UPDATE webhooks SET
    target_url = coalesce($2, target_url),
    secret = coalesce($3, secret),
    events = coalesce($4, events),
    ca_certificate = CASE WHEN $5 THEN $6 ELSE ca_certificate END,
    proxy_url = CASE WHEN $7 THEN $8 ELSE proxy_url END,
    update_time = now()
WHERE id = $1
RETURNING id, company_id, project_id, target_url, events, ca_certificate, proxy_url,
          create_time, update_time, last_status, last_dispatch_time, last_event_type, last_status_code
