-- Tokens expire, are revoked (the row stays, for the record), and remember roughly when they
-- were last used and which token created them.
ALTER TABLE api_tokens
    ADD COLUMN expire_time     timestamptz,
    ADD COLUMN revoke_time     timestamptz,
    ADD COLUMN last_used_time  timestamptz,
    ADD COLUMN creator_id      uuid;
-- ListTokens by scope, newest first (ids are UUIDv7).
CREATE INDEX api_tokens_by_scope ON api_tokens (company_id, project_id, id DESC);
