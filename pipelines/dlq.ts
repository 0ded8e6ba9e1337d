// What could not be ingested goes to two places: the ingest_errors table (the dashboard's pipeline
// health page, and the only record when ingesting files without Kafka) and the oversight.dlq.v1 topic
// (so the platform team can replay it). Both carry the original bytes, so nothing is lost.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Producer } from 'kafkajs';
import { DlqMessage, TOPICS } from '../contracts/events.ts';

/**
 * The bytes kept in a DLQ message. Kafka's default message size limit is 1 MB and base64 adds a third,
 * so an oversized original is cut; the error says so, and the full message stays at its source offset.
 */
export const DLQ_MAX_ORIGINAL_BYTES = 512 * 1024;

export interface SourceRef {
  topic: string;
  partition: number;
  offset: string;
}

export function toDlqMessage(src: SourceRef, value: Buffer | string | null | undefined, reason: string, now = new Date()): DlqMessage {
  let bytes = value == null ? Buffer.alloc(0) : typeof value === 'string' ? Buffer.from(value) : value;
  let error = reason;
  if (bytes.length > DLQ_MAX_ORIGINAL_BYTES) {
    error += ` (original cut to its first ${DLQ_MAX_ORIGINAL_BYTES} of ${bytes.length} bytes; the full message is at ${src.topic}/${src.partition}/${src.offset})`;
    bytes = bytes.subarray(0, DLQ_MAX_ORIGINAL_BYTES);
  }
  return DlqMessage.parse({
    topic: src.topic,
    partition: src.partition,
    offset: src.offset,
    error,
    original_base64: bytes.toString('base64'),
    failed_at: now.toISOString(),
  });
}

/** The DLQ topic's key: replays of the same bad message share it, so readers can tell repeats apart. */
export const dlqKey = (m: DlqMessage) => `${m.topic}/${m.partition}/${m.offset}`;

export interface DlqSink {
  send(messages: DlqMessage[]): Promise<void>;
}

/** Rows for ingest_errors (a ReplacingMergeTree on topic, partition, offset: replays collapse). */
export async function writeIngestErrors(client: ClickHouseClient, messages: DlqMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await client.insert({
    table: 'ingest_errors',
    values: messages.map((m) => ({
      topic: m.topic,
      partition: m.partition,
      offset: m.offset,
      error: m.error,
      original_base64: m.original_base64,
      failed_at: m.failed_at,
    })),
    format: 'JSONEachRow',
  });
}

/** Produces DLQ messages and resolves only once the broker acknowledged them on all in-sync replicas. */
export function kafkaDlqSink(producer: Producer, topic: string = TOPICS.dlq): DlqSink {
  return {
    async send(messages) {
      if (messages.length === 0) return;
      await producer.send({
        topic,
        acks: -1,
        messages: messages.map((m) => ({ key: dlqKey(m), value: JSON.stringify(m) })),
      });
    },
  };
}
