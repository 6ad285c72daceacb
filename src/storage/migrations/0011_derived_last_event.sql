-- A webhook's last event is read from its newest completed delivery (deliveries_completed
-- serves it with one index probe) instead of being written to the webhook's row with
-- every recorded batch: a busy webhook's row no longer changes hundreds of times a second.
ALTER TABLE webhooks
    DROP COLUMN last_status,
    DROP COLUMN last_dispatch_time,
    DROP COLUMN last_event_type,
    DROP COLUMN last_status_code;
