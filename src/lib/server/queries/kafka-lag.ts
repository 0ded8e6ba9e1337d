// Consumer lag as "messages on the topic not yet stored": each partition's high watermark (asked of
// the brokers) minus the next offset after the highest one stored in ClickHouse. Measured against the
// data rather than a consumer's committed offsets, so it is right whichever process consumes.
import { logLevel } from 'kafkajs';
import { createKafka, type KafkaClientOptions } from '../../../../pipelines/kafka-client.ts';
import { TOPICS } from '../../../../contracts/events.ts';
import type { StoredOffset } from './pipeline.ts';

export interface PartitionLag {
  topic: string;
  partition: number;
  high_watermark: number;
  stored_next: number;
  lag: number;
}

export type LagResult = { kind: 'not_configured' } | { kind: 'error'; message: string } | { kind: 'ok'; partitions: PartitionLag[] };

export function lagFrom(stored: StoredOffset[], high: { topic: string; partition: number; high: number }[]): PartitionLag[] {
  const s = new Map(stored.map((r) => [`${r.topic}|${r.partition}`, r.max_offset]));
  return high
    .map((h) => {
      const max = s.get(`${h.topic}|${h.partition}`);
      const next = max === undefined ? 0 : max + 1;
      return { topic: h.topic, partition: h.partition, high_watermark: h.high, stored_next: next, lag: Math.max(0, h.high - next) };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** Asks the brokers for high watermarks, giving up after `timeoutMs` so the page never hangs on Kafka. */
export async function kafkaLag(brokers: string[], env: KafkaClientOptions['env'], stored: StoredOffset[], timeoutMs = 3000): Promise<LagResult> {
  if (brokers.length === 0) return { kind: 'not_configured' };
  let timer: NodeJS.Timeout | undefined;
  let admin: ReturnType<ReturnType<typeof createKafka>['admin']> | undefined;
  try {
    const kafka = createKafka({ env, brokers, clientIdSuffix: '-dashboard', logLevel: logLevel.NOTHING, connectionTimeout: timeoutMs, retry: { retries: 0 } });
    admin = kafka.admin();
    const work = (async () => {
      await admin!.connect();
      const high: { topic: string; partition: number; high: number }[] = [];
      for (const topic of [TOPICS.usage, TOPICS.outputs, TOPICS.feedback]) {
        for (const p of await admin!.fetchTopicOffsets(topic)) high.push({ topic, partition: p.partition, high: Number(p.high) });
      }
      return high;
    })();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from ${brokers.join(',')} within ${timeoutMs} ms`)), timeoutMs);
    });
    return { kind: 'ok', partitions: lagFrom(stored, await Promise.race([work, timeout])) };
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  } finally {
    clearTimeout(timer);
    await admin?.disconnect().catch(() => {});
  }
}
