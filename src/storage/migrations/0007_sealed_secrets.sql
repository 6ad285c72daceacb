-- Secrets sealed at rest. `secret`, `previous_secret` and `proxy_url_sealed` hold values
-- sealed with the key `secret_key_id` names; `proxy_url` keeps only the shown form, its
-- password masked. Rows whose `secret_key_id` is null are from before sealing: the server
-- seals them at start, since the keys never reach the database.
ALTER TABLE webhooks
    ADD COLUMN secret_key_id     text,
    ADD COLUMN proxy_url_sealed  bytea;

-- The ids of the keys rows are sealed with; a server that lacks one of them refuses to start
-- instead of sealing with a key its peers cannot open.
CREATE TABLE secret_keys (
    key_id       text PRIMARY KEY,
    create_time  timestamptz NOT NULL DEFAULT now()
);
