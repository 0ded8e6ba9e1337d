// The append-only audit log: every raw-text view and every triage or account action, with who, which
// role, what, on which target and ministry, when, and from which address and browser. Writes are
// awaited: if the audit row cannot be stored, the action fails rather than happening unrecorded.
import type { ClickHouseClient } from '@clickhouse/client';
import { insertRows, queryRows } from '../../../clickhouse/client.ts';
import { dayOf, dayWindowCondition, dayWindows, windowedRead, WINDOW_MAX_ROWS, type CountedRead, type StreamWindow } from '../../../clickhouse/stream.ts';
import type { SessionUser } from './auth/roles.ts';
import { pageInfo, pageWindow, parsePaging, type PageInfo, type Paging, type PageWindow } from '../paging.ts';

export const AUDIT_ACTIONS = [
  'login',
  'login_failed',
  'login_throttled',
  'logout',
  'view_raw',
  'export_raw',
  'export_table',
  'triage_status',
  'triage_assign',
  'triage_note',
  'user_create',
  'user_update',
  'user_disable',
  'export_audit',
  // review samples (src/lib/server/review): a sampling run, a label saved, an incident opened from a miss
  'review_sample',
  'review_label',
  'review_incident',
  // Reports (issue 13): a report generated, and each download of one (Markdown, JSON).
  'report_generate',
  'report_download',
  // Read API (issue 14): every call, and token issue / revoke.
  'api_read',
  'api_token_issue',
  'api_token_revoke',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  actor: string;
  role: string;
  action: AuditAction;
  target: string;
  ministry: string;
  ip: string;
  user_agent: string;
  /** Short, structured context (JSON): never raw model text. */
  detail: string;
}

/** Who is acting and from where, taken once per request. */
export interface AuditActor {
  actor: string;
  role: string;
  ip: string;
  user_agent: string;
}

/** A SvelteKit RequestEvent, or anything shaped like the parts we read. */
export interface RequestLike {
  locals: { user: SessionUser | null };
  request: Request;
  getClientAddress(): string;
}

export function actorOf(event: RequestLike, fallbackActor = ''): AuditActor {
  let ip = '';
  try {
    ip = event.getClientAddress();
  } catch {
    // Not available behind some adapters/tests: record the row without it rather than drop it.
  }
  return {
    actor: event.locals.user?.username ?? fallbackActor,
    role: event.locals.user?.role ?? '',
    ip,
    user_agent: (event.request.headers.get('user-agent') ?? '').slice(0, 512),
  };
}

export interface AuditWhat {
  action: AuditAction;
  target: string;
  ministry?: string;
  detail?: Record<string, unknown>;
}

export async function writeAudit(client: ClickHouseClient, who: AuditActor, what: AuditWhat | AuditWhat[], at = new Date()): Promise<void> {
  const list = Array.isArray(what) ? what : [what];
  if (list.length === 0) return;
  const values = list.map((w) => ({
    at: at.toISOString(),
    ...who,
    action: w.action,
    target: w.target,
    ministry: w.ministry ?? '',
    detail: w.detail ? JSON.stringify(w.detail) : '',
  }));
  await insertRows(client, 'audit_log', values);
}

/**
 * For any load that returns raw prompts, responses, evidence text or feedback comments: call it
 * after guard.requireRawText and before returning the data, e.g.
 *   await recordRawView(client, event, { target: output_id, ministry, detail: { page: 'ministry' } })
 */
export async function recordRawView(
  client: ClickHouseClient,
  event: RequestLike,
  what: { target: string; ministry: string; detail?: Record<string, unknown> },
): Promise<void> {
  await writeAudit(client, actorOf(event), { action: 'view_raw', ...what });
}

/** Longest filter string an export's audit row keeps (the URL's query string is the viewer's to choose). */
const FILTERS_MAX = 1000;

/**
 * For every download of data: `export_raw` when it carries raw text (prompts, responses, incident
 * titles, dead-letter originals), `export_table` when it holds aggregates only, with what left:
 * the table, the filters (the query string the rows were selected by) and the row count. Await it
 * before returning the file, so an export that cannot be recorded does not happen.
 */
export async function recordExport(
  client: ClickHouseClient,
  event: RequestLike,
  what: { table: string; raw: boolean; filters: string; rows: number; ministry?: string },
): Promise<void> {
  await writeAudit(client, actorOf(event), {
    action: what.raw ? 'export_raw' : 'export_table',
    target: what.table,
    ministry: what.ministry ?? '',
    detail: { table: what.table, filters: what.filters.slice(0, FILTERS_MAX), rows: what.rows },
  });
}

export interface AuditRow extends AuditEntry {
  at: string;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  /** Inclusive day (YYYY-MM-DD, UTC). */
  from?: string;
  /** Inclusive day (YYYY-MM-DD, UTC). */
  to?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function parseAuditFilter(params: URLSearchParams): AuditFilter & Paging {
  const pick = (k: string) => params.get(k)?.trim() || undefined;
  const from = pick('from');
  const to = pick('to');
  return {
    actor: pick('actor'),
    action: pick('action'),
    from: from && DAY.test(from) ? from : undefined,
    to: to && DAY.test(to) ? to : undefined,
    ...parsePaging(params),
  };
}

/**
 * The filter as a WHERE clause. `byDay` states from/to on the row's UTC day (toDate32(at, 'UTC'), the
 * same rows, since from and to are whole days) instead of on `at`: the form the p_day_counts
 * projection (migration 0191) can answer; on `at` the primary key applies instead. The days are
 * Date32 (1900..2299, saturating beyond): a Date stops at 2149-06-06, and its day after wrapped to
 * 1970, so an end day like 2299-12-31 matched nothing.
 */
function auditWhere(filter: AuditFilter, byDay = false): { sql: string; params: Record<string, unknown> } {
  const where: string[] = ['1'];
  const params: Record<string, unknown> = {};
  if (filter.actor) {
    where.push('actor = {actor:String}');
    params.actor = filter.actor;
  }
  if (filter.action) {
    where.push('action = {action:String}');
    params.action = filter.action;
  }
  if (filter.from) {
    where.push(byDay ? `${dayOf('at')} >= {from:Date32}` : 'at >= toDateTime64({from:Date32}, 3, \'UTC\')');
    params.from = filter.from;
  }
  if (filter.to) {
    where.push(byDay ? `${dayOf('at')} <= {to:Date32}` : 'at < toDateTime64({to:Date32} + 1, 3, \'UTC\')');
    params.to = filter.to;
  }
  return { sql: where.join(' AND '), params };
}

/** Most rows one in-memory window of the audit log holds; the CSV export streams instead (streamAudit, streamed-exports.ts). */
export const AUDIT_EXPORT_MAX = 100_000;

/**
 * Newest first. The rows have no id of their own, so the order runs through every column: rows that
 * differ in anything keep one fixed order and pages neither repeat nor skip one (rows identical in
 * every column are interchangeable anyway).
 *
 * Two steps, so a page costs what it shows rather than what the log holds: first the `at` of the
 * page's last row (only that column is read and sorted), then the page itself among the rows at or
 * after it — every row ranked before the page's end has an `at` at least that recent, so the result
 * is the same as over the whole log. One query sorting all columns read the newest granules of every
 * part in full: 370–430 ms for one page of a 727k-row log, against 10 ms for the `at` step.
 */
export async function queryAudit(client: ClickHouseClient, filter: AuditFilter, window: PageWindow): Promise<AuditRow[]> {
  const limit = Math.min(window.limit, AUDIT_EXPORT_MAX);
  if (limit <= 0) return [];
  const { sql: where, params } = auditWhere(filter);
  const [cut] = await queryRows<{ at: string }>(
    client,
    `SELECT at FROM audit_log WHERE ${where} ORDER BY at DESC LIMIT 1 OFFSET {last:UInt64}`,
    { ...params, last: window.offset + limit - 1 },
  );
  // No cut: the log ends within this page, so every matching row may be on it.
  const bound = cut ? ` AND at >= {cut:DateTime64(3, 'UTC')}` : '';
  const { sql } = auditSelect(filter, bound);
  return queryRows<AuditRow>(client, `${sql} LIMIT {limit:UInt32} OFFSET {offset:UInt64}`, {
    ...params,
    ...(cut ? { cut: cut.at } : {}),
    limit,
    offset: window.offset,
  });
}

/**
 * The days holding rows that match, newest first, joined into windows of up to WINDOW_MAX_ROWS rows
 * (clickhouse/stream.ts dayWindows), with their counts: the export's total and its windows. Grouped
 * by the day itself and filtered by days (auditWhere byDay), so ClickHouse counts from the
 * p_day_counts projection (migration 0191) instead of reading the filter columns of the whole log.
 */
export async function auditWindows(client: ClickHouseClient, filter: AuditFilter, maxRows = WINDOW_MAX_ROWS): Promise<StreamWindow[]> {
  const { sql, params } = auditWhere(filter, true);
  const rows = await queryRows<{ day: string; rows: number | string }>(
    client,
    `SELECT toString(d) AS day, count() AS rows FROM audit_log WHERE ${sql} GROUP BY ${dayOf('at')} AS d ORDER BY d DESC`,
    params,
  );
  return dayWindows(rows.map((r) => ({ day: r.day, rows: Number(r.rows) })), maxRows);
}

/**
 * Every matching row in the page's order, counted and then streamed (up to a limit): the CSV export.
 * Read a window of days at a time, newest first (auditWindows, streamWindows): `at` leads the order.
 * The one ordered query read the newest granules of every part of the whole log before its first
 * block left: 473 ms p95 for a view matching 2.1 M of 6.3 M rows at 100 M outputs (`npm run bench --
 * --size 100M`); a calendar month's window (the windows until 2026-12-06) held up to ~1 M rows there.
 */
export async function auditExport(client: ClickHouseClient, filter: AuditFilter, maxRows = WINDOW_MAX_ROWS): Promise<CountedRead<AuditRow>> {
  const { sql, params } = auditSelect(filter, ` AND ${dayWindowCondition('at')}`);
  return windowedRead<AuditRow>(client, await auditWindows(client, filter, maxRows), sql, params);
}

/** The page's SELECT and order, shared by the page and the export so both list rows the same way. */
function auditSelect(filter: AuditFilter, extraWhere = ''): { sql: string; params: Record<string, unknown> } {
  const { sql, params } = auditWhere(filter);
  return {
    sql: `SELECT at, actor, role, action, target, ministry, ip, user_agent, detail
       FROM audit_log WHERE ${sql}${extraWhere}
      ORDER BY at DESC, actor DESC, action DESC, target DESC, ministry DESC, role DESC, ip DESC, user_agent DESC, detail DESC`,
    params,
  };
}

export async function countAudit(client: ClickHouseClient, filter: AuditFilter): Promise<number> {
  const { sql, params } = auditWhere(filter);
  const [row] = await queryRows<{ n: number | string }>(client, `SELECT count() AS n FROM audit_log WHERE ${sql}`, params);
  return Number(row?.n ?? 0);
}

/** One page of the audit log and where it is (a page past the end shows the last page). */
export async function auditPage(client: ClickHouseClient, filter: AuditFilter & Paging): Promise<{ rows: AuditRow[]; paging: PageInfo }> {
  const [total, first] = await Promise.all([countAudit(client, filter), queryAudit(client, filter, pageWindow(filter))]);
  const paging = pageInfo(total, filter);
  const rows = paging.page === filter.page ? first : await queryAudit(client, filter, pageWindow(paging));
  return { rows, paging };
}

/**
 * Distinct actors, for the filter drop-down. GROUP BY (not DISTINCT) so ClickHouse answers it from the
 * p_actors projection (migration 0160): a few rows per part instead of every row of the log.
 */
export async function auditActors(client: ClickHouseClient): Promise<string[]> {
  const rows = await queryRows<{ actor: string }>(client, `SELECT actor FROM audit_log WHERE actor != '' GROUP BY actor ORDER BY actor`);
  return rows.map((r) => r.actor);
}

/**
 * RFC 4180 CSV with a UTF-8 BOM (so spreadsheet programs read Japanese correctly). A text cell that
 * starts like a formula (= + - @) is prefixed with ' so a spreadsheet does not execute it.
 */
export function toCsv(header: string[], rows: unknown[][]): string {
  const cell = (v: unknown): string => {
    let s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(' ') : String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return '\ufeff' + [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
