-- Usage events and outputs count once per id, as README promises, even when the same id comes again
-- with another day or ministry (a producer bug, or an attacker replaying an id). The raw tables are
-- ordered by (ministry, day, id) so the dashboard reads a ministry's days fast; a lookup by id alone
-- there would read the whole id column. These tables hold every stored id, ordered by the id, so the
-- ingester's "already stored?" lookup (pipelines/dedup.ts) reads only the granules that can hold it.
-- They are kept by materialized views in the same INSERT as the raw rows. They are lookups, not
-- rollups: clickhouse/rollups.ts leaves them out of the per-day rollup check.

CREATE TABLE IF NOT EXISTS {{table:usage_event_ids}} {{on_cluster}}
(
    event_id     String,
    occurred_at  DateTime64(3, 'UTC'),
    ministry     LowCardinality(String)
)
ENGINE = {{engine:ReplacingMergeTree}}
ORDER BY event_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table:usage_event_ids_mv}} {{on_cluster}} TO {{table:usage_event_ids}} AS
SELECT event_id, occurred_at, ministry
FROM {{table:usage_events}};

{{distributed:usage_event_ids:cityHash64(event_id)}};

-- outputs also answers the feedback enrichment (ministry, app and model of the rated answer) by id.
CREATE TABLE IF NOT EXISTS {{table:output_ids}} {{on_cluster}}
(
    output_id    String,
    occurred_at  DateTime64(3, 'UTC'),
    ministry     LowCardinality(String),
    app          LowCardinality(String),
    model        LowCardinality(String)
)
ENGINE = {{engine:ReplacingMergeTree}}
ORDER BY output_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table:output_ids_mv}} {{on_cluster}} TO {{table:output_ids}} AS
SELECT output_id, occurred_at, ministry, app, model
FROM {{table:outputs}};

{{distributed:output_ids:cityHash64(output_id)}};

-- History from before this migration. An id inserted twice (by the view and by this SELECT while events
-- arrive) collapses in the ReplacingMergeTree and answers the lookup the same way.
INSERT INTO usage_event_ids SELECT event_id, occurred_at, ministry FROM usage_events;

INSERT INTO output_ids SELECT output_id, occurred_at, ministry, app, model FROM outputs;
