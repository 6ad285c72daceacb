-- One delivery per webhook subscribed to the event's name on the instance, on the
-- event's company, or on the event's project (served by webhooks_by_scope), DISABLED ones aside.
INSERT INTO deliveries (id, webhook_id, event_id, event_type, next_attempt_time)
SELECT gen_random_uuid(), w.id, e.id, e.event_name, now()
FROM events e
JOIN webhooks w
  ON (w.company_id, w.project_id) IN (('', ''), (e.company_id, ''), (e.company_id, e.project_id))
 AND w.events @> ARRAY[e.event_name]
 AND w.state <> 3
WHERE e.id = ANY($1::uuid[])
RETURNING event_id
