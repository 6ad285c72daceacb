-- A token (stored as the hash of its secret) with its role and scope.
INSERT INTO api_tokens (id, token_hash, role, company_id, project_id, description)
VALUES ($1, $2, $3, $4, $5, $6)
