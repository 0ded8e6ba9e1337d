// The cheaper dedup lookup of the pipelined Kafka ingester: the raw-table half runs only for messages
// in a partition's replay range, so the id table must hold every stored id. Checked against chDB with
// an insert "cut" between the raw part and the id table (the id table's rows removed afterwards).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeClickHouse, getClickHouse, queryRows, type ClickHouseClient } from '../../../clickhouse/client.ts';
import { loadEnv } from '../../../config/env.ts';
import { migrate } from '../../../clickhouse/migrate.ts';
import { createIngestPath, type SourceRecord } from '../../../pipelines/ingest.ts';
import { ReplayRanges } from '../../../pipelines/replay-range.ts';
import { line, usage } from '../../integration/helpers/events.ts';

let dir: string;
let client: ClickHouseClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oversight-replay-unit-'));
  client = await getClickHouse(loadEnv({ OVERSIGHT_DATA_DIR: dir }));
  await migrate(client, { rawTextTtlDays: 400 });
});
afterAll(async () => {
  await closeClickHouse();
  rmSync(dir, { recursive: true, force: true });
});

const rec = (topic: string, partition: number, offset: number, value: string): SourceRecord => ({ topic, partition, offset: String(offset), value });
const n = async (sql: string) => Number((await queryRows<{ n: number }>(client, sql))[0].n);

describe('replay ranges', () => {
  it('reads the highest stored offset per partition and calls only messages up to it replays', async () => {
    const topic = 'rr1.usage';
    const path = createIngestPath(client, 'usage', { batchSize: 100, batchMs: 20, maxMessageBytes: 100_000 });
    await Promise.all([rec(topic, 0, 10, line(usage(1, 'rr1'))), rec(topic, 0, 42, line(usage(2, 'rr1'))), rec(topic, 2, 7, line(usage(3, 'rr1')))].map((r) => path.add(r)));
    await path.flush();
    const ranges = new ReplayRanges(client, (t) => (t === topic ? ['usage_events'] : []));
    // Not loaded yet: everything may be a replay.
    expect(ranges.mayBeReplay({ topic, partition: 0, offset: '1000' })).toBe(true);
    await ranges.ensure(topic);
    expect(ranges.mayBeReplay({ topic, partition: 0, offset: '42' })).toBe(true);
    expect(ranges.mayBeReplay({ topic, partition: 0, offset: '43' })).toBe(false);
    expect(ranges.mayBeReplay({ topic, partition: 2, offset: '8' })).toBe(false);
    expect(ranges.mayBeReplay({ topic, partition: 1, offset: '0' })).toBe(false); // nothing stored there
    ranges.forget(topic, 0);
    expect(ranges.mayBeReplay({ topic, partition: 0, offset: '43' })).toBe(true);
    ranges.reset();
    expect(ranges.mayBeReplay({ topic, partition: 2, offset: '8' })).toBe(true);
    expect(ranges.mayBeReplay({ topic: 'rr1.other', partition: 0, offset: '0' })).toBe(true);
  });

  it('a replay found only in the raw table puts its id back, so a later repeat outside the replay range is still dropped', async () => {
    const topic = 'rr2.usage';
    const ranges = new ReplayRanges(client, () => ['usage_events']);
    const path = createIngestPath(client, 'usage', { batchSize: 100, batchMs: 20, maxMessageBytes: 100_000, mayBeReplay: (src) => ranges.mayBeReplay(src) });
    await path.add(rec(topic, 0, 5, line(usage(1, 'rr2'))));
    await path.flush();
    // The INSERT "cut" after the raw part: the id table lost the row.
    await client.command({ query: `DELETE FROM usage_event_keys WHERE event_id = 'rr2-u-1'` });
    expect(await n(`SELECT count() AS n FROM usage_event_keys WHERE event_id = 'rr2-u-1'`)).toBe(0);

    // The restart replays offset 5 (inside the range): found in the raw table, not inserted again.
    await ranges.ensure(topic);
    await path.add(rec(topic, 0, 5, line(usage(1, 'rr2'))));
    await path.flush();
    expect(path.counts.duplicates).toBe(1);
    expect(await n(`SELECT count() AS n FROM usage_event_keys WHERE event_id = 'rr2-u-1'`)).toBe(1);

    // The producer sent the same event again at offset 900, beyond the range: the id half finds it.
    expect(ranges.mayBeReplay({ topic, partition: 0, offset: '900' })).toBe(false);
    await path.add(rec(topic, 0, 900, line(usage(1, 'rr2'))));
    await path.flush();
    expect(path.counts.duplicates).toBe(2);
    expect(await n(`SELECT count() AS n FROM usage_events WHERE event_id = 'rr2-u-1'`)).toBe(1);
    expect(await n(`SELECT sum(requests) AS n FROM usage_daily WHERE model = 'm-rr2'`)).toBe(1);
  });

  it('a batch looked up while the batch before it is still being inserted drops the events that batch stores', async () => {
    const topic = 'rr3.usage';
    let firstInsert = true;
    const path = createIngestPath(client, 'usage', {
      batchSize: 2,
      batchMs: 60_000,
      maxMessageBytes: 100_000,
      insert: async (table, rows) => {
        // The first insert is slow, so the second batch's lookup runs before its rows are visible.
        if (firstInsert) (firstInsert = false), await new Promise((r) => setTimeout(r, 400));
        await client.insert({ table, values: rows, format: 'JSONEachRow' });
      },
    });
    const e = line(usage(1, 'rr3'));
    const done = [
      path.add(rec(topic, 0, 0, e)),
      path.add(rec(topic, 0, 1, line(usage(2, 'rr3')))),
      path.add(rec(topic, 0, 2, e)), // the producer sent it twice, in the next batch
      path.add(rec(topic, 0, 3, line(usage(3, 'rr3')))),
    ];
    await Promise.all(done);
    expect(path.counts).toMatchObject({ read: 4, inserted: 3, duplicates: 1, batches: 2 });
    expect(await n(`SELECT count() AS n FROM usage_events WHERE model = 'm-rr3'`)).toBe(3);
    expect(await n(`SELECT sum(requests) AS n FROM usage_daily WHERE model = 'm-rr3'`)).toBe(3);
  });
});
