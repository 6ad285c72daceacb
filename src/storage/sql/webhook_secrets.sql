-- A webhook's sealed columns.
SELECT id, secret, previous_secret, proxy_url, proxy_url_sealed, custom_headers_sealed, client_certificate,
       client_key_sealed, signature_scheme, signing_key_sealed, previous_signing_key_sealed, secret_key_id
FROM webhooks
WHERE id = $1
