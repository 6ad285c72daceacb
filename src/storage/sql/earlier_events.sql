-- The stored events whose (scope, idempotency key) match the given triples.
SELECT e.id, e.company_id, e.project_id, e.idempotency_key
FROM unnest($1::text[], $2::text[], $3::text[]) AS k(company_id, project_id, idempotency_key)
JOIN events e USING (company_id, project_id, idempotency_key)
