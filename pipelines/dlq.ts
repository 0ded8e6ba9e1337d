// What could not be ingested goes to two places: the ingest_errors table (the dashboard's pipeline
// health page, and the only record when ingesting files without Kafka) and the oversight.dlq.v1 topic
// (so the platform team can replay it). Both carry the original bytes, so nothing is lost; the topic's
// message also carries the original Kafka key (a tombstone is nothing but its key).
//
// A DLQ write must never fail because of what was rejected: the broker refuses a record batch above
// message.max.bytes (1 MiB by default), and base64 makes an original a third larger. So one original
// is cut to DLQ_MAX_ORIGINAL_BYTES (its full size and SHA-256 kept, the full message stays at its
// source offset), and a burst of rejects is sent in requests of at most DLQ_MAX_REQUEST_BYTES.
import { createHash } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { insertRows, type ClickHouseClient } from '../clickhouse/client.ts';
import { DlqMessage, TOPICS } from '../contracts/events.ts';
import type { IngestErrorRow } from '../contracts/tables.ts';

/** The bytes of one original kept in a DLQ message (base64: about 342 KiB). */
export const DLQ_MAX_ORIGINAL_BYTES = 256 * 1024;
/** The bytes of a Kafka key kept (keys are ids; a longer one is cut like an original). */
export const DLQ_MAX_KEY_BYTES = 4 * 1024;
/** The reason text kept (zod lists at most five issues; this bounds what a hostile field name can add). */
export const DLQ_MAX_ERROR_CHARS = 2000;
/** One produce request of DLQ messages stays under this, well below the broker's 1 MiB default. */
export const DLQ_MAX_REQUEST_BYTES = 512 * 1024;

export interface SourceRef {
  topic: string;
  partition: number;
  offset: string;
  /** The Kafka key of the message; files have none. */
  key?: Buffer | string | null;
}

const asBytes = (v: Buffer | string | null | undefined) => (v == null ? Buffer.alloc(0) : typeof v === 'string' ? Buffer.from(v) : v);

export function toDlqMessage(src: SourceRef, value: Buffer | string | null | undefined, reason: string, now = new Date()): DlqMessage {
  let bytes = asBytes(value);
  // Well-formed, so ingest_errors never refuses the row (a cut may split a surrogate pair).
  let error = (reason.length > DLQ_MAX_ERROR_CHARS ? `${reason.slice(0, DLQ_MAX_ERROR_CHARS)}…` : reason).toWellFormed();
  let whole: { original_bytes: number; original_sha256: string } | undefined;
  if (bytes.length > DLQ_MAX_ORIGINAL_BYTES) {
    whole = { original_bytes: bytes.length, original_sha256: createHash('sha256').update(bytes).digest('hex') };
    error +=
      ` (original cut to its first ${DLQ_MAX_ORIGINAL_BYTES} of ${bytes.length} bytes, sha256 ${whole.original_sha256}; ` +
      `the full message is at ${src.topic}/${src.partition}/${src.offset})`;
    bytes = bytes.subarray(0, DLQ_MAX_ORIGINAL_BYTES);
  }
  const key = src.key == null ? undefined : asBytes(src.key).subarray(0, DLQ_MAX_KEY_BYTES);
  return DlqMessage.parse({
    topic: src.topic,
    partition: src.partition,
    offset: src.offset,
    error,
    original_base64: bytes.toString('base64'),
    failed_at: now.toISOString(),
    ...(key ? { key_base64: key.toString('base64') } : {}),
    ...whole,
  });
}

/** The DLQ topic's key: replays of the same bad message share it, so readers can tell repeats apart. */
export const dlqKey = (m: DlqMessage) => `${m.topic}/${m.partition}/${m.offset}`;

export interface DlqSink {
  send(messages: DlqMessage[]): Promise<void>;
}

/** The ingest_errors row of a DLQ message: its position, reason, original and Kafka key (null: none). */
export function ingestErrorRow(m: DlqMessage): IngestErrorRow {
  return {
    topic: m.topic,
    partition: m.partition,
    offset: Number(m.offset),
    error: m.error,
    original_base64: m.original_base64,
    failed_at: m.failed_at,
    key_base64: m.key_base64 ?? null,
  };
}

/** Rows for ingest_errors (a ReplacingMergeTree on topic, partition, offset: replays collapse), in inserts of at most 16 MiB. */
export async function writeIngestErrors(client: ClickHouseClient, messages: DlqMessage[]): Promise<void> {
  const sized = messages.map((m) => {
    const row = ingestErrorRow(m);
    return { key: row.topic + (row.key_base64 ?? ''), value: row.original_base64 + row.error, row };
  });
  for (const chunk of dlqRequests(sized, 16 << 20)) {
    await insertRows(client, 'ingest_errors', chunk.map((c) => c.row));
  }
}

/** Splits encoded messages into produce requests of at most `maxBytes` (one message per request at least). */
export function dlqRequests<T extends { key: string; value: string }>(messages: T[], maxBytes = DLQ_MAX_REQUEST_BYTES): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const m of messages) {
    // Record overhead (headers, varints, offsets) is under 100 bytes; count generously.
    const size = Buffer.byteLength(m.key) + Buffer.byteLength(m.value) + 128;
    if (cur.length && bytes + size > maxBytes) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(m);
    bytes += size;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Produces DLQ messages and resolves only once the broker acknowledged them on all in-sync replicas. */
export function kafkaDlqSink(producer: Producer, topic: string = TOPICS.dlq): DlqSink {
  return {
    async send(messages) {
      const encoded = messages.map((m) => ({ key: dlqKey(m), value: JSON.stringify(m) }));
      for (const request of dlqRequests(encoded)) await producer.send({ topic, acks: -1, messages: request });
    },
  };
}
