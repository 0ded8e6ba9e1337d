// The two CSV exports whose size grows with the data — the incident queue and the audit log — streamed:
// rows come from ClickHouse in batches (clickhouse/stream.ts) and leave as CSV while the download
// reads them (lib/csv.ts csvStream), so memory holds a batch whatever the row count. The analytics
// tables of /export/<id> stay built in memory: each is bounded by its definition (days, ministries ×
// weeks, top 50, 200 dead letters).
//
// The audit row is written BEFORE the first byte leaves, with the row count taken first (count() with
// the same filters, per window where the export reads in windows, capped at the limit; the stream is then limited to exactly that many rows, so a
// completed download holds the recorded number). Written after, an export whose audit row failed would
// already be out, and a download the browser abandoned would leave no row; this way a failing audit
// write stops the export (as for every other export) and an abandoned one is recorded as requested.
import type { ClickHouseClient } from '@clickhouse/client';
import { incidentExport, type Incident, type IncidentQuery } from '../../../clickhouse/stores/incidents.ts';
import { actorOf, auditExport, recordExport, writeAudit, type AuditFilter, type AuditRow, type RequestLike } from './audit.ts';
import type { CountedRead } from '../../../clickhouse/stream.ts';
import { INCIDENT_CSV_COLUMNS } from './incident-queue.ts';
import { csvResponse, csvStream, type CsvValue } from '../csv.ts';
import { incidentTitle, ruleTitle } from '../i18n/findings.ts';
import type { Lang } from '../i18n/index.ts';

/**
 * Most rows one export holds. Streaming keeps memory flat at any size, so the bound is the download's
 * size (about 200 MB of CSV), not the server's memory; it was 100,000 while exports were built in memory.
 */
export const INCIDENT_CSV_MAX = 1_000_000;
export const AUDIT_CSV_MAX = 1_000_000;

interface StreamedExport<R> {
  filename: string;
  header: readonly string[];
  cells: (row: R) => readonly CsvValue[];
  /** Counts the rows and opens their read (by window where the order allows, clickhouse/stream.ts). */
  open: () => Promise<CountedRead<R>>;
  /** Writes the audit row; a failure stops the export before any byte leaves. */
  record: (rows: number) => Promise<void>;
}

/** Count, open the stream, read its first batch (a failing query is a 500, not a cut-off file), audit, respond. */
async function streamedCsv<R>(x: StreamedExport<R>, max: number): Promise<Response> {
  const read = await x.open();
  const n = Math.min(read.total, max);
  const batches = read.rows(n);
  try {
    const head = await batches.next();
    await x.record(n);
    return csvResponse(x.filename, csvStream(x.header, batches, x.cells, { first: head.done ? undefined : head.value }));
  } catch (err) {
    await batches.return(undefined);
    throw err;
  }
}

const today = () => new Date().toISOString().slice(0, 10);

/** The incident queue as CSV: every matching row in the page's order; titles quote flagged text (export_raw). */
export function incidentsCsv(
  client: ClickHouseClient,
  event: RequestLike,
  req: { filter: IncidentQuery; scope: string | null; lang: Lang; filters: string },
  max = INCIDENT_CSV_MAX,
): Promise<Response> {
  const { filter, scope, lang } = req;
  return streamedCsv<Incident>(
    {
      filename: `incidents-${today()}.csv`,
      // The title as the queue shows it (category and rule names in the visitor's language), and the
      // rule ids with their names so a spreadsheet can still filter on the ids.
      header: [...INCIDENT_CSV_COLUMNS, 'rule_ids', 'rule_titles'],
      cells: (r) => [
        ...INCIDENT_CSV_COLUMNS.map((c) => (c === 'title' ? incidentTitle(r, lang) : r[c])),
        r.rule_ids.join(' '),
        r.rule_ids.map((id) => ruleTitle(id, lang)).join(lang === 'en' ? ', ' : '、'),
      ],
      open: () => incidentExport(client, filter, scope),
      record: (rows) => recordExport(client, event, { table: 'incidents', raw: true, filters: req.filters, rows, ministry: scope ?? '' }),
    },
    max,
  );
}

const AUDIT_COLUMNS = ['at', 'actor', 'role', 'action', 'target', 'ministry', 'ip', 'user_agent', 'detail'] as const;

/** The audit log as CSV with the page's filters; exporting it is itself recorded (export_audit). */
export function auditCsv(client: ClickHouseClient, event: RequestLike, filter: AuditFilter, max = AUDIT_CSV_MAX): Promise<Response> {
  return streamedCsv<AuditRow>(
    {
      filename: `audit-log-${today()}.csv`,
      header: AUDIT_COLUMNS,
      cells: (r) => AUDIT_COLUMNS.map((c) => r[c]),
      open: () => auditExport(client, filter),
      record: (rows) => writeAudit(client, actorOf(event), { action: 'export_audit', target: 'audit_log', detail: { ...filter, rows } }),
    },
    max,
  );
}
