// Issue 14: the /pipeline page's consumer lag covers the Collector's OTLP topic (KAFKA_OTLP_TOPIC) next to
// the platform topics, on the real broker. An OTLP message can be handled and leave no row (its spans are
// not model calls, or it cannot be decoded and goes to ingest_errors), so the lag also reads the ingest
// group's committed offsets: after the ingester has read everything, the lag is 0, not "forever behind".
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rmSync } from 'node:fs';
import { closeClickHouse, getClickHouse, type ClickHouseClient } from '../../clickhouse/client.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { loadEnv } from '../../config/env.ts';
import { TOPICS } from '../../contracts/events.ts';
import { startKafkaIngester } from '../../pipelines/kafka-ingester.ts';
import { kafkaLag, lagTopics } from '../../src/lib/server/queries/kafka-lag.ts';
import { ingestGroupId } from '../../pipelines/kafka-client.ts';
import { storedOffsets } from '../../src/lib/server/queries/pipeline.ts';
import { tempDir, waitUntilConsumed } from './helpers/ingest.ts';
import { kafkaClient, produce } from './helpers/kafka.ts';

const brokers = inject('kafkaBrokers');
const OTLP_TOPIC = 'lag-test.otlp_spans';
let dir: string;
let client: ClickHouseClient;
const env = (extra: Record<string, string> = {}) =>
  loadEnv({ OVERSIGHT_DATA_DIR: dir, KAFKA_BROKERS: brokers, KAFKA_GROUP_PREFIX: 'lag-test', KAFKA_OTLP_ENCODING: 'otlp_json', INGEST_BATCH_MS: '100', ...extra });

beforeAll(async () => {
  dir = tempDir('pipeline-lag');
  client = await getClickHouse(env());
  await migrate(client, { rawTextTtlDays: 400 });
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: OTLP_TOPIC, numPartitions: 2, replicationFactor: 1 }] });
  } finally {
    await admin.disconnect();
  }
});
afterAll(async () => {
  await closeClickHouse();
  rmSync(dir, { recursive: true, force: true });
});

const kv = (key: string, v: string | number) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } });
const otlp = (spanId: string, attributes: ReturnType<typeof kv>[]) =>
  JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [kv('service.name', 'chat'), kv('oversight.ministry', 'moj')] },
      scopeSpans: [{ scope: { name: 't' }, spans: [{
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId, name: 'span', kind: 3,
        startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n), endTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n), attributes, status: {},
      }] }],
    }],
  });

describe('consumer lag on /pipeline', () => {
  it('names the OTLP topic only when KAFKA_OTLP_TOPIC is set', () => {
    expect(lagTopics(env({ KAFKA_OTLP_TOPIC: '' }))).toEqual([TOPICS.usage, TOPICS.outputs, TOPICS.feedback]);
    expect(lagTopics(env({ KAFKA_OTLP_TOPIC: OTLP_TOPIC }))).toEqual([TOPICS.usage, TOPICS.outputs, TOPICS.feedback, OTLP_TOPIC]);
    expect(ingestGroupId(env())).toBe('lag-test-ingest');
  });

  it('counts the OTLP topic, and reaches 0 once every message is handled, even those that left no row', async () => {
    const e = env({ KAFKA_OTLP_TOPIC: OTLP_TOPIC });
    await produce(brokers, OTLP_TOPIC, [
      { key: 'a', value: otlp('1111111111111111', [kv('gen_ai.operation.name', 'chat'), kv('gen_ai.request.model', 'lag-model'), kv('gen_ai.usage.input_tokens', 3)]) },
      { key: 'a', value: otlp('2222222222222222', [kv('http.request.method', 'GET')]) }, // not a model call: no row
      { key: 'a', value: 'not an otlp message' }, // undecodable: ingest_errors only
    ]);
    const before = await kafkaLag(e.KAFKA_BROKERS, e, await storedOffsets(client), 10_000);
    if (before.kind !== 'ok') throw new Error(JSON.stringify(before));
    const otlpBefore = before.partitions.filter((p) => p.topic === OTLP_TOPIC);
    expect(otlpBefore).toHaveLength(2);
    expect(otlpBefore.reduce((a, p) => a + p.lag, 0)).toBe(3);
    expect(before.partitions.some((p) => p.topic === TOPICS.usage)).toBe(true);
    // Without the variable the page does not ask about the topic at all.
    const without = await kafkaLag(e.KAFKA_BROKERS, env({ KAFKA_OTLP_TOPIC: '' }), [], 10_000);
    expect(without.kind === 'ok' && without.partitions.every((p) => p.topic !== OTLP_TOPIC)).toBe(true);

    const ingester = await startKafkaIngester({ client, env: e, log: () => {} });
    try {
      await waitUntilConsumed(brokers, ingestGroupId(e), lagTopics(e));
    } finally {
      await ingester.stop();
    }
    const stored = await storedOffsets(client);
    // The data alone would leave the topic behind: the last two messages left no row in the event tables.
    const lastWithRow = stored.filter((s) => s.topic === OTLP_TOPIC);
    expect(lastWithRow).toHaveLength(1);
    const after = await kafkaLag(e.KAFKA_BROKERS, e, stored, 10_000);
    if (after.kind !== 'ok') throw new Error(JSON.stringify(after));
    const otlpAfter = after.partitions.filter((p) => p.topic === OTLP_TOPIC);
    expect(otlpAfter.map((p) => p.lag)).toEqual([0, 0]);
    expect(otlpAfter.reduce((a, p) => a + p.stored_next, 0)).toBe(3);
  });
});
