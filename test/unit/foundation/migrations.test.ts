import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDb, type TestDb } from '../../helpers/chdb.ts';
import { loadMigrations, migrate, MigrationError, MIGRATIONS_DIR, renderAll } from '../../../clickhouse/migrate.ts';
import { queryRows } from '../../../clickhouse/client.ts';
import { renderMigration } from '../../../clickhouse/render.ts';

let db: TestDb;
beforeAll(async () => {
  db = await freshDb();
});
afterAll(async () => db?.close());

describe('migrations on chDB', () => {
  it('creates every table the design names and records each migration', async () => {
    const tables = (await queryRows<{ name: string }>(db.client, 'SELECT name FROM system.tables WHERE database = currentDatabase()')).map((r) => r.name);
    for (const t of ['usage_events', 'outputs', 'feedback', 'flags', 'eval_watermarks', 'incidents', 'incident_events', 'audit_log', 'ingest_errors', 'usage_daily', 'outputs_daily', 'feedback_daily', 'users', 'sessions', 'schema_migrations']) {
      expect(tables).toContain(t);
    }
    const applied = await queryRows<{ version: number }>(db.client, 'SELECT version FROM schema_migrations FINAL ORDER BY version');
    expect(applied.map((r) => r.version)).toEqual(loadMigrations().map((m) => m.version));
  });

  it('is a no-op the second time', async () => {
    const res = await migrate(db.client, { rawTextTtlDays: 400 });
    expect(res.applied).toEqual([]);
    expect(res.alreadyApplied.length).toBe(loadMigrations().length);
  });

  it('refuses to run when an applied migration file was changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migs-'));
    for (const f of readdirSync(MIGRATIONS_DIR)) writeFileSync(join(dir, f), readFileSync(join(MIGRATIONS_DIR, f)));
    const first = readdirSync(dir).sort()[0];
    writeFileSync(join(dir, first), readFileSync(join(dir, first), 'utf8') + '\n-- edited\n');
    await expect(migrate(db.client, { rawTextTtlDays: 400 }, () => {}, loadMigrations(dir))).rejects.toThrow(MigrationError);
    await expect(migrate(db.client, { rawTextTtlDays: 400 }, () => {}, loadMigrations(dir))).rejects.toThrow(/was changed after it was applied/);
  });

  it('replays of the same event id collapse in the base table', async () => {
    const row = {
      event_id: 'dup-1', occurred_at: '2026-10-01T00:00:00.000Z', ministry: 'mof', user_id: 'u', session_id: 's', request_id: 'r',
      app: 'chat', model: 'm', input_tokens: 1, output_tokens: 2, latency_ms: 3, status: 'ok', raw: '{}', src_topic: 't', src_partition: 0, src_offset: 1,
    };
    await db.client.insert({ table: 'usage_events', values: [row, row], format: 'JSONEachRow' });
    const [r] = await queryRows<{ n: number }>(db.client, "SELECT count() AS n FROM usage_events FINAL WHERE event_id = 'dup-1'");
    expect(r.n).toBe(1);
  });

  it('0151, 0080 and 0194 backfill their tables from the rows stored before them', async () => {
    const ev = (id: string, user: string, ministry: string, at: string) => ({
      event_id: id, occurred_at: at, ministry, user_id: user, session_id: 's', request_id: id, app: 'chat', model: 'm',
      input_tokens: 1, output_tokens: 1, latency_ms: 1, status: 'ok', raw: '{}', src_topic: 't', src_partition: 0, src_offset: 1,
    });
    await db.client.insert({
      table: 'usage_events',
      format: 'JSONEachRow',
      values: [
        ev('bf-1', 'alice', 'mof', '2026-09-01T01:00:00.000Z'), ev('bf-2', 'alice', 'mof', '2026-09-01T02:00:00.000Z'),
        ev('bf-3', 'bob', 'mof', '2026-09-01T03:00:00.000Z'), ev('bf-4', 'alice', 'mhlw', '2026-09-02T03:00:00.000Z'),
      ],
    });
    // As if the events had been stored before 0151 existed: empty the rollup, then run its backfill.
    await db.client.command({ query: 'TRUNCATE TABLE user_days_monthly' });
    const m = loadMigrations().find((x) => x.name.startsWith('0151'))!;
    const backfill = renderMigration(m.sql, { rawTextTtlDays: 400 }).filter((s) => /^\s*INSERT INTO/.test(s));
    expect(backfill).toHaveLength(1);
    await db.client.command({ query: backfill[0] });
    const got = await queryRows<{ ministry: string; users: number; d1: number; d2: number }>(
      db.client,
      "SELECT ministry, uniqExact(user) AS users, countIf(bitTest(days, 0)) AS d1, countIf(bitTest(days, 1)) AS d2 FROM user_days_monthly WHERE month = '2026-09-01' GROUP BY ministry ORDER BY ministry",
    );
    expect(got).toEqual([{ ministry: 'mhlw', users: 1, d1: 0, d2: 1 }, { ministry: 'mof', users: 2, d1: 2, d2: 0 }]);

    // 0080 the same way: latency states per ministry, model and day.
    await db.client.command({ query: 'TRUNCATE TABLE model_latency_daily' });
    const m80 = loadMigrations().find((x) => x.name.startsWith('0080'))!;
    const [insert80] = renderMigration(m80.sql, { rawTextTtlDays: 400 }).filter((s) => /^\s*INSERT INTO/.test(s));
    await db.client.command({ query: insert80 });
    const lat = await queryRows<{ ministry: string; model: string; p50: number }>(
      db.client,
      "SELECT ministry, model, quantilesTDigestMerge(0.5, 0.95)(latency_q)[1] AS p50 FROM model_latency_daily WHERE day BETWEEN '2026-09-01' AND '2026-09-02' GROUP BY ministry, model ORDER BY ministry",
    );
    expect(lat).toEqual([{ ministry: 'mhlw', model: 'm', p50: 1 }, { ministry: 'mof', model: 'm', p50: 1 }]);

    // 0194 the same way: the combinations of ministry, app and model, from usage_daily; the view adds a new one.
    await db.client.command({ query: 'TRUNCATE TABLE usage_dimensions' });
    const m194 = loadMigrations().find((x) => x.name.startsWith('0194'))!;
    const [insert194] = renderMigration(m194.sql, { rawTextTtlDays: 400 }).filter((s) => /^\s*INSERT INTO/.test(s));
    await db.client.command({ query: insert194 });
    const dims = async () =>
      queryRows<{ ministry: string; app: string; model: string }>(db.client, 'SELECT ministry, app, model FROM usage_dimensions FINAL ORDER BY ministry, app, model');
    const before = await dims();
    expect(before).toContainEqual({ ministry: 'mhlw', app: 'chat', model: 'm' });
    expect(before).toContainEqual({ ministry: 'mof', app: 'chat', model: 'm' });
    await db.client.insert({ table: 'usage_events', format: 'JSONEachRow', values: [{ ...ev('bf-5', 'carol', 'mof', '2026-09-03T03:00:00.000Z'), app: 'translation' }] });
    expect(await dims()).toEqual([...before, { ministry: 'mof', app: 'translation', model: 'm' }].sort((a, b) => `${a.ministry}|${a.app}`.localeCompare(`${b.ministry}|${b.app}`)));
    // Known combinations write nothing: no new part per ingest batch.
    const parts = async () =>
      (await queryRows<{ n: number }>(db.client, "SELECT count() AS n FROM system.parts WHERE active AND database = currentDatabase() AND table = 'usage_dimensions'"))[0].n;
    const partsBefore = await parts();
    await db.client.insert({ table: 'usage_events', format: 'JSONEachRow', values: [ev('bf-6', 'dave', 'mof', '2026-09-03T04:00:00.000Z'), ev('bf-7', 'erin', 'mhlw', '2026-09-03T05:00:00.000Z')] });
    expect(await parts()).toBe(partsBefore);
  });
});

describe('cluster DDL', () => {
  const ddl = renderAll({ cluster: 'oversight', rawTextTtlDays: 30 });

  it('creates shard-local replicated tables and Distributed tables over them', () => {
    expect(ddl).toContain('CREATE TABLE IF NOT EXISTS outputs_local ON CLUSTER oversight');
    expect(ddl).toMatch(/ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/outputs_local', '\{replica\}', ingested_at\)/);
    expect(ddl).toContain('ENGINE = Distributed(oversight, currentDatabase(), outputs_local, cityHash64(output_id))');
    expect(ddl).toMatch(/ReplicatedAggregatingMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/usage_daily_local', '\{replica\}'\)/);
    expect(ddl).toContain('TTL toDateTime(occurred_at) + INTERVAL 30 DAY');
  });

  it('feeds rollups from the local tables on each shard', () => {
    expect(ddl).toContain('CREATE MATERIALIZED VIEW IF NOT EXISTS usage_daily_mv_local ON CLUSTER oversight TO usage_daily_local');
    expect(ddl).toContain('CREATE MATERIALIZED VIEW IF NOT EXISTS active_users_daily_mv_local ON CLUSTER oversight TO active_users_daily_local');
    expect(ddl).toMatch(/FROM usage_events_local\s/);
  });

  it('backfills through the Distributed tables, once for all shards', () => {
    expect(ddl).toMatch(/INSERT INTO active_users_daily\s+SELECT[\s\S]*FROM usage_events\s/);
  });

  it('every data table gets a Distributed table of the same name', () => {
    const locals = [...ddl.matchAll(/CREATE TABLE IF NOT EXISTS (\w+)_local ON CLUSTER/g)].map((m) => m[1]);
    for (const t of locals) expect(ddl).toContain(`CREATE TABLE IF NOT EXISTS ${t} ON CLUSTER oversight AS ${t}_local`);
    expect(locals.length).toBeGreaterThan(10);
  });

  it('renders single-node DDL without cluster clauses, one statement at a time', () => {
    for (const m of loadMigrations()) {
      for (const stmt of renderMigration(m.sql, { rawTextTtlDays: 400 })) {
        expect(stmt).not.toMatch(/ON CLUSTER|Replicated|Distributed|\{\{/);
        expect(stmt.trim().endsWith(';')).toBe(false);
      }
    }
  });
});
