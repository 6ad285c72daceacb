-- A new webhook, its secret ($5) and proxy URL ($9) sealed with key $10 and its proxy URL
-- shown with the password masked ($8), its limits ($11 in flight, $12 per second) and state
-- ($13, active or paused), its custom headers as shown ($14) and sealed ($15), its payload
-- filter ($16, null for none), required labels ($17), client certificate ($18) and its key
-- sealed ($19), its signature scheme ($20) and signing key pair (sealed $21, public key $22),
-- its ordering ($23); returns its id
-- (storage reads it back as shown, through webhooks_shown, in the same transaction).
INSERT INTO webhooks (id, company_id, project_id, target_url, secret, events, ca_certificate, proxy_url,
                      proxy_url_sealed, secret_key_id, max_in_flight, rate_limit, state, state_reason, state_time,
                      custom_headers, custom_headers_sealed, filter, labels, client_certificate,
                      client_key_sealed, signature_scheme, signing_key_sealed, signing_public_key,
                      ordering)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::int2,
        CASE WHEN $13::int2 = 2 THEN 'created paused' ELSE '' END, CASE WHEN $13::int2 = 2 THEN now() END,
        $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
RETURNING id
