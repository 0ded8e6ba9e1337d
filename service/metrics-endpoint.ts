// /metrics in Prometheus text format: the pipeline's registry (consumed, inserted, DLQ, lag, batch
// latency) and the evaluator scheduler's (last pass, failures) merged with the process's default metrics
// and prom-client's default registry, where the bundled dashboard counts its per-process access limits
// (src/lib/server/access-limit-metrics.ts: sign-in throttle, read-API rate limit).
import { Registry, collectDefaultMetrics, register as defaultRegistry } from 'prom-client';
import { registry as pipelineRegistry } from '../pipelines/metrics.ts';
import { evaluatorRegistry } from '../evaluators/metrics.ts';

const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry, prefix: 'oversight_' });

export async function metricsText(): Promise<{ contentType: string; body: string }> {
  // Merged per request: the dashboard registers its metrics when its modules load, after this one.
  const merged = Registry.merge([processRegistry, pipelineRegistry, evaluatorRegistry, defaultRegistry]);
  return { contentType: merged.contentType, body: await merged.metrics() };
}
