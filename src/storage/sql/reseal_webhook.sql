-- One webhook sealed again: its secrets, its proxy URL (shown form and sealed), its key id,
-- its custom headers (their shown form does not change), its client certificate's key, its
-- signing key pairs.
UPDATE webhooks
SET secret = $2, previous_secret = $3, proxy_url = $4, proxy_url_sealed = $5, secret_key_id = $6,
    custom_headers_sealed = $7, client_key_sealed = $8, signing_key_sealed = $9, previous_signing_key_sealed = $10
WHERE id = $1
