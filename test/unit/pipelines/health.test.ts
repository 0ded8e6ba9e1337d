// pipelineHealth: freshness per table, ingest_errors by reason with samples, consumer state from metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeClickHouse, getClickHouse, type ClickHouseClient } from '../../../clickhouse/client.ts';
import { loadEnv } from '../../../config/env.ts';
import { migrate } from '../../../clickhouse/migrate.ts';
import { createIngestPath } from '../../../pipelines/ingest.ts';
import { pipelineHealth } from '../../../pipelines/health.ts';
import { metrics } from '../../../pipelines/metrics.ts';
import { line, usage } from '../../integration/helpers/events.ts';

let dir: string;
let client: ClickHouseClient;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oversight-health-unit-'));
  client = await getClickHouse(loadEnv({ OVERSIGHT_DATA_DIR: dir }));
  await migrate(client, { rawTextTtlDays: 400 });
});
afterAll(async () => {
  await closeClickHouse();
  rmSync(dir, { recursive: true, force: true });
});

describe('pipelineHealth', () => {
  it('is empty but well-formed on a fresh database', async () => {
    const h = await pipelineHealth(client);
    expect(h.tables.map((t) => [t.table, t.last_insert])).toEqual([
      ['usage_events', null],
      ['outputs', null],
      ['feedback', null],
    ]);
    expect(h.errors).toMatchObject({ total: 0, by_reason: [], samples: [] });
  });

  it('reports the last insert, rejects by reason with samples, and lag from the metrics', async () => {
    const path = createIngestPath(client, 'usage', { batchSize: 100, batchMs: 10, maxMessageBytes: 10_000 });
    const rec = (offset: number, value: string) => ({ topic: 'genai.usage.v1', partition: 1, offset: String(offset), value });
    for (let i = 0; i < 5; i++) path.add(rec(i, line(usage(i, 'health'))));
    path.add(rec(10, 'nope'));
    path.add(rec(11, '{"x":'));
    path.add(rec(12, line(usage(9, 'health', { ministry: 'zz' }))));
    await path.flush();
    metrics.lag.set({ topic: 'genai.usage.v1', partition: '1' }, 42);
    metrics.lag.set({ topic: 'genai.usage.v1', partition: '0' }, 8);

    const before = Date.now();
    const h = await pipelineHealth(client, { sampleLimit: 2 });
    const usageRow = h.tables.find((t) => t.table === 'usage_events')!;
    expect(usageRow.rows_last_hour).toBe(5);
    expect(Math.abs(Date.parse(usageRow.last_insert!) - before)).toBeLessThan(60_000);
    expect(h.errors.total).toBe(3);
    expect(h.errors.by_reason).toEqual([
      { reason: 'invalid_json', count: 2 },
      { reason: 'unknown_ministry', count: 1 },
    ]);
    expect(h.errors.by_topic).toEqual([{ topic: 'genai.usage.v1', count: 3 }]);
    expect(h.errors.samples).toHaveLength(2);
    expect(h.errors.samples[0]).toMatchObject({ topic: 'genai.usage.v1', partition: 1 });
    expect(h.consumer.lag).toEqual([
      { topic: 'genai.usage.v1', partition: 0, lag: 8 },
      { topic: 'genai.usage.v1', partition: 1, lag: 42 },
    ]);
    expect(h.consumer.total_lag).toBe(50);
    expect(h.consumer.last_insert_by_metrics.map((l) => l.table)).toContain('usage_events');
  });
});
