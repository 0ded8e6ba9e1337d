-- The Kafka key of a dead-lettered message (issue 9), base64 like the original: keys are bytes, and a
-- tombstone is nothing but its key. NULL when there was none (the file source, the OTLP HTTP receiver,
-- a Kafka message without a key); '' is an empty key. The second statement adds the column to the
-- Distributed table on a cluster (on one node both name the same table and the second is a no-op).
ALTER TABLE {{table:ingest_errors}} {{on_cluster}} ADD COLUMN IF NOT EXISTS key_base64 Nullable(String) CODEC(ZSTD(3));
ALTER TABLE ingest_errors {{on_cluster}} ADD COLUMN IF NOT EXISTS key_base64 Nullable(String) CODEC(ZSTD(3));
