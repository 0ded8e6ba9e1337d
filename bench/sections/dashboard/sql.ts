// SQL pieces shared by the generators (dataset.ts, triage-data.ts): literals, per-row random draws
// from cityHash64 of the row number (deterministic runs), and the threads generation may use.
import type { ClickHouseSettings } from '@clickhouse/client';

/** Two threads: the bench machine has 2 cores, and generation should not starve the page timings' neighbours. */
export const GENERATION_SETTINGS: ClickHouseSettings = { max_insert_threads: '2', max_threads: 2 };

export const lit = (v: unknown): string => {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(12);
  if (Array.isArray(v)) return `[${v.map(lit).join(', ')}]`;
  throw new Error(`cannot render ${String(v)} as SQL`);
};

/** A uniform draw in [0, 1) for row `n` and stream `k`. */
export const U = (k: number) => `(cityHash64(n, ${k}) / 18446744073709551616.)`;
/** A standard normal draw (Box-Muller over two streams). */
export const Z = (a: number, b: number) => `(sqrt(-2 * log(1 - ${U(a)})) * cos(2 * pi() * ${U(b)}))`;


/** A uniform draw in [0, 1) keyed by any SQL expression (an id) and stream `k`. */
export const UK = (key: string, k: number) => `(cityHash64(${key}, ${k}) / 18446744073709551616.)`;
