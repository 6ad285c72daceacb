-- For metrics: pending deliveries, and the due time of the oldest due one nobody is sending.
SELECT (SELECT count(*) FROM deliveries WHERE status = 1),
       (SELECT min(next_attempt_time) FROM deliveries
        WHERE status = 1 AND claim_token IS NULL AND next_attempt_time <= now())
