// /metrics in Prometheus text format: the pipeline's registry (consumed, inserted, DLQ, lag, batch
// latency) and the evaluator scheduler's (last pass, failures) merged with the process's default metrics.
import { Registry, collectDefaultMetrics } from 'prom-client';
import { registry as pipelineRegistry } from '../pipelines/metrics.ts';
import { evaluatorRegistry } from '../evaluators/metrics.ts';

const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry, prefix: 'oversight_' });
const merged = Registry.merge([processRegistry, pipelineRegistry, evaluatorRegistry]);

export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: merged.contentType, body: await merged.metrics() };
}
