-- Forgets replaced secrets whose grace period is over.
UPDATE webhooks SET previous_secret = NULL, previous_secret_expire_time = NULL
WHERE previous_secret_expire_time <= now()
