-- Revokes a token; a revoked one keeps its first revoke time.
UPDATE api_tokens SET revoke_time = coalesce(revoke_time, now())
WHERE id = $1
RETURNING id, role, company_id, project_id, description, create_time, expire_time, revoke_time,
          last_used_time, creator_id, portal, webhook_id, frame_ancestors
