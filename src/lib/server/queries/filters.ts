// The dashboard's filters (date range, ministry, app, model) as they travel in the URL query string,
// so any view can be shared as a link. Parsing is strict: a bad value is a clear 400, never a silently
// different view. Every query module turns the same Filters into the same WHERE clause and parameters.
import { isMinistryCode } from '../../../../contracts/ministries.ts';

export interface Filters {
  /** First day, inclusive (YYYY-MM-DD, UTC). */
  from: string;
  /** Last day, inclusive (YYYY-MM-DD, UTC). */
  to: string;
  ministry: string | null;
  app: string | null;
  model: string | null;
}

export class FilterError extends Error {}

/** Longest range a page may ask for: keeps the daily series readable and the rollup scans bounded. */
export const MAX_RANGE_DAYS = 731;
export const DEFAULT_RANGE_DAYS = 30;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const APP = /^[a-z][a-z0-9_]{0,39}$/;

export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return isoDay(d);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Every day from..to inclusive, so series have a point (zero) on days without data. */
export function dayRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

function validDay(s: string): boolean {
  return DATE.test(s) && isoDay(new Date(`${s}T00:00:00Z`)) === s;
}

export interface ParseOptions {
  /** The ministry the viewer is limited to (a CAIO), or null for every ministry. */
  scope: string | null;
  /** The `to` day when the URL gives none (usually the latest day with data). */
  defaultTo: string;
}

export function parseFilters(params: URLSearchParams, opts: ParseOptions): Filters {
  const get = (k: string) => params.get(k)?.trim() || null;
  const to = get('to') ?? opts.defaultTo;
  if (!validDay(to)) throw new FilterError(`to must be a date like 2026-07-31, got ${JSON.stringify(to)}`);
  const from = get('from') ?? addDays(to, -(DEFAULT_RANGE_DAYS - 1));
  if (!validDay(from)) throw new FilterError(`from must be a date like 2026-07-01, got ${JSON.stringify(from)}`);
  if (from > to) throw new FilterError(`from (${from}) is after to (${to})`);
  if (daysBetween(from, to) >= MAX_RANGE_DAYS) throw new FilterError(`the date range is longer than ${MAX_RANGE_DAYS} days`);

  let ministry = get('ministry');
  if (ministry !== null && !isMinistryCode(ministry)) throw new FilterError(`unknown ministry code ${JSON.stringify(ministry)}`);
  if (opts.scope !== null) {
    if (ministry !== null && ministry !== opts.scope) throw new FilterError(`you may only view ministry ${opts.scope}`);
    ministry = opts.scope;
  }
  const app = get('app');
  if (app !== null && !APP.test(app)) throw new FilterError(`app must be a lower-case identifier, got ${JSON.stringify(app)}`);
  const model = get('model');
  if (model !== null && model.length > 100) throw new FilterError('model name is longer than 100 characters');
  return { from, to, ministry, app, model };
}

/** The filters as a query string (without '?'), for links that keep the current view. */
export function filtersToQuery(f: Filters, extra: Record<string, string | null | undefined> = {}): string {
  const q = new URLSearchParams();
  q.set('from', f.from);
  q.set('to', f.to);
  if (f.ministry) q.set('ministry', f.ministry);
  if (f.app) q.set('app', f.app);
  if (f.model) q.set('model', f.model);
  for (const [k, v] of Object.entries(extra)) if (v) q.set(k, v);
  return q.toString();
}

export interface WhereOptions {
  /** SQL expression for the row's day (e.g. `day`, `toDate(output_at)`). */
  day: string;
  /** Skip the date range (callers that set their own window). */
  noDates?: boolean;
  /** Tables without app/model columns. */
  noAppModel?: boolean;
}

/** The WHERE conditions for Filters; values always travel as query parameters, never in the SQL text. */
export function whereSql(f: Filters, o: WhereOptions): string {
  const c: string[] = [];
  if (!o.noDates) c.push(`${o.day} >= {from:Date}`, `${o.day} <= {to:Date}`);
  if (f.ministry) c.push('ministry = {ministry:String}');
  if (!o.noAppModel && f.app) c.push('app = {app:String}');
  if (!o.noAppModel && f.model) c.push('model = {model:String}');
  return c.length ? c.join(' AND ') : '1';
}

export function whereParams(f: Filters): Record<string, string> {
  const p: Record<string, string> = { from: f.from, to: f.to };
  if (f.ministry) p.ministry = f.ministry;
  if (f.app) p.app = f.app;
  if (f.model) p.model = f.model;
  return p;
}
