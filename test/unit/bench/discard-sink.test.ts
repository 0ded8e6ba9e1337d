// The bench's discarding ClickHouse HTTP sink (bench/lib/discard-sink.ts) must be enough of ClickHouse
// for the real client and the real migration runner: the server-mode memory figure is only meaningful
// if the ingester does its whole job against it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { startDiscardSink, type DiscardSink } from '../../../bench/lib/discard-sink.ts';
import { loadMigrations, migrate } from '../../../clickhouse/migrate.ts';
import { insertCompact } from '../../../pipelines/ingest.ts';

describe('discard sink', () => {
  let sink: DiscardSink;
  let client: ClickHouseClient;
  beforeAll(async () => {
    sink = await startDiscardSink();
    // The same options as the product's server client (clickhouse/client.ts): compressed requests and responses.
    client = createClient({ url: sink.url, compression: { request: true, response: true } });
  });
  afterAll(async () => {
    await client?.close();
    await sink?.close();
  });

  it('answers ping, runs every migration and records nothing as applied', async () => {
    expect((await client.ping()).success).toBe(true);
    const res = await migrate(client, { rawTextTtlDays: 400 });
    expect(res.applied).toHaveLength(loadMigrations().length); // the ledger reads back empty: all are applied each time
    expect(sink.stats.commands).toBeGreaterThanOrEqual(loadMigrations().length);
    expect(sink.stats.inserts.schema_migrations.rows).toBe(loadMigrations().length);
  });

  it('counts and discards compressed insert rows', async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => ({ id: `e${i}`, n: i }));
    await client.insert({ table: 'usage_events', values: rows, format: 'JSONEachRow' });
    await client.insert({ table: 'usage_events', values: rows.slice(0, 10).map((r) => [r.id, r.n]), format: 'JSONCompactEachRow' });
    expect(sink.stats.inserts.usage_events).toMatchObject({ requests: 2, rows: 2510 });
  });

  it("counts the ingester's comma-separated rows (insertCompact over HTTP), whatever their strings hold", async () => {
    const tricky = ['[', ']', '{"a":[1,2]}', 'say "]," then \\', '],[', '日本語 [注]'];
    const rows = Array.from({ length: 1200 }, (_, i) => ({ output_id: `o${i}`, prompt: tricky[i % tricky.length], n: i }));
    await insertCompact(client, 'outputs', rows);
    expect(sink.stats.inserts.outputs).toMatchObject({ requests: 1, rows: 1200 });
  });

  it('answers a select with no rows in the format asked for, with or without query parameters', async () => {
    const each = await client.query({ query: 'SELECT k FROM usage_events WHERE event_id IN {ids:Array(String)}', query_params: { ids: ['a', 'b'] }, format: 'JSONEachRow' });
    expect(await each.json()).toEqual([]);
    const json = await client.query({ query: 'SELECT count() AS n FROM flags', format: 'JSON' });
    expect((await json.json<{ n: number }>()).data).toEqual([]);
    const multipart = await client.query({ query: 'SELECT 1 AS x WHERE {p:String} = 1', query_params: { p: 'x' }, format: 'JSONEachRow', use_multipart_params: true } as never);
    expect(await multipart.json()).toEqual([]);
  });
});
