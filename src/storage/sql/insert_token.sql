-- A token (stored as the hash of its secret) with its role, scope, expiry and creator; a
-- portal link's token also with the webhook it is narrowed to and the origins that may frame it.
INSERT INTO api_tokens (id, token_hash, role, company_id, project_id, description, expire_time, creator_id,
                        portal, webhook_id, frame_ancestors)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING id, role, company_id, project_id, description, create_time, expire_time, revoke_time,
          last_used_time, creator_id, portal, webhook_id, frame_ancestors
