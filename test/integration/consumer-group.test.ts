// Two ingesters in one consumer group on the real broker: they split the partitions, a member joining
// and a member leaving cause rebalances mid-stream, and still every event is counted exactly once.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rmSync } from 'node:fs';
import { closeClickHouse, getClickHouse, queryRows, type ClickHouseClient } from '../../clickhouse/client.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { loadEnv } from '../../config/env.ts';
import { startKafkaIngester, type KafkaIngester } from '../../pipelines/kafka-ingester.ts';
import { line, usage } from './helpers/events.ts';
import { tempDir, waitUntilConsumed } from './helpers/ingest.ts';
import { createTopics, produce, topicNames } from './helpers/kafka.ts';

const brokers = inject('kafkaBrokers');
let dir: string;
let client: ClickHouseClient;
const env = () => loadEnv({ OVERSIGHT_DATA_DIR: dir, KAFKA_BROKERS: brokers, INGEST_BATCH_SIZE: '500', INGEST_BATCH_MS: '100' });

beforeAll(async () => {
  dir = tempDir('group');
  client = await getClickHouse(env());
  await migrate(client, { rawTextTtlDays: 400 });
});
afterAll(async () => {
  await closeClickHouse();
  rmSync(dir, { recursive: true, force: true });
});

const waitFor = async (cond: () => boolean, what: string, ms = 60_000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('consumer group', () => {
  it('splits partitions between two members and counts each event once across rebalances', async () => {
    const tag = 'k4';
    const group = `${tag}-group`;
    const t = topicNames(`${tag}.`);
    await createTopics(brokers, `${tag}.`, 6);
    const msgs = (from: number, n: number) => Array.from({ length: n }, (_, k) => ({ key: usage(from + k, tag).user_id, value: line(usage(from + k, tag)) }));
    await produce(brokers, t.usage, msgs(0, 20_000), 5000);

    const assignments: Record<string, string[]> = { a: [], b: [] };
    const start = (name: 'a' | 'b') =>
      startKafkaIngester({
        client,
        env: env(),
        groupId: group,
        topicPrefix: `${tag}.`,
        sessionTimeoutMs: 6000,
        log: (l) => {
          if (l.startsWith('joined group')) assignments[name].push(l);
        },
      });
    const a: KafkaIngester = await start('a');
    await waitFor(() => a.counts().usage.read > 2000, 'the first member to consume');
    const b: KafkaIngester = await start('b');
    // Keep producing through the rebalance.
    const producing = produce(brokers, t.usage, msgs(20_000, 20_000), 1000);
    await waitFor(() => b.counts().usage.read > 0, 'the second member to receive partitions');
    await producing;
    // Both hold part of the usage topic now.
    const usageParts = (l: string) => /k4\.genai\.usage\.v1\[([\d,]*)\]/.exec(l)?.[1] ?? '';
    const lastA = usageParts(assignments.a.at(-1)!);
    const lastB = usageParts(assignments.b.at(-1)!);
    expect(lastA).not.toBe('');
    expect(lastB).not.toBe('');
    expect(new Set([...lastA.split(','), ...lastB.split(',')]).size).toBe(6);
    expect(lastA.split(',').some((p) => lastB.split(',').includes(p))).toBe(false);

    // Both members consume side by side.
    await waitUntilConsumed(brokers, group, [t.usage]);
    const [aBefore, bBefore] = [a.counts().usage.read, b.counts().usage.read];
    await produce(brokers, t.usage, msgs(40_000, 10_000), 2000);
    await waitUntilConsumed(brokers, group, [t.usage]);
    expect(a.counts().usage.read).toBeGreaterThan(aBefore);
    expect(b.counts().usage.read).toBeGreaterThan(bBefore);

    const aRead = a.counts().usage.read;
    await a.stop();
    expect(a.drained).toBe(true); // leaving: b takes over every partition
    await produce(brokers, t.usage, msgs(50_000, 10_000), 5000);
    await waitUntilConsumed(brokers, group, [t.usage]);
    const bRead = b.counts().usage.read;
    await b.stop();
    console.error(`[consumer-group] a read ${aRead}, b read ${bRead}; assignments a: ${assignments.a.length}, b: ${assignments.b.length}`);
    expect(aRead).toBeGreaterThan(0);
    expect(bRead).toBeGreaterThan(0);

    const [row] = await queryRows<{ n: number; u: number }>(client, `SELECT count() AS n, uniqExact(event_id) AS u FROM usage_events WHERE model = 'm-${tag}'`);
    expect(row).toEqual({ n: 60_000, u: 60_000 });
    const [rollup] = await queryRows<{ n: number }>(client, `SELECT sum(requests) AS n FROM usage_daily WHERE model = 'm-${tag}'`);
    expect(rollup).toEqual({ n: 60_000 });
  });
});
