-- Every analytics page's app and model selects list the apps and models of usage_daily, of one
-- ministry or of all (src/lib/server/queries/overview.ts filterOptions). usage_daily has a row per
-- ministry, day, app and model, so reading the two columns grew with the days and combinations
-- stored (16 → 41 ms p95 from 10 M to 100 M outputs, docs/CAPACITY.md §9).
-- - p_dims: one row per (ministry, app, model) per part; the selects (a GROUP BY of app and model,
--   filtered by ministry or not) read a handful of rows per part. ClickHouse picks the projection by
--   itself. usage_daily is an AggregatingMergeTree: merges and the day rebuild of
--   clickhouse/rollups.ts (a lightweight DELETE) rebuild the projection instead of refusing, as for
--   model_latency_daily (0185).
ALTER TABLE {{table:usage_daily}} {{on_cluster}} MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild', lightweight_mutation_projection_mode = 'rebuild';
ALTER TABLE {{table:usage_daily}} {{on_cluster}} ADD PROJECTION IF NOT EXISTS p_dims (SELECT ministry, app, model, count() GROUP BY ministry, app, model);
ALTER TABLE {{table:usage_daily}} {{on_cluster}} MATERIALIZE PROJECTION p_dims;
