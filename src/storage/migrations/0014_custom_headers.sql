-- Static headers a webhook sends with every delivery: as shown (sensitive values emptied) and
-- the whole list sealed with the webhook's key, like its secret (null when there are none).
ALTER TABLE webhooks
    ADD COLUMN custom_headers jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN custom_headers_sealed bytea;
