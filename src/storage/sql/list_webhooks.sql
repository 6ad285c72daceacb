-- A page of webhooks in id (creation) order. Exact scope: both ids match ($1, $2). With
-- descendants ($3): only the ids the scope sets. Then the event filter ($4), the page
-- token ($5, the last id of the previous page), the page size ($6), the states ($7) and
-- the text the target URL contains ($8, lower case, LIKE's wildcards escaped; empty for any),
-- whether only webhooks with a signing key pair are listed ($9), and the one webhook a portal
-- link reaches ($10; null for any).
SELECT *
FROM webhooks_shown w
WHERE (CASE WHEN $3 THEN ($1 = '' OR company_id = $1) AND ($2 = '' OR project_id = $2)
            ELSE company_id = $1 AND project_id = $2 END)
  AND (cardinality($4::text[]) = 0 OR events && $4)
  AND ($5::uuid IS NULL OR w.id > $5)
  AND (cardinality($7::int2[]) = 0 OR state = ANY($7))
  AND ($8 = '' OR lower(target_url) LIKE '%' || $8 || '%')
  AND (NOT $9 OR signing_public_key IS NOT NULL)
  AND ($10::uuid IS NULL OR w.id = $10)
ORDER BY w.id
LIMIT $6
