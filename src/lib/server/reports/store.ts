// Generating and storing reports. A report row is written once (reports table, migration 0130) and
// read back as it was: the figures are the JSON computed at generation, never recomputed. Its content
// hash (SHA-256 over the canonical JSON of parameters, versions and figures) lets anyone check a
// printed or downloaded copy against the stored one; regenerating adds the next version of a series.
import { createHash, randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '../queries/db.ts';
import { queryRows } from '../../../../clickhouse/client.ts';
import { REPORT_ID, ReportRow, type ReportKind, type ReportRequest } from '../../../../contracts/reports.ts';
import type { TargetPoint } from './config.ts';
import { buildFigures, type ReportFigures } from './figures.ts';
import { parsePeriod, previousPeriod, type Period } from './period.ts';

export interface ReportParams {
  kind: ReportKind;
  period_kind: Period['kind'];
  period: string;
  from: string;
  to: string;
  previous_from: string;
  previous_to: string;
  ministry: string | null;
  /** The target curve and planned users in force at generation (operator data that may change later). */
  targets: TargetPoint[];
  planned_users: Record<string, number>;
  /** Days are UTC calendar days, like the dashboard's filters. */
  timezone: 'UTC';
}

export interface ReportVersions {
  /** The shape of `figures`; a renderer reads only the versions it knows. */
  report_format: 1;
  evaluators: { evaluator: string; version: string }[];
  flag_versions: string[];
  catalog_versions: string[];
}

export interface StoredReport {
  report_id: string;
  series: string;
  version: number;
  kind: ReportKind;
  ministry: string | null;
  author: string;
  author_role: string;
  origin: 'ui' | 'schedule';
  created_at: string;
  params: ReportParams;
  versions: ReportVersions;
  figures: ReportFigures;
  content_hash: string;
  /** Recomputed from the stored parameters, versions and figures on every read. */
  hash_verified: boolean;
}

export interface Author {
  username: string;
  role: string;
}

export interface GenerateOptions {
  origin: 'ui' | 'schedule';
  planned: Map<string, number>;
  curve: TargetPoint[];
  withExcerpts: boolean;
  now?: Date;
}

/** JSON with object keys sorted at every level, so equal content always hashes equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

export function contentHash(params: ReportParams, versions: ReportVersions, figures: ReportFigures): string {
  return createHash('sha256').update(canonicalJson({ params, versions, figures })).digest('hex');
}

export function seriesKey(kind: ReportKind, p: Period, ministry: string | null): string {
  return `${kind}|${p.from}|${p.to}|${ministry ?? ''}`;
}

export function newReportId(now: Date): string {
  return `RPT-${now.toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(4).toString('hex')}`;
}

export async function generateReport(client: ClickHouseClient, req: ReportRequest, author: Author, o: GenerateOptions): Promise<StoredReport> {
  const period = parsePeriod(req.period_kind, req.period);
  const previous = previousPeriod(period);
  const figures = await buildFigures(client, {
    kind: req.kind, period, previous, ministry: req.ministry, planned: o.planned, curve: o.curve, withExcerpts: o.withExcerpts,
  });
  const params: ReportParams = {
    kind: req.kind,
    period_kind: period.kind,
    period: period.label,
    from: period.from,
    to: period.to,
    previous_from: previous.from,
    previous_to: previous.to,
    ministry: req.ministry,
    targets: o.curve,
    planned_users: Object.fromEntries(o.planned),
    timezone: 'UTC',
  };
  const versions: ReportVersions = {
    report_format: 1,
    evaluators: figures.caveats.watermarks.map((w) => ({ evaluator: w.evaluator, version: w.evaluator_version })),
    flag_versions: [...new Set(figures.caveats.flag_versions.map((v) => `${v.evaluator}@${v.evaluator_version}`))],
    catalog_versions: figures.caveats.catalog_versions,
  };
  const now = o.now ?? new Date();
  const series = seriesKey(req.kind, period, req.ministry);
  const [{ v } = { v: 0 }] = await queryRows<{ v: number }>(client, 'SELECT max(version) AS v FROM reports WHERE series = {series:String}', { series });
  const report: StoredReport = {
    report_id: newReportId(now),
    series,
    version: Number(v) + 1,
    kind: req.kind,
    ministry: req.ministry,
    author: author.username,
    author_role: author.role,
    origin: o.origin,
    created_at: now.toISOString(),
    params,
    versions,
    figures,
    content_hash: contentHash(params, versions, figures),
    hash_verified: true,
  };
  await client.insert({
    table: 'reports',
    format: 'JSONEachRow',
    values: [
      {
        report_id: report.report_id,
        series,
        version: report.version,
        kind: report.kind,
        period_kind: period.kind,
        period_from: period.from,
        period_to: period.to,
        ministry: req.ministry ?? '',
        author: author.username,
        author_role: author.role,
        origin: o.origin,
        created_at: report.created_at,
        params: JSON.stringify(params),
        versions: JSON.stringify(versions),
        figures: JSON.stringify(figures),
        content_hash: report.content_hash,
      },
    ],
  });
  return report;
}

const ROW_COLUMNS = `report_id, series, version, kind, period_kind, toString(period_from) AS period_from, toString(period_to) AS period_to,
  ministry, author, author_role, origin, formatDateTime(created_at, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS created_at`;

export async function getReport(client: ClickHouseClient, reportId: string): Promise<StoredReport | undefined> {
  if (!REPORT_ID.test(reportId)) return undefined;
  const [raw] = await queryRows<Record<string, unknown>>(
    client,
    `SELECT ${ROW_COLUMNS}, params, versions, figures, content_hash FROM reports WHERE report_id = {id:String} LIMIT 1`,
    { id: reportId },
  );
  if (!raw) return undefined;
  const row = ReportRow.parse(raw);
  const params = JSON.parse(row.params) as ReportParams;
  const versions = JSON.parse(row.versions) as ReportVersions;
  const figures = JSON.parse(row.figures) as ReportFigures;
  return {
    report_id: row.report_id,
    series: row.series,
    version: row.version,
    kind: row.kind,
    ministry: row.ministry || null,
    author: row.author,
    author_role: row.author_role,
    origin: row.origin,
    created_at: row.created_at,
    params,
    versions,
    figures,
    content_hash: row.content_hash,
    hash_verified: contentHash(params, versions, figures) === row.content_hash,
  };
}

export interface ReportListItem {
  report_id: string;
  series: string;
  version: number;
  kind: ReportKind;
  period_kind: string;
  period_from: string;
  period_to: string;
  ministry: string;
  author: string;
  author_role: string;
  origin: string;
  created_at: string;
  content_hash: string;
}

/** The newest reports the viewer may open (a CAIO: their ministry's only). */
export async function listReports(client: ClickHouseClient, scope: string | null, limit = 50): Promise<ReportListItem[]> {
  return queryRows<ReportListItem>(
    client,
    `SELECT ${ROW_COLUMNS}, content_hash FROM reports
      WHERE ${scope === null ? '1' : 'ministry = {scope:String}'}
      ORDER BY reports.created_at DESC, report_id LIMIT {limit:UInt32}`,
    scope === null ? { limit } : { scope, limit },
  );
}

/** Every version of a report's series, oldest first (to show that a newer version exists). */
export async function seriesVersions(client: ClickHouseClient, series: string): Promise<{ report_id: string; version: number; created_at: string }[]> {
  return queryRows(
    client,
    `SELECT report_id, version, formatDateTime(created_at, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS created_at
       FROM reports WHERE series = {series:String} ORDER BY version`,
    { series },
  );
}
