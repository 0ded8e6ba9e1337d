-- A minmax index on incidents.updated_at, for the queue sorted by last update.
--
-- Why: a page of the queue reads only the days that hold it (clickhouse/stores/incidents.ts queuePage).
-- For every other order those are days of opened_at, which never changes, so the condition runs before
-- FINAL and the minmax index on opened_at (0192) finds the days' granules. updated_at changes with
-- every triage step, so its day condition must run after FINAL; ClickHouse still applies a skipping
-- index there (use_skip_indexes_if_final, on by default) and, in exact mode (also the default), reads
-- every granule that holds a version of an incident a selected granule holds, so no older version can
-- stand in for the latest. Triage versions sit in the day's small parts and old versions near their
-- incident's output time, so a day of updates reads the day's parts and a few granules of the history.
ALTER TABLE {{table:incidents}} {{on_cluster}} ADD INDEX IF NOT EXISTS idx_updated_at updated_at TYPE minmax GRANULARITY 1;

ALTER TABLE {{table:incidents}} {{on_cluster}} MATERIALIZE INDEX idx_updated_at;
