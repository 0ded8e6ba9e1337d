// Integration harness: one real Apache Kafka broker (KRaft, jars from Maven Central via
// scripts/kafka.mjs) for the whole integration project, with the platform topics created with several
// partitions. Tests read its address with inject('kafkaBrokers'); it is stopped in teardown, and a
// watchdog kills it even if this process dies without running teardown.
import type { TestProject } from 'vitest/node';
import { startBroker } from '../../scripts/kafka.mjs';
import { createTopics } from './helpers/kafka.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const broker = await startBroker({ log: (l) => console.error(`[kafka] ${l}`) });
  try {
    await createTopics(broker.brokers);
  } catch (err) {
    await broker.stop();
    throw err;
  }
  console.error(`[kafka] broker ready with topics in ${Date.now() - started} ms at ${broker.brokers}`);
  project.provide('kafkaBrokers', broker.brokers);
  return async () => {
    await broker.stop();
  };
}
