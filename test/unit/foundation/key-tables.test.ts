// Migration 0187: the ingester's id lookups move from the 0090 id tables (ordered by the id string) to
// key tables ordered by the id's hash. Checked as an upgrade: a store migrated up to 0186 holds events, then 0187 runs, and every
// id stored before it, and every id inserted after it, answers the lookup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeClickHouse, getClickHouse, queryRows, type ClickHouseClient } from '../../../clickhouse/client.ts';
import { loadEnv } from '../../../config/env.ts';
import { loadMigrations, migrate, renderAll } from '../../../clickhouse/migrate.ts';
import { renderMigration } from '../../../clickhouse/render.ts';
import { keyTableWhere, sqlString, storedKeys } from '../../../pipelines/dedup.ts';
import { enrichFeedback, OutputMetaCache } from '../../../pipelines/enrich.ts';
import type { Accepted, FeedbackRow } from '../../../pipelines/rows.ts';

let dir: string;
let client: ClickHouseClient;

const usage = (id: string, day: string, ministry = 'mof') => ({
  event_id: id, occurred_at: `${day} 01:00:00.000`, ministry, user_id: 'u', session_id: 's', request_id: id, app: 'chat', model: 'm',
  input_tokens: 1, output_tokens: 1, latency_ms: 1, status: 'ok', raw: '{}', src_topic: 't', src_partition: 0, src_offset: 1,
});
const output = (id: string, day: string, ministry = 'mof') => ({
  output_id: id, request_id: `r-${id}`, occurred_at: `${day} 10:00:00.000`, ministry, app: 'chat', model: 'model-a', user_id: 'u1',
  language: 'ja', confidentiality_level: 2, prompt: 'q', response: 'a', sources: '[]', raw: '{}', src_topic: 't', src_partition: 0, src_offset: 0,
});
/** Items as the ingester hands them to the lookup: only the key matters with replayable() false. */
const items = (keys: string[]): Accepted[] => keys.map((key) => ({ ok: true, key, row: {} as never }));
const tables = async () => new Map((await queryRows<{ name: string; engine: string }>(client, 'SELECT name, engine FROM system.tables WHERE database = currentDatabase()')).map((r) => [r.name, r.engine]));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oversight-key-tables-'));
  client = await getClickHouse(loadEnv({ OVERSIGHT_DATA_DIR: dir }));
  await migrate(client, { rawTextTtlDays: 400 }, () => {}, loadMigrations().filter((m) => m.version < 187));
}, 120_000);
afterAll(async () => {
  await closeClickHouse();
  rmSync(dir, { recursive: true, force: true });
});

describe('migration 0187: id lookups by hash', () => {
  it('carries every id stored before it into the key tables, drops the 0090 tables, and keeps new ids', async () => {
    await client.insert({ table: 'usage_events', format: 'JSONEachRow', values: [usage('kt-u1', '2026-03-01'), usage('kt-u2', '2026-05-09', 'mhlw'), usage('kt-u1', '2026-03-01')] });
    await client.insert({ table: 'outputs', format: 'JSONEachRow', values: [output('kt-o1', '2026-03-01'), output('kt-o2', '2026-04-02', 'mext')] });
    expect((await tables()).get('usage_event_ids')).toBe('ReplacingMergeTree');

    await migrate(client, { rawTextTtlDays: 400 });
    const after = await tables();
    expect(after.get('usage_event_keys')).toBe('ReplacingMergeTree');
    expect(after.get('output_keys')).toBe('ReplacingMergeTree');
    for (const gone of ['usage_event_ids', 'usage_event_ids_mv', 'output_ids', 'output_ids_mv']) expect(after.has(gone)).toBe(false);

    const none = () => false;
    const u = await storedKeys(client, 'usage', items(['kt-u1', 'kt-u2', 'kt-u3']), none);
    expect([...u.stored].sort()).toEqual(['kt-u1', 'kt-u2']);
    const o = await storedKeys(client, 'outputs', items(['kt-o1', 'kt-o2', 'kt-o9']), none);
    expect([...o.stored].sort()).toEqual(['kt-o1', 'kt-o2']);
    // Feedback enrichment reads the same table: the rated output's ministry, app and model.
    const rated = ['kt-o2', 'kt-o9'].map((output_id) => ({ output_id, ministry: '', app: '', model: '' }) as FeedbackRow);
    await enrichFeedback(client, rated, new OutputMetaCache());
    expect(rated.map((r) => [r.ministry, r.app, r.model])).toEqual([['mext', 'chat', 'model-a'], ['', '', '']]);

    // After the migration the new views keep the key tables: an id inserted now is found, and a
    // repeat of a stored id with another day and ministry is one key, not two.
    await client.insert({ table: 'usage_events', format: 'JSONEachRow', values: [usage('kt-u3', '2026-06-01'), usage('kt-u2', '2026-06-02', 'mof')] });
    expect([...(await storedKeys(client, 'usage', items(['kt-u3']), none)).stored]).toEqual(['kt-u3']);
    const [n] = await queryRows<{ n: number }>(client, "SELECT count() AS n FROM usage_event_keys FINAL WHERE event_id IN ('kt-u1', 'kt-u2', 'kt-u3')");
    expect(Number(n.n)).toBe(3);
  });

  it('runs again without harm (every statement can repeat after a failure part-way)', async () => {
    const m = loadMigrations().find((x) => x.version === 187)!;
    for (const stmt of renderMigration(m.sql, { rawTextTtlDays: 400 })) await client.command({ query: stmt });
    const u = await storedKeys(client, 'usage', items(['kt-u1', 'kt-u2', 'kt-u3', 'kt-u4']), () => false);
    expect(u.stored.size).toBe(3);
  });

  it('a hash collision is not taken for the id: only rows whose id matches answer', async () => {
    // Two ids with one 64-bit hash cannot be found by hand, so a table of the key tables' shape gets
    // rows whose hash column names another id, and the lookup's condition (keyTableWhere) runs on it.
    await client.command({ query: 'CREATE TABLE kt_collide (h UInt64, output_id String) ENGINE = MergeTree PRIMARY KEY h ORDER BY (h, output_id)' });
    await client.command({ query: "INSERT INTO kt_collide VALUES (cityHash64('kt-a'), 'kt-b'), (cityHash64('kt-c'), 'kt-c')" });
    const pick = async (ids: string[]) =>
      (await queryRows<{ id: string }>(client, `SELECT output_id AS id FROM kt_collide ${keyTableWhere('output_id', sqlString(ids.join('\n')))} ORDER BY id`)).map((r) => r.id);
    expect(await pick(['kt-a'])).toEqual([]); // its hash is stored, under another id
    expect(await pick(['kt-b'])).toEqual([]); // its id is stored under another hash (the real tables compute h, so never)
    expect(await pick(['kt-a', 'kt-c'])).toEqual(['kt-c']);
  });

  it('a lookup reads one small granule per id, not the id column', async () => {
    await client.command({ query: "INSERT INTO usage_event_keys SELECT concat('kt-n', toString(number)), '2026-03-01 00:00:00', 'mof' FROM numbers(200000)" });
    await client.command({ query: 'OPTIMIZE TABLE usage_event_keys FINAL' });
    const ids = sqlString(Array.from({ length: 10 }, (_, i) => `kt-n${i * 7919}`).join('\n'));
    const plan = (await queryRows<{ explain: string }>(client, `EXPLAIN indexes = 1 SELECT event_id FROM usage_event_keys ${keyTableWhere('event_id', ids)}`)).map((r) => r.explain).join('\n');
    const [, read, total] = /Granules: (\d+)\/(\d+)/.exec(plan) ?? [];
    expect(Number(total)).toBeGreaterThan(700); // 200,000 ids in 256-row granules
    expect(Number(read)).toBeLessThanOrEqual(10);
    const found = await storedKeys(client, 'usage', items(['kt-n0', 'kt-n7919', 'kt-n-none']), () => false);
    expect([...found.stored].sort()).toEqual(['kt-n0', 'kt-n7919']);
  });

  it('finds ids whatever characters they hold (the TSV literal is unescaped before it is hashed)', async () => {
    const hostile = ["kt-tab\tid", 'kt-nl\nid', 'kt-back\\slash', "kt-quote'd", 'kt-日本語-😀', 'kt-\\N', ' kt-space '];
    await client.insert({ table: 'usage_events', format: 'JSONEachRow', values: hostile.map((id) => usage(id, '2026-07-01')) });
    const found = await storedKeys(client, 'usage', items([...hostile, 'kt-tab id', 'kt-nl', 'kt-\\n']), () => false);
    expect([...found.stored].sort()).toEqual([...hostile].sort());
  });

  it('on a cluster the key tables are replicated on each shard, behind Distributed tables sharded by the same hash', () => {
    const ddl = renderAll({ cluster: 'oversight', rawTextTtlDays: 30 });
    expect(ddl).toMatch(/CREATE TABLE IF NOT EXISTS usage_event_keys_local ON CLUSTER oversight[\s\S]*?ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/usage_event_keys_local', '\{replica\}'\)\s+PRIMARY KEY h/);
    expect(ddl).toContain('ENGINE = Distributed(oversight, currentDatabase(), output_keys_local, cityHash64(output_id))');
    expect(ddl).toContain('CREATE MATERIALIZED VIEW IF NOT EXISTS output_keys_mv_local ON CLUSTER oversight TO output_keys_local');
  });
});
