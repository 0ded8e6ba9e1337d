// Consumer lag as "messages on the topic not yet stored": each partition's high watermark (asked of
// the brokers) minus the next offset not yet handled. Measured first against the data (the highest
// offset stored in ClickHouse), so it is right whichever process consumes; and also against the ingest
// group's committed offset, because a handled message can leave no row: a Collector's OTLP message
// whose spans are not model calls, a reject (ingest_errors), a duplicate. The ingester commits only
// after a durable insert, so a committed offset is never ahead of what is stored.
import { logLevel, type Admin } from 'kafkajs';
import { createKafka, ingestGroupId, type KafkaClientOptions } from '../../../../pipelines/kafka-client.ts';
import { TOPICS } from '../../../../contracts/events.ts';
import type { Env } from '../../../../config/env.ts';
import type { StoredOffset } from './pipeline.ts';

/** What kafkaLag reads from the environment: the client settings, the OTLP topic, the ingest group. */
export type LagEnv = KafkaClientOptions['env'] & Partial<Pick<Env, 'KAFKA_OTLP_TOPIC' | 'KAFKA_GROUP_PREFIX'>>;

/** The topics the ingester reads: the three platform topics, and the OTLP spans topic when configured. */
export function lagTopics(env: Pick<LagEnv, 'KAFKA_OTLP_TOPIC'>): string[] {
  return [TOPICS.usage, TOPICS.outputs, TOPICS.feedback, ...(env.KAFKA_OTLP_TOPIC ? [env.KAFKA_OTLP_TOPIC] : [])];
}

/** The consumer group of `oversight serve`'s ingester (pipelines/kafka-ingester.ts). */

export interface PartitionLag {
  topic: string;
  partition: number;
  high_watermark: number;
  stored_next: number;
  lag: number;
}

export type LagResult = { kind: 'not_configured' } | { kind: 'error'; message: string } | { kind: 'ok'; partitions: PartitionLag[] };

/** A partition's committed offset in the ingest group (the next message it will read). */
export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number;
}

export function lagFrom(stored: StoredOffset[], high: { topic: string; partition: number; high: number }[], committed: CommittedOffset[] = []): PartitionLag[] {
  const s = new Map(stored.map((r) => [`${r.topic}|${r.partition}`, r.max_offset]));
  const c = new Map(committed.map((r) => [`${r.topic}|${r.partition}`, r.offset]));
  return high
    .map((h) => {
      const max = s.get(`${h.topic}|${h.partition}`);
      const next = Math.max(max === undefined ? 0 : max + 1, c.get(`${h.topic}|${h.partition}`) ?? 0);
      return { topic: h.topic, partition: h.partition, high_watermark: h.high, stored_next: next, lag: Math.max(0, h.high - next) };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/**
 * The ingest group's committed offsets; none when the group has not committed yet or its coordinator
 * does not answer (a fresh cluster has no offsets topic until a group first commits): the lag then
 * rests on the data alone, as it did before.
 */
async function committedOffsets(admin: { fetchOffsets: Admin['fetchOffsets'] }, groupId: string, topics: string[]): Promise<CommittedOffset[]> {
  const committed: CommittedOffset[] = [];
  try {
    for (const t of await admin.fetchOffsets({ groupId, topics })) {
      // -1: nothing committed yet for that partition.
      for (const p of t.partitions) if (Number(p.offset) >= 0) committed.push({ topic: t.topic, partition: p.partition, offset: Number(p.offset) });
    }
  } catch {
    return [];
  }
  return committed;
}

/** Asks the brokers for high watermarks, giving up after `timeoutMs` so the page never hangs on Kafka. */
export async function kafkaLag(brokers: string[], env: LagEnv, stored: StoredOffset[], timeoutMs = 3000): Promise<LagResult> {
  if (brokers.length === 0) return { kind: 'not_configured' };
  let timer: NodeJS.Timeout | undefined;
  let admin: ReturnType<ReturnType<typeof createKafka>['admin']> | undefined;
  try {
    const kafka = createKafka({ env, brokers, clientIdSuffix: '-dashboard', logLevel: logLevel.NOTHING, connectionTimeout: timeoutMs, retry: { retries: 0 } });
    admin = kafka.admin();
    const work = (async () => {
      await admin!.connect();
      const topics = lagTopics(env);
      const high: { topic: string; partition: number; high: number }[] = [];
      for (const topic of topics) {
        for (const p of await admin!.fetchTopicOffsets(topic)) high.push({ topic, partition: p.partition, high: Number(p.high) });
      }
      return { high, committed: await committedOffsets(admin!, ingestGroupId(env), topics) };
    })();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from ${brokers.join(',')} within ${timeoutMs} ms`)), timeoutMs);
    });
    const { high, committed } = await Promise.race([work, timeout]);
    return { kind: 'ok', partitions: lagFrom(stored, high, committed) };
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  } finally {
    clearTimeout(timer);
    await admin?.disconnect().catch(() => {});
  }
}
