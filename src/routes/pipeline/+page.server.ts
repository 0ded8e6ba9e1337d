// Pipeline health for operators: table freshness, ingestion delay, Kafka consumer lag, dead letters
// and evaluator watermarks. Cross-ministry operations data: not for a CAIO. Dead-letter bodies and
// their error texts can contain raw prompts, so only roles that may read raw text everywhere see them
// (the others get raw-free error texts), and showing them is audited as view_raw.
import type { PageServerLoad } from './$types';
import { loadEnv } from '$config/env.ts';
import { openView, viewData } from '$lib/server/queries/view.ts';
import { OPS_ROLES } from '$lib/server/queries/tables.ts';
import { dlqByTopic, dlqSamples, evaluatorWatermarks, ingestDelay, storedOffsets, tableFreshness } from '$lib/server/queries/pipeline.ts';
import { kafkaLag } from '$lib/server/queries/kafka-lag.ts';
import { ingestMetrics } from '$lib/server/queries/ingest-metrics.ts';
import { recordRawView } from '$lib/server/audit.ts';
import { lawCatalogStatus } from '$lib/server/law-catalog.ts';

export const load: PageServerLoad = async (event) => {
  const { locals, url } = event;
  const v = await openView(locals, url, OPS_ROLES);
  const env = loadEnv();
  const [freshness, delay, dlq, samples, watermarks] = await Promise.all([
    tableFreshness(v.client),
    ingestDelay(v.client),
    dlqByTopic(v.client),
    dlqSamples(v.client, v.rawTextAll),
    evaluatorWatermarks(v.client),
  ]);
  if (v.rawTextAll && samples.length > 0) {
    await recordRawView(v.client, event, { target: 'ingest_errors', ministry: '', detail: { page: 'pipeline', rows: samples.length } });
  }
  // Stored offsets need a scan of the raw tables: only worth it when there is a Kafka to compare with.
  const lag = env.KAFKA_BROKERS.length
    ? await kafkaLag(env.KAFKA_BROKERS, env, await storedOffsets(v.client))
    : ({ kind: 'not_configured' } as const);
  return { ...viewData(v), freshness, delay, dlq, samples, showOriginal: v.rawTextAll, watermarks, lag, ingester: await ingestMetrics(), lawCatalog: lawCatalogStatus() };
};
