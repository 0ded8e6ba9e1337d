// The dashboard's filters (date range, ministry, app, model) as they travel in the URL query string,
// so any view can be shared as a link. Parsing is strict: a bad value is a clear 400, never a silently
// different view. Every query module turns the same Filters into the same WHERE clause and parameters.
import { STORE_DAY_RANGE, STORE_MIN_DAY, isStoreDay } from '../../../../contracts/dates.ts';
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

/** A malformed filter value (bad date, unknown code, range too long): answered with 400. */
export class FilterError extends Error {
  override name = 'FilterError';
  readonly status = 400;
}

/** The viewer may not see what the filters ask for (another ministry, or a CAIO without one): 403. */
export class ScopeError extends Error {
  override name = 'ScopeError';
  readonly status = 403;
}

/** Longest range a page may ask for: keeps the daily series readable and the rollup scans bounded. */
export const MAX_RANGE_DAYS = 731;
export const DEFAULT_RANGE_DAYS = 30;
/**
 * Most days any loop over dates may produce: the longest range widened to whole weeks on both ends.
 * Every date loop counts its steps against this instead of comparing date strings, so no input can
 * make it run away (string comparison breaks past year 9999: "+010000-01-01" < "9999-12-31").
 */
export const MAX_LOOP_DAYS = MAX_RANGE_DAYS + 14;

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

/**
 * Every `step`-th day from `from` up to `to` inclusive. Counted, not compared: a span that is not a
 * number of days (an unparsable date) or longer than MAX_LOOP_DAYS is a RangeError, never a long loop.
 */
export function daySteps(from: string, to: string, step: number): string[] {
  const span = daysBetween(from, to);
  if (!Number.isInteger(span) || span > MAX_LOOP_DAYS || !(step >= 1)) {
    throw new RangeError(`refusing to loop over days from ${JSON.stringify(from)} to ${JSON.stringify(to)} (at most ${MAX_LOOP_DAYS} days)`);
  }
  const out: string[] = [];
  for (let i = 0; i <= span; i += step) out.push(addDays(from, i));
  return out;
}

/** Every day from..to inclusive, so series have a point (zero) on days without data. */
export function dayRange(from: string, to: string): string[] {
  return daySteps(from, to, 1);
}

/** The Monday (ISO week start, UTC) of the week containing `day`. */
export function mondayOf(day: string): string {
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(day, -((dow + 6) % 7));
}

/** The Mondays of the weeks that overlap from..to. */
export function weekStarts(from: string, to: string): string[] {
  return daySteps(mondayOf(from), to, 7);
}

export interface ParseOptions {
  /** The ministry the viewer is limited to (a CAIO), or null for every ministry. */
  scope: string | null;
  /** The `to` day when the URL gives none (usually the latest day with data). */
  defaultTo: string;
  /**
   * The ministry the page itself is about (/ministries/[code]): it replaces whatever `?ministry=`
   * says, and the scope still applies to it.
   */
  fixedMinistry?: string;
}

/** A `YYYY-MM-DD` the store can hold (contracts/dates.ts), else a FilterError naming the parameter. */
function storeDay(name: 'from' | 'to', value: string, example: string): string {
  if (!isStoreDay(value)) {
    throw new FilterError(`${name} must be a real date like ${example} between ${STORE_DAY_RANGE}, got ${JSON.stringify(value.slice(0, 40))}`);
  }
  return value;
}

export function parseFilters(params: URLSearchParams, opts: ParseOptions): Filters {
  // A CAIO account without a ministry would otherwise read as "no ministry filter", i.e. every ministry.
  if (opts.scope === '') throw new ScopeError('your account is limited to a ministry but has none; ask an administrator');
  const get = (k: string) => params.get(k)?.trim() || null;
  const to = storeDay('to', get('to') ?? opts.defaultTo, '2026-07-31');
  const from = storeDay('from', get('from') ?? maxDay(addDays(to, -(DEFAULT_RANGE_DAYS - 1)), STORE_MIN_DAY), '2026-07-01');
  if (from > to) throw new FilterError(`from (${from}) is after to (${to})`);
  if (daysBetween(from, to) >= MAX_RANGE_DAYS) throw new FilterError(`the date range is longer than ${MAX_RANGE_DAYS} days`);

  let ministry = opts.fixedMinistry ?? get('ministry');
  if (ministry !== null && !isMinistryCode(ministry)) throw new FilterError(`unknown ministry code ${JSON.stringify(ministry.slice(0, 40))}`);
  if (opts.scope !== null) {
    if (ministry !== null && ministry !== opts.scope) throw new ScopeError(`you may only view ministry ${opts.scope}`);
    ministry = opts.scope;
  }
  const app = get('app');
  if (app !== null && !APP.test(app)) throw new FilterError(`app must be a lower-case identifier, got ${JSON.stringify(app.slice(0, 40))}`);
  const model = get('model');
  if (model !== null && model.length > 100) throw new FilterError('model name is longer than 100 characters');
  return { from, to, ministry, app, model };
}

function maxDay(a: string, b: string): string {
  return a > b ? a : b;
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

/** A WHERE clause and the parameters it names: built together, so the two can never disagree. */
export interface Where {
  sql: string;
  params: Record<string, string>;
}

/**
 * The WHERE conditions for Filters with their parameters; values always travel as query parameters,
 * never in the SQL text. `params` always carries from/to (queries with `noDates` use {to:Date} for
 * their own window).
 */
export function where(f: Filters, o: WhereOptions): Where {
  const c: string[] = [];
  const params: Record<string, string> = { from: f.from, to: f.to };
  if (!o.noDates) c.push(`${o.day} >= {from:Date}`, `${o.day} <= {to:Date}`);
  if (f.ministry !== null) {
    c.push('ministry = {ministry:String}');
    params.ministry = f.ministry;
  }
  if (!o.noAppModel && f.app !== null) {
    c.push('app = {app:String}');
    params.app = f.app;
  }
  if (!o.noAppModel && f.model !== null) {
    c.push('model = {model:String}');
    params.model = f.model;
  }
  return { sql: c.length ? c.join(' AND ') : '1', params };
}
