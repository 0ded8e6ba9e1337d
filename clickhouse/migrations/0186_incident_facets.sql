-- The incident queue's filter selects list the categories, ministries and models of every stored
-- incident (about 770,000 in half a year at the bench's flag rate, docs/CAPACITY.md §9), so reading
-- the three columns grew with the incidents (9 → 29 ms p95 from 10 M to 100 M outputs).
-- - p_facets: one row per (ministry, category, model) per part; the select (a GROUP BY of those
--   columns, clickhouse/stores/incidents.ts incidentFacets) reads a handful of rows per part.
--   ClickHouse picks the projection by itself. The three columns never change between an incident's
--   versions, so the projection need not see FINAL; 'rebuild' keeps it when merges replace versions
--   (a ReplacingMergeTree refuses projections otherwise).
ALTER TABLE {{table:incidents}} {{on_cluster}} MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE {{table:incidents}} {{on_cluster}} ADD PROJECTION IF NOT EXISTS p_facets (SELECT ministry, category, model, count() GROUP BY ministry, category, model);
ALTER TABLE {{table:incidents}} {{on_cluster}} MATERIALIZE PROJECTION p_facets;
