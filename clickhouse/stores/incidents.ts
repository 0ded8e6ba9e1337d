// The incident store: the SQL of `incidents` (one row per version; ReplacingMergeTree(version), the
// latest version is the state) and `incident_events` (the history). The evaluator runner opens
// incidents through it, the triage workflow (src/lib/server/incidents.ts) writes versions and events
// through it, and the queue, the CSV export, the detail page, the daily digest (alerts/digest.ts) and
// the admin API's status read through it.
import { rankSql, severityRank } from '../rank.ts';
import { INCIDENT_STATUSES, type IncidentRow } from '../../contracts/incidents.ts';
import type { IncidentEventRow } from '../../contracts/tables.ts';
import { insertRows, queryRows, type ClickHouseClient } from '../client.ts';
import { withIncidentVerdicts } from '../incident-verdicts-rollup.ts';
import { countsHolding, dayOf, dayWindowCondition, dayWindows, pageOfDays, readPage, streamRows, windowedRead, WINDOW_MAX_ROWS, type CountedRead, type DayCount, type StreamWindow } from '../stream.ts';

/** A stored incident (every column of `incidents`). */
export type Incident = IncidentRow & { updated_at: string };

/** One change in an incident's history, as the detail page lists it. */
export type IncidentEvent = Omit<IncidentEventRow, 'incident_id' | 'at'> & { at: string };

const INCIDENT_COLUMNS =
  'incident_id, output_id, ministry, app, model, category, severity, rule_ids, title, status, assignee, verdict, output_at, opened_at, updated_at, version, source';

/**
 * `FROM incidents FINAL` with conditions split in two. Columns every version of an incident shares
 * (incident_id, output_id, ministry, app, model, category, severity, output_at, opened_at, source):
 * set when it is opened (evaluators/runner.ts, review/misses.ts) and never changed by triage, whose changes are typed to status, assignee and
 * verdict (src/lib/server/incidents.ts). A condition on these alone holds for all of an incident's
 * versions or for none, so under FINAL it may run as PREWHERE: ClickHouse then reads and merges only
 * the rows that pass, instead of merging every incident's versions and filtering after (measured on
 * 770,000 incidents: a ministry's top incidents 73–88 → 42–48 ms). A condition on any other column
 * must stay in WHERE, after the merge, or an older version could answer for the incident.
 * Callers put conditions on those columns alone in `prewhere`, the rest in `where`.
 */
export function incidentsFinal(c: FinalConditions): string {
  return `FROM incidents FINAL${c.prewhere.length ? ` PREWHERE ${c.prewhere.join(' AND ')}` : ''} WHERE ${c.where.length ? c.where.join(' AND ') : '1'}`;
}

/** Conditions on `incidents` split as incidentsFinal runs them. */
export interface FinalConditions {
  prewhere: string[];
  where: string[];
}

/** The columns a triage change writes (src/lib/server/incidents.ts): conditions on them run after FINAL. */
const CHANGED_BY_TRIAGE: ReadonlySet<string> = new Set(['status', 'assignee', 'verdict', 'updated_at', 'version']);

/** Adds a condition on one column to the half of `to` it may run in (incidentsFinal). */
function addCondition(to: FinalConditions, column: string, condition: string): void {
  (CHANGED_BY_TRIAGE.has(column) ? to.where : to.prewhere).push(condition);
}

// ---------------------------------------------------------------------------------------- one or few

// Reads by id put the id in PREWHERE (incidentsFinal: it never changes). The table is ordered by the
// output's time (migration 0192), so the id is not the key: its bloom filter index picks the granules
// that may hold the id, also under FINAL. In WHERE, FINAL would read and merge every column of those
// granules (8,192 incidents each) before the filter; in PREWHERE only the matching rows are read
// (measured at 770,000 incidents: 12.6 → 5.0 ms for one incident, 41 → 13 ms for ten).
// Callers outside this store that read by id use the same two clauses.
export const BY_ID = incidentsFinal({ prewhere: ['incident_id = {id:String}'], where: [] });
export const BY_IDS = incidentsFinal({ prewhere: ['incident_id IN {ids:Array(String)}'], where: [] });

export async function getIncident(client: ClickHouseClient, incidentId: string): Promise<Incident | undefined> {
  const [row] = await queryRows<Incident>(client, `SELECT ${INCIDENT_COLUMNS} ${BY_ID}`, { id: incidentId });
  return row;
}

export async function getIncidents(client: ClickHouseClient, ids: string[]): Promise<Incident[]> {
  if (ids.length === 0) return [];
  return queryRows<Incident>(client, `SELECT ${INCIDENT_COLUMNS} ${BY_IDS}`, { ids });
}

/** Which of these incident ids are stored already (the runner never touches an existing incident). */
export async function existingIncidentIds(client: ClickHouseClient, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const got = await queryRows<{ incident_id: string }>(client, `SELECT incident_id ${BY_IDS}`, { ids });
  return new Set(got.map((r) => r.incident_id));
}

export async function getIncidentEvents(client: ClickHouseClient, incidentId: string): Promise<IncidentEvent[]> {
  return queryRows<IncidentEvent>(
    client,
    `SELECT at, actor, action, from_status, to_status, assignee, verdict, note
       FROM incident_events WHERE incident_id = {id:String} ORDER BY at, action`,
    { id: incidentId },
  );
}

// -------------------------------------------------------------------------------------------- writes

/**
 * Incident versions (new incidents, or new states of stored ones) with the incident rollup
 * (incident_verdicts_daily) kept exact: the incidents' share is taken out before and put back after.
 * Everything that writes `incidents` goes through here.
 */
export async function writeIncidents(client: ClickHouseClient, incidents: IncidentRow[]): Promise<void> {
  if (incidents.length === 0) return;
  await withIncidentVerdicts(client, incidents, () => insertRows(client, 'incidents', incidents));
}

/** New incidents with their "opened" history rows: the state first, so history never runs ahead of it. */
export async function insertOpenedIncidents(client: ClickHouseClient, incidents: IncidentRow[], actor: string, note: (i: IncidentRow) => string): Promise<void> {
  if (incidents.length === 0) return;
  await writeIncidents(client, incidents);
  await insertRows(
    client,
    'incident_events',
    incidents.map((i) => ({ incident_id: i.incident_id, at: i.opened_at, actor, action: 'opened', from_status: '', to_status: i.status, assignee: '', verdict: '', note: note(i) })),
  );
}

/**
 * One triage change: the new version (unless it only adds a note), then its history row. `current` is
 * the version it replaces: the incident rollup counts an incident by its verdict, rules and output
 * only, so a change that keeps those (an assignment, a status step before the verdict) leaves its
 * share as it was and is written without replacing it (two rollup inserts fewer per click).
 */
export async function insertIncidentChange(client: ClickHouseClient, next: Incident | null, event: IncidentEventRow, current?: Incident): Promise<void> {
  if (next && current && sameRollupShare(current, next)) await insertRows(client, 'incidents', [next]);
  else if (next) await writeIncidents(client, [next]);
  await insertRows(client, 'incident_events', [event]);
}

function sameRollupShare(a: IncidentRow, b: IncidentRow): boolean {
  const keys = ['incident_id', 'output_id', 'ministry', 'app', 'model', 'output_at', 'verdict'] as const;
  return keys.every((k) => String(a[k]) === String(b[k])) && a.rule_ids.join('\u0000') === b.rule_ids.join('\u0000');
}

// --------------------------------------------------------------------------------------------- queue

export const AGE_BUCKETS = ['lt1d', '1to7d', 'gt7d', 'gt30d'] as const;
export const SORT_KEYS = ['opened_at', 'severity', 'status', 'ministry', 'model', 'category', 'updated_at', 'assignee'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** What the queue is filtered and sorted by (src/lib/server/incident-queue.ts parses it from the URL). */
export interface IncidentQuery {
  /** A status, or 'open' for everything not resolved. */
  status?: string;
  category?: string;
  severity?: string;
  ministry?: string;
  model?: string;
  age?: (typeof AGE_BUCKETS)[number];
  assignee?: string;
  sort: SortKey;
  dir: 'asc' | 'desc';
}

/** Most rows one in-memory window of the queue holds (a scripted pass over it); the CSV export streams instead (streamIncidents, src/lib/server/streamed-exports.ts). */
export const INCIDENT_EXPORT_MAX = 100_000;

const AGE_SQL: Record<NonNullable<IncidentQuery['age']>, string> = {
  lt1d: 'opened_at >= now64(3) - INTERVAL 1 DAY',
  '1to7d': 'opened_at < now64(3) - INTERVAL 1 DAY AND opened_at >= now64(3) - INTERVAL 7 DAY',
  gt7d: 'opened_at < now64(3) - INTERVAL 7 DAY',
  gt30d: 'opened_at < now64(3) - INTERVAL 30 DAY',
};

const SORT_SQL: Record<SortKey, string> = {
  opened_at: 'opened_at',
  updated_at: 'updated_at',
  severity: severityRank('severity'),
  status: rankSql('status', INCIDENT_STATUSES),
  ministry: 'ministry',
  model: 'model',
  category: 'category',
  assignee: 'assignee',
};

/**
 * The queue's filters as the FROM clause; `scope` (a CAIO's ministry) always applies. Status and
 * assignee change with triage and are checked after FINAL; the rest before it (incidentsFinal).
 * `extra`: a window's conditions, split the same way.
 */
function queueFrom(filter: IncidentQuery, scope: string | null, extra: FinalConditions = { prewhere: [], where: [] }): { sql: string; params: Record<string, unknown> } {
  const conds: FinalConditions = { prewhere: [...extra.prewhere], where: [...extra.where] };
  const params: Record<string, unknown> = {};
  const eq = (column: keyof IncidentQuery & string, value: string | undefined) => {
    if (value === undefined) return;
    addCondition(conds, column, `${column} = {${column}:String}`);
    params[column] = value;
  };
  if (filter.status === 'open') addCondition(conds, 'status', `status != 'resolved'`);
  else eq('status', filter.status);
  eq('assignee', filter.assignee);
  eq('category', filter.category);
  eq('severity', filter.severity);
  eq('ministry', filter.ministry);
  eq('model', filter.model);
  if (filter.age) addCondition(conds, 'opened_at', AGE_SQL[filter.age]);
  if (scope !== null) {
    addCondition(conds, 'ministry', 'ministry = {scope_ministry:String}');
    params.scope_ministry = scope;
  }
  return { sql: incidentsFinal(conds), params };
}

/**
 * One window of the queue, newest first by default. The order ends in incident_id, which is unique,
 * so consecutive windows neither repeat nor skip an incident. `scope` is guard.ministryScope(locals):
 * a CAIO's ministry is always applied, whatever the URL asks for.
 */
export async function listIncidents(
  client: ClickHouseClient,
  filter: IncidentQuery,
  scope: string | null,
  window: { limit: number; offset: number },
): Promise<Incident[]> {
  const { sql, params } = queueSelect(filter, scope);
  return queryRows<Incident>(client, `${sql} LIMIT {limit:UInt32} OFFSET {offset:UInt64}`, {
    ...params,
    limit: Math.min(window.limit, INCIDENT_EXPORT_MAX),
    offset: window.offset,
  });
}

/**
 * The queue's order in groups of (leading key, day): the page (queuePage) and the CSV export
 * (queueWindows) count the matching incidents per group and then read only the groups they need.
 * Every order is (leading key, opened_at DESC, incident_id), except the two time orders, which lead
 * with their own time; a group is one value of the key and one UTC day of the time the order falls
 * back to (`day`). WINDOW_KEYS orders the values `k` as SORT_SQL orders the column.
 * A group's conditions on columns triage never touches (incidentsFinal) run before FINAL, so a read
 * merges only its groups' incidents; the table is ordered by the output's time and opened_at follows
 * it by minutes to days (migration 0192), so the minmax index on opened_at keeps a day to a few
 * granules. Conditions on status, assignee and updated_at run after FINAL: the days of opened_at still
 * bound such a read, and a day of updated_at is found by its minmax index (migration 0193), which
 * ClickHouse applies under FINAL to every granule holding a version of a matching incident
 * (use_skip_indexes_if_final, exact mode).
 */
const WINDOW_KEYS: Partial<Record<SortKey, string>> = {
  severity: severityRank('k'),
  ministry: 'k',
  model: 'k',
  category: 'k',
  status: rankSql('k', INCIDENT_STATUSES),
  assignee: 'k',
};
const dayColumn = (sort: SortKey) => (sort === 'updated_at' ? 'updated_at' : 'opened_at');

/** A group's conditions (bound by a StreamWindow's params), split as queueFrom runs them. */
function windowConditions(sort: SortKey): FinalConditions {
  const out: FinalConditions = { prewhere: [], where: [] };
  if (WINDOW_KEYS[sort]) addCondition(out, sort, `${sort} = {w_key:String}`);
  addCondition(out, dayColumn(sort), dayWindowCondition(dayColumn(sort)));
  return out;
}

/**
 * How many incidents match, per group of the queue's order, listed in that order (their sum is
 * countIncidents). `keys`: only the groups of these values of the leading key.
 */
export async function queueDays(client: ClickHouseClient, filter: IncidentQuery, scope: string | null, keys?: string[]): Promise<DayCount[]> {
  const { sort } = filter;
  const dir = filter.dir === 'asc' ? 'ASC' : 'DESC';
  const key = WINDOW_KEYS[sort];
  const only: FinalConditions = { prewhere: [], where: [] };
  if (key && keys) addCondition(only, sort, `${sort} IN {w_keys:Array(String)}`);
  const { sql, params } = queueFrom(filter, scope, only);
  const rows = await queryRows<{ k: string; d: string; n: number | string }>(
    client,
    `SELECT ${key ? `toString(${sort})` : "''"} AS k, toString(dd) AS d, count() AS n ${sql}
      GROUP BY k, ${dayOf(dayColumn(sort))} AS dd ORDER BY ${key ? `${key} ${dir}, dd DESC` : `dd ${dir}`}`,
    { ...params, ...(keys ? { w_keys: keys } : {}) },
  );
  return rows.map((r) => ({ ...(key ? { key: r.k } : {}), day: r.d, rows: Number(r.n) }));
}

/**
 * How far back (days before the request) the first count of a page also counts, newest first: a
 * page whose rows all lie within one of these is read with that bound alone (queuePage).
 */
const RECENT_DAYS = [2, 7, 30] as const;

/**
 * Up to this many stored rows (versions; a metadata count), a page the recent spans cannot bound is
 * read by one ordered query over every match rather than by days: the one query reads the whole table,
 * the per-day path costs two or three queries more. Measured on the bench's data, 16 views, p50: with
 * 77,000 incidents the per-day path took 13–41 ms a page where one query took 13–21; with 784,000
 * stored rows 24–49 where one query took 35–63 (docs/CAPACITY.md §9).
 */
const ONE_QUERY_MAX_STORED = 250_000;

/**
 * The column a page's recent spans bound, when the queue's order is newest first in it: opened_at
 * under every key (the order within a value) and in the default order; updated_at in its own order.
 * Oldest first there is no recent end, and the page is found by days alone.
 */
function recentColumn(filter: IncidentQuery): 'opened_at' | 'updated_at' | null {
  if (WINDOW_KEYS[filter.sort]) return 'opened_at';
  return filter.dir === 'desc' ? dayColumn(filter.sort) : null;
}

/**
 * The first count of a page: per value of the order's leading key (one row without a key), how many
 * incidents match and how many of them are newer than each of `from` (times in ms). Conditional
 * counts cost about nothing beside the count; counting per (value, day) pair costs 2–3× the count
 * (770,000 incidents: 21–32 ms against 5–10), since a single low-cardinality key is aggregated by its
 * dictionary and a pair is hashed row by row.
 */
async function recentCounts(client: ClickHouseClient, filter: IncidentQuery, scope: string | null, column: string, from: readonly number[]) {
  const { sort } = filter;
  const key = WINDOW_KEYS[sort];
  const { sql, params } = queueFrom(filter, scope);
  const recent = from.map((_, i) => `countIf(${column} >= {r_from_${i}:DateTime64(3, 'UTC')}) AS r${i}`);
  const rows = await queryRows<Record<string, string | number>>(
    client,
    `SELECT ${key ? `toString(${sort})` : "''"} AS k, count() AS n, ${recent.join(', ')}, (SELECT count() FROM incidents) AS stored ${sql}
      ${key ? `GROUP BY k ORDER BY ${key} ${filter.dir === 'asc' ? 'ASC' : 'DESC'}` : ''}`,
    { ...params, ...Object.fromEntries(from.map((t, i) => [`r_from_${i}`, dateTime64(t)])) },
  );
  return {
    values: rows.map((r) => ({ key: String(r.k), rows: Number(r.n), recent: from.map((_, i) => Number(r[`r${i}`])) })).filter((r) => r.rows > 0),
    stored: Number(rows[0]?.stored ?? 0),
  };
}

/** A time in ms as a DateTime64(3, 'UTC') query parameter. */
const dateTime64 = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/**
 * One page of the queue and the total, read from the part of the history that holds the page only,
 * so a page costs about the same at any history (docs/CAPACITY.md §9); listIncidents is the same rows
 * from one query over everything. `window` picks the page once the total is known (a page past the end
 * shows the last one).
 * - Newest first (in opened_at, in updated_at, or within each value of a leading key): the first count
 *   also counts the incidents of the last 2, 7 and 30 days. If the page lies within one value and
 *   within the shortest span that holds it, it is read with that bound: the incidents newer than the
 *   bound are the first ones of their value (or of the queue) in the order, and there are enough of
 *   them. Two queries, whatever the history.
 * - Otherwise (a deep page, a page across two values, oldest first): the matching incidents are counted
 *   per day (within the values that hold the page), and only the days that hold it are read; in a small
 *   table (ONE_QUERY_MAX_STORED) one ordered query over every match is cheaper and is used instead.
 * The bounds are fixed before the first count, so both queries use the same ones.
 */
export async function queuePage(
  client: ClickHouseClient,
  filter: IncidentQuery,
  scope: string | null,
  window: (total: number) => { limit: number; offset: number },
  oneQueryMaxStored = ONE_QUERY_MAX_STORED,
): Promise<{ total: number; rows: Incident[] }> {
  const key = WINDOW_KEYS[filter.sort];
  const column = recentColumn(filter);
  const now = Date.now();
  const from = RECENT_DAYS.map((d) => now - d * 86_400_000);
  const recent = column ? await recentCounts(client, filter, scope, column, from) : null;
  const counts: { rows: number; key?: string; recent?: number[] }[] = recent ? recent.values : await queueDays(client, filter, scope);
  const total = counts.reduce((n, c) => n + c.rows, 0);
  const picked = window(total);
  const offset = picked.offset;
  const limit = Math.min(picked.limit, INCIDENT_EXPORT_MAX);
  if (total === 0) return { total, rows: [] };
  if (!recent) return { total, rows: await readDays(client, filter, scope, counts as DayCount[], offset, limit) };

  const { held, before } = countsHolding(counts, offset, limit);
  const skip = offset - before;
  const span = held.length === 1 ? held[0].recent!.findIndex((n) => n >= Math.min(skip + limit, held[0].rows)) : -1;
  if (span >= 0) {
    const bound: FinalConditions = { prewhere: [], where: [] };
    if (key) addCondition(bound, filter.sort, `${filter.sort} = {w_key:String}`);
    addCondition(bound, column!, `${column} >= {w_from:DateTime64(3, 'UTC')}`);
    const { sql, params } = queueSelect(filter, scope, bound);
    const since = { params: { ...(key ? { w_key: held[0].key } : {}), w_from: dateTime64(from[span]) }, rows: held[0].recent![span] };
    return { total, rows: await readPage<Incident>(client, { windows: [since], skip }, limit, sql, params) };
  }
  if (recent.stored <= oneQueryMaxStored) return { total, rows: await listIncidents(client, filter, scope, { limit, offset }) };
  // Without a key the one count row holds every match (skip = offset); with one, only its values' days are counted.
  const days = await queueDays(client, filter, scope, key ? held.map((c) => c.key!) : undefined);
  return { total, rows: await readDays(client, filter, scope, days, skip, limit) };
}

/** Rows [offset, offset + limit) of the days listed (queueDays), read from the days that hold them only. */
function readDays(client: ClickHouseClient, filter: IncidentQuery, scope: string | null, days: readonly DayCount[], offset: number, limit: number): Promise<Incident[]> {
  const { sql, params } = queueSelect(filter, scope, windowConditions(filter.sort));
  return readPage<Incident>(client, pageOfDays(days, offset, limit), limit, sql, params);
}

/**
 * The export's windows in the queue's order with their counts (their sum is countIncidents), or null
 * when the order's groups change with triage (status, assignee, updated_at): an export is read window
 * after window over seconds to minutes, and an incident triaged meanwhile would move between windows,
 * read twice or never. Those sorts stay one query. Consecutive days join up to WINDOW_MAX_ROWS
 * incidents (dayWindows), so a window merges and sorts only its own incidents.
 */
export async function queueWindows(client: ClickHouseClient, filter: IncidentQuery, scope: string | null, maxRows = WINDOW_MAX_ROWS): Promise<StreamWindow[] | null> {
  if (!exportsByWindows(filter.sort)) return null;
  return dayWindows(await queueDays(client, filter, scope), maxRows);
}

const exportsByWindows = (sort: SortKey) => !CHANGED_BY_TRIAGE.has(sort);

/**
 * The queue's rows in the queue's order, counted and then streamed (up to a limit): the CSV export.
 * Window by window when the sort has windows (queueWindows), else one query and count().
 */
export async function incidentExport(client: ClickHouseClient, filter: IncidentQuery, scope: string | null, maxRows = WINDOW_MAX_ROWS): Promise<CountedRead<Incident>> {
  const windows = await queueWindows(client, filter, scope, maxRows);
  if (windows) {
    const { sql, params } = queueSelect(filter, scope, windowConditions(filter.sort));
    return windowedRead<Incident>(client, windows, sql, params);
  }
  const { sql, params } = queueSelect(filter, scope);
  return { total: await countIncidents(client, filter, scope), rows: (limit) => streamRows<Incident>(client, `${sql} LIMIT {limit:UInt64}`, { ...params, limit }) };
}

/** The queue's SELECT with its filters, scope and order (one for pages, the export and the stream). */
function queueSelect(filter: IncidentQuery, scope: string | null, window?: FinalConditions): { sql: string; params: Record<string, unknown> } {
  const { sql, params } = queueFrom(filter, scope, window);
  const dir = filter.dir === 'asc' ? 'ASC' : 'DESC';
  return {
    sql: `SELECT ${INCIDENT_COLUMNS} ${sql}
      ORDER BY ${SORT_SQL[filter.sort]} ${dir}, opened_at DESC, incident_id`,
    params,
  };
}

/** How many incidents match the filters within the scope (all pages together). */
export async function countIncidents(client: ClickHouseClient, filter: IncidentQuery, scope: string | null): Promise<number> {
  const { sql, params } = queueFrom(filter, scope);
  const [row] = await queryRows<{ n: number | string }>(client, `SELECT count() AS n ${sql}`, params);
  return Number(row?.n ?? 0);
}

/** Distinct values for the queue's filter drop-downs, within the scope. */
export async function incidentFacets(client: ClickHouseClient, scope: string | null): Promise<Record<'category' | 'ministry' | 'model', string[]>> {
  const cond = scope === null ? '' : 'WHERE ministry = {scope_ministry:String}';
  // No FINAL: category, ministry and model never change between an incident's versions
  // (incidentsFinal). A GROUP BY of exactly these columns, so ClickHouse answers it from the
  // p_facets projection (migration 0186): a few rows per part instead of every incident.
  const rows = await queryRows<{ ministry: string; category: string; model: string }>(
    client,
    `SELECT ministry, category, model FROM incidents ${cond} GROUP BY ministry, category, model`,
    scope === null ? {} : { scope_ministry: scope },
  );
  const sorted = (k: 'ministry' | 'category' | 'model') => [...new Set(rows.map((r) => r[k]))].sort();
  return { category: sorted('category'), ministry: sorted('ministry'), model: sorted('model') };
}

// ------------------------------------------------------------------------------- digest and status

/** Incidents opened in [from, to) per ministry, severity and category (the daily digest's "opened"). */
export async function openedIncidentCounts(
  client: ClickHouseClient,
  range: { from: string; to: string },
): Promise<{ ministry: string; severity: string; category: string; n: number }[]> {
  const rows = await queryRows<{ ministry: string; severity: string; category: string; n: number | string }>(
    client,
    `SELECT ministry, severity, category, count() AS n
       ${incidentsFinal({ prewhere: ["opened_at >= parseDateTime64BestEffort({from:String}, 3, 'UTC') AND opened_at < parseDateTime64BestEffort({to:String}, 3, 'UTC')"], where: [] })}
      GROUP BY ministry, severity, category`,
    range,
  );
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}

/**
 * Per ministry: the backlog still open among incidents opened before `to`, and the verdicts
 * (confirmed, false positive) whose latest version was written in [from, to). Read from the latest
 * version, so a verdict changed later counts on the day of its latest change.
 */
export async function incidentStateCounts(
  client: ClickHouseClient,
  range: { from: string; to: string },
): Promise<{ ministry: string; open_backlog: number; confirmed: number; false_positive: number }[]> {
  const rows = await queryRows<{ ministry: string; open_backlog: number | string; confirmed: number | string; false_positive: number | string }>(
    client,
    `SELECT ministry,
            countIf(status != 'resolved' AND opened_at < parseDateTime64BestEffort({to:String}, 3, 'UTC')) AS open_backlog,
            countIf(verdict = 'confirmed' AND updated_at >= parseDateTime64BestEffort({from:String}, 3, 'UTC') AND updated_at < parseDateTime64BestEffort({to:String}, 3, 'UTC')) AS confirmed,
            countIf(verdict = 'false_positive' AND updated_at >= parseDateTime64BestEffort({from:String}, 3, 'UTC') AND updated_at < parseDateTime64BestEffort({to:String}, 3, 'UTC')) AS false_positive
       FROM incidents FINAL
      GROUP BY ministry`,
    range,
  );
  return rows.map((r) => ({ ministry: r.ministry, open_backlog: Number(r.open_backlog), confirmed: Number(r.confirmed), false_positive: Number(r.false_positive) }));
}

/** How many incidents are stored (every ministry, every status). */
export async function incidentTotal(client: ClickHouseClient): Promise<number> {
  const [row] = await queryRows<{ n: number | string }>(client, 'SELECT count() AS n FROM incidents FINAL');
  return Number(row?.n ?? 0);
}
