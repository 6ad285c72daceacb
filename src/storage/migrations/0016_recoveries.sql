-- Deliveries that failed for good, kept for bulk recovery for --recovery-retention even once
-- pruned from their webhook's 200-entry history (their events are kept as long). A recovery
-- reserves the rows it covers (`recovered_by`) and marks each as it sends it again
-- (`recovered_time`), so no failed delivery is sent again twice.
CREATE TABLE failed_deliveries (
    delivery_id    uuid PRIMARY KEY,
    webhook_id     uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id       uuid NOT NULL REFERENCES events (id),
    event_type     text NOT NULL,
    failed_time    timestamptz NOT NULL,
    recovered_by   uuid,
    recovered_time timestamptz
);
-- What a new recovery may take: a webhook's unreserved failures by time.
CREATE INDEX failed_deliveries_open ON failed_deliveries (webhook_id, failed_time) WHERE recovered_by IS NULL;
-- What a running recovery still has to send, oldest first.
CREATE INDEX failed_deliveries_reserved ON failed_deliveries (recovered_by, failed_time, delivery_id)
    WHERE recovered_by IS NOT NULL AND recovered_time IS NULL;
CREATE INDEX failed_deliveries_by_time ON failed_deliveries (failed_time);
CREATE INDEX failed_deliveries_by_event ON failed_deliveries (event_id);

CREATE TABLE recoveries (
    id          uuid PRIMARY KEY,
    webhook_id  uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    start_time  timestamptz NOT NULL,
    end_time    timestamptz NOT NULL,
    event_types text[] NOT NULL,
    -- 1 running, 2 done, 3 cancelled (as RecoveryState).
    state       smallint NOT NULL DEFAULT 1,
    total       integer NOT NULL,
    sent        integer NOT NULL DEFAULT 0,
    create_time timestamptz NOT NULL DEFAULT now(),
    finish_time timestamptz
);
CREATE INDEX recoveries_running ON recoveries (create_time) WHERE state = 1;
CREATE INDEX recoveries_by_finish ON recoveries (finish_time);

-- Deliveries that failed before this version are recoverable too, while their events last.
INSERT INTO failed_deliveries (delivery_id, webhook_id, event_id, event_type, failed_time)
SELECT d.id, d.webhook_id, d.event_id, d.event_type, coalesce(d.dispatch_time, d.create_time)
FROM deliveries d
WHERE d.status = 3 AND d.event_type <> 'webhook_test'
  AND EXISTS (SELECT FROM events e WHERE e.id = d.event_id);
