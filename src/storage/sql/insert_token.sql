-- A token (stored as the hash of its secret) with its role, scope, expiry and creator.
INSERT INTO api_tokens (id, token_hash, role, company_id, project_id, description, expire_time, creator_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id, role, company_id, project_id, description, create_time, expire_time, revoke_time,
          last_used_time, creator_id
