-- The queue table is small and churns: every delivery is inserted, updated at least twice
-- (claimed, recorded) and deleted once it leaves its webhook's history. Vacuum it after a
-- few thousand dead rows rather than a fifth of the table, without cost-based pauses, so
-- that scans of its indexes (the claim's skip scans, a history's prune past its newest
-- 200) do not step over dead entries for long.
ALTER TABLE deliveries SET (
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_threshold = 2000,
    autovacuum_vacuum_insert_scale_factor = 0.05,
    autovacuum_analyze_scale_factor = 0.02,
    autovacuum_vacuum_cost_delay = 0
);
