-- Gives claims back (still ours: token matches), not counting the attempt. The delivery
-- keeps its due time, so it is taken again in its place.
UPDATE deliveries d
SET claim_token = NULL, claim_expire_time = NULL, attempts = d.attempts - 1
FROM unnest($1::uuid[], $2::uuid[]) AS r(id, token)
WHERE d.id = r.id AND d.claim_token = r.token
