-- Writes webhooks' health as `health::judge` decided it from their rows, locked by
-- health_locked.sql in this transaction: $1 the webhooks, $2–$5 the new failure streak,
-- failing since, breaker (0 keep, 1 open for $8 milliseconds from now, 2 close) and warned;
-- $6 and $7 the new state and its reason, null to keep them.
UPDATE webhooks w
SET failure_streak = h.failure_streak,
    failing_since = h.failing_since,
    breaker_until = CASE h.breaker WHEN 1 THEN now() + $8::float8 * interval '1 millisecond'
                                   WHEN 2 THEN NULL
                                   ELSE w.breaker_until END,
    failing_warned = h.warned,
    state = coalesce(h.state, w.state),
    state_reason = coalesce(h.reason, w.state_reason),
    state_time = CASE WHEN h.state IS NULL THEN w.state_time ELSE now() END
FROM unnest($1::uuid[], $2::int4[], $3::timestamptz[], $4::int2[], $5::bool[], $6::int2[], $7::text[])
  AS h(id, failure_streak, failing_since, breaker, warned, state, reason)
WHERE w.id = h.id AND w.id = ANY ($1::uuid[])
