-- Inserts a batch of events; a repeated idempotency key (earlier, or earlier in the batch) inserts nothing.
INSERT INTO events (id, event_name, company_id, project_id, event_timestamp, idempotency_key, body)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::bytea[])
ON CONFLICT (company_id, project_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
RETURNING id
