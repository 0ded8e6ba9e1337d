-- The audit log's CSV export first lists the days that hold matching rows, with their counts
-- (src/lib/server/audit.ts auditWindows): its total for the audit row, and its windows. Filtered by
-- an actor or an action, that count read the filter columns of the whole log (6.3 M rows at 100 M
-- outputs, about 80 ms of an export's first byte, and growing with the log; docs/CAPACITY.md §8).
-- - p_day_counts: rows per actor, action and UTC day, so the count reads a few rows per actor-day
--   and part. The windows query states its from/to as days of the same expression (toDate32(at,
--   'UTC')), which is what lets ClickHouse answer it from the projection by itself. The log is
--   append-only, so no mutation ever has to rebuild the projection.
ALTER TABLE {{table:audit_log}} {{on_cluster}} ADD PROJECTION IF NOT EXISTS p_day_counts (SELECT actor, action, toDate32(at, 'UTC'), count() GROUP BY actor, action, toDate32(at, 'UTC'));
ALTER TABLE {{table:audit_log}} {{on_cluster}} MATERIALIZE PROJECTION p_day_counts;
