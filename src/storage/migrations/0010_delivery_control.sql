-- Delivery control per webhook: a state (1 active, 2 paused, 3 disabled, the proto enum),
-- limits, and the circuit breaker's memory. The hot queue indexes lead with the webhook, so
-- a claim visits webhooks with work one index descent each, whatever their backlog.
ALTER TABLE webhooks
    ADD COLUMN state smallint NOT NULL DEFAULT 1,
    ADD COLUMN state_reason text NOT NULL DEFAULT '',
    ADD COLUMN state_time timestamptz,
    -- 0: the server's --webhook-concurrency.
    ADD COLUMN max_in_flight integer NOT NULL DEFAULT 0,
    -- Deliveries per second, 0 for none; rate_tat is the rate limiter's theoretical arrival
    -- time (GCRA): the webhook may be sent as much as fits before rate_tat reaches now + 1 s.
    ADD COLUMN rate_limit integer NOT NULL DEFAULT 0,
    ADD COLUMN rate_tat timestamptz,
    -- Failed attempts since the last success, when the first of them was sent, and while the
    -- breaker is open, when the next probe may go.
    ADD COLUMN failure_streak integer NOT NULL DEFAULT 0,
    ADD COLUMN failing_since timestamptz,
    ADD COLUMN breaker_until timestamptz;

-- Unclaimed pending work per webhook, oldest due first.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (webhook_id, next_attempt_time) WHERE status = 1 AND claim_token IS NULL;
-- Claims in flight per webhook (few rows: what the replicas hold).
DROP INDEX deliveries_claimed;
CREATE INDEX deliveries_claimed ON deliveries (webhook_id, claim_expire_time) WHERE status = 1 AND claim_token IS NOT NULL;
-- Test pings, sent whatever their webhook's state.
CREATE INDEX deliveries_tests ON deliveries (next_attempt_time)
    WHERE status = 1 AND claim_token IS NULL AND event_type = 'webhook_test';
