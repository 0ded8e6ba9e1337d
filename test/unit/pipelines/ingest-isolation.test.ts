// Issue 9, ingestion items 2, 5, 6, 7 against a real embedded ClickHouse: no single event fails a batch,
// ids count once whatever day or ministry they come with, a failed view is repaired rather than taken
// for stored, and ratings read with their answers are enriched. Each test failed on the code before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../../clickhouse/client.ts';
import type { DlqMessage } from '../../../contracts/events.ts';
import { OutputMetaCache } from '../../../pipelines/enrich.ts';
import { createIngestPath, insertCompact, type IngestPathOptions, type SourceRecord } from '../../../pipelines/ingest.ts';
import { metrics } from '../../../pipelines/metrics.ts';
import { freshDb, type TestDb } from '../../helpers/chdb.ts';
import { feedback, line, output, usage } from '../../integration/helpers/events.ts';

let db: TestDb;
beforeAll(async () => {
  db = await freshDb('oversight-isolation-');
});
afterAll(async () => {
  await db.close();
});

const base: IngestPathOptions = { batchSize: 1000, batchMs: 20, maxMessageBytes: 100_000, retry: { initialMs: 5, maxMs: 20 } };
const rec = (topic: string, offset: number, value: string | Buffer | null): SourceRecord => ({ topic, partition: 0, offset: String(offset), value });
async function n(sql: string): Promise<number> {
  const [r] = await queryRows<{ n: number }>(db.client, sql);
  return Number(r.n);
}

describe('one event cannot fail a batch', () => {
  it('item 2: a row ClickHouse refuses for a data reason is isolated by bisection and sent to the DLQ; the rest is stored once', async () => {
    const sent: DlqMessage[] = [];
    let inserts = 0;
    const path = createIngestPath(db.client, 'usage', {
      ...base,
      dlq: { send: async (m) => void sent.push(...m) },
      // Validation now refuses lone surrogates; to exercise the insert-side isolation, this hook lets one
      // slip through to the real ClickHouse, which refuses the whole insert (CANNOT_PARSE_ESCAPE_SEQUENCE).
      insert: async (table, rows) => {
        inserts++;
        const poisoned = rows.map((r) => ((r as { event_id: string }).event_id === 'poison-u-13' ? { ...r, model: 'bad \ud800' } : r));
        await insertCompact(db.client, table, poisoned as Record<string, unknown>[]);
      },
      onStall: (err) => {
        throw err; // a data error must never turn into retry-forever
      },
    });
    for (let i = 0; i < 40; i++) path.add(rec('t-poison', i, line(usage(i, 'poison'))));
    await path.flush();
    expect(path.counts).toMatchObject({ read: 40, inserted: 39, rejected: 1 });
    expect(inserts).toBeLessThan(20); // bisection, not one insert per row
    expect(sent).toHaveLength(1);
    expect(sent[0].error).toBe('insert_refused: ClickHouse refused the row (CANNOT_PARSE_ESCAPE_SEQUENCE)');
    expect(JSON.parse(Buffer.from(sent[0].original_base64, 'base64').toString()).event_id).toBe('poison-u-13');
    expect(await n(`SELECT count() AS n FROM usage_events WHERE model = 'm-poison'`)).toBe(39);
    expect(await n(`SELECT sum(requests) AS n FROM usage_daily WHERE model = 'm-poison'`)).toBe(39);
    expect(await n(`SELECT count() AS n FROM ingest_errors FINAL WHERE topic = 't-poison' AND offset = 13`)).toBe(1);
  });

  it('item 5: the same event_id (and output_id) with another day or ministry is stored and counted once', async () => {
    const path = createIngestPath(db.client, 'usage', base);
    path.add(rec('t-id', 0, line(usage(1, 'sameid'))));
    path.add(rec('t-id', 1, line(usage(1, 'sameid', { ministry: 'mofa' })))); // same batch, other ministry
    await path.flush();
    path.add(rec('t-id', 2, line(usage(1, 'sameid', { occurred_at: '2026-03-03T00:00:00.000Z' })))); // later, other day
    path.add(rec('t-id', 3, line(usage(1, 'sameid', { occurred_at: '2025-12-31T23:00:00.000Z', ministry: 'moj' }))));
    await path.flush();
    expect(path.counts).toMatchObject({ inserted: 1, duplicates: 3 });
    expect(await n(`SELECT count() AS n FROM usage_events WHERE event_id = 'sameid-u-1'`)).toBe(1);
    expect(await n(`SELECT sum(requests) AS n FROM usage_daily WHERE model = 'm-sameid'`)).toBe(1);

    const outputs = createIngestPath(db.client, 'outputs', base);
    outputs.add(rec('t-oid', 0, line(output(1, 'sameid'))));
    await outputs.flush();
    outputs.add(rec('t-oid', 1, line(output(1, 'sameid', { ministry: 'moj', occurred_at: '2026-01-05T00:00:00.000Z' }))));
    await outputs.flush();
    expect(await n(`SELECT count() AS n FROM outputs WHERE output_id = 'sameid-o-1'`)).toBe(1);
    expect(await n(`SELECT sum(outputs) AS n FROM outputs_daily WHERE model = 'm-sameid'`)).toBe(1);
  });

  it('item 6: when a view fails after the raw part was written, the retry repairs the rollup instead of taking the rows as stored', async () => {
    const lines: string[] = [];
    let calls = 0;
    const path = createIngestPath(db.client, 'usage', {
      ...base,
      onRollupRepair: (l) => lines.push(l),
      insert: async (table, rows) => {
        calls++;
        if (calls > 1) return insertCompact(db.client, table, rows as Record<string, unknown>[]);
        // The raw part lands, the rollup's view does not, and the INSERT reports an error: what
        // ClickHouse does when a materialized view fails (they are not one transaction).
        await db.client.command({ query: 'DETACH TABLE usage_daily_mv' });
        try {
          await insertCompact(db.client, table, rows as Record<string, unknown>[]);
        } finally {
          await db.client.command({ query: 'ATTACH TABLE usage_daily_mv' });
        }
        throw new Error('Code: 395. view usage_daily_mv failed (simulated)');
      },
    });
    for (let i = 0; i < 30; i++) path.add(rec('t-view', i, line(usage(i, 'viewfail'))));
    await path.flush();
    expect(await n(`SELECT count() AS n FROM usage_events WHERE model = 'm-viewfail'`)).toBe(30);
    expect(await n(`SELECT sum(requests) AS n FROM usage_daily WHERE model = 'm-viewfail'`)).toBe(30);
    expect(path.counts).toMatchObject({ inserted: 30, duplicates: 0 });
    expect(lines.some((l) => l.startsWith('rollup usage_daily '))).toBe(true);
  });

  it('item 7: ratings read in the same round as their outputs are enriched, even when they are stored first', async () => {
    const cache = new OutputMetaCache();
    let release!: () => void;
    const outputsHeld = new Promise<void>((r) => (release = r));
    const outputs = createIngestPath(db.client, 'outputs', {
      ...base,
      outputCache: cache,
      insert: async (table, rows) => {
        await outputsHeld; // the outputs' insert is slower than the ratings'
        await insertCompact(db.client, table, rows as Record<string, unknown>[]);
      },
    });
    const ratings = createIngestPath(db.client, 'feedback', { ...base, outputCache: cache });
    const done: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      done.push(outputs.add(rec('t-round-o', i, line(output(i, 'round')))));
      done.push(ratings.add(rec('t-round-f', i, line(feedback(i, 'round')))));
    }
    await ratings.flush();
    release();
    await outputs.flush();
    await Promise.all(done);
    expect(await n(`SELECT count() AS n FROM feedback WHERE output_id LIKE 'round-o-%' AND ministry = ''`)).toBe(0);
    expect(await n(`SELECT sum(up) + sum(down) AS n FROM feedback_daily WHERE model = 'm-round'`)).toBe(20);
  });

  it('moves the liveness gauge when a batch completes', async () => {
    metrics.lastBatchCompleted.set(0);
    const path = createIngestPath(db.client, 'usage', base);
    path.add(rec('t-live', 0, '{not json'));
    await path.flush();
    const [{ value }] = (await metrics.lastBatchCompleted.get()).values;
    expect(Math.abs(value - Date.now() / 1000)).toBeLessThan(5);
  });
});
