-- `incidents` ordered by (output_at, incident_id) instead of incident_id, rebuilt under the same name.
--
-- Why: every queue read is `incidents FINAL` (status, assignee and verdict change with triage, so only
-- the latest version may answer). FINAL merges the versions of the key ranges that more than one part
-- covers and reads the other ranges as they are. Ordered by incident_id (a hash), any part, however
-- small (one triage click writes one), spans the whole key range, so every queue read merged the whole
-- table and the queue grew with the history (60 → 153 ms p95 from 10 M to 100 M outputs,
-- docs/CAPACITY.md §9). Ordered by the output's time, the day's parts (incidents the runner opens on
-- the day's outputs, and the versions triage writes, nearly all on incidents of the last two weeks)
-- overlap only the newest granules of the history part: FINAL merges those and reads the rest as it
-- is. Measured on 768,000 incidents as one history part plus a day of small writes (6 parts): the
-- unfiltered count 23 → 7 ms, a page newest first 32 → 19 ms, sorted by status 49 → 35 ms.
-- - Why output_at and not opened_at: both never change between an incident's versions
--   (clickhouse/stores/incidents.ts incidentsFinal), so either with incident_id names one incident.
--   But two runners that open the same incident at once (same id, from the output and category) stamp
--   different opened_at, and rows with different keys never replace each other; output_at is copied
--   from the output, the same in both, so they still collapse into one incident as before.
-- - Reads by id (the detail page, the runner's "already opened?") no longer follow the key: the bloom
--   filter on incident_id skips every granule without the id, with FINAL too
--   (use_skip_indexes_if_final, exact mode, on by default). Measured: one incident 4.6 → 4.7 ms.
-- - The minmax index on opened_at serves the age filters and the CSV export's day windows: opened_at
--   follows output_at by minutes to days, so a day's incidents sit in a few granules.
-- - min_age_to_force_merge_seconds (as 0190): parts all older than a day merge into one, so the
--   history is one part whatever the merge selector would leave, e.g. after this rebuild or a backfill.
-- - The columns and the projections of 0186 and 0189 come along (CREATE TABLE … AS).
--
-- Order of work, so nothing written meanwhile is lost and a failed run can simply run again:
-- 1. leftovers of an earlier failed run go (the old table only exists here if the swap below was done,
--    and then its rows are in `incidents` already);
-- 2. the new table, then a view that copies every later write of the old one into it, then the copy
--    of the history (a row written by both collapses: same key, same version);
-- 3. one RENAME swaps both names at once, so readers and writers see either table whole;
-- 4. the view and the old table go. On a cluster the copy runs through a Distributed table over the
--    new shard tables, dropped at the end; the Distributed `incidents` reaches the new shard tables by
--    their name after the swap.

DROP VIEW IF EXISTS {{table:incidents_by_output_at_mv}} {{on_cluster}};

DROP TABLE IF EXISTS {{table:incidents_by_id}} {{on_cluster}};

-- The columns and the projections of 0186 and 0189 come from the table as it stands (AS), so the
-- copy cannot drift from it; only the order, the two indexes and the settings are new.
CREATE TABLE IF NOT EXISTS {{table:incidents_by_output_at}} {{on_cluster}} AS {{table:incidents}}
ENGINE = {{engine:ReplacingMergeTree(version)}}
ORDER BY (output_at, incident_id)
SETTINGS deduplicate_merge_projection_mode = 'rebuild', min_age_to_force_merge_seconds = 86400;

ALTER TABLE {{table:incidents_by_output_at}} {{on_cluster}} ADD INDEX IF NOT EXISTS idx_incident_id incident_id TYPE bloom_filter GRANULARITY 1;

ALTER TABLE {{table:incidents_by_output_at}} {{on_cluster}} ADD INDEX IF NOT EXISTS idx_opened_at opened_at TYPE minmax GRANULARITY 1;

{{distributed:incidents_by_output_at:cityHash64(incident_id)}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table:incidents_by_output_at_mv}} {{on_cluster}} TO {{table:incidents_by_output_at}} AS
SELECT * FROM {{table:incidents}};

INSERT INTO incidents_by_output_at SELECT * FROM incidents;

RENAME TABLE {{table:incidents}} TO {{table:incidents_by_id}}, {{table:incidents_by_output_at}} TO {{table:incidents}} {{on_cluster}};

DROP VIEW IF EXISTS {{table:incidents_by_output_at_mv}} {{on_cluster}};

DROP TABLE IF EXISTS {{table:incidents_by_id}} {{on_cluster}};

DROP TABLE IF EXISTS incidents_by_output_at {{on_cluster}};
