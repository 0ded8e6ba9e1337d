// A report's period (a calendar month, a quarter, or any range of days) as the inclusive UTC days the
// dashboard's filters use, and the period just before it that every figure is compared with.
import { isStoreDay } from '../../../../contracts/dates.ts';
import type { PeriodKind } from '../../../../contracts/reports.ts';
import { MAX_RANGE_DAYS, addDays, daysBetween } from '../queries/filters.ts';

export interface Period {
  kind: PeriodKind;
  /** The period as the user wrote it (2026-11, 2026-Q4, 2026-10-01..2026-10-31). */
  label: string;
  from: string;
  to: string;
}

export class PeriodError extends Error {}

const MONTH = /^(\d{4})-(\d{2})$/;
const QUARTER = /^(\d{4})-Q([1-4])$/;
const CUSTOM = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/;

function lastDayOfMonth(y: number, m: number): string {
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function checkDays(from: string, to: string): void {
  if (!isStoreDay(from) || !isStoreDay(to)) throw new PeriodError(`the period must lie between 1970-01-01 and 2105-12-31`);
}

export function parsePeriod(kind: PeriodKind, value: string): Period {
  const v = value.trim();
  if (kind === 'month') {
    const m = MONTH.exec(v);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new PeriodError(`a month looks like 2026-11, got ${JSON.stringify(value)}`);
    const [y, mo] = [Number(m[1]), Number(m[2])];
    const p = { kind, label: v, from: `${m[1]}-${m[2]}-01`, to: lastDayOfMonth(y, mo) };
    checkDays(p.from, p.to);
    return p;
  }
  if (kind === 'quarter') {
    const m = QUARTER.exec(v.toUpperCase());
    if (!m) throw new PeriodError(`a quarter looks like 2026-Q4, got ${JSON.stringify(value)}`);
    const [y, q] = [Number(m[1]), Number(m[2])];
    const p = { kind, label: `${y}-Q${q}`, from: `${y}-${pad(q * 3 - 2)}-01`, to: lastDayOfMonth(y, q * 3) };
    checkDays(p.from, p.to);
    return p;
  }
  const m = CUSTOM.exec(v);
  if (!m) throw new PeriodError(`a custom period looks like 2026-10-01..2026-10-31, got ${JSON.stringify(value)}`);
  const [from, to] = [m[1], m[2]];
  checkDays(from, to);
  if (from > to) throw new PeriodError(`the period starts (${from}) after it ends (${to})`);
  if (daysBetween(from, to) >= MAX_RANGE_DAYS) throw new PeriodError(`the period is longer than ${MAX_RANGE_DAYS} days`);
  return { kind, label: `${from}..${to}`, from, to };
}

/** The period before: the previous month or quarter, or for a custom range the same number of days just before it. */
export function previousPeriod(p: Period): Period {
  if (p.kind === 'month') {
    const d = new Date(`${p.from}T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() - 1);
    return parsePeriodLoose('month', d.toISOString().slice(0, 7), p);
  }
  if (p.kind === 'quarter') {
    const d = new Date(`${p.from}T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() - 3);
    return parsePeriodLoose('quarter', `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`, p);
  }
  const len = daysBetween(p.from, p.to) + 1;
  const to = addDays(p.from, -1);
  const from = addDays(p.from, -len);
  if (!isStoreDay(from)) return { kind: 'custom', label: `${p.from}..${p.from}`, from: p.from, to: p.from };
  return { kind: 'custom', label: `${from}..${to}`, from, to };
}

/** The first period has no predecessor inside the store's range: compare it with itself (changes read 0). */
function parsePeriodLoose(kind: PeriodKind, value: string, fallback: Period): Period {
  try {
    return parsePeriod(kind, value);
  } catch {
    return fallback;
  }
}

/** The last complete month before `today` (YYYY-MM): the default period of the form and of the monthly schedule. */
export function lastCompleteMonth(today: string): string {
  const d = new Date(`${today.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
}

export function lastCompleteQuarter(today: string): string {
  const d = new Date(`${today.slice(0, 7)}-01T00:00:00Z`);
  const q = Math.floor(d.getUTCMonth() / 3); // current quarter index 0..3
  return q === 0 ? `${d.getUTCFullYear() - 1}-Q4` : `${d.getUTCFullYear()}-Q${q}`;
}
