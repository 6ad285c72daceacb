-- The health of webhooks $1, locked until the transaction ends (in id order, so that two
-- recorders locking the same webhooks cannot deadlock; FOR NO KEY UPDATE, as an update of
-- them takes, so that publishes referring to them are not held), with the database's time.
SELECT id, state AS webhook_state, failure_streak, failing_since, breaker_until, failing_warned, now() AS now
FROM webhooks
WHERE id = ANY ($1::uuid[])
ORDER BY id
FOR NO KEY UPDATE
