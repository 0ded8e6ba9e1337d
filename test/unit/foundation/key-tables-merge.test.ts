// Migration 0190: the key tables merge every run of parts older than a day into one, so the ingester's
// id lookup (one granule per id and part) reads one large part instead of the several the merge
// selector leaves (docs/CAPACITY.md §10).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type ClickHouseClient } from '../../../clickhouse/client.ts';
import { renderAll } from '../../../clickhouse/migrate.ts';
import { countOf, freshDb, type TestDb } from '../../helpers/chdb.ts';
import { keyTableWhere, sqlString, storedKeys } from '../../../pipelines/dedup.ts';
import type { Accepted } from '../../../pipelines/rows.ts';

let db: TestDb;
let client: ClickHouseClient;
const KEY_TABLES = ['usage_event_keys', 'output_keys'];

const partsOf = (table: string) => countOf(client, `SELECT count() AS n FROM system.parts WHERE active AND database = currentDatabase() AND table = '${table}'`);

beforeAll(async () => {
  db = await freshDb('oversight-key-merge-');
  client = db.client;
}, 120_000);
afterAll(async () => {
  await db?.close();
});

describe('migration 0190: the key tables force-merge parts older than a day', () => {
  it('sets min_age_to_force_merge_seconds = 86400 on both key tables and on no other table but incidents (0192)', async () => {
    const rows = await queryRows<{ name: string; q: string }>(client, 'SELECT name, create_table_query AS q FROM system.tables WHERE database = currentDatabase()');
    const withSetting = rows.filter((r) => /min_age_to_force_merge_seconds/.test(r.q)).map((r) => r.name).sort();
    expect(withSetting).toEqual([...KEY_TABLES, 'incidents'].sort());
    for (const r of rows.filter((x) => KEY_TABLES.includes(x.name))) expect(r.q).toMatch(/min_age_to_force_merge_seconds = 86400/);
  });

  it('on a cluster the setting goes to the shard tables', () => {
    const ddl = renderAll({ cluster: 'oversight', rawTextTtlDays: 30 });
    for (const t of KEY_TABLES) expect(ddl).toContain(`ALTER TABLE ${t}_local ON CLUSTER oversight MODIFY SETTING min_age_to_force_merge_seconds = 86400`);
  });

  // A day cannot pass in a test: the age is lowered to one second on this store, which is what the
  // tables see a day after their parts were written. What is checked is that the engine honours the
  // setting on these tables as they are built (ReplacingMergeTree, hash key, small granules) and that
  // the lookup then reads one part, with every id still answering.
  it('once the parts are older than the age, they become one part; the lookup reads one granule per id and finds every id', async () => {
    for (let i = 0; i < 4; i++) {
      await client.command({ query: `INSERT INTO output_keys SELECT concat('km-', toString(number)), '2026-03-01 00:00:00', 'mof', 'chat', 'm' FROM numbers(${i * 50000}, 50000)` });
    }
    expect(await partsOf('output_keys')).toBeGreaterThanOrEqual(2);
    await client.command({ query: 'ALTER TABLE output_keys MODIFY SETTING min_age_to_force_merge_seconds = 1' });
    const deadline = Date.now() + 60_000;
    while ((await partsOf('output_keys')) > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(await partsOf('output_keys')).toBe(1);

    const ids = Array.from({ length: 10 }, (_, i) => `km-${i * 19_997}`);
    const plan = (await queryRows<{ explain: string }>(client, `EXPLAIN indexes = 1 SELECT output_id FROM output_keys ${keyTableWhere('output_id', sqlString(ids.join('\n')))}`))
      .map((r) => r.explain)
      .join('\n');
    const [, read] = /Granules: (\d+)\/(\d+)/.exec(plan) ?? [];
    expect(Number(read)).toBeLessThanOrEqual(ids.length);
    const items: Accepted[] = [...ids, 'km-none'].map((key) => ({ ok: true, key, row: {} as never }));
    const found = await storedKeys(client, 'outputs', items, () => false);
    expect([...found.stored].sort()).toEqual([...ids].sort());
    expect(await countOf(client, 'SELECT count() AS n FROM output_keys')).toBe(200_000);
  }, 90_000);
});
