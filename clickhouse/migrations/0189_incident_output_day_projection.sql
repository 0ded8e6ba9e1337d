-- The overview's and a ministry's "top incidents" (src/lib/server/queries/incidents.ts topIncidents)
-- are the most severe, then newest, incidents on outputs of a day range, a ministry, an app or a
-- model. `incidents` is ordered by incident_id, so picking them read the day and ministry of every
-- stored incident under FINAL (about 770,000 in half a year at the bench's flag rate, docs/CAPACITY.md
-- §9): the query grew with the whole history, not with the range asked for.
-- - p_by_output_day: the columns that choose and order the top incidents, ordered by ministry and the
--   output's time, so a range (of one ministry or of all) reads only its own granules. They never
--   change between an incident's versions (clickhouse/stores/incidents.ts incidentsFinal), so the
--   choice needs no FINAL and ClickHouse picks the projection by itself; the chosen incidents' latest
--   versions are then read by their primary key. 'rebuild' (set by 0186) keeps the projection when
--   merges replace versions.
ALTER TABLE {{table:incidents}} {{on_cluster}} MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE {{table:incidents}} {{on_cluster}} ADD PROJECTION IF NOT EXISTS p_by_output_day (SELECT incident_id, ministry, app, model, severity, output_at, opened_at ORDER BY ministry, output_at);
ALTER TABLE {{table:incidents}} {{on_cluster}} MATERIALIZE PROJECTION p_by_output_day;
