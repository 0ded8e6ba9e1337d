-- The pipeline-health page asks, for usage_events / outputs / feedback, the highest stored offset per
-- topic partition, the row count and the last arrival (max ingested_at). Answered from the raw rows
-- these are full-table scans that grow with history (measured by `npm run bench`: the slowest pipeline
-- query at 1M rows, 10x slower at 10M). A small aggregate projection per table keeps one row per
-- (src_topic, src_partition) per part, so the same queries read a handful of rows; ClickHouse picks
-- the projection by itself, the queries do not change. The restart replay-window lookup of the
-- ingester (highest offset stored per partition) benefits the same way.
-- ReplacingMergeTree tables need deduplicate_merge_projection_mode so merges that drop replayed
-- duplicates rebuild the projection instead of refusing it.
-- ingested_at also gets a minmax skip index: "arrivals in the last 24 hours" (ingest delay) then reads
-- only the recent granules, since rows arrive roughly in event-time order.

ALTER TABLE {{table:usage_events}} {{on_cluster}} MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE {{table:usage_events}} {{on_cluster}} ADD PROJECTION IF NOT EXISTS p_source_offsets
    (SELECT src_topic, src_partition, max(src_offset), count(), max(ingested_at) GROUP BY src_topic, src_partition);
ALTER TABLE {{table:usage_events}} {{on_cluster}} MATERIALIZE PROJECTION p_source_offsets;
ALTER TABLE {{table:usage_events}} {{on_cluster}} ADD INDEX IF NOT EXISTS idx_ingested_at ingested_at TYPE minmax GRANULARITY 1;
ALTER TABLE {{table:usage_events}} {{on_cluster}} MATERIALIZE INDEX idx_ingested_at;

ALTER TABLE {{table:outputs}} {{on_cluster}} MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE {{table:outputs}} {{on_cluster}} ADD PROJECTION IF NOT EXISTS p_source_offsets
    (SELECT src_topic, src_partition, max(src_offset), count(), max(ingested_at) GROUP BY src_topic, src_partition);
ALTER TABLE {{table:outputs}} {{on_cluster}} MATERIALIZE PROJECTION p_source_offsets;
ALTER TABLE {{table:outputs}} {{on_cluster}} ADD INDEX IF NOT EXISTS idx_ingested_at ingested_at TYPE minmax GRANULARITY 1;
ALTER TABLE {{table:outputs}} {{on_cluster}} MATERIALIZE INDEX idx_ingested_at;

ALTER TABLE {{table:feedback}} {{on_cluster}} MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE {{table:feedback}} {{on_cluster}} ADD PROJECTION IF NOT EXISTS p_source_offsets
    (SELECT src_topic, src_partition, max(src_offset), count(), max(ingested_at) GROUP BY src_topic, src_partition);
ALTER TABLE {{table:feedback}} {{on_cluster}} MATERIALIZE PROJECTION p_source_offsets;
ALTER TABLE {{table:feedback}} {{on_cluster}} ADD INDEX IF NOT EXISTS idx_ingested_at ingested_at TYPE minmax GRANULARITY 1;
ALTER TABLE {{table:feedback}} {{on_cluster}} MATERIALIZE INDEX idx_ingested_at;
