// Pipeline health for operators: table freshness, ingestion delay, Kafka consumer lag, dead letters
// and evaluator watermarks. Cross-ministry operations data: not for a CAIO. Dead-letter bodies can
// contain raw prompts, so only roles that may read raw text everywhere see them.
import type { PageServerLoad } from './$types';
import { loadEnv } from '$config/env.ts';
import { openView, viewData } from '$lib/server/queries/view.ts';
import { OPS_ROLES } from '$lib/server/queries/tables.ts';
import { dlqByTopic, dlqSamples, evaluatorWatermarks, ingestDelay, storedOffsets, tableFreshness } from '$lib/server/queries/pipeline.ts';
import { kafkaLag } from '$lib/server/queries/kafka-lag.ts';
import { ingestMetrics } from '$lib/server/queries/ingest-metrics.ts';

export const load: PageServerLoad = async ({ locals, url }) => {
  const v = await openView(locals, url, OPS_ROLES);
  const env = loadEnv();
  const [freshness, delay, dlq, samples, watermarks] = await Promise.all([
    tableFreshness(v.client),
    ingestDelay(v.client),
    dlqByTopic(v.client),
    dlqSamples(v.client, v.rawTextAll),
    evaluatorWatermarks(v.client),
  ]);
  // Stored offsets need a scan of the raw tables: only worth it when there is a Kafka to compare with.
  const lag = env.KAFKA_BROKERS.length
    ? await kafkaLag(env.KAFKA_BROKERS, env, await storedOffsets(v.client))
    : ({ kind: 'not_configured' } as const);
  return { ...viewData(v), freshness, delay, dlq, samples, showOriginal: v.rawTextAll, watermarks, lag, ingester: await ingestMetrics() };
};
