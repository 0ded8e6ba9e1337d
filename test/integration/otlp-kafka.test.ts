// The Collector's Kafka exporter format as the fourth source: OTLP JSON published by kcat, and OTLP
// protobuf serialised by the OpenTelemetry JS serializer from SDK spans, both read from the
// `otlp_spans` topic by the Kafka ingester and stored through the shared ingest path.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { closeClickHouse, getClickHouse, queryRows, type ClickHouseClient } from '../../clickhouse/client.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { loadEnv } from '../../config/env.ts';
import { startKafkaIngester } from '../../pipelines/kafka-ingester.ts';
import { tempDir, waitUntilConsumed } from './helpers/ingest.ts';
import { kafkaClient, produce, topicNames } from './helpers/kafka.ts';

const brokers = inject('kafkaBrokers');
let dir: string;
let client: ClickHouseClient;
const env = (extra: Record<string, string>) =>
  loadEnv({ OVERSIGHT_DATA_DIR: dir, KAFKA_BROKERS: brokers, INGEST_BATCH_SIZE: '1000', INGEST_BATCH_MS: '200', KAFKA_OTLP_TOPIC: 'otlp_spans', ...extra });

beforeAll(async () => {
  dir = tempDir('otlp-kafka');
  client = await getClickHouse(env({}));
  await migrate(client, { rawTextTtlDays: 400 });
});
afterAll(async () => {
  await closeClickHouse();
  rmSync(dir, { recursive: true, force: true });
});

async function topicsFor(prefix: string): Promise<void> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    const topics = [...Object.values(topicNames(prefix)), `${prefix}otlp_spans`];
    await admin.createTopics({ waitForLeaders: false, topics: topics.map((topic) => ({ topic, numPartitions: 2, replicationFactor: 1 })) });
    // Metadata of a new topic reaches the broker's cache a moment later; wait until every partition has a leader.
    for (let i = 0; ; i++) {
      try {
        const meta = await admin.fetchTopicMetadata({ topics });
        if (meta.topics.every((t) => t.partitions.length === 2 && t.partitions.every((p) => p.leader >= 0))) return;
      } catch (err) {
        if (i > 100) throw err;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.disconnect();
  }
}

const now = () => String(BigInt(Date.now()) * 1_000_000n);
const kv = (key: string, v: string | number) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } });

describe('OTLP spans from Kafka', () => {
  it('reads OTLP JSON published by kcat (otlp_json) and rejects an undecodable message', async () => {
    const prefix = 'oj.';
    await topicsFor(prefix);
    const message = {
      resourceSpans: [
        {
          resource: { attributes: [kv('service.name', 'legal_research'), kv('oversight.ministry', 'moj')] },
          scopeSpans: [
            {
              scope: { name: 'collector' },
              spans: ['1111111111111111', '2222222222222222'].map((spanId, i) => ({
                traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
                spanId,
                name: 'chat',
                kind: 3,
                startTimeUnixNano: now(),
                endTimeUnixNano: now(),
                attributes: [kv('gen_ai.operation.name', 'chat'), kv('gen_ai.request.model', 'kcat-model'), kv('gen_ai.usage.input_tokens', 10 + i),
                  kv('gen_ai.completion', i === 0 ? '刑法第199条による。' : '')],
                status: {},
              })),
            },
          ],
        },
      ],
    };
    // kcat: one message per line on stdin.
    execFileSync('kcat', ['-P', '-b', brokers, '-t', `${prefix}otlp_spans`, '-p', '0'], { input: `${JSON.stringify(message)}\nnot an otlp message\n` });
    const ingester = await startKafkaIngester({ client, env: env({ KAFKA_OTLP_ENCODING: 'otlp_json' }), groupId: 'oj-group', topicPrefix: prefix, log: () => {} });
    try {
      await waitUntilConsumed(brokers, 'oj-group', [`${prefix}otlp_spans`]);
    } finally {
      await ingester.stop();
    }
    const rows = await queryRows<{ ministry: string; app: string; input_tokens: number; src_topic: string }>(
      client, "SELECT ministry, app, input_tokens, src_topic FROM usage_events FINAL WHERE model = 'kcat-model' ORDER BY input_tokens");
    expect(rows.map((r) => [r.ministry, r.app, Number(r.input_tokens), r.src_topic])).toEqual([
      ['moj', 'legal_research', 10, 'oj.otlp_spans'],
      ['moj', 'legal_research', 11, 'oj.otlp_spans'],
    ]);
    const outputs = await queryRows<{ response: string }>(client, "SELECT response FROM outputs FINAL WHERE model = 'kcat-model'");
    expect(outputs).toEqual([{ response: '刑法第199条による。' }]);
    const errors = await queryRows<{ error: string }>(client, "SELECT error FROM ingest_errors FINAL WHERE topic = 'oj.otlp_spans'");
    expect(errors).toHaveLength(1);
    expect(errors[0].error).toMatch(/cannot decode the OTLP JSON body.*KAFKA_OTLP_ENCODING=otlp_json/);
  });

  it('reads OTLP protobuf serialised by the OpenTelemetry serializer (otlp_proto, the default)', async () => {
    const prefix = 'op.';
    await topicsFor(prefix);
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'chat', 'oversight.ministry': 'mhlw' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
    const tracer = provider.getTracer('t');
    for (let i = 0; i < 3; i++) {
      tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'proto-model', 'gen_ai.usage.output_tokens': i, 'user.id': `u${i}` } }).end();
    }
    await provider.forceFlush();
    const bytes = ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans());
    expect(bytes).toBeDefined();
    await produce(brokers, `${prefix}otlp_spans`, [{ value: Buffer.from(bytes!) }]);
    const ingester = await startKafkaIngester({ client, env: env({}), groupId: 'op-group', topicPrefix: prefix, log: () => {} });
    try {
      await waitUntilConsumed(brokers, 'op-group', [`${prefix}otlp_spans`]);
    } finally {
      await ingester.stop();
    }
    const rows = await queryRows<{ user_id: string; ministry: string; output_tokens: number }>(
      client, "SELECT user_id, ministry, output_tokens FROM usage_events FINAL WHERE model = 'proto-model' ORDER BY user_id");
    expect(rows.map((r) => [r.user_id, r.ministry, Number(r.output_tokens)])).toEqual([['u0', 'mhlw', 0], ['u1', 'mhlw', 1], ['u2', 'mhlw', 2]]);
  });
});
