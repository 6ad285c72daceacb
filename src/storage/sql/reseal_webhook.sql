-- One webhook sealed again: its secrets, its proxy URL (shown form and sealed), its key id,
-- its custom headers (their shown form does not change).
UPDATE webhooks
SET secret = $2, previous_secret = $3, proxy_url = $4, proxy_url_sealed = $5, secret_key_id = $6,
    custom_headers_sealed = $7
WHERE id = $1
