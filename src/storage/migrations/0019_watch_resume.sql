-- Resumable watches. Each delivery keeps when its state last changed (set when an outcome is
-- recorded, from the database's clock), so that a watch resuming after a cursor can replay
-- what changed since; each webhook keeps the latest such time among the deliveries pruned
-- from its history, so that a replay that would need one of them says so instead of
-- skipping it. Both columns are unindexed: a replay reads a webhook's rows through
-- deliveries_history, and the delivery path pays nothing more than the write of a column.
ALTER TABLE deliveries ADD COLUMN change_time timestamptz;
ALTER TABLE webhooks ADD COLUMN history_pruned_through timestamptz;
