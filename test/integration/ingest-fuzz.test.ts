// Property-based fuzzing of ingestion (issue 9, "Done when"): random and adversarial events through the
// file source and through the Kafka ingester on the real broker, into a real embedded ClickHouse.
// For every run: each valid event is stored exactly once (rollup included, unknown fields kept in raw),
// each repeat of an id (any day, any ministry) is dropped, each bad message is in ingest_errors (and the
// DLQ topic) with a reason at its own offset, the valid event that ends every run is stored, and the
// Kafka consumer keeps consuming from one run to the next without a crash.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { rmSync } from 'node:fs';
import { closeClickHouse, getClickHouse, queryRows, type ClickHouseClient } from '../../clickhouse/client.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { loadEnv } from '../../config/env.ts';
import { DlqMessage } from '../../contracts/events.ts';
import { ingestStream } from '../../pipelines/file-source.ts';
import { startKafkaIngester, type KafkaIngester } from '../../pipelines/kafka-ingester.ts';
import { metrics } from '../../pipelines/metrics.ts';
import { FUZZ_MAX_MESSAGE_BYTES, messages, type FuzzMessage } from '../helpers/hostile-events.ts';
import { MINISTRY_CODES } from '../../contracts/ministries.ts';
import { feedback, line, output } from './helpers/events.ts';
import { highWatermarks, tempDir, waitUntilConsumed } from './helpers/ingest.ts';
import { kafkaClient, readAll, topicNames, withProducer } from './helpers/kafka.ts';

const brokers = inject('kafkaBrokers');
let dir: string;
let client: ClickHouseClient;
const env = () =>
  loadEnv({ OVERSIGHT_DATA_DIR: dir, KAFKA_BROKERS: brokers, INGEST_BATCH_SIZE: '16', INGEST_BATCH_MS: '50', INGEST_MAX_MESSAGE_BYTES: String(FUZZ_MAX_MESSAGE_BYTES) });

beforeAll(async () => {
  dir = tempDir('fuzz');
  client = await getClickHouse(env());
  await migrate(client, { rawTextTtlDays: 400 });
});
afterAll(async () => {
  await closeClickHouse();
  rmSync(dir, { recursive: true, force: true });
});

/** Checks what one run left in the tables; `positionOf(i)` is the offset of message i at its source. */
async function checkRun(tag: string, msgs: FuzzMessage[], source: string, positionOf: (i: number) => number): Promise<void> {
  const valid = msgs.filter((m) => m.expect === 'valid');
  const stored = await queryRows<{ event_id: string; n: number; raw: string }>(
    client,
    `SELECT event_id, count() AS n, any(raw) AS raw FROM usage_events WHERE model = {m:String} GROUP BY event_id`,
    { m: `m-${tag}` },
  );
  const byId = new Map(stored.map((r) => [r.event_id, r]));
  expect([...byId.keys()].sort()).toEqual(valid.map((m) => m.id!).sort());
  for (const m of valid) {
    expect(Number(byId.get(m.id!)!.n), m.id).toBe(1);
    expect(byId.get(m.id!)!.raw, m.id).toBe(m.raw);
  }
  const [rollup] = await queryRows<{ n: number }>(client, `SELECT sum(requests) AS n FROM usage_daily WHERE model = {m:String}`, { m: `m-${tag}` });
  expect(Number(rollup.n)).toBe(valid.length);

  const errors = await queryRows<{ offset: number; error: string }>(client, `SELECT offset, error FROM ingest_errors FINAL WHERE topic = {t:String}`, { t: source });
  const errorAt = new Map(errors.map((e) => [Number(e.offset), e.error]));
  const badPositions = msgs.flatMap((m, i) => (m.expect === 'bad' ? [positionOf(i)] : []));
  for (const [i, m] of msgs.entries()) {
    if (m.expect !== 'bad') continue;
    const reason = errorAt.get(positionOf(i));
    expect(reason, `${m.label} at ${positionOf(i)}`).toMatch(/^[a-z0-9_]+: ./);
  }
  // Nothing valid or repeated was sent to the errors of this run.
  expect([...errorAt.keys()].filter((o) => !badPositions.includes(o)).filter((o) => positionOf(0) <= o && o <= positionOf(msgs.length - 1))).toEqual([]);
}

describe('ingestion fuzz', () => {
  it('file source: every event stored once or rejected with a reason, and the one after any bad one stored', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constant(null).chain(() => messages(`ff${run}`, { tombstones: false })),
        async (msgs) => {
          const tag = msgs.find((m) => m.expect === 'valid')!.id!.split('-')[0];
          const source = `fuzz-${tag}`;
          const body = Buffer.concat(msgs.flatMap((m) => [m.value!, Buffer.from('\n')]));
          const summary = await ingestStream(client, Readable.from([body]), { env: env(), topic: 'genai.usage.v1', sourceName: source, log: () => {} });
          expect(summary.read).toBe(msgs.length);
          await checkRun(tag, msgs, source, (i) => i + 1); // offsets are line numbers
          run++;
        },
      ),
      // Bounded so the integration suite stays within minutes (about 5 s here); a failure prints its seed.
      { numRuns: 60, endOnFailure: true },
    );
  });

  it('file source, outputs then ratings: each output once by id, each rating once per output, enriched from the stored output', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ ministry: fc.constantFrom(...MINISTRY_CODES), day: fc.integer({ min: 0, max: 40_000 }) }), { minLength: 1, maxLength: 25 }),
        fc.array(fc.record({ pick: fc.nat(), rating: fc.constantFrom('up', 'down'), known: fc.boolean() }), { maxLength: 30 }),
        async (outs, rates) => {
          const tag = `fo${run++}`;
          // Each output is sent twice: the second time with another ministry and day, which must not count.
          const outLines = outs.flatMap((o, i) => {
            const at = new Date(Date.UTC(1970, 0, 1 + o.day, 12)).toISOString();
            return [line(output(i, tag, { ministry: o.ministry, occurred_at: at })), line(output(i, tag, { ministry: o.ministry === 'mof' ? 'moj' : 'mof', occurred_at: '2030-01-01T00:00:00Z' }))];
          });
          const rateLines = rates.map((r) => line(feedback(r.pick % outs.length, tag, { rating: r.rating, ...(r.known ? {} : { output_id: `${tag}-unknown-${r.pick}` }) })));
          await ingestStream(client, Readable.from([outLines.join('\n')]), { env: env(), topic: 'genai.outputs.v1', sourceName: `fo-${tag}`, log: () => {} });
          await ingestStream(client, Readable.from([rateLines.join('\n')]), { env: env(), topic: 'genai.feedback.v1', sourceName: `ff-${tag}`, log: () => {} });
          const stored = await queryRows<{ output_id: string; n: number; ministry: string }>(
            client,
            `SELECT output_id, count() AS n, any(ministry) AS ministry FROM outputs WHERE model = {m:String} GROUP BY output_id`,
            { m: `m-${tag}` },
          );
          expect(stored).toHaveLength(outs.length);
          for (const r of stored) {
            expect(Number(r.n)).toBe(1);
            expect(r.ministry).toBe(outs[Number(r.output_id.split('-o-')[1])].ministry);
          }
          const rated = await queryRows<{ output_id: string; n: number; ministry: string }>(
            client,
            `SELECT output_id, count() AS n, any(ministry) AS ministry FROM feedback WHERE src_topic = {t:String} GROUP BY output_id`,
            { t: `ff-${tag}` },
          );
          const expected = new Set(rates.map((r) => (r.known ? `${tag}-o-${r.pick % outs.length}` : `${tag}-unknown-${r.pick}`)));
          expect(rated.map((r) => r.output_id).sort()).toEqual([...expected].sort());
          for (const r of rated) {
            expect(Number(r.n)).toBe(1);
            expect(r.ministry).toBe(r.output_id.includes('-unknown-') ? '' : outs[Number(r.output_id.split('-o-')[1])].ministry);
          }
        },
      ),
      { numRuns: 20, endOnFailure: true },
    );
  });

  describe('Kafka ingester on the real broker', () => {
    const prefix = 'fz.';
    const t = topicNames(prefix);
    let ingester: KafkaIngester;
    const lines: string[] = [];
    beforeAll(async () => {
      const admin = kafkaClient(brokers).admin();
      await admin.connect();
      // One partition: offsets follow the order messages were produced in, so each can be checked where it lands.
      await admin.createTopics({ waitForLeaders: true, topics: Object.values(t).map((topic) => ({ topic, numPartitions: 1 })) });
      await admin.disconnect();
      ingester = await startKafkaIngester({ client, env: env(), groupId: 'fz-group', topicPrefix: prefix, log: (l) => lines.push(l) });
    });
    afterAll(async () => {
      await ingester?.stop();
    });

    it('keeps consuming: every event stored once or in the DLQ topic and ingest_errors with a reason', async () => {
      const crashesBefore = (await metrics.consumerCrashes.get()).values[0]?.value ?? 0;
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constant(null).chain(() => messages(`fk${run}`, { tombstones: true, maxLength: 30 })),
          async (msgs) => {
            const tag = msgs.find((m) => m.expect === 'valid')!.id!.split('-')[0];
            const base = (await highWatermarks(brokers, [t.usage])).get(`${t.usage}/0`) ?? 0;
            await withProducer(brokers, (p) => p.send({ topic: t.usage, acks: -1, messages: msgs.map((m, i) => ({ key: `k-${tag}-${i}`, value: m.value })) }));
            await waitUntilConsumed(brokers, 'fz-group', [t.usage], 60_000);
            await checkRun(tag, msgs, t.usage, (i) => base + i);
            run++;
          },
        ),
        { numRuns: 15, endOnFailure: true },
      );
      // Every bad message also reached the DLQ topic, keyed by its position, with its original key.
      const dlq = (await readAll(brokers, t.dlq)).map((m) => DlqMessage.parse(JSON.parse(m.value)));
      const [{ n }] = await queryRows<{ n: number }>(client, `SELECT count() AS n FROM ingest_errors FINAL WHERE topic = {t:String}`, { t: t.usage });
      expect(new Set(dlq.map((m) => m.offset)).size).toBe(Number(n));
      expect(dlq.every((m) => m.key_base64 && Buffer.from(m.key_base64, 'base64').toString().startsWith('k-fk'))).toBe(true);
      const crashesAfter = (await metrics.consumerCrashes.get()).values[0]?.value ?? 0;
      expect(crashesAfter - crashesBefore, lines.join('\n')).toBe(0);
    });
  });
});
