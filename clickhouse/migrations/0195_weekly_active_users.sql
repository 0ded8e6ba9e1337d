-- Distinct active users per ministry and completed week, counted once and kept (the heatmap's adoption
-- rows; src/lib/server/queries/weekly-active-users.ts). Counting them from user_days_monthly costs work
-- per (user, week) pair shown, which grows with how many weeks each user is active: from 10 M to 100 M
-- outputs over the same half year the heatmap's p95 grew 1.7–2.3× (`npm run bench -- --size 100M`,
-- 2026-12-06), nearly all of it this count. A distinct count cannot be summed from smaller ones, so
-- this table holds finished counts, written by a background job for weeks that are over, each with
-- the week's request count (from model_latency_daily) when it was counted. A page uses a stored count
-- only while that rollup still shows that request count: a late event for the week changes it, and the page then
-- counts that week from user_days_monthly again until the job has recounted it. The newest row of a
-- (ministry, week) wins (counted_at); `oversight rollups` repairs write a row with requests = 0 for the
-- weeks they rebuild, which no week with requests matches.
CREATE TABLE IF NOT EXISTS {{table:weekly_active_users}} {{on_cluster}}
(
    week        Date,
    ministry    LowCardinality(String),
    users       UInt64,
    requests    UInt64,
    counted_at  DateTime64(3, 'UTC')
)
ENGINE = {{engine:ReplacingMergeTree(counted_at)}}
ORDER BY (ministry, week);

{{distributed:weekly_active_users:cityHash64(ministry)}};
