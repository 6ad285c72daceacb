-- ListWebhooks' target-URL search (`target_url_contains`, a case-insensitive substring)
-- reads a trigram index rather than every webhook of the scope.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX webhooks_by_target_url ON webhooks USING gin (lower(target_url) gin_trgm_ops);
