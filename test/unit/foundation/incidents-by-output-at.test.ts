// Migration 0192: `incidents` rebuilt ordered by (output_at, incident_id), so `incidents FINAL` merges
// only the key ranges the day's small parts cover instead of the whole table (docs/CAPACITY.md §9).
// Upgraded from 0191 with data in it, a write made while it runs, and runs that stop partway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type ClickHouseClient } from '../../../clickhouse/client.ts';
import { loadMigrations, migrate } from '../../../clickhouse/migrate.ts';
import { renderMigration } from '../../../clickhouse/render.ts';
import { BY_ID, getIncident } from '../../../clickhouse/stores/incidents.ts';
import { countOf, freshDb, type TestDb } from '../../helpers/chdb.ts';

let db: TestDb;
let client: ClickHouseClient;
const OPTS = { rawTextTtlDays: 400 };
const M0192 = loadMigrations().find((m) => m.version === 192)!;

const row = (id: string, over: Record<string, unknown> = {}) => ({
  incident_id: id, output_id: `out-${id}`, ministry: 'mof', app: 'chat', model: 'm1', category: 'leakage', severity: 'high',
  rule_ids: ['r1'], title: `t ${id}`, status: 'new', assignee: '', verdict: '', output_at: '2026-03-01 10:00:00.000',
  opened_at: '2026-03-01 10:05:00.000', version: 1, ...over,
});
const insert = (values: Record<string, unknown>[]) => client.insert({ table: 'incidents', values, format: 'JSONEachRow' });
const run = async (stmts: string[]) => {
  for (const query of stmts) await client.command({ query });
};
const tables = async () =>
  (await queryRows<{ name: string }>(client, "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'incidents%' ORDER BY name")).map((r) => r.name);
const state = () => queryRows<{ incident_id: string; status: string; version: number }>(client, 'SELECT incident_id, status, version FROM incidents FINAL ORDER BY incident_id');

beforeAll(async () => {
  db = await freshDb('oversight-incidents-0192-', loadMigrations().filter((m) => m.version < 192));
  client = db.client;
  // Versions of one incident in two parts, as triage writes them.
  await insert([row('a'), row('b', { output_at: '2026-02-01 09:00:00.000', opened_at: '2026-02-01 09:05:00.000' })]);
  await insert([row('a', { status: 'triaged', assignee: 'rev1', version: 2 })]);
  await insert([row('c', { output_at: '1969-12-31 23:59:59.999', opened_at: '1970-01-01 00:04:59.999' })]);
}, 120_000);
afterAll(async () => {
  await db?.close();
});

describe('migration 0192: incidents ordered by the output time', () => {
  it('keeps every latest version, a write made during the copy, and runs again after stopping before or after the swap', async () => {
    const stmts = renderMigration(M0192.sql, OPTS);
    const copy = stmts.findIndex((s) => /^INSERT INTO incidents_by_output_at/.test(s));
    expect(copy).toBeGreaterThan(0);
    // A run that stops after the copy, before the swap.
    await run(stmts.slice(0, copy + 1));
    // Run again; this time a new version and a new incident arrive after the copy, in the old table:
    // only the view carries them over. Then the swap, and a stop before the ledger records it.
    await run(stmts.slice(0, copy + 1));
    await insert([row('a', { status: 'confirmed', verdict: 'confirmed', assignee: 'rev1', version: 3 }), row('d', { output_at: '2026-03-02 00:00:00.000' })]);
    await run(stmts.slice(copy + 1));
    expect(await tables()).toEqual(['incidents']);
    // The runner finds 0192 unrecorded and runs all of it again on the swapped table.
    // (Later migrations are left out: this file tests 0192 alone.)
    const upTo0192 = loadMigrations().filter((m) => m.version <= 192);
    expect((await migrate(client, OPTS, undefined, upTo0192)).applied).toEqual([M0192.name]);
    expect((await migrate(client, OPTS, undefined, upTo0192)).applied).toEqual([]);

    expect(await state()).toEqual([
      { incident_id: 'a', status: 'confirmed', version: 3 },
      { incident_id: 'b', status: 'new', version: 1 },
      { incident_id: 'c', status: 'new', version: 1 },
      { incident_id: 'd', status: 'new', version: 1 },
    ]);
    expect(await tables()).toEqual(['incidents']);
    const [t] = await queryRows<{ sorting_key: string; q: string }>(client, "SELECT sorting_key, create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'incidents'");
    expect(t.sorting_key).toBe('output_at, incident_id');
    for (const part of ['PROJECTION p_facets', 'PROJECTION p_by_output_day', 'INDEX idx_incident_id incident_id TYPE bloom_filter', 'INDEX idx_opened_at opened_at TYPE minmax', 'min_age_to_force_merge_seconds = 86400']) {
      expect(t.q).toContain(part);
    }
  });

  it('on a cluster: shard tables swapped by one RENAME, the copy through a Distributed table dropped at the end', () => {
    const ddl = renderMigration(M0192.sql, { ...OPTS, cluster: 'oversight' }).join(';\n');
    expect(ddl).toContain('RENAME TABLE incidents_local TO incidents_by_id_local, incidents_by_output_at_local TO incidents_local ON CLUSTER oversight');
    expect(ddl).toContain('INSERT INTO incidents_by_output_at SELECT * FROM incidents');
    expect(ddl).toMatch(/CREATE TABLE IF NOT EXISTS incidents_by_output_at ON CLUSTER oversight AS incidents_by_output_at_local ENGINE = Distributed/);
    expect(ddl).toMatch(/DROP TABLE IF EXISTS incidents_by_output_at ON CLUSTER oversight$/);
    expect(ddl).toContain("ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/incidents_by_output_at_local', '{replica}', version)");
  });

  it('a read by id reads only the granules its bloom filter keeps, under FINAL', async () => {
    // 60,000 incidents over half a year: 7 granules of 8,192. Ids are hashes, as the runner's are
    // (evaluators/runner.ts incidentId): consecutive outputs' ids lie all over the id order.
    await client.command({
      query: `INSERT INTO incidents (incident_id, output_id, ministry, app, model, category, severity, rule_ids, title, status, assignee, verdict, output_at, opened_at, version)
        SELECT concat('inc-', lower(hex(cityHash64(number)))), concat('o-', toString(number)), 'mof', 'chat', 'm1', 'leakage', 'high', ['r1'], 't', 'new', '', '',
               toDateTime64('2026-06-01 00:00:00', 3, 'UTC') + toIntervalSecond(number * 260), toDateTime64('2026-06-01 00:05:00', 3, 'UTC') + toIntervalSecond(number * 260), 1
        FROM numbers(60000)`,
    });
    await client.command({ query: 'OPTIMIZE TABLE incidents FINAL' });
    const [{ id }] = await queryRows<{ id: string }>(client, "SELECT incident_id AS id FROM incidents WHERE output_id = 'o-31234'");
    const plan = (await queryRows<{ explain: string }>(client, `EXPLAIN indexes = 1 SELECT incident_id ${BY_ID}`, { id })).map((r) => r.explain).join('\n');
    const skip = plan.slice(plan.indexOf('idx_incident_id'));
    const [, kept, of] = /Granules: (\d+)\/(\d+)/.exec(skip) ?? [];
    expect(Number(of)).toBeGreaterThanOrEqual(7);
    expect(Number(kept)).toBeLessThanOrEqual(2);
    expect(await getIncident(client, id)).toMatchObject({ incident_id: id, output_id: 'o-31234', status: 'new' });
    expect(await getIncident(client, 'a')).toMatchObject({ status: 'confirmed', version: 3 });
  });

  it('a day window on opened_at reads the granules of that day (minmax index)', async () => {
    const plan = (
      await queryRows<{ explain: string }>(
        client,
        "EXPLAIN indexes = 1 SELECT count() FROM incidents FINAL PREWHERE opened_at >= '2026-07-01 00:00:00' AND opened_at < '2026-07-02 00:00:00'",
      )
    )
      .map((r) => r.explain)
      .join('\n');
    const skip = plan.slice(plan.indexOf('idx_opened_at'));
    const [, kept] = /Granules: (\d+)\/(\d+)/.exec(skip) ?? [];
    expect(Number(kept)).toBeLessThanOrEqual(2);
  });

  // The point of the rebuild. With the history in one part and a day's triage written on top as a
  // small part, FINAL merges only the key ranges the small part covers and reads the rest of the
  // history part as it is (a plain read, outside the ReplacingSorted merge). The same rows in a table
  // ordered by incident_id (the old order, built here as a control) merge everything.
  it('FINAL merges only the newest key ranges once the day writes on top of the merged history', async () => {
    await client.command({ query: 'DROP TABLE IF EXISTS incidents_old_order' });
    await client.command({ query: 'CREATE TABLE incidents_old_order AS incidents ENGINE = ReplacingMergeTree(version) ORDER BY incident_id SETTINGS deduplicate_merge_projection_mode = \'rebuild\'' });
    await client.command({ query: 'INSERT INTO incidents_old_order SELECT * FROM incidents FINAL' });
    await client.command({ query: 'OPTIMIZE TABLE incidents_old_order FINAL' });
    const pipeline = async (table: string) => (await queryRows<{ explain: string }>(client, `EXPLAIN PIPELINE SELECT count() FROM ${table} FINAL WHERE status != 'resolved'`)).map((r) => r.explain).join('\n');
    for (const table of ['incidents', 'incidents_old_order']) {
      await client.command({ query: `SYSTEM STOP MERGES ${table}` });
      // The day's triage: new versions of the newest incidents.
      await client.command({
        query: `INSERT INTO ${table} SELECT * REPLACE ('triaged' AS status, version + 1 AS version)
                  FROM (SELECT * FROM ${table} FINAL ORDER BY output_at DESC LIMIT 50)`,
      });
    }
    // EXPLAIN PIPELINE lists processors from the output down; a read that feeds no merge shows before
    // the first ReplacingSorted, a read that feeds one only after it.
    const readsUnmerged = (plan: string) => plan.indexOf('MergeTreeSelect') < plan.indexOf('ReplacingSorted');
    expect(readsUnmerged(await pipeline('incidents'))).toBe(true);
    expect(readsUnmerged(await pipeline('incidents_old_order'))).toBe(false);
    // And the answer is the same.
    const q = (t: string) => countOf(client, `SELECT count() AS n FROM ${t} FINAL WHERE status = 'triaged'`);
    expect(await q('incidents')).toBe(50);
    expect(await q('incidents_old_order')).toBe(50);
    for (const table of ['incidents', 'incidents_old_order']) await client.command({ query: `SYSTEM START MERGES ${table}` });
    await client.command({ query: 'DROP TABLE incidents_old_order' });
  });
});
