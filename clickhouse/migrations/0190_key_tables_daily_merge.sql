-- The ingester's id lookup (pipelines/dedup.ts, migration 0187) reads one 256-row granule per id in
-- every part of usage_event_keys and output_keys, so past a few million ids its cost follows the
-- number of large parts, not the rows. ClickHouse's merge selector leaves several large parts side by
-- side for good, because merging them would rewrite most of the table: the size bench left 7 parts at
-- 100 M ids, where a 20,000-id lookup read 105,905 granules in 606 ms (p50); the same data in one part,
-- 20,000 granules in 235 ms (docs/CAPACITY.md §10).
-- min_age_to_force_merge_seconds lets a merge join any run of parts that are all older than a day,
-- whatever their sizes: the tables then hold one part for everything older than a day and the day's
-- own parts (about 1.6 M ids a day each at full rollout: at most ~6,300 granules however many parts).
-- The price is that the old part is rewritten once a day: about a minute per 100 M ids per table on 2
-- cores (measured in chDB), in the background merge pool. The merge still keeps every row (these are
-- ReplacingMergeTrees of immutable keys; a repeat collapses as in any merge).
ALTER TABLE {{table:usage_event_keys}} {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 86400;
ALTER TABLE {{table:output_keys}} {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 86400;
