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

export async function produce(brokers: string, topic: string, messages: Msg[], chunk = 2000): Promise<void> {
  await withProducer(brokers, async (p) => {
    for (let i = 0; i < messages.length; i += chunk) await p.send({ topic, acks: -1, messages: messages.slice(i, i + chunk) });
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
