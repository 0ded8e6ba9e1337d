// What the ingester running in this process reports through its Prometheus registry (kept on
// globalThis by pipelines/metrics.ts, so the bundled dashboard reads the same registry the ingester
// writes): consumer lag per partition, message totals, whether consumption is paused, and how long ago
// a batch last completed (the liveness figure: it stops moving when the consumer is stuck or crashed).
import { registry } from '../../../../pipelines/metrics.ts';

export interface IngestMetrics {
  lag: { topic: string; partition: number; lag: number }[];
  totals: { kind: string; consumed: number; inserted: number; dlq: number }[];
  paused: boolean;
  /** Seconds since the ingester last completed a batch (or an idle fetch round); null before the first. */
  lastBatchAgeSeconds: number | null;
  /** Times the Kafka consumer crashed and restarted itself since this process started. */
  crashes: number;
  /** False when no ingester has run in this process (e.g. a separate `oversight ingest` does). */
  active: boolean;
}

interface MetricJson {
  name: string;
  values: { labels: Record<string, string | number>; value: number }[];
}

export async function ingestMetrics(): Promise<IngestMetrics> {
  const all = (await registry.getMetricsAsJSON()) as unknown as MetricJson[];
  const values = (name: string) => all.find((m) => m.name === name)?.values ?? [];
  const lag = values('oversight_ingest_consumer_lag')
    .map((v) => ({ topic: String(v.labels.topic), partition: Number(v.labels.partition), lag: v.value }))
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const byKind = new Map<string, { kind: string; consumed: number; inserted: number; dlq: number }>();
  const add = (name: string, field: 'consumed' | 'inserted' | 'dlq') => {
    for (const v of values(name)) {
      const kind = String(v.labels.kind ?? '');
      const row = byKind.get(kind) ?? { kind, consumed: 0, inserted: 0, dlq: 0 };
      row[field] += v.value;
      byKind.set(kind, row);
    }
  };
  add('oversight_ingest_consumed_total', 'consumed');
  add('oversight_ingest_inserted_total', 'inserted');
  add('oversight_ingest_dlq_total', 'dlq');
  const totals = [...byKind.values()].sort((a, b) => a.kind.localeCompare(b.kind));
  const paused = values('oversight_ingest_paused').some((v) => v.value > 0);
  const lastBatch = values('oversight_ingest_last_batch_completed_seconds')[0]?.value ?? 0;
  const lastBatchAgeSeconds = lastBatch > 0 ? Math.max(0, Math.round(Date.now() / 1000 - lastBatch)) : null;
  const crashes = values('oversight_ingest_consumer_crashes_total')[0]?.value ?? 0;
  return { lag, totals, paused, lastBatchAgeSeconds, crashes, active: lag.length > 0 || totals.some((t) => t.consumed > 0) };
}
