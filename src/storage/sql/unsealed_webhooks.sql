-- Up to $2 webhooks not sealed with the current key $1 (rows from before sealing included),
-- locked, skipping those another replica is sealing.
SELECT id, secret, previous_secret, proxy_url, proxy_url_sealed, custom_headers_sealed, client_certificate,
       client_key_sealed, signature_scheme, signing_key_sealed, previous_signing_key_sealed, secret_key_id
FROM webhooks
WHERE secret_key_id IS DISTINCT FROM $1
LIMIT $2
FOR UPDATE SKIP LOCKED
