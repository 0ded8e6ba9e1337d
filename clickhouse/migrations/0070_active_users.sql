-- Active users per ministry and day, for DAU/WAU/MAU and adoption (overview, ministry pages, heatmap).
-- usage_daily already holds user states, but per (ministry, day, app, model) and over String ids:
-- MAU then merges every user once per app and model they used on each of 30 days, hashing strings
-- each time; `npm run bench` measured that as the largest share of the overview at 10M outputs. Here a
-- user is counted once per ministry and day, as a 64-bit hash (exact for any realistic population:
-- the chance of one collision among 180,000 users is ~1e-9). Pages filtered by app or model still read
-- usage_daily, which keeps those dimensions.

CREATE TABLE IF NOT EXISTS {{table:active_users_daily}} {{on_cluster}}
(
    day       Date,
    ministry  LowCardinality(String),
    users     AggregateFunction(uniqExact, UInt64)
)
ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toYYYYMM(day)
ORDER BY (ministry, day);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table:active_users_daily_mv}} {{on_cluster}} TO {{table:active_users_daily}} AS
SELECT toDate(occurred_at) AS day, ministry, uniqExactState(cityHash64(user_id)) AS users
FROM {{table:usage_events}}
GROUP BY day, ministry;

{{distributed:active_users_daily:cityHash64(ministry)}};

-- History from before this migration. Counting a user twice in a distinct-count state is harmless, so
-- events that arrive while this runs (seen by the view and by this SELECT) change nothing. The plain
-- names are the Distributed tables on a cluster: one node backfills for all shards.
INSERT INTO active_users_daily
SELECT toDate(occurred_at) AS day, ministry, uniqExactState(cityHash64(user_id)) AS users
FROM usage_events
GROUP BY day, ministry;
