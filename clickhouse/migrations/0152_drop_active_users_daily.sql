-- active_users_daily (0070) is no longer read: since 0151 the pages count distinct users from
-- user_days_monthly (filtered by app or model: usage_daily). Its view would still run on every usage
-- insert, so it goes, view first (nothing may write into a dropped table). On a cluster the
-- Distributed table has the plain name and the shard tables the _local one.

DROP VIEW IF EXISTS {{table:active_users_daily_mv}} {{on_cluster}};

DROP TABLE IF EXISTS active_users_daily {{on_cluster}};

DROP TABLE IF EXISTS {{table:active_users_daily}} {{on_cluster}};
