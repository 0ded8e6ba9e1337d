-- Latency quantiles per model and day over all ministries, for the model scorecard and its daily p95
-- chart when the view is not scoped to one ministry (issue 15). model_latency_daily keeps a t-digest
-- state per ministry, day and model, so those two queries merged ≈ 29,000 states for 90 days at 10 M
-- outputs (`npm run bench`), most of the models page's time. An aggregate projection keeps one state
-- per day and model in each part, ≈ 20 times fewer; ClickHouse picks it by itself for queries that do
-- not filter by ministry, and a ministry's view still reads the table. The projection is written with
-- each part, so it needs no crash check of its own. Quantiles stay t-digest estimates.
-- The table is an AggregatingMergeTree: merges rebuild the projection, and the day rebuild of
-- clickhouse/rollups.ts (a lightweight DELETE) rebuilds it too instead of refusing.

ALTER TABLE {{table:model_latency_daily}} {{on_cluster}} MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild', lightweight_mutation_projection_mode = 'rebuild';
ALTER TABLE {{table:model_latency_daily}} {{on_cluster}} ADD PROJECTION IF NOT EXISTS p_day_model
    (SELECT day, model, sum(requests), quantilesTDigestMerge(0.5, 0.95)(latency_q) GROUP BY day, model);
ALTER TABLE {{table:model_latency_daily}} {{on_cluster}} MATERIALIZE PROJECTION p_day_model;
