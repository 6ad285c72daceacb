-- Tokens on a scope ($1 company, $2 project), or also below it ($3), newest first, after the
-- id $4 of the previous page; inactive (revoked or expired) ones only if $5.
SELECT id, role, company_id, project_id, description, create_time, expire_time, revoke_time,
       last_used_time, creator_id, portal, webhook_id, frame_ancestors
FROM api_tokens
WHERE (company_id = $1 OR ($3 AND $1 = ''))
  AND (project_id = $2 OR ($3 AND $2 = ''))
  AND ($4::uuid IS NULL OR id < $4)
  AND ($5 OR (revoke_time IS NULL AND (expire_time IS NULL OR expire_time > now())))
ORDER BY id DESC
LIMIT $6
