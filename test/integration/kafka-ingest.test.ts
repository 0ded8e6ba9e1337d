// The Kafka ingester on the real broker, in this process, into a real embedded ClickHouse.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rmSync } from 'node:fs';
import { closeClickHouse, getClickHouse, queryRows, type ClickHouseClient } from '../../clickhouse/client.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { loadEnv } from '../../config/env.ts';
import { DlqMessage } from '../../contracts/events.ts';
import { startKafkaIngester } from '../../pipelines/kafka-ingester.ts';
import { registry } from '../../pipelines/metrics.ts';
import { feedback, line, output, usage } from './helpers/events.ts';
import { committedOffsets, metricSum, tempDir, waitUntilConsumed } from './helpers/ingest.ts';
import { createTopics, kafkaClient, produce, readAll, topicNames, type Msg } from './helpers/kafka.ts';

const brokers = inject('kafkaBrokers');
let dir: string;
let client: ClickHouseClient;
const env = (extra: Record<string, string> = {}) =>
  loadEnv({ OVERSIGHT_DATA_DIR: dir, KAFKA_BROKERS: brokers, INGEST_BATCH_SIZE: '1000', INGEST_BATCH_MS: '200', ...extra });

beforeAll(async () => {
  dir = tempDir('kafka-ingest');
  client = await getClickHouse(env());
  await migrate(client, { rawTextTtlDays: 400 });
});
afterAll(async () => {
  await closeClickHouse();
  rmSync(dir, { recursive: true, force: true });
});

async function one<T>(sql: string): Promise<T> {
  return (await queryRows<T>(client, sql))[0];
}

describe('Kafka ingester', () => {
  it('stores every valid event exactly once, rollups included, and sends each bad message to the DLQ and ingest_errors', async () => {
    const tag = 'k1';
    const t = topicNames(`${tag}.`);
    await createTopics(brokers, `${tag}.`);
    const N_USAGE = 3000;
    const N_OUT = 1000;
    const N_FB = 500;
    const usageMsgs: Msg[] = Array.from({ length: N_USAGE }, (_, i) => ({ key: usage(i, tag).user_id, value: line(usage(i, tag)) }));
    // Duplicates as a retrying producer makes them: same key (same partition), and some on another partition.
    for (let i = 0; i < 300; i++) usageMsgs.push({ key: usage(i * 7, tag).user_id, value: line(usage(i * 7, tag)) });
    for (let i = 0; i < 50; i++) usageMsgs.push({ key: `other-${i}`, value: line(usage(i * 11, tag)) });
    const bad: Msg[] = [
      ...Array.from({ length: 5 }, (_, i) => ({ key: 'bad', value: `{"event_id": "broken-${i}",` })),
      ...Array.from({ length: 4 }, (_, i) => ({ key: 'bad', value: line(usage(10_000 + i, tag, { ministry: 'atlantis' })) })),
      ...Array.from({ length: 3 }, (_, i) => ({ key: 'bad', value: line(usage(20_000 + i, tag, { input_tokens: -5 })) })),
      ...Array.from({ length: 2 }, (_, i) => ({ key: 'bad', value: line(usage(30_000 + i, tag, { padding: 'x'.repeat(6000) })) })),
      { key: 'bad', value: '[]' },
    ];
    await produce(brokers, t.usage, [...usageMsgs.slice(0, 1500), ...bad, ...usageMsgs.slice(1500)]);
    const outMsgs: Msg[] = Array.from({ length: N_OUT }, (_, i) => ({ key: `${tag}-o-${i}`, value: line(output(i, tag, { trace_id: `tr-${i}` })) }));
    for (let i = 0; i < 100; i++) outMsgs.push({ key: `${tag}-o-${i * 3}`, value: line(output(i * 3, tag, { trace_id: `tr-${i * 3}` })) });
    outMsgs.push({ key: 'bad', value: line({ ...output(0, tag), confidentiality_level: 9 }) }, { key: 'bad', value: 'not json' });
    await produce(brokers, t.outputs, outMsgs);

    const ingester = await startKafkaIngester({ client, env: env({ INGEST_MAX_MESSAGE_BYTES: '4000' }), groupId: `${tag}-group`, topicPrefix: `${tag}.`, log: () => {} });
    try {
      await waitUntilConsumed(brokers, `${tag}-group`, [t.usage, t.outputs]);
      // Feedback after its outputs are stored, as on the platform (a rating follows its answer).
      const fbMsgs: Msg[] = Array.from({ length: N_FB }, (_, i) => ({ key: `${tag}-o-${i}`, value: line(feedback(i, tag)) }));
      for (let i = 0; i < 50; i++) fbMsgs.push({ key: `${tag}-o-${i}`, value: line(feedback(i, tag)) });
      fbMsgs.push({ key: 'bad', value: line({ output_id: 'x', occurred_at: 'yesterday', rating: 'up' }) });
      await produce(brokers, t.feedback, fbMsgs);
      await waitUntilConsumed(brokers, `${tag}-group`, [t.usage, t.outputs, t.feedback]);
    } finally {
      await ingester.stop();
      expect(ingester.drained).toBe(true);
    }

    const model = `m-${tag}`;
    // Without FINAL too: no duplicate row was ever inserted, so nothing waits for a merge.
    expect(await one(`SELECT count() AS n, uniqExact(event_id) AS u FROM usage_events WHERE model = '${model}'`)).toEqual({ n: N_USAGE, u: N_USAGE });
    expect(await one(`SELECT count() AS n FROM usage_events FINAL WHERE model = '${model}'`)).toEqual({ n: N_USAGE });
    expect(await one(`SELECT sum(requests) AS n, uniqExactMerge(users) AS users FROM usage_daily WHERE model = '${model}'`)).toEqual({ n: N_USAGE, users: 97 });
    expect(await one(`SELECT count() AS n FROM outputs FINAL WHERE model = '${model}'`)).toEqual({ n: N_OUT });
    expect(await one(`SELECT sum(outputs) AS n FROM outputs_daily WHERE model = '${model}'`)).toEqual({ n: N_OUT });
    expect(await one(`SELECT raw FROM outputs WHERE output_id = '${tag}-o-5'`)).toEqual({ raw: '{"trace_id":"tr-5"}' });
    expect(await one(`SELECT count() AS n, countIf(ministry = '') AS unenriched FROM feedback FINAL WHERE output_id LIKE '${tag}-o-%'`)).toEqual({ n: N_FB, unenriched: 0 });
    expect(await one(`SELECT sum(up) + sum(down) AS n FROM feedback_daily WHERE model = '${model}'`)).toEqual({ n: N_FB });
    expect(await one(`SELECT count() AS n FROM usage_events WHERE model = '${model}' AND src_topic = '${t.usage}' AND src_offset >= 0`)).toEqual({ n: N_USAGE });

    const badCount = bad.length + 2 + 1;
    const errors = await queryRows<{ topic: string; error: string }>(client, `SELECT topic, error FROM ingest_errors FINAL WHERE topic LIKE '${tag}.%'`);
    expect(errors).toHaveLength(badCount);
    const reasons = (list: string[]) => list.map((e) => e.split(':')[0]).sort();
    const expected = ['invalid_json', 'invalid_json', 'invalid_json', 'invalid_json', 'invalid_json', 'invalid_json', 'not_object', 'oversized', 'oversized', 'schema', 'schema', 'schema', 'schema', 'schema', 'unknown_ministry', 'unknown_ministry', 'unknown_ministry', 'unknown_ministry'];
    expect(reasons(errors.map((e) => e.error))).toEqual(expected);

    const dlq = await readAll(brokers, t.dlq);
    expect(new Set(dlq.map((m) => m.key)).size).toBe(badCount);
    const parsed = dlq.map((m) => DlqMessage.parse(JSON.parse(m.value)));
    expect(reasons(parsed.map((m) => m.error))).toEqual(expected);
    const broken = parsed.find((m) => m.error.startsWith('invalid_json') && m.topic === t.usage)!;
    expect(Buffer.from(broken.original_base64, 'base64').toString()).toMatch(/^\{"event_id": "broken-\d",$/);

    const metrics = await registry.metrics();
    expect(metricSum(metrics, 'oversight_ingest_dlq_total')).toBeGreaterThanOrEqual(badCount);
    expect(metricSum(metrics, 'oversight_ingest_deduplicated_total', 'kind="usage"')).toBeGreaterThanOrEqual(350);
  });

  it('commits no offset while ClickHouse refuses inserts, pauses, and stores everything once it is back', async () => {
    const tag = 'k2';
    const t = topicNames(`${tag}.`);
    await createTopics(brokers, `${tag}.`);
    await produce(brokers, t.usage, Array.from({ length: 800 }, (_, i) => ({ key: usage(i, tag).user_id, value: line(usage(i, tag)) })));
    let down = true;
    let refused = 0;
    const ingester = await startKafkaIngester({
      client,
      env: env(),
      groupId: `${tag}-group`,
      topicPrefix: `${tag}.`,
      retry: { initialMs: 50, maxMs: 400 },
      log: () => {},
      insert: async (table, rows) => {
        if (down) {
          refused++;
          throw new Error('ECONNREFUSED (ClickHouse is down)');
        }
        await client.insert({ table, values: rows, format: 'JSONEachRow' });
      },
    });
    try {
      const deadline = Date.now() + 30_000;
      while (refused < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(refused).toBeGreaterThanOrEqual(4);
      expect(metricSum(await registry.metrics(), 'oversight_ingest_paused')).toBe(1);
      const committed = await committedOffsets(brokers, `${tag}-group`, [t.usage]);
      expect([...committed.values()].every((o) => o === -1)).toBe(true);
      expect(await one(`SELECT count() AS n FROM usage_events WHERE model = 'm-${tag}'`)).toEqual({ n: 0 });
      down = false;
      await waitUntilConsumed(brokers, `${tag}-group`, [t.usage]);
      expect(metricSum(await registry.metrics(), 'oversight_ingest_paused')).toBe(0);
    } finally {
      await ingester.stop();
    }
    expect(await one(`SELECT count() AS n FROM usage_events WHERE model = 'm-${tag}'`)).toEqual({ n: 800 });
    expect(await one(`SELECT sum(requests) AS n FROM usage_daily WHERE model = 'm-${tag}'`)).toEqual({ n: 800 });
  });
  it('creates a missing DLQ topic at start, so the first bad message does not stall ingestion', async () => {
    const tag = 'k7';
    const t = topicNames(`${tag}.`);
    const admin = kafkaClient(brokers).admin();
    await admin.connect();
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [t.usage, t.outputs, t.feedback].map((topic) => ({ topic, numPartitions: 1 })) });
      expect(await admin.listTopics()).not.toContain(t.dlq);
    } finally {
      await admin.disconnect();
    }
    await produce(brokers, t.usage, [{ value: 'not json' }, { value: line(usage(1, tag)) }]);
    const lines: string[] = [];
    const ingester = await startKafkaIngester({ client, env: env(), groupId: `${tag}-group`, topicPrefix: `${tag}.`, log: (l) => lines.push(l) });
    try {
      await waitUntilConsumed(brokers, `${tag}-group`, [t.usage]);
    } finally {
      await ingester.stop();
    }
    expect(lines).toContain(`created the DLQ topic ${t.dlq}`);
    const dlq = await readAll(brokers, t.dlq);
    expect(dlq).toHaveLength(1);
    expect(DlqMessage.parse(JSON.parse(dlq[0].value)).error).toMatch(/^invalid_json/);
    expect(await one(`SELECT count() AS n FROM usage_events WHERE model = 'm-${tag}'`)).toEqual({ n: 1 });
  });
});
