-- The audit log grows with every raw-text view and triage change (about 6 M rows in half a year at
-- full rollout, docs/CAPACITY.md) and is ordered by (at, actor). Its page filters by actor and action
-- and fills the actor select from every row; measured by `npm run bench -- --size 100M`.
-- - p_actors: one row per actor per part, so the actor select (GROUP BY actor) reads a handful of
--   rows instead of the whole actor column; ClickHouse picks the projection by itself.
-- - idx_actor / idx_action: skip granules that cannot hold the filtered actor or action, so a rare
--   actor (a CAIO) does not read the whole log backwards looking for one page of rows.
ALTER TABLE {{table:audit_log}} {{on_cluster}} ADD PROJECTION IF NOT EXISTS p_actors (SELECT actor, count() GROUP BY actor);
ALTER TABLE {{table:audit_log}} {{on_cluster}} MATERIALIZE PROJECTION p_actors;
ALTER TABLE {{table:audit_log}} {{on_cluster}} ADD INDEX IF NOT EXISTS idx_actor actor TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE {{table:audit_log}} {{on_cluster}} MATERIALIZE INDEX idx_actor;
ALTER TABLE {{table:audit_log}} {{on_cluster}} ADD INDEX IF NOT EXISTS idx_action action TYPE set(64) GRANULARITY 1;
ALTER TABLE {{table:audit_log}} {{on_cluster}} MATERIALIZE INDEX idx_action;
