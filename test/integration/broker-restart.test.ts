// The broker goes away under load and comes back: the ingester (and a retrying producer) carry on,
// and every event arrives exactly once. This test runs its own broker so the outage hurts no one else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { startBroker, type RunningBroker } from '../../scripts/kafka.mjs';
import { closeClickHouse, getClickHouse, queryRows, type ClickHouseClient } from '../../clickhouse/client.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { loadEnv } from '../../config/env.ts';
import { startKafkaIngester } from '../../pipelines/kafka-ingester.ts';
import { line, usage } from './helpers/events.ts';
import { tempDir, waitUntilConsumed } from './helpers/ingest.ts';
import { createTopics, kafkaClient, topicNames } from './helpers/kafka.ts';

let broker: RunningBroker;
let dir: string;
let client: ClickHouseClient;

beforeAll(async () => {
  broker = await startBroker();
  dir = tempDir('broker-restart');
  client = await getClickHouse(loadEnv({ OVERSIGHT_DATA_DIR: dir }));
  await migrate(client, { rawTextTtlDays: 400 });
});
afterAll(async () => {
  await broker?.stop();
  await closeClickHouse();
  rmSync(dir, { recursive: true, force: true });
});

describe('broker restart', () => {
  it('delivers every event exactly once when the broker stops and restarts under load', async () => {
    const tag = 'k5';
    const group = `${tag}-group`;
    const t = topicNames();
    await createTopics(broker.brokers);
    const env = loadEnv({ OVERSIGHT_DATA_DIR: dir, KAFKA_BROKERS: broker.brokers, INGEST_BATCH_SIZE: '1000', INGEST_BATCH_MS: '100' });
    const logs: string[] = [];
    const ingester = await startKafkaIngester({ client, env, groupId: group, sessionTimeoutMs: 6000, log: (l) => logs.push(l) });

    const producer = kafkaClient(broker.brokers).producer({ retry: { retries: 3, initialRetryTime: 200 } });
    await producer.connect();
    const PER = 500;
    let outageOver = false;
    let sendFailures = 0;
    let downAt = Infinity;
    let upAt = Infinity;
    const sends: [number, number][] = [];
    let outage: Promise<void> | undefined;
    // Produce until the outage is over and at least 40 batches are out, so load spans the whole outage.
    let b = 0;
    for (; b < 40 || !outageOver; b++) {
      if (b === 5) {
        // A real outage: the broker process stops, stays down for a while, then starts on the same port.
        outage = (async () => {
          await broker.pause();
          downAt = Date.now();
          await new Promise((r) => setTimeout(r, 3000));
          await broker.restart();
          upAt = Date.now();
          outageOver = true;
        })();
      }
      const messages = Array.from({ length: PER }, (_, k) => ({ key: usage(b * PER + k, tag).user_id, value: line(usage(b * PER + k, tag)) }));
      // An at-least-once producer: retry the batch until acknowledged (a retry may duplicate, dedup absorbs it).
      for (;;) {
        const began = Date.now();
        try {
          await producer.send({ topic: t.usage, acks: -1, messages });
          sends.push([began, Date.now()]);
          break;
        } catch {
          sendFailures++;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const BATCHES = b;
    await outage;
    await producer.disconnect();
    await waitUntilConsumed(broker.brokers, group, [t.usage], 180_000);
    await ingester.stop();
    expect(ingester.drained).toBe(true);
    const spanning = sends.filter(([s, e]) => s < upAt && e > downAt).length;
    console.error(`[broker-restart] ${BATCHES} batches, ${spanning} in flight across the ${upAt - downAt} ms outage, failed sends: ${sendFailures}; ingester log: ${logs.slice(-2).join(' | ')}`);
    expect(spanning).toBeGreaterThan(0); // the outage really happened under load
    expect(sends.filter(([s]) => s > upAt).length).toBeGreaterThan(0);

    const [row] = await queryRows<{ n: number; u: number }>(client, `SELECT count() AS n, uniqExact(event_id) AS u FROM usage_events WHERE model = 'm-${tag}'`);
    expect(row).toEqual({ n: BATCHES * PER, u: BATCHES * PER });
    const [rollup] = await queryRows<{ n: number }>(client, `SELECT sum(requests) AS n FROM usage_daily WHERE model = 'm-${tag}'`);
    expect(rollup).toEqual({ n: BATCHES * PER });
  });
});
