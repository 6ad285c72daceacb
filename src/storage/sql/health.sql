-- Writes webhooks' health as `health::judge` decided it, each only if its health is still
-- what the decision was made from ($2–$6: state, failure streak, failing since, breaker
-- until, warned): another recorder may have changed it since it was read. The new values are
-- $7–$12 (failure streak, failing since, breaker: 0 keep, 1 open for $13 milliseconds from
-- now, 2 close; warned; new state and reason, null to keep them).
--
-- Returns the webhooks written; the others are read again, locked (health_locked.sql),
-- judged again and written by this statement again.
UPDATE webhooks w
SET failure_streak = h.failure_streak,
    failing_since = h.failing_since,
    breaker_until = CASE h.breaker WHEN 1 THEN now() + $13::float8 * interval '1 millisecond'
                                   WHEN 2 THEN NULL
                                   ELSE w.breaker_until END,
    failing_warned = h.warned,
    state = coalesce(h.state, w.state),
    state_reason = coalesce(h.reason, w.state_reason),
    state_time = CASE WHEN h.state IS NULL THEN w.state_time ELSE now() END
FROM unnest($1::uuid[], $2::int2[], $3::int4[], $4::timestamptz[], $5::timestamptz[], $6::bool[],
            $7::int4[], $8::timestamptz[], $9::int2[], $10::bool[], $11::int2[], $12::text[])
  AS h(id, was_state, was_streak, was_failing_since, was_breaker_until, was_warned,
       failure_streak, failing_since, breaker, warned, state, reason)
WHERE w.id = h.id AND w.id = ANY ($1::uuid[])
  AND w.state = h.was_state AND w.failure_streak = h.was_streak
  AND w.failing_since IS NOT DISTINCT FROM h.was_failing_since
  AND w.breaker_until IS NOT DISTINCT FROM h.was_breaker_until
  AND w.failing_warned = h.was_warned
RETURNING w.id
