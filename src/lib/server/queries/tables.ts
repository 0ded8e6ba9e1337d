// Every table the analytics pages show, by id: which roles may read it and how its rows are made.
// The pages and the CSV endpoint (/export/<id>) use the same definitions, so an export always holds
// exactly what the page showed for the same URL filters, under the same role checks.
import type { Role } from '../auth/roles.ts';
import type { ClickHouseClient } from './db.ts';
import type { Filters } from './filters.ts';
import { accuracyDaily, accuracyRates, dailyActiveUsers, findings, ministryAdoption, requestsBy, riskBySeverityOf, riskDailyOf, sumAccuracy } from './overview.ts';
import { ministryWeekHeatmap } from './heatmap.ts';
import { topIncidents } from './incidents.ts';
import { modelScorecard } from './models.ts';
import { precisionByWeek, ruleQuality } from './evaluators.ts';
import { dlqByTopic, dlqSamples, evaluatorWatermarks, ingestDelay, storedOffsets, tableFreshness } from './pipeline.ts';
import { ingestMetrics } from './ingest-metrics.ts';
import { kafkaLag } from './kafka-lag.ts';
import { loadEnv } from '../../../../config/env.ts';

export const ALL_ROLES: Role[] = ['admin', 'reviewer', 'leadership', 'caio'];
/** Pipeline health is cross-ministry operations data: not for a CAIO. */
export const OPS_ROLES: Role[] = ['admin', 'reviewer', 'leadership'];

export interface TableContext {
  client: ClickHouseClient;
  filters: Filters;
  planned: Map<string, number>;
  /** Whether the viewer may see raw text (dead-letter message bodies). */
  rawText: boolean;
}

export interface TableSpec {
  roles: Role[];
  columns: string[];
  /** Whether its rows carry raw text for this viewer (the export is then audited as export_raw). */
  rawText?: (ctx: Pick<TableContext, 'rawText'>) => boolean;
  /** Plain row objects; their keys are the CSV columns. */
  rows(ctx: TableContext): Promise<object[]>;
}

export const TABLES = {
  'overview-requests-by-app': {
    roles: ALL_ROLES,
    columns: ['app', 'requests', 'errors', 'output_tokens'],
    rows: async ({ client, filters }) => (await requestsBy(client, filters, 'app')).map(({ key, ...r }) => ({ app: key, ...r })),
  },
  'overview-requests-by-model': {
    roles: ALL_ROLES,
    columns: ['model', 'requests', 'errors', 'output_tokens'],
    rows: async ({ client, filters }) => (await requestsBy(client, filters, 'model')).map(({ key, ...r }) => ({ model: key, ...r })),
  },
  'overview-daily': {
    roles: ALL_ROLES,
    columns: [
      'day', 'dau', 'outputs', 'citation_error_outputs', 'citation_error_rate', 'up', 'down', 'thumbs_down_rate',
      'reviewed', 'confirmed', 'confirmed_rate', 'findings', 'findings_per_1000',
    ],
    rows: async ({ client, filters }) => {
      const fi = await findings(client, filters);
      const [acc, dau] = await Promise.all([accuracyDaily(client, filters, fi), dailyActiveUsers(client, filters)]);
      const risk = riskDailyOf(fi);
      const users = new Map(dau.map((d) => [d.day, d.dau]));
      return acc.map((d) => {
        const findings = risk.filter((r) => r.day === d.day).reduce((a, r) => a + r.flags, 0);
        return {
          ...d, dau: users.get(d.day) ?? 0, ...accuracyRates(d), findings,
          findings_per_1000: d.outputs ? (findings / d.outputs) * 1000 : null,
        };
      });
    },
  },
  'overview-risk': {
    roles: ALL_ROLES,
    columns: ['category', 'severity', 'flags', 'per_1000'],
    rows: async ({ client, filters }) => {
      const fi = await findings(client, filters);
      return riskBySeverityOf(fi, sumAccuracy(await accuracyDaily(client, filters, fi)).outputs);
    },
  },
  'heatmap-cells': {
    roles: ALL_ROLES,
    columns: ['ministry', 'week', 'active_users', 'planned_users', 'adoption_pct', 'outputs', 'flags', 'flags_per_1000'],
    rows: async ({ client, filters, planned }) => (await ministryWeekHeatmap(client, filters, planned)).cells,
  },
  'ministries-adoption': {
    roles: ALL_ROLES,
    columns: ['ministry', 'mau', 'planned_users', 'adoption_pct'],
    rows: async ({ client, filters, planned }) => (await ministryAdoption(client, filters, planned)),
  },
  'ministry-incidents': {
    roles: ALL_ROLES,
    columns: ['incident_id', 'ministry', 'category', 'severity', 'rule_ids', 'status', 'verdict', 'app', 'model', 'opened_at'],
    rows: async ({ client, filters }) => (await topIncidents(client, filters, 50)),
  },
  'models-scorecard': {
    roles: ALL_ROLES,
    columns: [], // depends on the categories present; see rows()
    rows: async ({ client, filters }) => {
      const { categories, models } = await modelScorecard(client, filters);
      return models.map(({ flags, flags_per_1000, ...m }) => {
        const row: Record<string, unknown> = { ...m };
        for (const c of categories) {
          row[`${c}_findings`] = flags[c];
          row[`${c}_per_1000`] = flags_per_1000[c];
        }
        return row;
      });
    },
  },
  'evaluators-rules': {
    roles: ALL_ROLES,
    columns: ['evaluator', 'rule_id', 'category', 'flags', 'findings', 'outputs', 'incidents', 'reviewed', 'confirmed', 'rejected', 'precision'],
    rows: async ({ client, filters }) => (await ruleQuality(client, filters)),
  },
  'evaluators-precision-weekly': {
    roles: ALL_ROLES,
    columns: ['week', 'evaluator', 'reviewed', 'confirmed', 'precision'],
    rows: async ({ client, filters }) => (await precisionByWeek(client, filters)),
  },
  'pipeline-freshness': {
    roles: OPS_ROLES,
    columns: ['table', 'rows', 'last_insert', 'age_seconds'],
    rows: async ({ client }) => (await tableFreshness(client)),
  },
  'pipeline-delay': {
    roles: OPS_ROLES,
    columns: ['table', 'events', 'p50_seconds', 'p95_seconds'],
    rows: async ({ client }) => (await ingestDelay(client)),
  },
  'pipeline-dlq': {
    roles: OPS_ROLES,
    columns: ['topic', 'total', 'last_24h', 'last_failed_at'],
    rows: async ({ client }) => (await dlqByTopic(client)),
  },
  'pipeline-dlq-samples': {
    roles: OPS_ROLES,
    columns: ['topic', 'partition', 'offset', 'key', 'error', 'failed_at', 'original'],
    // The originals and the full error texts, for the roles that may read raw text.
    rawText: ({ rawText }) => rawText,
    rows: async ({ client, rawText }) => (await dlqSamples(client, rawText, 200)),
  },
  'pipeline-ingester': {
    roles: OPS_ROLES,
    columns: ['kind', 'consumed', 'inserted', 'dlq'],
    rows: async () => (await ingestMetrics()).totals,
  },
  'pipeline-ingester-lag': {
    roles: OPS_ROLES,
    columns: ['topic', 'partition', 'lag'],
    rows: async () => (await ingestMetrics()).lag,
  },
  'pipeline-kafka-lag': {
    roles: OPS_ROLES,
    columns: ['topic', 'partition', 'high_watermark', 'stored_next', 'lag'],
    rows: async ({ client }) => {
      const env = loadEnv();
      if (env.KAFKA_BROKERS.length === 0) return [];
      const lag = await kafkaLag(env.KAFKA_BROKERS, env, await storedOffsets(client));
      if (lag.kind === 'error') throw new Error(lag.message);
      return lag.kind === 'ok' ? lag.partitions : [];
    },
  },
  'pipeline-watermarks': {
    roles: OPS_ROLES,
    columns: ['evaluator', 'evaluator_version', 'watermark_at', 'outputs_evaluated', 'backlog', 'errors', 'updated_at'],
    rows: async ({ client }) => (await evaluatorWatermarks(client)),
  },
} satisfies Record<string, TableSpec>;

export type TableId = keyof typeof TABLES;

export function isTableId(id: string): id is TableId {
  return Object.hasOwn(TABLES, id);
}

/** The CSV columns: the declared ones, or (for tables whose columns depend on data) the first row's keys. */
export function csvColumns(id: TableId, rows: readonly object[]): string[] {
  const declared = (TABLES[id] as TableSpec).columns;
  return declared.length ? declared : Object.keys(rows[0] ?? {});
}
