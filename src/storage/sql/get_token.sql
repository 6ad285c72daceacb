-- One token by id, revoked or not.
SELECT id, role, company_id, project_id, description, create_time, expire_time, revoke_time,
       last_used_time, creator_id, portal, webhook_id, frame_ancestors
FROM api_tokens
WHERE id = $1
