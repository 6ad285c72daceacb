-- Completed deliveries per webhook, newest first: pruning history (and history listings
-- filtered to SUCCESS or ERROR) read only these, never the webhook's pending backlog.
CREATE INDEX deliveries_completed ON deliveries (webhook_id, dispatch_time DESC, id DESC) WHERE status <> 1;
