-- A replaced secret stays valid until previous_secret_expire_time, so receivers can move to
-- the new one without a gap; the janitor clears it afterwards.
ALTER TABLE webhooks
    ADD COLUMN previous_secret              bytea,
    ADD COLUMN previous_secret_expire_time  timestamptz;
