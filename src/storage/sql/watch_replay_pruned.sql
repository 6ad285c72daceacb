-- Whether a delivery of webhook $1 (null for any), of scope $2/$3 and below ('' for any),
-- whose state changed at or after $4 was pruned from its history: a replay from $4 would
-- miss it.
SELECT EXISTS (
    SELECT FROM webhooks w
    WHERE ($1::uuid IS NULL OR w.id = $1) AND ($2 = '' OR w.company_id = $2) AND ($3 = '' OR w.project_id = $3)
      AND w.history_pruned_through >= $4
) AS pruned
