// The Kafka source: one consumer group member reading genai.usage.v1, genai.outputs.v1 and
// genai.feedback.v1 into the shared ingest path.
//
// Delivery: at-least-once from Kafka, exactly-once in the tables, pipelined (issue 15). eachBatch
// validates a partition's messages, hands them to the ingest path and returns without waiting for the
// insert, so KafkaJS fetches and decodes the next round while ClickHouse stores this one (chDB runs
// inserts and queries on libuv worker threads, off the event loop). Then:
//   - offsets are committed only after their events are durable (inserted, or in ingest_errors and
//     the DLQ topic), in offset order per partition (in-flight.ts);
//   - backpressure: past INGEST_MAX_IN_FLIGHT_BYTES of uncommitted messages eachBatch waits, so the
//     next fetch waits (and partitions are paused explicitly while ClickHouse is failing);
//   - a (re)join waits until every in-flight round is stored and committed (kafka-rejoin-fence.ts), so
//     a partition never has two owners inserting at once;
//   - what a crash loses is only uncommitted work, which is re-read and then dropped by the dedup
//     lookup of rows already stored (whose raw-table half covers the replay range, replay-range.ts).
// Batching: the broker holds a fetch until about a batch of bytes is ready or INGEST_BATCH_MS passed
// (minBytes / maxWaitTimeInMs), and all partitions of one fetch share one insert per topic; more than
// INGEST_BATCH_SIZE messages are split into several inserts.
// Liveness: the consumer restarts itself after any crash (with backoff), and the
// oversight_ingest_last_batch_completed_seconds gauge moves only while batches (or idle fetch rounds)
// complete, so a stalled consumer shows on /metrics and /pipeline instead of a frozen lag gauge.
import { logLevel, type Consumer, type ConsumerRunConfig, type EachBatchPayload, type Kafka, type Producer } from 'kafkajs';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Env } from '../config/env.ts';
import { TOPICS, type EventKind } from '../contracts/events.ts';
import { kafkaDlqSink } from './dlq.ts';
import { checkKafkaSecurity, connectionErrorLine, createKafka, ingestGroupId } from './kafka-client.ts';
import { OutputMetaCache } from './enrich.ts';
import { createIngestPath, type InsertFn, type IngestCounts, type IngestPath } from './ingest.ts';
import { InFlightRounds } from './in-flight.ts';
import { fenceRejoins } from './kafka-rejoin-fence.ts';
import { ReplayRanges } from './replay-range.ts';
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
  /** Called before each fetched batch is handed to the ingest path; tests throw here to crash the consumer. */
  beforeBatch?: (topic: string, partition: number) => void;
  /** Wait before restarting a consumer that crashed without KafkaJS restarting it (default 2000 ms). */
  restartDelayMs?: number;
}

/** The ingester cannot start: Kafka is unreachable, or a topic is missing. The message is one line naming the broker or topic. */
export class IngestSetupError extends Error {
  override name = 'IngestSetupError';
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
  private readonly consumer: Consumer;
  private readonly log: (l: string) => void;
  constructor(consumer: Consumer, log: (l: string) => void) {
    this.consumer = consumer;
    this.log = log;
  }

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
 * The platform's three topics must exist: they are the platform team's, and a typo in their names (or
 * in --topic-prefix) should fail loudly rather than create empty topics. The DLQ topic must exist
 * before the first bad message: the producer does not create topics, and a DLQ write that fails is
 * retried with the partitions paused, so a missing DLQ topic would stop ingestion at the first
 * rejected event; it is created here when missing.
 */
async function checkTopics(kafka: Kafka, brokers: string[], topics: string[], dlqTopic: string, log: (line: string) => void): Promise<void> {
  const admin = kafka.admin();
  try {
    let existing: string[];
    try {
      await admin.connect();
      existing = await admin.listTopics();
    } catch (err) {
      throw new IngestSetupError(`cannot reach Kafka at ${brokers.join(',')} (${oneLine(err)}); check KAFKA_BROKERS and that the broker runs`);
    }
    const missing = topics.filter((t) => !existing.includes(t));
    if (missing.length) {
      throw new IngestSetupError(
        `topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist on ${brokers.join(',')}; ` +
          'create them, or check --topic-prefix',
      );
    }
    if (existing.includes(dlqTopic)) return;
    try {
      await admin.createTopics({ topics: [{ topic: dlqTopic, numPartitions: 1 }], waitForLeaders: true });
    } catch (err) {
      throw new IngestSetupError(
        `the DLQ topic ${dlqTopic} does not exist and could not be created (${oneLine(err)}); ` +
          'create it, or allow this client to create topics, before starting the ingester',
      );
    }
    log(`created the DLQ topic ${dlqTopic}`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** An error KafkaJS retries (and after its retries, restarts the consumer on): its name is not one it gives up on. */
class RetriableBatchError extends Error {
  override name = 'RetriableBatchError';
  readonly retriable = true;
  constructor(cause: unknown) {
    super(`batch failed: ${oneLine(cause)}`, { cause });
  }
}

const oneLine = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0];

export async function startKafkaIngester(opts: KafkaIngesterOptions): Promise<KafkaIngester> {
  const { client, env } = opts;
  const log = opts.log ?? ((l: string) => console.error(l));
  const brokers = opts.brokers ?? env.KAFKA_BROKERS;
  if (!brokers.length) throw new Error('KAFKA_BROKERS is not set: give the Kafka bootstrap servers, e.g. KAFKA_BROKERS=kafka-1:9092,kafka-2:9092');
  const prefix = opts.topicPrefix ?? '';
  const groupId = opts.groupId ?? ingestGroupId(env);
  const topics: Record<EventKind, string> = {
    usage: prefix + TOPICS.usage,
    outputs: prefix + TOPICS.outputs,
    feedback: prefix + TOPICS.feedback,
  };
  const kindOf = new Map(Object.entries(topics).map(([k, t]) => [t, k as EventKind]));
  // The fourth source (issue 14): a Collector's OTLP spans topic, read only when KAFKA_OTLP_TOPIC names it.
  const otlpTopic = env.KAFKA_OTLP_TOPIC ? prefix + env.KAFKA_OTLP_TOPIC : undefined;
  const subscribed = [...Object.values(topics), ...(otlpTopic ? [otlpTopic] : [])];

  // KafkaJS logs each failed connection attempt; until the ingester runs they are held back, so a
  // broker that cannot be reached gives the one line of IngestSetupError instead of a screenful.
  let started = false;
  // TLS or SASL configured: one attempt without retries first, so a refused login or an untrusted
  // certificate stops the start with one line naming it.
  await checkKafkaSecurity({ env, brokers });
  const kafka = createKafka({
    env,
    brokers,
    retry: { initialRetryTime: 300, maxRetryTime: 5000, retries: 10 },
    log: (line) => {
      if (started) log(line);
    },
  });
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
  const batchBytes = env.INGEST_BATCH_SIZE * TYPICAL_EVENT_BYTES;
  const maxInFlightBytes = env.INGEST_MAX_IN_FLIGHT_BYTES;
  const restartDelayMs = opts.restartDelayMs ?? 2000;
  const consumer: Consumer = kafka.consumer({
    groupId,
    // After KafkaJS's own retries, a crashed consumer always restarts: no message may stop consumption.
    retry: {
      initialRetryTime: 300,
      maxRetryTime: 5000,
      retries: 5,
      restartOnFailure: async () => true,
    },
    minBytes: Math.min(batchBytes, 4 << 20),
    maxWaitTimeInMs: env.INGEST_BATCH_MS,
    // One fetch is at most the in-flight limit too, so uncommitted bytes stay under twice the limit.
    maxBytesPerPartition: Math.min(1 << 20, maxInFlightBytes),
    maxBytes: Math.min(16 << 20, maxInFlightBytes),
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

  // Its own client with few retries: an unreachable broker is reported in seconds, not after the full backoff.
  const checker = createKafka({ env, brokers, clientIdSuffix: '-check', retry: { initialRetryTime: 300, maxRetryTime: 1000, retries: 2 }, logLevel: logLevel.NOTHING });
  await checkTopics(checker, brokers, subscribed, prefix + TOPICS.dlq, log);
  await producer.connect().catch((err: Error) => {
    throw new IngestSetupError(`${connectionErrorLine(brokers, err)}; check KAFKA_BROKERS and that the broker runs`);
  });
  const cache = new OutputMetaCache();
  const dlq = kafkaDlqSink(producer, prefix + TOPICS.dlq);
  // Raw tables per topic for the replay range (feedback's lookup has no raw-table half; OTLP spans
  // land in two tables and are always looked up in full).
  const replay = new ReplayRanges(client, (topic) => (topic === topics.usage ? ['usage_events'] : topic === topics.outputs ? ['outputs'] : []));
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
      mayBeReplay: (src) => src.topic !== otlpTopic && replay.mayBeReplay(src),
      ...stallHooks(),
    });
  }
  const committer = new OffsetCommitter(consumer, log);
  // Partitions rewound after a failed round: batches fetched beyond the rewind point before the seek
  // took effect are skipped (they are read again after it).
  const rewound = new Map<string, bigint>();
  const inFlight = new InFlightRounds((round, err) => {
    const key = `${round.topic}|${round.partition}`;
    if (stopping) return; // stop() leaves it uncommitted; the next start reads it again
    log(`batch of ${round.topic}[${round.partition}] from offset ${round.firstOffset} failed (${oneLine(err)}); reading it again`);
    rewound.set(key, BigInt(round.firstOffset));
    replay.forget(round.topic, round.partition);
    try {
      consumer.seek({ topic: round.topic, partition: round.partition, offset: round.firstOffset });
    } catch (seekErr) {
      // Not running (a crash or a rejoin is under way): it fetches from the committed offset anyway.
      log(`could not rewind ${round.topic}[${round.partition}] (${oneLine(seekErr)}); it is read again from the committed offset after the restart`);
    }
  });
  // The fence (kafka-rejoin-fence.ts): before this member (re)joins the group, every round it handed
  // to the ingest path is stored and committed, so the next owner of a partition never inserts while
  // this member still does.
  // Then the replay ranges are read again after the join (replay-range.ts says why that is safe).
  const unfence = fenceRejoins(groupId, async () => {
    await inFlight.settled();
    replay.reset();
    // After the join every partition is fetched from its committed offset: pending rewinds are moot.
    rewound.clear();
  });
  // stop() must let in-flight rounds commit before the consumer stops (KafkaJS skips commits of a
  // stopped consumer), and no new batch may start once stopping.
  let stopping = false;

  const eachBatch = async (payload: EachBatchPayload) => {
    if (stopping) return;
    await replay.ensure(payload.batch.topic);
    try {
      processBatch(payload);
    } catch (err) {
      // Whatever went wrong, KafkaJS must retry and then restart, never stop: it gives up at once on a
      // RangeError, TypeError, ReferenceError or SyntaxError, which would end consumption on every
      // topic. Nothing of this batch was handed on, so it is fetched again.
      throw new RetriableBatchError(err);
    }
    // Backpressure: past the in-flight limit the next fetch waits (this eachBatch is what it waits for).
    if (inFlight.bytes > maxInFlightBytes) {
      metrics.inFlightWaits.inc();
      await withHeartbeats(inFlight.below(maxInFlightBytes), payload.heartbeat);
    }
  };

  /**
   * Pipelining: validates the batch and hands it to the ingest path, then returns at once, so KafkaJS
   * fetches and decodes the next round while this one is inserted (chDB runs the insert on a libuv
   * worker thread, off the event loop). InFlightRounds commits each partition's rounds in order, each
   * only after its events are durable; the rejoin fence keeps a rebalance from overlapping an insert.
   */
  const processBatch = ({ batch, isRunning, isStale }: EachBatchPayload): void => {
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    const kind = kindOf.get(batch.topic);
    if (!kind && batch.topic !== otlpTopic) return;
    const key = `${batch.topic}|${batch.partition}`;
    const from = rewound.get(key);
    if (from !== undefined) {
      if (BigInt(batch.firstOffset()!) > from) return; // fetched before the seek took effect
      rewound.delete(key);
      inFlight.restart(batch.topic, batch.partition);
    }
    opts.beforeBatch?.(batch.topic, batch.partition);
    // One promise per sealed batch, not per message: a Set keeps Promise.all small.
    const durable = new Set<Promise<void>>();
    let bytes = 0;
    for (const m of batch.messages) bytes += (m.value?.length ?? 0) + (m.key?.length ?? 0);
    if (kind) {
      const path = paths[kind];
      for (const m of batch.messages) {
        durable.add(path.add({ topic: batch.topic, partition: batch.partition, offset: m.offset, key: m.key, value: m.value }));
      }
      path.flushSoon();
    } else {
      const otlp = { client, paths, topic: batch.topic, partition: batch.partition, encoding: env.KAFKA_OTLP_ENCODING, maxMessageBytes: env.INGEST_MAX_MESSAGE_BYTES, dlq, log };
      for (const p of addOtlpMessages(batch.messages, otlp)) durable.add(p);
    }
    const last = batch.messages[batch.messages.length - 1].offset;
    const highWatermark = batch.highWatermark;
    inFlight.add({
      topic: batch.topic,
      partition: batch.partition,
      firstOffset: batch.messages[0].offset,
      bytes,
      durable: Promise.all(durable),
      commit: async () => {
        await committer.commit(batch.topic, batch.partition, (BigInt(last) + 1n).toString());
        metrics.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Math.max(0, Number(highWatermark) - Number(last) - 1));
      },
    });
  };

  await consumer.connect();
  await consumer.subscribe({ topics: subscribed, fromBeginning: true });
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const assigned = Object.entries(e.payload.memberAssignment)
      .map(([t, ps]) => `${t}[${(ps as number[]).join(',')}]`)
      .join(' ');
    log(`joined group ${groupId}: ${assigned || 'no partitions'}`);
  });
  // An idle fetch round (nothing in flight) shows the consumer is alive though no batch completes.
  consumer.on(consumer.events.FETCH, () => {
    if (inFlight.rounds === 0) metrics.lastBatchCompleted.set(Date.now() / 1000);
  });
  const runConfig: ConsumerRunConfig = { eachBatch, autoCommit: false, eachBatchAutoResolve: true, partitionsConsumedConcurrently: 64 };
  let restartTimer: NodeJS.Timeout | undefined;
  const restart = () => {
    restartTimer = setTimeout(async () => {
      restartTimer = undefined;
      if (stopping) return;
      try {
        await consumer.connect();
        await consumer.run(runConfig);
        log('consumer restarted');
      } catch (err) {
        log(`consumer restart failed (${oneLine(err)}); trying again in ${restartDelayMs} ms`);
        restart();
      }
    }, restartDelayMs);
  };
  consumer.on(consumer.events.CRASH, (e) => {
    metrics.consumerCrashes.inc();
    const restarting = e.payload.restart;
    log(`consumer crashed (${oneLine(e.payload.error)}); ${restarting ? 'KafkaJS restarts it' : `restarting in ${restartDelayMs} ms`}`);
    // KafkaJS restarts after retriable errors; anything else would leave it stopped for good.
    if (!restarting && !stopping) restart();
  });
  await consumer.run(runConfig);
  started = true;

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
      clearTimeout(restartTimer);
      // Seal what is buffered now, so in-flight rounds can be stored and committed.
      const flushed = Promise.allSettled(Object.values(paths).map((p) => p.flush())).then(() => inFlight.settled());
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), drainTimeoutMs).unref());
      let drained = (await Promise.race([flushed.then(() => 'ok' as const), timer])) === 'ok';
      if (!drained) {
        log(`pending batches were not stored within ${drainTimeoutMs} ms; leaving them uncommitted (they will be re-read)`);
        for (const p of Object.values(paths)) p.close();
        await inFlight.settled();
      }
      // stop() waits for running eachBatch calls; a fetch that returns meanwhile is discarded unprocessed.
      await consumer.disconnect();
      for (const p of Object.values(paths)) {
        await p.flush().catch(() => (drained = false));
        p.close();
      }
      await producer.disconnect();
      unfence();
      drainedAll = drained;
    },
  };
}
