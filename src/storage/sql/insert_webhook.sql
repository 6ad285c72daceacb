-- A new webhook, its secret ($5) and proxy URL ($9) sealed with key $10 and its proxy URL
-- shown with the password masked ($8); returns it as every webhook read does.
INSERT INTO webhooks (id, company_id, project_id, target_url, secret, events, ca_certificate, proxy_url,
                      proxy_url_sealed, secret_key_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id, company_id, project_id, target_url, events, ca_certificate, proxy_url,
          create_time, update_time, last_status, last_dispatch_time, last_event_type, last_status_code,
          CASE WHEN previous_secret_expire_time > now() THEN previous_secret_expire_time END
              AS secret_rotation_end_time
