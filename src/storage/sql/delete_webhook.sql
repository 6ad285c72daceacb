-- Deletes webhook $1 (its deliveries go with it, by foreign key); its scope, for the audit.
DELETE FROM webhooks WHERE id = $1 RETURNING company_id, project_id
