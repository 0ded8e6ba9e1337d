// The embedded engine's memory bounds (clickhouse/chdb-memory.ts) are server settings given to chDB
// when its engine starts; this reads them back from the engine itself, so a bound that chDB silently
// ignored (or a client that joined an engine started without them) fails here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeClickHouse, getClickHouse, queryRows } from '../../../clickhouse/client.ts';
import { chdbServerSettings } from '../../../clickhouse/chdb-memory.ts';
import { ConfigError, loadEnv } from '../../../config/env.ts';

describe('chDB memory bounds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oversight-chdb-memory-'));
  afterAll(async () => {
    await closeClickHouse();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reach the engine that the client queries', async () => {
    const env = loadEnv({ OVERSIGHT_DATA_DIR: dir, CHDB_MAX_MEMORY_MB: '1500', CHDB_MARK_CACHE_MB: '48', CHDB_INDEX_CACHE_MB: '12' });
    const client = await getClickHouse(env);
    const wanted = chdbServerSettings(env);
    const rows = await queryRows<{ name: string; value: string }>(
      client,
      'SELECT name, value FROM system.server_settings WHERE name IN {names:Array(String)}',
      { names: Object.keys(wanted) },
    );
    const got = Object.fromEntries(rows.map((r) => [r.name, Number(r.value)]));
    expect(got).toEqual(wanted);
    expect(got.mark_cache_size).toBe(48 * 2 ** 20);
    expect(got.max_server_memory_usage).toBe(1500 * 2 ** 20);
    // The engine still answers queries and DDL under the bounds.
    await client.command({ query: 'CREATE TABLE t (n UInt64) ENGINE = MergeTree ORDER BY n' });
    await client.command({ query: 'INSERT INTO t SELECT number FROM numbers(100000)' });
    expect(await queryRows<{ s: number }>(client, 'SELECT sum(n) AS s FROM t')).toEqual([{ s: 4999950000 }]);
  });

  it('are validated as configuration', () => {
    expect(() => loadEnv({ CHDB_MARK_CACHE_MB: '-1' })).toThrow(ConfigError);
    expect(() => loadEnv({ CHDB_MAX_MEMORY_MB: 'lots' })).toThrow(/CHDB_MAX_MEMORY_MB/);
    expect(loadEnv({}).CHDB_MARK_CACHE_MB).toBeGreaterThan(0);
  });
});
