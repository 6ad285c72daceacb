-- Every key id the database knows: those recorded, and those rows are sealed with.
SELECT key_id FROM secret_keys
UNION
SELECT DISTINCT secret_key_id FROM webhooks WHERE secret_key_id IS NOT NULL
