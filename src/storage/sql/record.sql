-- Records a batch of attempt outcomes in one statement: each delivery's new state and
-- attempt (only where the claim is still ours; $11 is the attempt as its log keeps it, the
-- serialised `model::Attempt`), and for each webhook its health. (Its last event is its
-- newest completed delivery, read when the webhook is.)
--
-- Health: a success (a test ping's included) ends the failure streak and closes the circuit
-- breaker; each other failed attempt lengthens the streak, and from $12 failures in a row
-- opens the breaker (again) for $13 milliseconds. An ACTIVE webhook is DISABLED when the
-- target answered 410 Gone, or when it has failed with no success for $14 milliseconds; a
-- DISABLED one becomes ACTIVE again when a test ping succeeds.
--
-- Returns the new states with the webhooks' scopes and target URLs, for watchers and
-- operational events, and with each webhook's breaker opening, disabling and recovery (a
-- success after failures, not counting deliveries of the operational events $15; with the
-- failures before it), repeated on each of its rows; and whether any process listens for
-- watchers (holds the advisory lock $16 shared), i.e. whether to notify them.
WITH o AS (
    SELECT *
    FROM unnest($1::uuid[], $2::uuid[], $3::int2[], $4::int4[], $5::timestamptz[], $6::int8[], $7::text[],
                $8::jsonb[], $9::bytea[], $10::timestamptz[], $11::jsonb[])
      AS o(id, claim_token, status, status_code, dispatch_time, duration_ms, error,
           request_headers, response_body, next_attempt_time, entry)
), upd AS (
    UPDATE deliveries d
    SET status = o.status, status_code = o.status_code, dispatch_time = o.dispatch_time,
        duration_ms = o.duration_ms, error = o.error, request_headers = o.request_headers,
        response_body = o.response_body, next_attempt_time = o.next_attempt_time, claim_token = NULL,
        claim_expire_time = NULL,
        attempt_log = d.attempt_log || jsonb_build_array(o.entry),
        -- As late as the statement allows: a resuming watch replays from here, so this should
        -- come no earlier than the commit by more than the replay's margin.
        change_time = clock_timestamp()
    FROM o
    -- The id list (as well as the join) lets the planner probe the primary key even when the
    -- table looks small, instead of scanning it; webhooks are reached the same way below.
    WHERE d.id = ANY($1::uuid[]) AND d.id = o.id AND d.claim_token = o.claim_token
    RETURNING d.id, d.webhook_id, d.event_id, d.event_type, d.status, d.status_code, d.dispatch_time,
              d.attempts, d.duration_ms, d.error, d.create_time, d.next_attempt_time, d.change_time
), failed AS (
    -- Failures for good are kept for bulk recovery (RecoverDeliveries), test pings aside.
    INSERT INTO failed_deliveries (delivery_id, webhook_id, event_id, event_type, failed_time)
    SELECT id, webhook_id, event_id, event_type, dispatch_time FROM upd
    WHERE status = 3 AND event_type <> 'webhook_test'
    ON CONFLICT DO NOTHING
), agg AS (
    SELECT webhook_id,
           bool_or(status = 2) AS succeeded,
           bool_or(status = 2 AND event_type = 'webhook_test') AS test_succeeded,
           count(*) FILTER (WHERE status <> 2 AND event_type <> 'webhook_test') AS failures,
           min(dispatch_time) FILTER (WHERE status <> 2 AND event_type <> 'webhook_test') AS first_failure,
           bool_or(status_code = 410 AND event_type <> 'webhook_test') AS gone,
           bool_or(status = 2 AND event_type <> ALL ($15::text[])) AS recovering
    FROM upd
    GROUP BY webhook_id
), plan AS (
    SELECT w.id, a.succeeded, a.failures, a.first_failure,
           a.recovering AND w.failure_streak > 0 AS recovered, w.failure_streak AS streak_before,
           w.failing_since AS failing_since_before,
           NOT a.succeeded AND a.failures > 0 AND w.failure_streak < $12 AND w.failure_streak + a.failures >= $12
               AS opened,
           CASE WHEN w.state = 3 AND a.test_succeeded THEN 1
                WHEN w.state = 1 AND a.gone THEN 3
                WHEN w.state = 1 AND NOT a.succeeded AND a.failures > 0
                     AND coalesce(w.failing_since, a.first_failure) <= now() - $14 * interval '1 millisecond' THEN 3
           END AS new_state,
           CASE WHEN w.state = 3 AND a.test_succeeded THEN 'a test ping succeeded'
                WHEN w.state = 1 AND a.gone THEN 'the target answered 410 Gone'
                ELSE 'no delivery succeeded since '
                     || to_char(coalesce(w.failing_since, a.first_failure) AT TIME ZONE 'UTC',
                                'YYYY-MM-DD"T"HH24:MI:SS"Z"')
           END AS new_reason
    FROM agg a
    JOIN webhooks w ON w.id = a.webhook_id AND w.id = ANY (ARRAY(SELECT webhook_id FROM upd))
    -- Leave the row alone when nothing about it changes: a success on a healthy webhook
    -- (its last event is read from its deliveries) writes nothing to it.
    WHERE a.failures > 0
       OR (a.succeeded AND (w.failure_streak > 0 OR w.breaker_until IS NOT NULL OR w.state = 3))
), hook AS (
    UPDATE webhooks w
    SET failure_streak = CASE WHEN p.succeeded THEN 0 ELSE w.failure_streak + p.failures END,
        failing_since = CASE WHEN p.succeeded THEN NULL
                             WHEN p.failures > 0 THEN coalesce(w.failing_since, p.first_failure)
                             ELSE w.failing_since END,
        breaker_until = CASE WHEN p.succeeded THEN NULL
                             WHEN p.failures > 0 AND w.failure_streak + p.failures >= $12
                             THEN now() + $13 * interval '1 millisecond'
                             ELSE w.breaker_until END,
        state = coalesce(p.new_state, w.state),
        state_reason = CASE WHEN p.new_state IS NULL THEN w.state_reason ELSE p.new_reason END,
        state_time = CASE WHEN p.new_state IS NULL THEN w.state_time ELSE now() END
    FROM plan p
    WHERE w.id = p.id AND w.id = ANY (ARRAY(SELECT id FROM plan))
    RETURNING w.id, p.opened, p.new_state = 3 AS disabled, w.state_reason, w.target_url, p.recovered,
              p.streak_before, p.failing_since_before
)
SELECT upd.*, w.company_id, w.project_id, w.target_url AS webhook_url,
       coalesce(hook.opened, false) AS breaker_opened, coalesce(hook.disabled, false) AS disabled,
       hook.state_reason, hook.target_url, coalesce(hook.recovered, false) AS recovered, hook.streak_before,
       hook.failing_since_before,
       (SELECT CASE WHEN pg_try_advisory_lock($16::int8) THEN NOT pg_advisory_unlock($16::int8) ELSE true END)
           AS watched
FROM upd
JOIN webhooks w ON w.id = upd.webhook_id AND w.id = ANY (ARRAY(SELECT webhook_id FROM upd))
LEFT JOIN hook ON hook.id = upd.webhook_id
