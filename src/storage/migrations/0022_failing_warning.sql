-- Whether a webhook's current failing streak was warned of (the `webhook_failing` event,
-- sent once per streak): cleared by a success, or by making the webhook active.
ALTER TABLE webhooks ADD COLUMN failing_warned boolean NOT NULL DEFAULT false;
