-- Records a batch of attempt outcomes in one statement: each delivery's new state and latest
-- attempt, only where the claim is still ours. $11 is a failed attempt as the log keeps it
-- (the serialised `model::Attempt`); a success is null and not logged, since the delivery's
-- latest-attempt columns hold it and it is its last.
--
-- Returns the deliveries as they are now, with their webhooks' scopes, target URLs and
-- health (for `health::judge`, which storage/outcomes.rs writes back with health.sql),
-- the database's time, and whether any process listens for watchers (holds the advisory
-- lock $12 shared), i.e. whether to notify them.
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
        attempt_log = CASE WHEN o.entry IS NULL THEN d.attempt_log ELSE d.attempt_log || jsonb_build_array(o.entry) END,
        -- As late as the statement allows: a resuming watch replays from here, so this should
        -- come no earlier than the commit by more than the replay's margin.
        change_time = clock_timestamp()
    FROM o
    -- The id list (as well as the join) lets the planner probe the primary key even when the
    -- table looks small, instead of scanning it; webhooks are reached the same way below.
    WHERE d.id = ANY($1::uuid[]) AND d.id = o.id AND d.claim_token = o.claim_token
    RETURNING d.id, d.webhook_id, d.event_id, d.event_type, d.status, d.status_code, d.dispatch_time,
              d.attempts, d.duration_ms, d.error, d.create_time, d.next_attempt_time, d.change_time
)
SELECT upd.*, w.company_id, w.project_id, w.target_url AS webhook_url,
       w.state AS webhook_state, w.failure_streak, w.failing_since, w.breaker_until, w.failing_warned,
       now() AS now,
       (SELECT CASE WHEN pg_try_advisory_lock($12::int8) THEN NOT pg_advisory_unlock($12::int8) ELSE true END)
           AS watched
FROM upd
JOIN webhooks w ON w.id = upd.webhook_id AND w.id = ANY (ARRAY(SELECT webhook_id FROM upd))
