-- Events whose deliveries have all been pruned are removed after their idempotency
-- window; this index lets the janitor find the oldest ones without a full scan.
CREATE INDEX events_by_create_time ON events (create_time);
