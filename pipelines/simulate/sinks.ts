// Where simulated events go: NDJSON files named after their topics (the file source ingests them
// as-is) or the Kafka topics themselves. Both wait for the destination to keep up, so a run of
// millions of events holds only a few batches in memory.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { Kafka, type Producer, CompressionTypes, logLevel } from 'kafkajs';
import { createKafka, type KafkaClientOptions } from '../kafka-client.ts';
import { TOPICS, type EventKind } from '../../contracts/events.ts';
import type { SimEvent } from './generator.ts';

export interface EventSink {
  write(e: SimEvent): Promise<void> | void;
  close(): Promise<void>;
}

/** Lines are gathered into ~256 KB chunks: one write call per chunk, not per event. */
const CHUNK_CHARS = 256 * 1024;

class NdjsonFile {
  private readonly stream: WriteStream;
  private buffer: string[] = [];
  private chars = 0;
  private failed: Error | null = null;

  readonly path: string;

  constructor(path: string) {
    this.path = path;
    this.stream = createWriteStream(path, { encoding: 'utf8' });
    this.stream.on('error', (err) => {
      this.failed = err;
    });
  }

  /** Resolves immediately unless the OS buffer is full, then after 'drain' (backpressure). */
  add(line: string): Promise<void> | void {
    if (this.failed) throw this.failed;
    this.buffer.push(line);
    this.chars += line.length;
    if (this.chars >= CHUNK_CHARS) return this.flush();
  }

  flush(): Promise<void> | void {
    if (this.buffer.length === 0) return;
    const ok = this.stream.write(this.buffer.join('\n') + '\n');
    this.buffer = [];
    this.chars = 0;
    if (!ok) return this.waitDrain();
  }

  private async waitDrain(): Promise<void> {
    await once(this.stream, 'drain'); // rejects if the stream emits 'error' first
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.failed) throw this.failed;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

export function fileNameFor(kind: EventKind): string {
  return `${TOPICS[kind]}.ndjson`;
}

export function createFileSink(dir: string): EventSink & { paths: Record<EventKind, string> } {
  mkdirSync(dir, { recursive: true });
  const files = {
    usage: new NdjsonFile(join(dir, fileNameFor('usage'))),
    outputs: new NdjsonFile(join(dir, fileNameFor('outputs'))),
    feedback: new NdjsonFile(join(dir, fileNameFor('feedback'))),
  };
  return {
    paths: { usage: files.usage.path, outputs: files.outputs.path, feedback: files.feedback.path },
    write: (e) => files[e.kind].add(JSON.stringify(e.event)),
    async close() {
      await Promise.all(Object.values(files).map((f) => f.close()));
    },
  };
}

/** Message keys as DESIGN.md fixes them: user_id for usage, output_id for outputs and feedback. */
export function keyOf(e: SimEvent): string {
  return e.kind === 'usage' ? e.event.user_id : e.event.output_id;
}

export interface KafkaSinkOptions {
  brokers: string[];
  clientId?: string;
  /** messages per produce request per topic */
  batchSize?: number;
  /** The process environment: its KAFKA_SSL_* / KAFKA_SASL_* settings secure the connection. */
  env?: KafkaClientOptions['env'];
  /** partitions for topics this sink has to create */
  partitions?: number;
}

/**
 * Produces to the three topics. Messages are buffered per topic and sent in batches, with a few sends
 * in flight at once; `write` waits when that many are outstanding, so the generator never runs ahead
 * of the broker by more than a few batches. Retried sends may duplicate a message: harmless, because
 * the ingester drops ids it already stored and the tables replace on their ids.
 */
export async function createKafkaSink(opts: KafkaSinkOptions): Promise<EventSink & { sent: Record<EventKind, number> }> {
  if (opts.brokers.length === 0) throw new Error('KAFKA_BROKERS is empty: set it to host:port[,host:port]');
  // With the environment, the product's TLS/SASL settings apply (pipelines/kafka-client.ts); tests and
  // the bench pass brokers only, for their plain local broker.
  const kafka = opts.env
    ? createKafka({ env: opts.env, brokers: opts.brokers, clientIdSuffix: '-simulate', retry: { retries: 8 }, logLevel: logLevel.WARN })
    : new Kafka({ clientId: opts.clientId ?? 'oversight-simulate', brokers: opts.brokers, retry: { retries: 8 }, logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [TOPICS.usage, TOPICS.outputs, TOPICS.feedback].filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: opts.partitions ?? 6 })), waitForLeaders: true });
    }
  } finally {
    await admin.disconnect();
  }
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: MAX_IN_FLIGHT });
  await producer.connect();
  const batchSize = opts.batchSize ?? 5000;
  const pending: Record<EventKind, Array<{ key: string; value: string }>> = { usage: [], outputs: [], feedback: [] };
  const sent: Record<EventKind, number> = { usage: 0, outputs: 0, feedback: 0 };
  const bytes: Record<EventKind, number> = { usage: 0, outputs: 0, feedback: 0 };
  const inFlight = new Set<Promise<void>>();
  let failure: Error | null = null;

  function send(kind: EventKind): void {
    const messages = pending[kind];
    if (messages.length === 0) return;
    pending[kind] = [];
    bytes[kind] = 0;
    const p = producer
      .send({ topic: TOPICS[kind], messages, acks: -1, compression: CompressionTypes.None })
      .then(() => {
        sent[kind] += messages.length;
      })
      .catch((err: Error) => {
        failure ??= err;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  async function settle(limit: number): Promise<void> {
    while (inFlight.size > limit) await Promise.race(inFlight);
    if (failure) throw failure;
  }

  return {
    sent,
    write(e) {
      if (failure) throw failure;
      const value = JSON.stringify(e.event);
      pending[e.kind].push({ key: keyOf(e), value });
      bytes[e.kind] += value.length * 3; // worst case UTF-8 size, so a batch stays under the broker's limit
      if (pending[e.kind].length >= batchSize || bytes[e.kind] >= MAX_BATCH_BYTES) {
        send(e.kind);
        if (inFlight.size >= MAX_IN_FLIGHT) return settle(MAX_IN_FLIGHT - 1);
      }
    },
    async close() {
      try {
        send('usage');
        send('outputs');
        send('feedback');
        await settle(0);
      } finally {
        await producer.disconnect();
      }
    },
  };
}

/** Produce requests outstanding at once: enough to overlap network round trips, few enough to bound memory. */
const MAX_IN_FLIGHT = 4;
/** Below the broker's default message.max.bytes (1 MiB) for one record batch. */
const MAX_BATCH_BYTES = 900_000;
