// The Kafka source: one consumer group member reading genai.usage.v1, genai.outputs.v1 and
// genai.feedback.v1 into the shared ingest path.
//
// Delivery: at-least-once from Kafka, exactly-once in the tables. eachBatch hands a partition's messages
// to the ingest path and returns only when they are durable (inserted, or in ingest_errors and the DLQ
// topic); then, and only then, their offsets are committed. KafkaJS fetches the next round only when
// every eachBatch of the current one has returned, so:
//   - backpressure is built in: no fetch happens while a flush is pending (and partitions are paused
//     explicitly while ClickHouse is failing);
//   - a rebalance waits for in-flight batches, so a partition never has two owners inserting at once;
//   - what a crash loses is only uncommitted work, which is re-read and then dropped by the dedup
//     lookup of rows already stored.
// Batching: the broker holds a fetch until about a batch of bytes is ready or INGEST_BATCH_MS passed
// (minBytes / maxWaitTimeInMs), and all partitions of one fetch share one insert per topic; more than
// INGEST_BATCH_SIZE messages are split into several inserts.
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Env } from '../config/env.ts';
import { TOPICS, type EventKind } from '../contracts/events.ts';
import { kafkaDlqSink } from './dlq.ts';
import { checkKafkaSecurity, connectionErrorLine, createKafka } from './kafka-client.ts';
import { OutputMetaCache } from './enrich.ts';
import { createIngestPath, type InsertFn, type IngestCounts, type IngestPath } from './ingest.ts';
import { metrics } from './metrics.ts';
import { addOtlpMessages } from './otlp/kafka-source.ts';
import type { RetryPolicy } from './retry.ts';

export interface KafkaIngesterOptions {
  client: ClickHouseClient;
  env: Env;
  log?: (line: string) => void;
  /** Default: env.KAFKA_BROKERS. */
  brokers?: string[];
  /** Default: `${KAFKA_GROUP_PREFIX}-ingest`. */
  groupId?: string;
  /** Prepended to every topic name, e.g. "staging." on a shared cluster. */
  topicPrefix?: string;
  insert?: InsertFn;
  retry?: RetryPolicy;
  /** How long stop() waits for pending batches to become durable before giving up on them. */
  drainTimeoutMs?: number;
  /** Group session timeout: how soon the partitions of a crashed member move to the others (default 30 s). */
  sessionTimeoutMs?: number;
}

export interface KafkaIngester {
  groupId: string;
  counts(): Record<EventKind, IngestCounts>;
  /** Stops fetching, makes pending batches durable, commits them and leaves the group. */
  stop(): Promise<void>;
  /** After stop(): false if some batches could not be stored in time (their offsets stay uncommitted). */
  readonly drained: boolean;
}

const HEARTBEAT_EVERY_MS = 3000;
// Average event size used to turn INGEST_BATCH_SIZE into the fetch's minBytes.
const TYPICAL_EVENT_BYTES = 100;

/** Waits for `work`, sending group heartbeats meanwhile so a long ClickHouse outage does not cost the membership. */
async function withHeartbeats(work: Promise<unknown>, heartbeat: () => Promise<void>): Promise<void> {
  let finished = false;
  const settled = work.finally(() => (finished = true));
  while (!finished) {
    const tick = new Promise<void>((r) => setTimeout(r, HEARTBEAT_EVERY_MS).unref());
    await Promise.race([settled.catch(() => {}), tick]);
    if (!finished) await heartbeat().catch(() => {});
  }
  await settled;
}

/** Collects the commits of one fetch round into one OffsetCommit request. */
class OffsetCommitter {
  private pending = new Map<string, { topic: string; partition: number; offset: string }>();
  private flushing: Promise<void> | undefined;
  constructor(
    private readonly consumer: Consumer,
    private readonly log: (l: string) => void,
  ) {}

  commit(topic: string, partition: number, nextOffset: string): Promise<void> {
    this.pending.set(`${topic}|${partition}`, { topic, partition, offset: nextOffset });
    this.flushing ??= new Promise<void>((r) => setImmediate(r)).then(async () => {
      const offsets = [...this.pending.values()];
      this.pending.clear();
      this.flushing = undefined;
      try {
        await this.consumer.commitOffsets(offsets);
      } catch (err) {
        // The rows are stored already; an uncommitted offset only means a replay that dedup absorbs.
        this.log(`offset commit failed (will be re-read and deduplicated): ${(err as Error).message}`);
      }
    });
    return this.flushing;
  }
}

/**
 * The DLQ topic must exist before the first bad message: the producer does not create topics, and a
 * DLQ write that fails is retried with the partitions paused, so a missing topic would stop ingestion
 * at the first rejected event. The platform's three topics are not created here: they are the
 * platform team's, and a typo in their names should fail loudly rather than create empty topics.
 */
async function ensureDlqTopic(kafka: Kafka, topic: string, log: (line: string) => void): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    if ((await admin.listTopics()).includes(topic)) return;
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    log(`created the DLQ topic ${topic}`);
  } catch (err) {
    throw new Error(
      `the DLQ topic ${topic} does not exist and could not be created (${(err as Error).message}); ` +
        'create it, or allow this client to create topics, before starting the ingester',
    );
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export async function startKafkaIngester(opts: KafkaIngesterOptions): Promise<KafkaIngester> {
  const { client, env } = opts;
  const log = opts.log ?? ((l: string) => console.error(l));
  const brokers = opts.brokers ?? env.KAFKA_BROKERS;
  if (!brokers.length) throw new Error('KAFKA_BROKERS is not set: give the Kafka bootstrap servers, e.g. KAFKA_BROKERS=kafka-1:9092,kafka-2:9092');
  const prefix = opts.topicPrefix ?? '';
  const groupId = opts.groupId ?? `${env.KAFKA_GROUP_PREFIX}-ingest`;
  const topics: Record<EventKind, string> = {
    usage: prefix + TOPICS.usage,
    outputs: prefix + TOPICS.outputs,
    feedback: prefix + TOPICS.feedback,
  };
  const kindOf = new Map(Object.entries(topics).map(([k, t]) => [t, k as EventKind]));
  // The fourth source (issue 14): a Collector's OTLP spans topic, read only when KAFKA_OTLP_TOPIC names it.
  const otlpTopic = env.KAFKA_OTLP_TOPIC ? prefix + env.KAFKA_OTLP_TOPIC : undefined;
  const subscribed = [...Object.values(topics), ...(otlpTopic ? [otlpTopic] : [])];

  await checkKafkaSecurity({ env, brokers });
  const kafka = createKafka({ env, brokers, log, retry: { initialRetryTime: 300, maxRetryTime: 5000, retries: 10 } });
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
  const batchBytes = env.INGEST_BATCH_SIZE * TYPICAL_EVENT_BYTES;
  const consumer: Consumer = kafka.consumer({
    groupId,
    minBytes: Math.min(batchBytes, 4 << 20),
    maxWaitTimeInMs: env.INGEST_BATCH_MS,
    maxBytesPerPartition: 1 << 20,
    maxBytes: 16 << 20,
    sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: HEARTBEAT_EVERY_MS,
    allowAutoTopicCreation: false,
  });

  // While ClickHouse (or the DLQ topic) fails, stop fetching from every partition; resume on recovery.
  let stalledPaths = 0;
  const allTopics = subscribed.map((topic) => ({ topic }));
  const stallHooks = () => {
    let stalled = false;
    return {
      onStall: (err: unknown, attempt: number, delayMs: number) => {
        if (!stalled) {
          stalled = true;
          if (stalledPaths++ === 0) {
            consumer.pause(allTopics);
            metrics.paused.set(1);
          }
        }
        log(`write failed (attempt ${attempt}, retrying in ${delayMs} ms, partitions paused): ${(err as Error).message}`);
      },
      onRecover: () => {
        if (!stalled) return;
        stalled = false;
        if (--stalledPaths === 0) {
          consumer.resume(allTopics);
          metrics.paused.set(0);
          log('writes succeed again; partitions resumed');
        }
      },
    };
  };

  await producer.connect().catch((err: Error) => {
    throw new Error(connectionErrorLine(brokers, err));
  });
  await ensureDlqTopic(kafka, prefix + TOPICS.dlq, log);
  const cache = new OutputMetaCache();
  const dlq = kafkaDlqSink(producer, prefix + TOPICS.dlq);
  const paths = {} as Record<EventKind, IngestPath>;
  for (const kind of Object.keys(topics) as EventKind[]) {
    paths[kind] = createIngestPath(client, kind, {
      batchSize: env.INGEST_BATCH_SIZE,
      batchMs: env.INGEST_BATCH_MS,
      maxMessageBytes: env.INGEST_MAX_MESSAGE_BYTES,
      dlq,
      outputCache: cache,
      insert: opts.insert,
      retry: opts.retry,
      ...stallHooks(),
    });
  }
  const committer = new OffsetCommitter(consumer, log);
  // stop() must let running eachBatch calls commit before the consumer stops (KafkaJS skips commits of
  // a stopped consumer), and no new batch may start once stopping.
  let stopping = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;

  const eachBatch = async (payload: EachBatchPayload) => {
    if (stopping) return;
    inFlight++;
    try {
      await processBatch(payload);
    } finally {
      if (--inFlight === 0) idle?.();
    }
  };
  const processBatch = async ({ batch, heartbeat, isRunning, isStale }: EachBatchPayload) => {
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    const kind = kindOf.get(batch.topic);
    if (!kind && batch.topic !== otlpTopic) return;
    const durable = new Set<Promise<void>>();
    if (kind) {
      const path = paths[kind];
      for (const m of batch.messages) {
        durable.add(path.add({ topic: batch.topic, partition: batch.partition, offset: m.offset, value: m.value }));
      }
      path.flushSoon();
    } else {
      const otlp = { client, paths, topic: batch.topic, partition: batch.partition, encoding: env.KAFKA_OTLP_ENCODING, maxMessageBytes: env.INGEST_MAX_MESSAGE_BYTES, dlq, log };
      for (const p of addOtlpMessages(batch.messages, otlp)) durable.add(p);
    }
    await withHeartbeats(Promise.all(durable), heartbeat);
    const last = batch.messages[batch.messages.length - 1].offset;
    await committer.commit(batch.topic, batch.partition, (BigInt(last) + 1n).toString());
    metrics.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Math.max(0, Number(batch.highWatermark) - Number(last) - 1));
  };

  await consumer.connect();
  await consumer.subscribe({ topics: subscribed, fromBeginning: true });
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const assigned = Object.entries(e.payload.memberAssignment)
      .map(([t, ps]) => `${t}[${(ps as number[]).join(',')}]`)
      .join(' ');
    log(`joined group ${groupId}: ${assigned || 'no partitions'}`);
  });
  consumer.on(consumer.events.CRASH, (e) => log(`consumer crashed (${e.payload.error.message}); restart: ${e.payload.restart}`));
  await consumer.run({ eachBatch, autoCommit: false, eachBatchAutoResolve: true, partitionsConsumedConcurrently: 64 });

  let drainedAll = true;
  return {
    groupId,
    get drained() {
      return drainedAll;
    },
    counts: () => Object.fromEntries(Object.entries(paths).map(([k, p]) => [k, { ...p.counts }])) as Record<EventKind, IngestCounts>,
    async stop() {
      const drainTimeoutMs = opts.drainTimeoutMs ?? 30_000;
      stopping = true;
      // Seal what is buffered now, so in-flight eachBatch calls can commit and return.
      const batchesDone = inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => (idle = r));
      const flushed = Promise.allSettled(Object.values(paths).map((p) => p.flush())).then(() => batchesDone);
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), drainTimeoutMs).unref());
      let drained = (await Promise.race([flushed.then(() => 'ok' as const), timer])) === 'ok';
      if (!drained) {
        log(`pending batches were not stored within ${drainTimeoutMs} ms; leaving them uncommitted (they will be re-read)`);
        for (const p of Object.values(paths)) p.close();
      }
      // stop() waits for running eachBatch calls; a fetch that returns meanwhile is discarded unprocessed.
      await consumer.disconnect();
      for (const p of Object.values(paths)) {
        await p.flush().catch(() => (drained = false));
        p.close();
      }
      await producer.disconnect();
      drainedAll = drained;
    },
  };
}
