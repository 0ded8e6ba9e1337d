-- The ingester's "already stored?" lookup (pipelines/dedup.ts) asks for a batch of ids at random
-- places in the id order. The 0090 id tables are ordered by the id string in 8,192-row granules: a
-- 20,000-id batch touches nearly every granule once the table holds more than a few million ids, so
-- the lookup read the whole id column and grew with the history (20,000 UUIDs against 10 M stored: 200
-- ms, against 100 M 1.5 s). These tables order by a 64-bit hash of the id first, in granules of 256
-- rows and small compression blocks: the lookup reads the hash column (8 bytes a row) of at most one
-- small granule per id and part, and the id itself only where a hash matched, so it checks the id and
-- a hash collision costs a row, never a wrong answer. Measured at 100 M stored ids: 230 ms in one
-- merged part, 380 ms in the six the bench left (docs/CAPACITY.md §10). The price is disk: the hash
-- and the small blocks about double these two tables. The primary index holds only the hash: ~3 MB per
-- 100 M ids.
-- Same columns and views as 0090, under new names so that a lookup table exists at every moment: the
-- new views start before the backfill, the old tables go last. Every statement can run again.

CREATE TABLE IF NOT EXISTS {{table:usage_event_keys}} {{on_cluster}}
(
    h            UInt64 MATERIALIZED cityHash64(event_id),
    event_id     String,
    occurred_at  DateTime64(3, 'UTC'),
    ministry     LowCardinality(String)
)
ENGINE = {{engine:ReplacingMergeTree}}
PRIMARY KEY h
ORDER BY (h, event_id)
SETTINGS index_granularity = 256, min_compress_block_size = 4096, max_compress_block_size = 8192;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table:usage_event_keys_mv}} {{on_cluster}} TO {{table:usage_event_keys}} AS
SELECT event_id, occurred_at, ministry
FROM {{table:usage_events}};

{{distributed:usage_event_keys:cityHash64(event_id)}};

CREATE TABLE IF NOT EXISTS {{table:output_keys}} {{on_cluster}}
(
    h            UInt64 MATERIALIZED cityHash64(output_id),
    output_id    String,
    occurred_at  DateTime64(3, 'UTC'),
    ministry     LowCardinality(String),
    app          LowCardinality(String),
    model        LowCardinality(String)
)
ENGINE = {{engine:ReplacingMergeTree}}
PRIMARY KEY h
ORDER BY (h, output_id)
SETTINGS index_granularity = 256, min_compress_block_size = 4096, max_compress_block_size = 8192;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table:output_keys_mv}} {{on_cluster}} TO {{table:output_keys}} AS
SELECT output_id, occurred_at, ministry, app, model
FROM {{table:outputs}};

{{distributed:output_keys:cityHash64(output_id)}};

-- History, from the raw tables (the source of truth: an id the old view missed after a kill -9 is
-- there too). A key written twice, by the view and by this SELECT, collapses like any repeat.
INSERT INTO usage_event_keys SELECT event_id, occurred_at, ministry FROM usage_events;

INSERT INTO output_keys SELECT output_id, occurred_at, ministry, app, model FROM outputs;

-- The 0090 tables, views first (nothing may write into a dropped table). On a cluster the
-- Distributed table has the plain name and the shard tables the _local one.
DROP VIEW IF EXISTS {{table:usage_event_ids_mv}} {{on_cluster}};

DROP VIEW IF EXISTS {{table:output_ids_mv}} {{on_cluster}};

DROP TABLE IF EXISTS usage_event_ids {{on_cluster}};

DROP TABLE IF EXISTS {{table:usage_event_ids}} {{on_cluster}};

DROP TABLE IF EXISTS output_ids {{on_cluster}};

DROP TABLE IF EXISTS {{table:output_ids}} {{on_cluster}};
