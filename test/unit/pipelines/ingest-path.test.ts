// The shared ingest path against a real embedded ClickHouse (chDB in a temporary directory).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeClickHouse, getClickHouse, queryRows, type ClickHouseClient } from '../../../clickhouse/client.ts';
import { loadEnv } from '../../../config/env.ts';
import { migrate } from '../../../clickhouse/migrate.ts';
import { createIngestPath, type IngestPathOptions, type SourceRecord } from '../../../pipelines/ingest.ts';
import { AbortedError } from '../../../pipelines/retry.ts';
import { OutputMetaCache } from '../../../pipelines/enrich.ts';
import type { DlqMessage } from '../../../contracts/events.ts';
import { feedback, line, output, usage } from '../../integration/helpers/events.ts';

let dir: string;
let client: ClickHouseClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oversight-ingest-unit-'));
  client = await getClickHouse(loadEnv({ OVERSIGHT_DATA_DIR: dir }));
  await migrate(client, { rawTextTtlDays: 400 });
});
afterAll(async () => {
  await closeClickHouse();
  rmSync(dir, { recursive: true, force: true });
});

const base: IngestPathOptions = { batchSize: 100, batchMs: 50, maxMessageBytes: 100_000, retry: { initialMs: 5, maxMs: 20 } };
const rec = (topic: string, offset: number, value: string | null): SourceRecord => ({ topic, partition: 0, offset: String(offset), value });

async function count(sql: string, params: Record<string, unknown> = {}): Promise<number> {
  const [r] = await queryRows<{ n: number }>(client, sql, params);
  return Number(r.n);
}

describe('ingest path', () => {
  it('flushes by size: a full batch is inserted without waiting for the timer', async () => {
    const inserts: number[] = [];
    const path = createIngestPath(client, 'usage', {
      ...base,
      batchSize: 40,
      batchMs: 60_000,
      insert: async (table, rows) => {
        inserts.push(rows.length);
        await client.insert({ table, values: rows, format: 'JSONEachRow' });
      },
    });
    const done = [];
    for (let i = 0; i < 100; i++) done.push(path.add(rec('t-size', i, line(usage(i, 'size')))));
    await Promise.all(done.slice(0, 80)); // two full batches resolve while 20 records still wait for the timer
    expect(inserts).toEqual([40, 40]);
    expect(path.backlog).toBe(20);
    await path.flush();
    expect(inserts).toEqual([40, 40, 20]);
    expect(await count(`SELECT count() AS n FROM usage_events FINAL WHERE model = 'm-size'`)).toBe(100);
  });

  it('flushes by time when the batch does not fill up', async () => {
    const path = createIngestPath(client, 'usage', { ...base, batchSize: 1000, batchMs: 30 });
    const t0 = performance.now();
    await path.add(rec('t-time', 0, line(usage(0, 'time'))));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    expect(await count(`SELECT count() AS n FROM usage_events WHERE model = 'm-time'`)).toBe(1);
  });

  it('counts each event once in the raw table and the rollup: repeats in a batch and replays are dropped', async () => {
    const path = createIngestPath(client, 'usage', base);
    for (let i = 0; i < 50; i++) path.add(rec('t-dup', i, line(usage(i, 'dup'))));
    for (let i = 0; i < 10; i++) path.add(rec('t-dup', 50 + i, line(usage(i, 'dup')))); // same batch
    await path.flush();
    for (let i = 0; i < 30; i++) path.add(rec('t-dup', 100 + i, line(usage(i, 'dup')))); // a later replay
    path.add(rec('t-dup', 200, line(usage(50, 'dup'))));
    await path.flush();
    expect(path.counts).toMatchObject({ read: 91, inserted: 51, duplicates: 40, rejected: 0 });
    expect(await count(`SELECT count() AS n FROM usage_events WHERE model = 'm-dup'`)).toBe(51); // without FINAL
    expect(await count(`SELECT sum(requests) AS n FROM usage_daily WHERE model = 'm-dup'`)).toBe(51);
  });

  // Long ids beyond the default max_query_size; and ids of backslashes and quotes, which TSV and SQL
  // escaping make 4 bytes a character in both halves of the lookup: 6,000 of them is about 10 MB of
  // query, under the 8 MiB budget's estimate, so one query within the raised max_query_size.
  it.each([
    ['long', 'large batches of long ids (beyond max_query_size)', 192, (i: number) => `${'x'.repeat(190)}-${i}`],
    ['esc', 'a batch whose ids escape to four times their length, in one query', 200, (i: number) => `${"\\'".repeat(95)}-${String(i).padStart(9, '0')}`],
  ])('looks up %s: %s, without failing', async (tag, _what, length, makeId) => {
    expect(makeId(1).length).toBe(length);
    const path = createIngestPath(client, 'usage', { ...base, batchSize: 6000, retry: { initialMs: 1, maxMs: 1 }, onStall: (err) => { throw err; } });
    for (let i = 0; i < 6000; i++) path.add(rec(`t-${tag}`, i, line(usage(i, tag, { event_id: makeId(i) }))));
    await path.flush();
    for (let i = 0; i < 6000; i++) path.add(rec(`t-${tag}`, 6000 + i, line(usage(i, tag, { event_id: makeId(i) }))));
    await path.flush();
    expect(path.counts).toMatchObject({ inserted: 6000, duplicates: 6000 });
    expect(await count(`SELECT sum(requests) AS n FROM usage_daily WHERE model = 'm-${tag}'`)).toBe(6000);
  });

  it('records where each row came from', async () => {
    const path = createIngestPath(client, 'outputs', base);
    path.add({ topic: 'genai.outputs.v1', partition: 3, offset: '1234', value: line(output(1, 'src')) });
    await path.flush();
    const [r] = await queryRows<{ src_topic: string; src_partition: number; src_offset: number }>(
      client,
      `SELECT src_topic, src_partition, src_offset FROM outputs WHERE model = 'm-src'`,
    );
    expect(r).toEqual({ src_topic: 'genai.outputs.v1', src_partition: 3, src_offset: 1234 });
  });

  it('sends rejects with their reason to ingest_errors and the DLQ sink, and keeps going', async () => {
    const sent: DlqMessage[] = [];
    const path = createIngestPath(client, 'usage', { ...base, maxMessageBytes: 2000, dlq: { send: async (m) => void sent.push(...m) } });
    path.add(rec('t-dlq', 0, '{oops'));
    path.add(rec('t-dlq', 1, line(usage(1, 'dlq', { ministry: 'atlantis' }))));
    path.add(rec('t-dlq', 2, line(usage(2, 'dlq', { padding: 'x'.repeat(3000) }))));
    path.add(rec('t-dlq', 3, line(usage(3, 'dlq', { status: 'weird' }))));
    path.add(rec('t-dlq', 4, line(usage(4, 'dlq'))));
    await path.flush();
    expect(path.counts).toMatchObject({ read: 5, inserted: 1, rejected: 4 });
    expect(sent.map((m) => m.error.split(':')[0])).toEqual(['invalid_json', 'unknown_ministry', 'oversized', 'schema']);
    const rows = await queryRows<{ offset: number; error: string; original_base64: string }>(
      client,
      `SELECT offset, error, original_base64 FROM ingest_errors FINAL WHERE topic = 't-dlq' ORDER BY offset`,
    );
    expect(rows.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    expect(Buffer.from(rows[0].original_base64, 'base64').toString()).toBe('{oops');
    expect(rows[1].error).toContain('atlantis');
  });

  it('copies ministry/app/model from the rated output, from memory or from the table', async () => {
    const cache = new OutputMetaCache();
    const outputs = createIngestPath(client, 'outputs', { ...base, outputCache: cache });
    for (let i = 0; i < 5; i++) outputs.add(rec('t-fb', i, line(output(i, 'fb'))));
    await outputs.flush();
    // A fresh cache: the meta must come from the outputs table.
    const fromTable = createIngestPath(client, 'feedback', { ...base, outputCache: new OutputMetaCache() });
    for (let i = 0; i < 3; i++) fromTable.add(rec('t-fb', 100 + i, line(feedback(i, 'fb'))));
    fromTable.add(rec('t-fb', 200, line({ output_id: 'fb-o-missing', occurred_at: '2026-10-02T00:00:00Z', rating: 'up' })));
    await fromTable.flush();
    const fromCache = createIngestPath(client, 'feedback', { ...base, outputCache: cache });
    fromCache.add(rec('t-fb', 300, line(feedback(4, 'fb'))));
    await fromCache.flush();
    const rows = await queryRows<{ output_id: string; ministry: string; model: string }>(
      client,
      `SELECT output_id, ministry, model FROM feedback FINAL WHERE src_topic = 't-fb' ORDER BY output_id`,
    );
    expect(rows).toEqual([
      { output_id: 'fb-o-0', ministry: output(0, 'fb').ministry, model: 'm-fb' },
      { output_id: 'fb-o-1', ministry: output(1, 'fb').ministry, model: 'm-fb' },
      { output_id: 'fb-o-2', ministry: output(2, 'fb').ministry, model: 'm-fb' },
      { output_id: 'fb-o-4', ministry: output(4, 'fb').ministry, model: 'm-fb' },
      { output_id: 'fb-o-missing', ministry: '', model: '' },
    ]);
  });

  it('holds a batch while ClickHouse fails, retries with backoff, and stores it exactly once when back', async () => {
    let failures = 0;
    const stalls: number[] = [];
    let recovered = 0;
    const path = createIngestPath(client, 'usage', {
      ...base,
      insert: async (table, rows) => {
        if (failures < 4) {
          failures++;
          throw new Error('Connection refused (simulated outage)');
        }
        await client.insert({ table, values: rows, format: 'JSONEachRow' });
      },
      onStall: (_err, attempt) => stalls.push(attempt),
      onRecover: () => recovered++,
    });
    let durable = false;
    const p = Promise.all(Array.from({ length: 20 }, (_, i) => path.add(rec('t-outage', i, line(usage(i, 'outage')))))).then(() => (durable = true));
    path.flushSoon();
    await new Promise((r) => setTimeout(r, 15));
    expect(durable).toBe(false); // not acknowledged while inserts fail: a Kafka source would not commit
    await p;
    expect(stalls).toEqual([1, 2, 3, 4]);
    expect(recovered).toBe(1);
    expect(await count(`SELECT count() AS n FROM usage_events WHERE model = 'm-outage'`)).toBe(20);
    expect(await count(`SELECT sum(requests) AS n FROM usage_daily WHERE model = 'm-outage'`)).toBe(20);
  });

  it('does not insert twice when an insert landed but its acknowledgement was lost', async () => {
    let calls = 0;
    const path = createIngestPath(client, 'usage', {
      ...base,
      insert: async (table, rows) => {
        calls++;
        await client.insert({ table, values: rows, format: 'JSONEachRow' });
        if (calls === 1) throw new Error('socket hang up after the insert (simulated)');
      },
    });
    for (let i = 0; i < 10; i++) path.add(rec('t-lost-ack', i, line(usage(i, 'lostack'))));
    await path.flush();
    expect(calls).toBe(1); // the retry's lookup found all ten rows, so nothing was inserted again
    expect(await count(`SELECT sum(requests) AS n FROM usage_daily WHERE model = 'm-lostack'`)).toBe(10);
  });

  it('gives up on close() while ClickHouse is down, so the source does not commit', async () => {
    const path = createIngestPath(client, 'usage', {
      ...base,
      insert: async () => {
        throw new Error('down');
      },
    });
    const p = path.add(rec('t-close', 0, line(usage(0, 'close'))));
    path.flushSoon();
    await new Promise((r) => setTimeout(r, 30));
    path.close();
    await expect(p).rejects.toBeInstanceOf(AbortedError);
    await expect(path.flush()).rejects.toBeInstanceOf(AbortedError);
    expect(await count(`SELECT count() AS n FROM usage_events WHERE model = 'm-close'`)).toBe(0);
  });
});
