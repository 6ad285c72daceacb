-- One audit event.
INSERT INTO audit_events (id, token_id, actor_company_id, actor_project_id, action, resource_type, resource_id,
                          company_id, project_id, changes, user_agent)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
