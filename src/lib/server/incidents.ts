// Incident triage: the queue, one incident with its output, flags and history, and the triage writes.
// The evaluator runner opens incidents; every change here writes a new version of the incidents row
// (ReplacingMergeTree(version): the latest version is the state), one incident_events row (history)
// and one audit_log row, in that order, so the history never claims a change the state does not have.
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../../../clickhouse/client.ts';
import { SEVERITIES } from '../../../contracts/flags.ts';
import { INCIDENT_STATUSES, TRANSITIONS, isIncidentStatus, type IncidentRow, type IncidentStatus } from '../../../contracts/incidents.ts';
import { writeAudit, type AuditActor } from './audit.ts';
import { pageInfo, pageWindow, parsePaging, type PageInfo, type PageWindow, type PerPage } from '../paging.ts';

export { INCIDENT_STATUSES, TRANSITIONS, isIncidentStatus, type IncidentStatus } from '../../../contracts/incidents.ts';

/** A triage request that cannot be carried out; `status` is the HTTP status to answer with. */
export class TriageError extends Error {
  override name = 'TriageError';
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

/** A stored incident (every column of `incidents`). */
export type Incident = IncidentRow & { updated_at: string };

const INCIDENT_COLUMNS =
  'incident_id, output_id, ministry, app, model, category, severity, rule_ids, title, status, assignee, verdict, output_at, opened_at, updated_at, version, source';

// ---------------------------------------------------------------------------------------------- queue

export const AGE_BUCKETS = ['lt1d', '1to7d', 'gt7d', 'gt30d'] as const;
export const SORT_KEYS = ['opened_at', 'severity', 'status', 'ministry', 'model', 'category', 'updated_at', 'assignee'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface IncidentFilter {
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
  /** 1-based page of `per` rows (the CSV export ignores both and has every row). */
  page: number;
  per: PerPage;
}

/** The queue's filters as they appear in the URL (unknown values are dropped, not trusted). */
export function parseIncidentFilter(params: URLSearchParams): IncidentFilter {
  const pick = (k: string) => params.get(k)?.trim() || undefined;
  const status = pick('status');
  const severity = pick('severity');
  const age = pick('age');
  const sort = pick('sort');
  return {
    status: status === 'open' || isIncidentStatus(status) ? status : undefined,
    category: pick('category'),
    severity: (SEVERITIES as readonly string[]).includes(severity ?? '') ? severity : undefined,
    ministry: pick('ministry'),
    model: pick('model'),
    age: (AGE_BUCKETS as readonly string[]).includes(age ?? '') ? (age as IncidentFilter['age']) : undefined,
    assignee: pick('assignee'),
    sort: (SORT_KEYS as readonly string[]).includes(sort ?? '') ? (sort as SortKey) : 'opened_at',
    dir: pick('dir') === 'asc' ? 'asc' : 'desc',
    ...parsePaging(params),
  };
}

const AGE_SQL: Record<NonNullable<IncidentFilter['age']>, string> = {
  lt1d: 'opened_at >= now64(3) - INTERVAL 1 DAY',
  '1to7d': 'opened_at < now64(3) - INTERVAL 1 DAY AND opened_at >= now64(3) - INTERVAL 7 DAY',
  gt7d: 'opened_at < now64(3) - INTERVAL 7 DAY',
  gt30d: 'opened_at < now64(3) - INTERVAL 30 DAY',
};

const SORT_SQL: Record<SortKey, string> = {
  opened_at: 'opened_at',
  updated_at: 'updated_at',
  severity: `indexOf([${SEVERITIES.map((s) => `'${s}'`).join(',')}], severity)`,
  status: `indexOf([${INCIDENT_STATUSES.map((s) => `'${s}'`).join(',')}], status)`,
  ministry: 'ministry',
  model: 'model',
  category: 'category',
  assignee: 'assignee',
};

/** The WHERE clause of the queue's filters; `scope` (a CAIO's ministry) always applies. */
function queueWhere(filter: IncidentFilter, scope: string | null): { sql: string; params: Record<string, unknown> } {
  const where: string[] = ['1'];
  const params: Record<string, unknown> = {};
  const eq = (column: keyof IncidentFilter & string, value: string | undefined) => {
    if (value === undefined) return;
    where.push(`${column} = {${column}:String}`);
    params[column] = value;
  };
  if (filter.status === 'open') where.push(`status != 'resolved'`);
  else eq('status', filter.status);
  eq('category', filter.category);
  eq('severity', filter.severity);
  eq('ministry', filter.ministry);
  eq('model', filter.model);
  eq('assignee', filter.assignee);
  if (filter.age) where.push(AGE_SQL[filter.age]);
  if (scope !== null) {
    where.push('ministry = {scope_ministry:String}');
    params.scope_ministry = scope;
  }
  return { sql: where.join(' AND '), params };
}

/** Most rows one CSV export (or one scripted pass over the queue) reads. */
export const INCIDENT_EXPORT_MAX = 100_000;

/**
 * The queue, newest first by default, one window of it (by default the filter's page). The order
 * ends in incident_id, which is unique, so consecutive pages neither repeat nor skip an incident.
 * `scope` is guard.ministryScope(locals): a CAIO's ministry is always applied, whatever the URL asks for.
 */
export async function listIncidents(
  client: ClickHouseClient,
  filter: IncidentFilter,
  scope: string | null,
  window: PageWindow = pageWindow(filter),
): Promise<Incident[]> {
  const { sql, params } = queueWhere(filter, scope);
  const dir = filter.dir === 'asc' ? 'ASC' : 'DESC';
  return queryRows<Incident>(
    client,
    `SELECT ${INCIDENT_COLUMNS} FROM incidents FINAL WHERE ${sql}
      ORDER BY ${SORT_SQL[filter.sort]} ${dir}, opened_at DESC, incident_id
      LIMIT {limit:UInt32} OFFSET {offset:UInt64}`,
    { ...params, limit: Math.min(window.limit, INCIDENT_EXPORT_MAX), offset: window.offset },
  );
}

/** How many incidents match the filters within the scope (all pages together). */
export async function countIncidents(client: ClickHouseClient, filter: IncidentFilter, scope: string | null): Promise<number> {
  const { sql, params } = queueWhere(filter, scope);
  const [row] = await queryRows<{ n: number | string }>(client, `SELECT count() AS n FROM incidents FINAL WHERE ${sql}`, params);
  return Number(row?.n ?? 0);
}

/**
 * One page of the queue with its position: the rows, the total and the page actually shown (a page
 * past the end, e.g. after incidents were resolved under a status filter, shows the last page).
 */
export async function incidentQueuePage(
  client: ClickHouseClient,
  filter: IncidentFilter,
  scope: string | null,
): Promise<{ incidents: Incident[]; paging: PageInfo }> {
  const [total, rows] = await Promise.all([countIncidents(client, filter, scope), listIncidents(client, filter, scope)]);
  const paging = pageInfo(total, filter);
  const incidents = paging.page === filter.page ? rows : await listIncidents(client, { ...filter, page: paging.page }, scope);
  return { incidents, paging };
}

/** The queue's columns in its CSV export, in table order. */
export const INCIDENT_CSV_COLUMNS = ['incident_id', 'title', 'status', 'severity', 'category', 'ministry', 'model', 'assignee', 'opened_at'] as const;

/** Distinct values for the queue's filter drop-downs, within the scope. */
export async function incidentFacets(client: ClickHouseClient, scope: string | null): Promise<Record<'category' | 'ministry' | 'model', string[]>> {
  const cond = scope === null ? '' : 'WHERE ministry = {scope_ministry:String}';
  // Aliases differ from the column names: ClickHouse would otherwise read `ministry` in WHERE as the aggregate.
  const [row] = await queryRows<{ categories: string[]; ministries: string[]; models: string[] }>(
    client,
    `SELECT arraySort(groupUniqArray(category)) AS categories, arraySort(groupUniqArray(ministry)) AS ministries,
            arraySort(groupUniqArray(model)) AS models FROM incidents FINAL ${cond}`,
    scope === null ? {} : { scope_ministry: scope },
  );
  return { category: row?.categories ?? [], ministry: row?.ministries ?? [], model: row?.models ?? [] };
}

// -------------------------------------------------------------------------------------------- detail

export async function getIncident(client: ClickHouseClient, incidentId: string): Promise<Incident | undefined> {
  const [row] = await queryRows<Incident>(
    client,
    `SELECT ${INCIDENT_COLUMNS} FROM incidents FINAL WHERE incident_id = {id:String}`,
    { id: incidentId },
  );
  return row;
}

export async function getIncidents(client: ClickHouseClient, ids: string[]): Promise<Incident[]> {
  if (ids.length === 0) return [];
  return queryRows<Incident>(
    client,
    `SELECT ${INCIDENT_COLUMNS} FROM incidents FINAL WHERE incident_id IN {ids:Array(String)}`,
    { ids },
  );
}

export interface IncidentOutput {
  output_id: string;
  occurred_at: string;
  app: string;
  model: string;
  language: string;
  confidentiality_level: number;
  prompt: string;
  response: string;
}

export interface IncidentFlag {
  evaluator: string;
  evaluator_version: string;
  category: string;
  rule_id: string;
  severity: string;
  confidence: number;
  where: 'prompt' | 'response';
  evidence: { start: number; end: number; text: string }[];
  explanation: string;
}

export interface IncidentEvent {
  at: string;
  actor: string;
  action: string;
  from_status: string;
  to_status: string;
  assignee: string;
  verdict: string;
  note: string;
}

export async function getIncidentOutput(client: ClickHouseClient, outputId: string): Promise<IncidentOutput | undefined> {
  const [row] = await queryRows<IncidentOutput>(
    client,
    `SELECT output_id, occurred_at, app, model, language, confidentiality_level, prompt, response
       FROM outputs FINAL WHERE output_id = {id:String}`,
    { id: outputId },
  );
  return row;
}

export async function getOutputFlags(client: ClickHouseClient, outputId: string): Promise<IncidentFlag[]> {
  const rows = await queryRows<Omit<IncidentFlag, 'evidence'> & { evidence: string }>(
    client,
    `SELECT evaluator, evaluator_version, category, rule_id, severity, confidence, where, evidence, explanation
       FROM flags FINAL WHERE output_id = {id:String} AND is_deleted = 0
      ORDER BY indexOf([${SEVERITIES.map((s) => `'${s}'`).join(',')}], severity) DESC, evaluator, rule_id, evidence_start`,
    { id: outputId },
  );
  return rows.map((r) => ({ ...r, where: r.where === 'prompt' ? 'prompt' : 'response', evidence: parseEvidence(r.evidence) }));
}

/** flags.evidence is a JSON array of {start, end, text}; anything malformed counts as no evidence. */
export function parseEvidence(json: string): IncidentFlag['evidence'] {
  try {
    const parsed: unknown = JSON.parse(json);
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((e) => e && Number.isInteger(e.start) && Number.isInteger(e.end) && e.end >= e.start)
      .map((e) => ({ start: e.start, end: e.end, text: typeof e.text === 'string' ? e.text : '' }));
  } catch {
    return [];
  }
}

export async function getIncidentEvents(client: ClickHouseClient, incidentId: string): Promise<IncidentEvent[]> {
  return queryRows<IncidentEvent>(
    client,
    `SELECT at, actor, action, from_status, to_status, assignee, verdict, note
       FROM incident_events WHERE incident_id = {id:String} ORDER BY at, action`,
    { id: incidentId },
  );
}

// ------------------------------------------------------------------------------------ evidence spans

export interface Span {
  start: number;
  end: number;
  /** Which flag (1-based, as numbered on the page) the span belongs to. */
  ref: number;
}
export interface Segment {
  text: string;
  /** Flags whose evidence covers this piece; empty for plain text. */
  refs: number[];
}

/**
 * Cuts text into plain and highlighted pieces. Offsets are UTF-16 code units (JavaScript string
 * indices); out-of-range spans are clamped, and a cut that would split a surrogate pair moves to
 * keep the character whole. The pieces are rendered as text nodes, never as HTML.
 */
export function highlightSegments(text: string, spans: Span[]): Segment[] {
  const valid = spans
    .map((s) => ({ ref: s.ref, start: wholeChar(text, clamp(s.start, text.length)), end: wholeChar(text, clamp(s.end, text.length)) }))
    .filter((s) => s.end > s.start);
  if (valid.length === 0) return text === '' ? [] : [{ text, refs: [] }];
  const cuts = [...new Set([0, text.length, ...valid.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (let i = 0; i < cuts.length - 1; i++) {
    const [from, to] = [cuts[i], cuts[i + 1]];
    const refs = [...new Set(valid.filter((s) => s.start <= from && s.end >= to).map((s) => s.ref))].sort((a, b) => a - b);
    const last = segments.at(-1);
    if (last && last.refs.join() === refs.join()) last.text += text.slice(from, to);
    else segments.push({ text: text.slice(from, to), refs });
  }
  return segments;
}

function clamp(n: number, max: number): number {
  return Math.max(0, Math.min(Number.isFinite(n) ? Math.trunc(n) : 0, max));
}

function wholeChar(text: string, i: number): number {
  const high = text.charCodeAt(i - 1);
  const low = text.charCodeAt(i);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff ? i - 1 : i;
}

// -------------------------------------------------------------------------------------------- writes

// Triage writes for one incident run one at a time in this process, so two reviewers clicking at
// once cannot both read version N and both write N+1 with different states.
const locks = new Map<string, Promise<unknown>>();
async function exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
  const prior = locks.get(key) ?? Promise.resolve();
  const run = prior.then(work, work);
  const settled = run.catch(() => undefined);
  locks.set(key, settled);
  try {
    return await run;
  } finally {
    if (locks.get(key) === settled) locks.delete(key);
  }
}

export interface TriageContext {
  who: AuditActor;
  /** guard.ministryScope(locals): incidents outside it are refused. */
  scope: string | null;
  /** The version the user saw; a different current version means someone else changed it. */
  expectedVersion?: number;
}

async function loadForWrite(client: ClickHouseClient, incidentId: string, ctx: TriageContext): Promise<Incident> {
  const current = await getIncident(client, incidentId);
  if (!current) throw new TriageError(`incident ${incidentId} does not exist`, 404);
  if (ctx.scope !== null && current.ministry !== ctx.scope) throw new TriageError('this incident belongs to another ministry', 403);
  if (ctx.expectedVersion !== undefined && Number(current.version) !== ctx.expectedVersion) {
    throw new TriageError('someone else changed this incident since you opened it; reload to see the change', 409);
  }
  return current;
}

async function writeChange(
  client: ClickHouseClient,
  current: Incident,
  changes: Partial<Pick<Incident, 'status' | 'assignee' | 'verdict'>>,
  event: { action: 'status' | 'assign' | 'note'; note: string },
  ctx: TriageContext,
): Promise<Incident> {
  const now = new Date();
  // Time-based and strictly increasing: later than any version the runner or an earlier write used.
  const version = Math.max(Number(current.version) + 1, now.getTime());
  const next: Incident = { ...current, ...changes, updated_at: now.toISOString(), version };
  if (event.action !== 'note') {
    await client.insert({ table: 'incidents', values: [next], format: 'JSONEachRow' });
  }
  await client.insert({
    table: 'incident_events',
    values: [
      {
        incident_id: current.incident_id,
        at: now.toISOString(),
        actor: ctx.who.actor,
        action: event.action,
        from_status: current.status,
        to_status: next.status,
        assignee: next.assignee,
        verdict: next.verdict,
        note: event.note,
      },
    ],
    format: 'JSONEachRow',
  });
  const auditAction = event.action === 'status' ? 'triage_status' : event.action === 'assign' ? 'triage_assign' : 'triage_note';
  await writeAudit(
    client,
    ctx.who,
    {
      action: auditAction,
      target: current.incident_id,
      ministry: current.ministry,
      detail: { from: current.status, to: next.status, assignee: next.assignee, verdict: next.verdict, note_chars: event.note.length },
    },
    now,
  );
  return event.action === 'note' ? current : next;
}

const MAX_NOTE = 4000;
function cleanNote(note: string | undefined): string {
  const text = (note ?? '').trim();
  if (text.length > MAX_NOTE) throw new TriageError(`a note is at most ${MAX_NOTE} characters`);
  return text;
}

/** Moves an incident along the status flow; confirmed / false_positive also set the verdict. */
export async function transitionIncident(
  client: ClickHouseClient,
  incidentId: string,
  to: string,
  ctx: TriageContext & { note?: string },
): Promise<Incident> {
  if (!isIncidentStatus(to)) throw new TriageError(`"${to}" is not a status (expected one of ${INCIDENT_STATUSES.join(', ')})`);
  const note = cleanNote(ctx.note);
  return exclusive(incidentId, async () => {
    const current = await loadForWrite(client, incidentId, ctx);
    const from = isIncidentStatus(current.status) ? current.status : 'new';
    if (!TRANSITIONS[from].includes(to)) {
      const allowed = TRANSITIONS[from];
      throw new TriageError(
        `cannot move an incident from ${from} to ${to}: ` +
          (allowed.length ? `from ${from} it can only go to ${allowed.join(' or ')}` : `${from} is final`),
        409,
      );
    }
    const verdict = to === 'confirmed' || to === 'false_positive' ? to : current.verdict;
    return writeChange(client, current, { status: to, verdict }, { action: 'status', note }, ctx);
  });
}

export async function assignIncident(
  client: ClickHouseClient,
  incidentId: string,
  assignee: string,
  ctx: TriageContext & { note?: string },
): Promise<Incident> {
  const note = cleanNote(ctx.note);
  return exclusive(incidentId, async () => {
    const current = await loadForWrite(client, incidentId, ctx);
    if (current.assignee === assignee) return current;
    return writeChange(client, current, { assignee }, { action: 'assign', note }, ctx);
  });
}

export async function addIncidentNote(client: ClickHouseClient, incidentId: string, note: string, ctx: TriageContext): Promise<void> {
  const text = cleanNote(note);
  if (!text) throw new TriageError('the note is empty');
  await exclusive(incidentId, async () => {
    const current = await loadForWrite(client, incidentId, { ...ctx, expectedVersion: undefined });
    await writeChange(client, current, {}, { action: 'note', note: text }, ctx);
  });
}

/** Assigns several incidents; each is checked and recorded on its own, failures are reported per id. */
export async function assignIncidents(
  client: ClickHouseClient,
  incidentIds: string[],
  assignee: string,
  ctx: TriageContext,
): Promise<{ assigned: string[]; failed: { id: string; reason: string }[] }> {
  const result = { assigned: [] as string[], failed: [] as { id: string; reason: string }[] };
  for (const id of [...new Set(incidentIds)]) {
    try {
      await assignIncident(client, id, assignee, { ...ctx, expectedVersion: undefined });
      result.assigned.push(id);
    } catch (err) {
      if (!(err instanceof TriageError)) throw err;
      result.failed.push({ id, reason: err.message });
    }
  }
  return result;
}
