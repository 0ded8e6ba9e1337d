// Data for the dashboard's "pipeline health" page: when each table last received rows, what was
// rejected (counts by reason and recent samples), and, when the ingester runs in this process, its
// consumer lag and paused state from the metrics registry.
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../clickhouse/client.ts';
import { registry } from './metrics.ts';

export interface TableFreshness {
  table: string;
  /** ISO time of the newest ingested_at, null when the table is empty. */
  last_insert: string | null;
  rows_last_hour: number;
}

export interface IngestErrorSample {
  topic: string;
  partition: number;
  offset: number;
  error: string;
  failed_at: string;
}

export interface PipelineHealth {
  tables: TableFreshness[];
  errors: {
    total: number;
    last_24h: number;
    by_reason: { reason: string; count: number }[];
    by_topic: { topic: string; count: number }[];
    samples: IngestErrorSample[];
  };
  /** From this process's ingester; empty when it runs elsewhere (then read its /metrics). */
  consumer: {
    lag: { topic: string; partition: number; lag: number }[];
    total_lag: number;
    paused: boolean;
    last_insert_by_metrics: { table: string; at: string }[];
  };
}

const TABLES = ['usage_events', 'outputs', 'feedback'] as const;

async function freshness(client: ClickHouseClient): Promise<TableFreshness[]> {
  // No FINAL: a replaced duplicate does not change when data last arrived, and this stays cheap.
  const rows = await queryRows<{ table: string; last: string | null; recent: number }>(
    client,
    TABLES.map(
      (t) =>
        `SELECT '${t}' AS table, if(count() = 0, NULL, toString(max(ingested_at))) AS last, countIf(ingested_at > now64(3) - INTERVAL 1 HOUR) AS recent FROM ${t}`,
    ).join(' UNION ALL '),
  );
  const byTable = new Map(rows.map((r) => [r.table, r]));
  return TABLES.map((t) => {
    const r = byTable.get(t);
    return { table: t, last_insert: r?.last ? r.last.replace(' ', 'T') + 'Z' : null, rows_last_hour: Number(r?.recent ?? 0) };
  });
}

async function ingestErrors(client: ClickHouseClient, sampleLimit: number): Promise<PipelineHealth['errors']> {
  const [totals] = await queryRows<{ total: number; last_24h: number }>(
    client,
    `SELECT count() AS total, countIf(failed_at > now64(3) - INTERVAL 1 DAY) AS last_24h FROM ingest_errors FINAL`,
  );
  // The reason category is the error text up to the first colon (see pipelines/rows.ts).
  const byReason = await queryRows<{ reason: string; count: number }>(
    client,
    `SELECT splitByChar(':', error)[1] AS reason, count() AS count FROM ingest_errors FINAL GROUP BY reason ORDER BY count DESC LIMIT 20`,
  );
  const byTopic = await queryRows<{ topic: string; count: number }>(
    client,
    `SELECT topic, count() AS count FROM ingest_errors FINAL GROUP BY topic ORDER BY count DESC LIMIT 20`,
  );
  const samples = await queryRows<IngestErrorSample>(
    client,
    `SELECT topic, partition, offset, error, toString(failed_at) AS failed_at FROM ingest_errors FINAL ORDER BY failed_at DESC LIMIT {n:UInt32}`,
    { n: sampleLimit },
  );
  return {
    total: Number(totals?.total ?? 0),
    last_24h: Number(totals?.last_24h ?? 0),
    by_reason: byReason.map((r) => ({ reason: r.reason, count: Number(r.count) })),
    by_topic: byTopic.map((r) => ({ topic: r.topic, count: Number(r.count) })),
    samples: samples.map((s) => ({ ...s, partition: Number(s.partition), offset: Number(s.offset) })),
  };
}

async function consumerState(): Promise<PipelineHealth['consumer']> {
  const all = await registry.getMetricsAsJSON();
  const values = (name: string) => all.find((m) => m.name === name)?.values ?? [];
  const lag = values('oversight_ingest_consumer_lag').map((v) => ({
    topic: String(v.labels.topic),
    partition: Number(v.labels.partition),
    lag: Number(v.value),
  }));
  lag.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const lastInsert = values('oversight_ingest_last_insert_timestamp_seconds').map((v) => ({
    table: String(v.labels.table),
    at: new Date(Number(v.value) * 1000).toISOString(),
  }));
  return {
    lag,
    total_lag: lag.reduce((s, l) => s + l.lag, 0),
    paused: values('oversight_ingest_paused').some((v) => Number(v.value) > 0),
    last_insert_by_metrics: lastInsert,
  };
}

export async function pipelineHealth(client: ClickHouseClient, opts: { sampleLimit?: number } = {}): Promise<PipelineHealth> {
  const [tables, errors, consumer] = await Promise.all([freshness(client), ingestErrors(client, opts.sampleLimit ?? 20), consumerState()]);
  return { tables, errors, consumer };
}
