-- The origins that may frame the page opened by portal link $1, while its token is neither
-- revoked nor expired; no row for any other id.
SELECT frame_ancestors
FROM api_tokens
WHERE id = $1
  AND portal
  AND revoke_time IS NULL
  AND (expire_time IS NULL OR expire_time > now())
