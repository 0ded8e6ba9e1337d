// The pipelined ingester returns from eachBatch before its rounds are stored. This checks the fence
// that makes that safe (pipelines/kafka-rejoin-fence.ts): a second member joins while the first one
// has slow inserts in flight; the first must finish them before it rejoins, so no partition is ever
// inserted by both members at the same time, and every event is counted exactly once in the raw table
// and in the rollup. It also checks that fetching stops at INGEST_MAX_IN_FLIGHT_BYTES.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rmSync } from 'node:fs';
import { closeClickHouse, getClickHouse, queryRows, type ClickHouseClient } from '../../clickhouse/client.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { loadEnv } from '../../config/env.ts';
import { insertCompact, type InsertFn } from '../../pipelines/ingest.ts';
import { startKafkaIngester, type KafkaIngester } from '../../pipelines/kafka-ingester.ts';
import { metrics } from '../../pipelines/metrics.ts';
import { line, usage } from './helpers/events.ts';
import { tempDir, waitUntilConsumed } from './helpers/ingest.ts';
import { createTopics, produce, topicNames } from './helpers/kafka.ts';

const brokers = inject('kafkaBrokers');
let dir: string;
let client: ClickHouseClient;
const MAX_IN_FLIGHT = 256 * 1024;
const env = () =>
  loadEnv({ OVERSIGHT_DATA_DIR: dir, KAFKA_BROKERS: brokers, INGEST_BATCH_SIZE: '500', INGEST_BATCH_MS: '100', INGEST_MAX_IN_FLIGHT_BYTES: String(MAX_IN_FLIGHT) });

beforeAll(async () => {
  dir = tempDir('pipelined');
  client = await getClickHouse(env());
  await migrate(client, { rawTextTtlDays: 400 });
});
afterAll(async () => {
  await closeClickHouse();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const waitFor = async (cond: () => boolean, what: string, ms = 60_000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
};

interface Write {
  member: 'a' | 'b';
  partitions: Set<number>;
  start: number;
  end: number;
}

describe('pipelined Kafka ingestion', () => {
  it('finishes in-flight inserts before a rebalance hands their partitions over: one writer per partition, each event once', async () => {
    const tag = 'pl1';
    const group = `${tag}-group`;
    const t = topicNames(`${tag}.`);
    await createTopics(brokers, `${tag}.`, 4);
    const msgs = (from: number, n: number) => Array.from({ length: n }, (_, k) => ({ key: usage(from + k, tag).user_id, value: line(usage(from + k, tag)) }));
    await produce(brokers, t.usage, msgs(0, 20_000), 5000);

    const writes: Write[] = [];
    let aInFlightPeak = 0;
    // Every insert of usage rows is recorded with the partitions it wrote; member a's are slow, so a
    // rebalance always finds some of them running.
    const recording =
      (member: 'a' | 'b', delayMs: number): InsertFn =>
      async (table, rows) => {
        const w: Write = { member, partitions: new Set(rows.map((r) => (r as { src_partition: number }).src_partition)), start: performance.now(), end: Infinity };
        if (table === 'usage_events') writes.push(w);
        try {
          await sleep(delayMs);
          await insertCompact(client, table, rows as Record<string, unknown>[]);
        } finally {
          w.end = performance.now();
        }
      };
    const start = (member: 'a' | 'b', delayMs: number) =>
      startKafkaIngester({ client, env: env(), groupId: group, topicPrefix: `${tag}.`, sessionTimeoutMs: 6000, insert: recording(member, delayMs), log: () => {} });

    // The in-flight gauge while a is the only member (the gauge is per process).
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        aInFlightPeak = Math.max(aInFlightPeak, (await metrics.inFlightBytes.get()).values[0]?.value ?? 0);
        await sleep(5);
      }
    })();
    const a: KafkaIngester = await start('a', 300);
    await waitFor(() => a.counts().usage.read > a.counts().usage.inserted + 500, 'member a to have rounds in flight');
    await sleep(1000);
    sampling = false;
    await sampler;
    const b: KafkaIngester = await start('b', 0);
    const producing = produce(brokers, t.usage, msgs(20_000, 10_000), 1000);
    await waitFor(() => b.counts().usage.read > 0, 'member b to receive partitions');
    await producing;
    await waitUntilConsumed(brokers, group, [t.usage]);
    await a.stop();
    await b.stop();
    expect(a.drained && b.drained).toBe(true);

    // Both members wrote; no partition was written by both at overlapping times.
    const byA = writes.filter((w) => w.member === 'a');
    const byB = writes.filter((w) => w.member === 'b');
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
    const overlaps = byA.flatMap((wa) =>
      byB.filter((wb) => [...wa.partitions].some((p) => wb.partitions.has(p)) && wa.start < wb.end && wb.start < wa.end).map((wb) => ({ a: wa, b: wb })),
    );
    expect(overlaps).toEqual([]);

    // Fetching stopped at the limit: the uncommitted bytes passed it by at most one fetch, whose size
    // the ingester caps at the limit too. Without the bound a would have fetched all 20,000 events
    // (about 5 MB) while its slow inserts ran.
    expect(aInFlightPeak).toBeGreaterThan(0);
    expect(aInFlightPeak).toBeLessThanOrEqual(2 * MAX_IN_FLIGHT + 1000);

    const [row] = await queryRows<{ n: number; u: number }>(client, `SELECT count() AS n, uniqExact(event_id) AS u FROM usage_events WHERE model = 'm-${tag}'`);
    expect(row).toEqual({ n: 30_000, u: 30_000 });
    const [rollup] = await queryRows<{ n: number }>(client, `SELECT sum(requests) AS n FROM usage_daily WHERE model = 'm-${tag}'`);
    expect(rollup).toEqual({ n: 30_000 });
  });
});
