// The one range of dates the product accepts, stores and loops over, defined once.
//
// Why these bounds: events land in DateTime64 columns, but the tables also compute `toDate(occurred_at)`
// (sort key, Date: 1970-01-01..2149-06-06) and `toDateTime(occurred_at)` (raw-text TTL, DateTime:
// 1970-01-01..2106-02-07). Outside the narrowest of them ClickHouse wraps the value to another day,
// which silently defeats deduplication. So an event's time, a dashboard filter's `from`/`to` and any
// loop over days stay inside [STORE_MIN_DAY, STORE_MAX_DAY].
// Zod-free: browser code may import it.

/** First calendar day (UTC) the store can hold. */
export const STORE_MIN_DAY = '1970-01-01';
/** Last calendar day (UTC) the store can hold (DateTime ends on 2106-02-07; a whole year of margin). */
export const STORE_MAX_DAY = '2105-12-31';
/** The same bounds in epoch milliseconds, inclusive. */
export const STORE_MIN_MS = Date.UTC(1970, 0, 1);
export const STORE_MAX_MS = Date.UTC(2105, 11, 31, 23, 59, 59, 999);

/** Human-readable form for error messages, e.g. "1970-01-01..2105-12-31". */
export const STORE_DAY_RANGE = `${STORE_MIN_DAY}..${STORE_MAX_DAY}`;

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `s` is a real calendar day `YYYY-MM-DD` (no 2026-13-01, no 0000-00-00) inside the store's range. */
export function isStoreDay(s: string): boolean {
  const m = ISO_DAY.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return false;
  return ms >= STORE_MIN_MS && ms <= STORE_MAX_MS;
}

/** True when an epoch-millisecond instant lies inside the store's range. */
export function inStoreRange(ms: number): boolean {
  return Number.isFinite(ms) && ms >= STORE_MIN_MS && ms <= STORE_MAX_MS;
}
