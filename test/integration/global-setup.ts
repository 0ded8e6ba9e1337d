// Integration harness: one real Apache Kafka broker (KRaft, jars from Maven Central via
// scripts/kafka.mjs) for the whole integration project, with the platform topics created with several
// partitions. Tests read its address with inject('kafkaBrokers'); it is stopped in teardown, and a
// watchdog kills it even if this process dies without running teardown. It also makes sure build/ is
// current, since some tests run `oversight serve`.
import type { TestProject } from 'vitest/node';
import { startBroker } from '../../scripts/kafka.mjs';
import { createTopics } from './helpers/kafka.ts';
import { ensureBuild, ROOT } from '../helpers/build.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // `oversight serve` (OTLP receiver, read API tests) serves the built dashboard.
  ensureBuild(process.env.OVERSIGHT_BROWSER_APP ?? ROOT, 'integration tests');
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
