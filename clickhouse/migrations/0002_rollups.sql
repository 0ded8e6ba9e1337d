-- Daily rollups per ministry × app × model, fed by materialized views on insert. The dashboard reads
-- these instead of scanning raw events. Users are kept as exact-distinct states so DAU/WAU/MAU merge
-- correctly across days and ministries.

CREATE TABLE IF NOT EXISTS {{table:usage_daily}} {{on_cluster}}
(
    day            Date,
    ministry       LowCardinality(String),
    app            LowCardinality(String),
    model          LowCardinality(String),
    requests       SimpleAggregateFunction(sum, UInt64),
    ok             SimpleAggregateFunction(sum, UInt64),
    errors         SimpleAggregateFunction(sum, UInt64),
    refused        SimpleAggregateFunction(sum, UInt64),
    blocked        SimpleAggregateFunction(sum, UInt64),
    input_tokens   SimpleAggregateFunction(sum, UInt64),
    output_tokens  SimpleAggregateFunction(sum, UInt64),
    latency_sum    SimpleAggregateFunction(sum, UInt64),
    latency_q      AggregateFunction(quantilesTDigest(0.5, 0.95), UInt32),
    users          AggregateFunction(uniqExact, String)
)
ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toYYYYMM(day)
ORDER BY (ministry, day, app, model);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table:usage_daily_mv}} {{on_cluster}} TO {{table:usage_daily}} AS
SELECT
    toDate(occurred_at) AS day, ministry, app, model,
    count() AS requests,
    countIf(status = 'ok') AS ok,
    countIf(status = 'error') AS errors,
    countIf(status = 'refused') AS refused,
    countIf(status = 'blocked') AS blocked,
    sum(toUInt64(input_tokens)) AS input_tokens,
    sum(toUInt64(output_tokens)) AS output_tokens,
    sum(toUInt64(latency_ms)) AS latency_sum,
    quantilesTDigestState(0.5, 0.95)(latency_ms) AS latency_q,
    uniqExactState(user_id) AS users
FROM {{table:usage_events}}
GROUP BY day, ministry, app, model;

{{distributed:usage_daily:cityHash64(ministry)}};

CREATE TABLE IF NOT EXISTS {{table:outputs_daily}} {{on_cluster}}
(
    day       Date,
    ministry  LowCardinality(String),
    app       LowCardinality(String),
    model     LowCardinality(String),
    outputs   SimpleAggregateFunction(sum, UInt64),
    users     AggregateFunction(uniqExact, String)
)
ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toYYYYMM(day)
ORDER BY (ministry, day, app, model);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table:outputs_daily_mv}} {{on_cluster}} TO {{table:outputs_daily}} AS
SELECT toDate(occurred_at) AS day, ministry, app, model, count() AS outputs, uniqExactState(user_id) AS users
FROM {{table:outputs}}
GROUP BY day, ministry, app, model;

{{distributed:outputs_daily:cityHash64(ministry)}};

CREATE TABLE IF NOT EXISTS {{table:feedback_daily}} {{on_cluster}}
(
    day       Date,
    ministry  LowCardinality(String),
    app       LowCardinality(String),
    model     LowCardinality(String),
    up        SimpleAggregateFunction(sum, UInt64),
    down      SimpleAggregateFunction(sum, UInt64)
)
ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toYYYYMM(day)
ORDER BY (ministry, day, app, model);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table:feedback_daily_mv}} {{on_cluster}} TO {{table:feedback_daily}} AS
SELECT toDate(occurred_at) AS day, ministry, app, model, countIf(rating = 'up') AS up, countIf(rating = 'down') AS down
FROM {{table:feedback}}
GROUP BY day, ministry, app, model;

{{distributed:feedback_daily:cityHash64(ministry)}};
