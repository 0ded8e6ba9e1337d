-- Feedback carries only output_id, and the ingester copies ministry/app/model from the output it rates.
-- outputs is ordered by (ministry, day, output_id), so a lookup by output_id alone would read the whole
-- output_id column; a bloom-filter skip index lets ClickHouse skip the granules that cannot hold it.
ALTER TABLE {{table:outputs}} {{on_cluster}} ADD INDEX IF NOT EXISTS idx_outputs_output_id output_id TYPE bloom_filter(0.01) GRANULARITY 4;
