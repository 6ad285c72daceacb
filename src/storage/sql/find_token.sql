-- The grant of a token that is neither revoked nor expired.
SELECT id, role, company_id, project_id, expire_time, portal, webhook_id
FROM api_tokens
WHERE token_hash = $1
  AND revoke_time IS NULL
  AND (expire_time IS NULL OR expire_time > now())
