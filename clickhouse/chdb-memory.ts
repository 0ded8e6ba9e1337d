// Memory bounds of the embedded engine (chDB). chDB runs a whole ClickHouse server inside this process,
// with a server's defaults: a 5 GiB mark cache, 5 GiB index caches and a memory limit of 90 % of the
// machine's RAM. Those suit a dedicated database host, not a process that shares a small VM with
// the dashboard. They are server configuration, not query settings, so they are passed to chDB when
// its engine starts (the `-- --name=value` overrides clickhouse-local also takes) and cannot change
// while the process runs. docs/CAPACITY.md ("Memory") says what each bound costs and saves.
// Against a ClickHouse server (CLICKHOUSE_URL) none of this applies: the server has its own config.
import type { Env } from '../config/env.ts';

const MB = 1024 * 1024;

/** ClickHouse server settings for the embedded engine, by name, in bytes. */
export function chdbServerSettings(env: Env): Record<string, number> {
  return {
    // A hard ceiling on everything the engine allocates (queries, merges, caches); a query that would
    // pass it fails with MEMORY_LIMIT_EXCEEDED instead of the process being killed by the OOM killer.
    max_server_memory_usage: env.CHDB_MAX_MEMORY_MB * MB,
    // Marks (granule offsets) of the columns queries read: the cache that grows with the data read.
    mark_cache_size: env.CHDB_MARK_CACHE_MB * MB,
    // Primary keys, skipping-index marks and skipping-index blocks: small at this schema's sizes.
    primary_index_cache_size: env.CHDB_INDEX_CACHE_MB * MB,
    index_mark_cache_size: env.CHDB_INDEX_CACHE_MB * MB,
    index_uncompressed_cache_size: 0,
    // Which granules a repeated WHERE condition ruled out (100 MiB by default): dashboard filters repeat.
    query_condition_cache_size: env.CHDB_INDEX_CACHE_MB * MB,
    // Machine code of expressions JIT-compiled after they ran a few times (128 MiB by default).
    compiled_expression_cache_size: 32 * MB,
    // Decompressed blocks: off (chDB's default too); the OS page cache already holds the files.
    uncompressed_cache_size: 0,
    // Results of SELECT ... SETTINGS use_query_cache = 1: nothing here asks for it.
    'query_cache.max_size_in_bytes': 0,
  };
}

/** The engine arguments chDB starts with: server setting overrides after `--`. */
export function chdbConnectionArgs(env: Env): string[] {
  return ['--', ...Object.entries(chdbServerSettings(env)).map(([name, value]) => `--${name}=${value}`)];
}

/** One line for logs and bench notes. */
export function describeChdbBounds(env: Env): string {
  return (
    `max memory ${env.CHDB_MAX_MEMORY_MB} MB, mark cache ${env.CHDB_MARK_CACHE_MB} MB, ` +
    `index and condition caches ${env.CHDB_INDEX_CACHE_MB} MB each, compiled expressions 32 MB, uncompressed and query caches off`
  );
}
