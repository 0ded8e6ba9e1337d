-- Superseding reads the stored flags of a batch's outputs by output_id alone (flags are sorted by
-- ministry and day first): a bloom-filter skip index avoids reading the whole output_id column.
-- (The runner's watermark scan on outputs.ingested_at uses idx_ingested_at from 0060.)
ALTER TABLE {{table:flags}} {{on_cluster}} ADD INDEX IF NOT EXISTS idx_flags_output_id output_id TYPE bloom_filter(0.01) GRANULARITY 4;
