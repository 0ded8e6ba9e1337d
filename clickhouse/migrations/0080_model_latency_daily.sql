-- Latency quantiles per ministry, model and day, for the model scorecard and its daily p95 chart.
-- usage_daily keeps a t-digest state per (ministry, day, app, model); merging those for every model
-- over 90 days was most of the scorecard's time at 10M outputs in `npm run bench`. Without the app
-- dimension there are about six times fewer states to merge. Views filtered by app still read
-- usage_daily. Quantiles stay t-digest estimates either way.

CREATE TABLE IF NOT EXISTS {{table:model_latency_daily}} {{on_cluster}}
(
    day        Date,
    ministry   LowCardinality(String),
    model      LowCardinality(String),
    -- How many events the states hold: lets a crash check compare it with the raw rows (clickhouse/rollups.ts).
    requests   SimpleAggregateFunction(sum, UInt64),
    latency_q  AggregateFunction(quantilesTDigest(0.5, 0.95), UInt32)
)
ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toYYYYMM(day)
ORDER BY (ministry, day, model);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table:model_latency_daily_mv}} {{on_cluster}} TO {{table:model_latency_daily}} AS
SELECT toDate(occurred_at) AS day, ministry, model, count() AS requests, quantilesTDigestState(0.5, 0.95)(latency_ms) AS latency_q
FROM {{table:usage_events}}
GROUP BY day, ministry, model;

{{distributed:model_latency_daily:cityHash64(ministry)}};

-- History from before this migration (see 0070 for why the plain names). An event that arrives while
-- this runs can be counted twice; a quantile estimate does not move for one sample in thousands.
INSERT INTO model_latency_daily
SELECT toDate(occurred_at) AS day, ministry, model, count() AS requests, quantilesTDigestState(0.5, 0.95)(latency_ms) AS latency_q
FROM usage_events
GROUP BY day, ministry, model;
