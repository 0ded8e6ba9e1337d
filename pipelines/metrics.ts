// Prometheus metrics of the ingestion pipeline, in their own registry so `oversight serve` can merge it
// with the process metrics and `oversight ingest` can serve it alone. Kept on globalThis so the CLI code
// and the bundled dashboard share one registry (and one set of metric names) in the same process.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

function create() {
  const registry = new Registry();
  const m = {
    registry,
    consumed: new Counter({ name: 'oversight_ingest_consumed_total', help: 'Messages read from Kafka or files', labelNames: ['kind'], registers: [registry] }),
    inserted: new Counter({ name: 'oversight_ingest_inserted_total', help: 'Rows inserted into ClickHouse', labelNames: ['kind'], registers: [registry] }),
    dlq: new Counter({ name: 'oversight_ingest_dlq_total', help: 'Messages sent to the DLQ / ingest_errors', labelNames: ['kind', 'reason'], registers: [registry] }),
    deduplicated: new Counter({
      name: 'oversight_ingest_deduplicated_total',
      help: 'Events dropped as duplicates (within a batch, or already stored)',
      labelNames: ['kind', 'where'],
      registers: [registry],
    }),
    insertRetries: new Counter({ name: 'oversight_ingest_insert_retries_total', help: 'ClickHouse write attempts that failed and were retried', labelNames: ['kind'], registers: [registry] }),
    batchSeconds: new Histogram({
      name: 'oversight_ingest_batch_seconds',
      help: 'Time to make one batch durable (dedup lookup, insert, DLQ)',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    lookupSeconds: new Histogram({
      name: 'oversight_ingest_dedup_lookup_seconds',
      help: 'Time of the lookup of already stored ids before an insert (the cost of exactly-once rollups)',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    insertSeconds: new Histogram({
      name: 'oversight_ingest_insert_seconds',
      help: 'Time of one batch insert into ClickHouse',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    batchRows: new Histogram({
      name: 'oversight_ingest_batch_rows',
      help: 'Messages per flushed batch',
      labelNames: ['kind'],
      buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000],
      registers: [registry],
    }),
    lag: new Gauge({ name: 'oversight_ingest_consumer_lag', help: 'Messages behind the high watermark, per partition', labelNames: ['topic', 'partition'], registers: [registry] }),
    lastInsert: new Gauge({ name: 'oversight_ingest_last_insert_timestamp_seconds', help: 'Unix time of the last successful insert', labelNames: ['table'], registers: [registry] }),
    // Liveness: set when a batch becomes durable (and by the Kafka consumer on a fetch round with
    // nothing to do), so a consumer that is stuck or crashed shows as a figure that stops moving, while
    // the lag gauge would only freeze at its last value.
    lastBatchCompleted: new Gauge({
      name: 'oversight_ingest_last_batch_completed_seconds',
      help: 'Unix time when the ingester last completed a batch (or an idle fetch round); alert when now minus this grows',
      registers: [registry],
    }),
    consumerCrashes: new Counter({
      name: 'oversight_ingest_consumer_crashes_total',
      help: 'Times the Kafka consumer crashed (it restarts itself with backoff)',
      registers: [registry],
    }),
    // The pipelined Kafka ingester (in-flight.ts): message bytes fetched but not committed yet, and how
    // often fetching waited because they passed INGEST_MAX_IN_FLIGHT_BYTES.
    inFlightBytes: new Gauge({
      name: 'oversight_ingest_in_flight_bytes',
      help: 'Kafka message bytes handed to the ingest path and not yet committed (bounded by INGEST_MAX_IN_FLIGHT_BYTES)',
      registers: [registry],
    }),
    inFlightWaits: new Counter({
      name: 'oversight_ingest_in_flight_waits_total',
      help: 'Times fetching paused because the in-flight bytes passed INGEST_MAX_IN_FLIGHT_BYTES',
      registers: [registry],
    }),
    paused: new Gauge({ name: 'oversight_ingest_paused', help: '1 while consumption is paused because ClickHouse is failing', registers: [registry] }),
  };
  return m;
}

type PipelineMetrics = ReturnType<typeof create>;
const SLOT = Symbol.for('genai-oversight.pipeline-metrics');
const holder = globalThis as { [SLOT]?: PipelineMetrics };
export const metrics: PipelineMetrics = (holder[SLOT] ??= create());
export const registry: Registry = metrics.registry;
