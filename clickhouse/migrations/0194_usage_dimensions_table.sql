-- One row per ministry, app and model ever used: the app and model selects of every analytics page
-- (src/lib/server/queries/overview.ts filterOptions). 0188 answered them from a projection of
-- usage_daily, which holds a few rows per part but is read in every part; usage_daily is partitioned
-- by month, and half a year at full rollout held 77 parts as merges left them (11 ms at 100 M outputs
-- against 3 ms for a table of a few parts, `npm run bench -- --size 100M`, 2026-12-06), a count that
-- grows with the months stored. This table has no partitions, so merges keep it to a few parts of a few
-- hundred rows whatever the history. It holds no per-day figure, so it is not a rollup
-- (clickhouse/rollups.ts NOT_ROLLUPS): a new combination is new on its first event, which the view
-- sees in the same insert.
CREATE TABLE IF NOT EXISTS {{table:usage_dimensions}} {{on_cluster}}
(
    ministry  LowCardinality(String),
    app       LowCardinality(String),
    model     LowCardinality(String)
)
ENGINE = {{engine:ReplacingMergeTree}}
ORDER BY (ministry, app, model);

-- Only combinations not stored yet: an insert that brings none (nearly all, once the apps and models
-- are known) writes no part to this table, so it adds no part files and no merges to every ingest
-- batch. The view's SELECT with this check costs ≈ 2 ms per 20,000-event batch (0.1 µs an event;
-- measured on a Memory table of 20,000 events, against 0.8 ms for the GROUP BY alone).
CREATE MATERIALIZED VIEW IF NOT EXISTS {{table:usage_dimensions_mv}} {{on_cluster}} TO {{table:usage_dimensions}} AS
SELECT ministry, app, model FROM {{table:usage_events}}
WHERE (ministry, app, model) NOT IN (SELECT ministry, app, model FROM {{table:usage_dimensions}})
GROUP BY ministry, app, model;

{{distributed:usage_dimensions:cityHash64(ministry)}};

-- The combinations stored before this migration, from usage_daily through its p_dims projection (the
-- last use of it, dropped below). One that arrives while this runs is written by the view as well;
-- the table keeps one row per combination.
INSERT INTO usage_dimensions SELECT ministry, app, model FROM usage_daily GROUP BY ministry, app, model;

ALTER TABLE {{table:usage_daily}} {{on_cluster}} DROP PROJECTION IF EXISTS p_dims;
