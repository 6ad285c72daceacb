-- How many deliveries each of the events $1 made.
SELECT event_id, count(*)::int AS deliveries FROM deliveries WHERE event_id = ANY($1) GROUP BY event_id
