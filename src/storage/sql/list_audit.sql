-- Audit events on a scope ($1 company, $2 project), or also below it ($3), newest first,
-- filtered by resource id ($4), token id ($5) and time range [$6, $7); at most $8.
SELECT id, create_time, token_id, actor_company_id, actor_project_id, action, resource_type, resource_id,
       company_id, project_id, changes, user_agent
FROM audit_events
WHERE (company_id = $1 OR ($3 AND $1 = ''))
  AND (project_id = $2 OR ($3 AND $2 = ''))
  AND ($4::uuid IS NULL OR resource_id = $4)
  AND ($5::uuid IS NULL OR token_id = $5)
  AND ($6::timestamptz IS NULL OR create_time >= $6)
  AND ($7::timestamptz IS NULL OR create_time < $7)
ORDER BY id DESC
LIMIT $8
