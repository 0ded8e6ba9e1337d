// Where simulated events go: NDJSON files named after their topics (the file source ingests them
// as-is) or the Kafka topics themselves. Both wait for the destination to keep up, so a run of
// millions of events holds only a few batches in memory.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { Kafka, type Producer, CompressionTypes } from 'kafkajs';
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

  constructor(readonly path: string) {
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
  /** partitions for topics this sink has to create */
  partitions?: number;
}

/**
 * Produces to the three topics. Messages are buffered per topic and sent in batches; `write` awaits
 * the send when a batch is full, so the generator never runs ahead of the broker by more than a batch.
 */
export async function createKafkaSink(opts: KafkaSinkOptions): Promise<EventSink & { sent: Record<EventKind, number> }> {
  if (opts.brokers.length === 0) throw new Error('KAFKA_BROKERS is empty: set it to host:port[,host:port]');
  const kafka = new Kafka({ clientId: opts.clientId ?? 'oversight-simulate', brokers: opts.brokers, retry: { retries: 8 } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = Object.values({ usage: TOPICS.usage, outputs: TOPICS.outputs, feedback: TOPICS.feedback }).filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: opts.partitions ?? 6 })), waitForLeaders: true });
    }
  } finally {
    await admin.disconnect();
  }
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const batchSize = opts.batchSize ?? 2000;
  const pending: Record<EventKind, Array<{ key: string; value: string }>> = { usage: [], outputs: [], feedback: [] };
  const sent: Record<EventKind, number> = { usage: 0, outputs: 0, feedback: 0 };

  async function flush(kind: EventKind): Promise<void> {
    const messages = pending[kind];
    if (messages.length === 0) return;
    pending[kind] = [];
    await producer.send({ topic: TOPICS[kind], messages, acks: -1, compression: CompressionTypes.None });
    sent[kind] += messages.length;
  }

  return {
    sent,
    write(e) {
      pending[e.kind].push({ key: keyOf(e), value: JSON.stringify(e.event) });
      if (pending[e.kind].length >= batchSize) return flush(e.kind);
    },
    async close() {
      try {
        await flush('usage');
        await flush('outputs');
        await flush('feedback');
      } finally {
        await producer.disconnect();
      }
    },
  };
}
