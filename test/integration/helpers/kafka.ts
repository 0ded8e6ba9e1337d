// Real-broker helpers for the integration tests: topics, producing, reading a topic to its end.
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { TOPICS } from '../../../contracts/events.ts';

export const PARTITIONS = 4;

export function kafkaClient(brokers: string): Kafka {
  return new Kafka({ clientId: 'oversight-test', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 200, maxRetryTime: 2000 } });
}

/** The four topics under `prefix` (tests use their own prefix so they do not read each other's events). */
export function topicNames(prefix = '') {
  return {
    usage: prefix + TOPICS.usage,
    outputs: prefix + TOPICS.outputs,
    feedback: prefix + TOPICS.feedback,
    dlq: prefix + TOPICS.dlq,
  };
}

export async function createTopics(brokers: string, prefix = '', partitions = PARTITIONS): Promise<void> {
  const admin: Admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: Object.values(topicNames(prefix)).map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    });
  } finally {
    await admin.disconnect();
  }
}

export interface Msg {
  key?: string;
  value: string | Buffer;
}

export async function withProducer<T>(brokers: string, fn: (p: Producer) => Promise<T>): Promise<T> {
  const producer = kafkaClient(brokers).producer();
  await producer.connect();
  try {
    return await fn(producer);
  } finally {
    await producer.disconnect();
  }
}

/**
 * Sends in requests of at most `chunk` messages and about 512 KiB: one request's messages for a
 * partition form one record batch, which the broker refuses above message.max.bytes (1 MiB), and
 * with keyed messages one partition can get more than its share of a request.
 */
export async function produce(brokers: string, topic: string, messages: Msg[], chunk = 2000): Promise<void> {
  const MAX_REQUEST_BYTES = 512 * 1024;
  await withProducer(brokers, async (p) => {
    let batch: Msg[] = [];
    let bytes = 0;
    for (const m of messages) {
      const size = (m.key?.length ?? 0) + m.value.length + 64;
      if (batch.length && (batch.length >= chunk || bytes + size > MAX_REQUEST_BYTES)) {
        await p.send({ topic, acks: -1, messages: batch });
        batch = [];
        bytes = 0;
      }
      batch.push(m);
      bytes += size;
    }
    if (batch.length) await p.send({ topic, acks: -1, messages: batch });
  });
}

/** Every message currently in `topic` (reads each partition from offset 0 to its high watermark). */
export async function readAll(brokers: string, topic: string): Promise<{ key: string; value: string; partition: number }[]> {
  const kafka = kafkaClient(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const want = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  const total = [...want.values()].reduce((a, b) => a + b, 0);
  const out: { key: string; value: string; partition: number }[] = [];
  if (total === 0) return out;
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}-${Math.random()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${total} messages of ${topic}`)), 60_000);
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          if (Number(message.offset) < (want.get(partition) ?? 0)) {
            out.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', partition });
          }
          if (out.length >= total) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return out;
}
