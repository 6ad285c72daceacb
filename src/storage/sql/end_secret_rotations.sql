-- Forgets replaced secrets and signing key pairs whose grace period is over.
UPDATE webhooks
SET previous_secret = CASE WHEN previous_secret_expire_time <= now() THEN NULL ELSE previous_secret END,
    previous_secret_expire_time = CASE WHEN previous_secret_expire_time <= now() THEN NULL
                                       ELSE previous_secret_expire_time END,
    previous_signing_key_sealed = CASE WHEN previous_signing_key_expire_time <= now() THEN NULL
                                       ELSE previous_signing_key_sealed END,
    previous_signing_public_key = CASE WHEN previous_signing_key_expire_time <= now() THEN NULL
                                       ELSE previous_signing_public_key END,
    previous_signing_key_expire_time = CASE WHEN previous_signing_key_expire_time <= now() THEN NULL
                                            ELSE previous_signing_key_expire_time END
WHERE previous_secret_expire_time <= now() OR previous_signing_key_expire_time <= now()
