-- Webhooks of a company (its own and its projects') and of one of its projects. Run after
-- lock_company_webhooks.sql in the same transaction, so that its snapshot, taken at
-- the start of this statement, sees every create that held the lock before.
SELECT count(*) AS in_company, count(*) FILTER (WHERE project_id = $2) AS in_project
FROM webhooks
WHERE company_id = $1
