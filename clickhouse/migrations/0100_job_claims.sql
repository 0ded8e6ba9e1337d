-- Scheduled jobs (the daily digest; sampling and reports later) run once across several `oversight
-- serve` processes sharing a ClickHouse server: each process that wants to run job X for period P
-- inserts a claim row, waits for concurrent claims to become visible, and runs the job only when its
-- own claim is the first one: smallest (claimed_at, claimant). See clickhouse/run-once.ts.
-- Sharded by (job, period) so every claim for one run lands on one shard and is read together.
CREATE TABLE IF NOT EXISTS {{table:job_claims}} {{on_cluster}}
(
    job         LowCardinality(String),
    period      String,
    claimant    String,
    claimed_at  DateTime64(6, 'UTC') DEFAULT now64(6)
)
ENGINE = {{engine:MergeTree}}
ORDER BY (job, period, claimed_at, claimant)
TTL toDateTime(claimed_at) + INTERVAL 400 DAY;

{{distributed:job_claims:cityHash64(job, period)}};
