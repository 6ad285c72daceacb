-- Gives claims back (still ours: token matches) as due now, not counting the attempt.
UPDATE deliveries d
SET next_attempt_time = now(), claim_token = NULL, attempts = d.attempts - 1
FROM unnest($1::uuid[], $2::uuid[]) AS r(id, token)
WHERE d.id = r.id AND d.claim_token = r.token
