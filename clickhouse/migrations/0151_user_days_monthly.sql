-- Active users per ministry as one row per user and month with a bitmap of the days they were active.
-- active_users_daily (0070) holds a distinct-user state per ministry and day, so DAU/WAU/MAU, the daily
-- active series and the heatmap's weekly actives merge one entry per user per active day: work that
-- grows with history volume (about ten times from 10M to 100M outputs, `npm run bench`). Here the
-- work grows with the number of users, which is bounded by the rollout (180,000): a 30-day window
-- reads at most two months of rows, one per user, and tests bits. Exact, like the states it replaces
-- (users are 64-bit hashes, as in 0070). Views filtered by app or model still read usage_daily.

CREATE TABLE IF NOT EXISTS {{table:user_days_monthly}} {{on_cluster}}
(
    month     Date,
    ministry  LowCardinality(String),
    user      UInt64,
    -- Bit d-1 is set when the user was active on day d of the month.
    days      SimpleAggregateFunction(groupBitOr, UInt32)
)
ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toYYYYMM(month)
ORDER BY (ministry, month, user);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table:user_days_monthly_mv}} {{on_cluster}} TO {{table:user_days_monthly}} AS
SELECT toStartOfMonth(occurred_at) AS month, ministry, cityHash64(user_id) AS user,
       groupBitOr(toUInt32(bitShiftLeft(toUInt32(1), toDayOfMonth(occurred_at) - 1))) AS days
FROM {{table:usage_events}}
GROUP BY month, ministry, user;

{{distributed:user_days_monthly:cityHash64(ministry)}};

-- History from before this migration (see 0070 for why the plain names). Setting a bit twice is harmless.
INSERT INTO user_days_monthly
SELECT toStartOfMonth(occurred_at) AS month, ministry, cityHash64(user_id) AS user,
       groupBitOr(toUInt32(bitShiftLeft(toUInt32(1), toDayOfMonth(occurred_at) - 1))) AS days
FROM usage_events
GROUP BY month, ministry, user;
