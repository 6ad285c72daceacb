-- The bootstrap instance admin token, only when no token exists yet.
INSERT INTO api_tokens (id, token_hash, role, description)
SELECT $1, $2, 'admin', 'bootstrap instance admin'
WHERE NOT EXISTS (SELECT 1 FROM api_tokens)
