-- Creates of webhooks in one company queue here until the holder's transaction ends.
SELECT pg_advisory_xact_lock(hashtextextended('webhooks:' || $1, 0))
