-- Records key id $1 as one the database's rows may be sealed with.
INSERT INTO secret_keys (key_id) VALUES ($1) ON CONFLICT DO NOTHING
