-- A webhook's latest attempt, completed or not (a webhook whose deliveries are being retried
-- shows its failures there while its last event, completed deliveries only, has none): one
-- backward probe of deliveries_history past the deliveries never attempted.
CREATE FUNCTION webhook_latest_attempt(webhook uuid)
RETURNS TABLE (delivery_id uuid, status smallint, dispatch_time timestamptz, event_type text,
               status_code integer, error text, next_attempt_time timestamptz)
LANGUAGE sql STABLE
AS $$
    SELECT d.id, d.status, d.dispatch_time, d.event_type, d.status_code, d.error,
           CASE WHEN d.status = 1 THEN d.next_attempt_time END
    FROM deliveries d
    WHERE d.webhook_id = webhook AND d.dispatch_time IS NOT NULL
    ORDER BY d.dispatch_time DESC, d.id DESC
    LIMIT 1
$$;

-- Time-ordered delivery ids (UUID version 7: milliseconds since the epoch, then random
-- bits), so that deliveries never attempted list in the order they were made, to the
-- millisecond, where random ids listed them in no order.
CREATE FUNCTION delivery_uuid() RETURNS uuid
LANGUAGE sql VOLATILE
AS $$
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::int8) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid
$$;
