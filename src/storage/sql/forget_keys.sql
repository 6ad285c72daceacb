-- Forgets the ids of keys other than the current one ($1) that no webhook is sealed with.
DELETE FROM secret_keys k
WHERE k.key_id <> $1
  AND NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.secret_key_id = k.key_id)
