// A query's rows as a stream of batches, for reads too large to hold (CSV exports of a million rows).
// The caller pulls one batch at a time, so memory holds a batch, not the result, and a consumer that
// stops (a download the browser cancelled) ends the query.
//
// Server mode: the official client's HTTP result stream (`query(...).stream()`).
// Embedded mode: chDB's connection for @clickhouse/client materializes every result before returning
// it (its `query` buffers the whole output), and a query run on a session while that session streams
// ends the stream ("No active streaming query"). So a streamed read opens its own chDB session on the
// same data directory — chDB runs any number of connections to the directory it has open, sharing one
// engine — and streams there with the engine's own cursor (`Session.queryStreamBind`), leaving the
// process's shared client free for the dashboard and the ingester. The session closes when the
// stream ends, fails or is abandoned.
import type { ClickHouseSettings } from '@clickhouse/client';
import { embeddedDataDir, queryRows, type ClickHouseClient } from './client.ts';

/**
 * Settings every streamed read runs with. On a server, a sort larger than
 * `max_bytes_before_external_sort` spills to temporary files instead of growing with the row count.
 * In embedded chDB (3.4, ClickHouse 26.7) this did not bound the process's memory (measured: a sort of
 * 1 M incidents grows RSS by ≈ 550 MB with or without it, also with min_external_sort_block_bytes
 * lowered from its 100 MB default), so in embedded mode an export's ORDER BY costs memory in the
 * engine: docs/CAPACITY.md §7. 64-bit integers come as JSON numbers, as from the shared client.
 */
export const STREAM_SETTINGS = {
  max_bytes_before_external_sort: String(64 * 1024 * 1024),
  max_block_size: '8192',
  output_format_json_quote_64bit_integers: 0,
} satisfies ClickHouseSettings;

/** Rows of `query` (JSONEachRow) in the engine's blocks, in order; `return()` (or `break`) ends the query. */
export async function* streamRows<T>(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown> = {},
): AsyncGenerator<T[], void, undefined> {
  const dir = embeddedDataDir(client);
  if (dir !== undefined) yield* embeddedStream<T>(dir, query, params);
  else yield* clientStream<T>(client, query, params);
}

async function* clientStream<T>(client: ClickHouseClient, query: string, params: Record<string, unknown>): AsyncGenerator<T[]> {
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: STREAM_SETTINGS });
  try {
    for await (const rows of rs.stream<T>()) yield rows.map((r) => r.json<T>());
  } finally {
    rs.close(); // an abandoned download closes the HTTP response, and the server stops the query
  }
}

async function* embeddedStream<T>(dir: string, query: string, params: Record<string, unknown>): AsyncGenerator<T[]> {
  const { Session } = await import('chdb');
  const session = new Session(dir);
  try {
    const settings = Object.entries(STREAM_SETTINGS).map(([k, v]) => `${k} = ${Number(v)}`).join(', ');
    const stream = session.queryStreamBind(`${query}\nSETTINGS ${settings}`, params, { format: 'JSONEachRow' });
    // The stream cancels its cursor itself when this loop ends early or throws.
    for await (const chunk of stream) if (chunk.numRows > 0) yield chunk.rows<T>();
  } finally {
    session.close();
  }
}

/** One window of a split read: the values its conditions bind, and how many rows it holds. */
export interface StreamWindow {
  params: Record<string, string>;
  rows: number;
}

/**
 * One ordered read as consecutive windows, in turn, up to `limit` rows in all. `query` selects one
 * window: its conditions bind the window's `params`, and it ends in the whole read's ORDER BY (a LIMIT
 * is added). When the windows are disjoint ranges of the order's leading keys, listed in the order's
 * direction, their rows in turn are exactly the one query's rows. Why: one ordered query has to read
 * (and in embedded chDB, sort in memory) everything it matches before its first block leaves, so its
 * first byte and its memory grow with the rows stored; a window's grow with the window's.
 */
async function* streamWindows<T>(
  client: ClickHouseClient,
  windows: readonly StreamWindow[],
  query: string,
  params: Record<string, unknown>,
  limit: number,
): AsyncGenerator<T[], void, undefined> {
  let left = limit;
  for (const w of windows) {
    if (left <= 0) return;
    for await (const rows of streamRows<T>(client, `${query} LIMIT {limit:UInt64}`, { ...params, ...w.params, limit: left })) {
      left -= rows.length;
      yield rows;
    }
  }
}

/**
 * Most rows one window of an export holds (unless a single day of one key holds more). A window is
 * read, and in embedded chDB sorted in memory, before its first row leaves: its size bounds the
 * export's memory whatever the history. Windows were a calendar month before, which holds ~130,000
 * incidents or ~1 M audit rows at full rollout (docs/CAPACITY.md §8, §9). Each window is one more
 * query, a few ms on tables whose order starts with the window's time (the audit log by `at`;
 * `incidents` by output time since migration 0192, with a minmax index on opened_at).
 */
export const WINDOW_MAX_ROWS = 25_000;

/**
 * Most rows the first window holds. The first byte waits for the first window, and a window of N
 * matching rows spans fewer days the denser the history: its read (the days' granules) then stays
 * about the same at any history, where a full window of a filter that matches a small share of the
 * rows (one reviewer's audit rows) spans weeks whose every granule is read. Measured on the 100 M
 * size-run store (p50 of 7): one reviewer's audit export 182 → 62 ms to the first byte, one action's
 * 106 → 42; a 7-day range (one day is already over the limit there) 74 → 75.
 */
export const FIRST_WINDOW_MAX_ROWS = 2_500;

/** Rows of one day (UTC, YYYY-MM-DD) that a split read matches, with the value of its other key if any. */
export interface DayCount {
  key?: string;
  day: string;
  rows: number;
}

/**
 * Days listed in the read's order (by key, then by day in either direction) joined into windows:
 * consecutive days of the same key, up to `maxRows` rows together, the first up to `firstMaxRows`
 * (FIRST_WINDOW_MAX_ROWS unless maxRows is smaller; a day is never split). A window's
 * params are its key (`w_key`, when there is one) and its first and last day (`w_first`, `w_last`,
 * bound by dayWindowCondition): days between two listed days hold no matching row, so the range
 * holds exactly the window's days.
 */
export function dayWindows(days: readonly DayCount[], maxRows = WINDOW_MAX_ROWS, firstMaxRows = Math.min(maxRows, FIRST_WINDOW_MAX_ROWS)): StreamWindow[] {
  const out: StreamWindow[] = [];
  let cur: { key?: string; first: string; last: string; rows: number } | null = null;
  const close = () => {
    if (!cur) return;
    out.push({ params: { ...(cur.key === undefined ? {} : { w_key: cur.key }), w_first: cur.first, w_last: cur.last }, rows: cur.rows });
    cur = null;
  };
  for (const d of days) {
    if (cur && (cur.key !== d.key || cur.rows + d.rows > (out.length === 0 ? firstMaxRows : maxRows))) close();
    if (!cur) cur = { key: d.key, first: d.day, last: d.day, rows: 0 };
    if (d.day < cur.first) cur.first = d.day;
    if (d.day > cur.last) cur.last = d.day;
    cur.rows += d.rows;
  }
  close();
  return out;
}

/**
 * The days (listed as for dayWindows) that hold rows [offset, offset + limit) of the read, as windows
 * of consecutive days of one key however many rows they hold, and how many rows of the first window
 * come before the page: a page reads only its own days. Why: one ordered query with LIMIT and OFFSET
 * reads the sort columns of every row it matches, so a page of the incident queue grew with the
 * history (docs/CAPACITY.md §9); the days of a page of a queue ordered by time, newest first, are the
 * last one or two.
 */
export function pageOfDays(days: readonly DayCount[], offset: number, limit: number): { windows: StreamWindow[]; skip: number } {
  const { held, before } = countsHolding(days, offset, limit);
  return { windows: dayWindows(held, Infinity, Infinity), skip: offset - before };
}

/** The entries of `counts` (listed in a read's order) that hold rows [offset, offset + limit), and how many rows come before them. */
export function countsHolding<C extends { rows: number }>(counts: readonly C[], offset: number, limit: number): { held: C[]; before: number } {
  let before = 0;
  let first = 0;
  while (first < counts.length && before + counts[first].rows <= offset) before += counts[first++].rows;
  let last = first;
  let through = before;
  while (last < counts.length && through < offset + limit) through += counts[last++].rows;
  return { held: counts.slice(first, last), before };
}

/**
 * Rows [skip, skip + limit) of the windows read in turn (pageOfDays; one query each, a page within one
 * key and its days is one query). `query` selects one window as for streamWindows. Rows a concurrent
 * change moved between the counts and this read shift the page by as many rows, as they would between
 * two page loads.
 */
export async function readPage<T>(
  client: ClickHouseClient,
  page: { windows: readonly StreamWindow[]; skip: number },
  limit: number,
  query: string,
  params: Record<string, unknown>,
): Promise<T[]> {
  const out: T[] = [];
  let skip = page.skip;
  for (const w of page.windows) {
    if (out.length >= limit) break;
    out.push(...(await queryRows<T>(client, `${query} LIMIT {limit:UInt64} OFFSET {offset:UInt64}`, { ...params, ...w.params, limit: limit - out.length, offset: skip })));
    skip = 0;
  }
  return out;
}

/**
 * The condition of a dayWindows window on a DateTime64 column. Date32, not Date: a time before 1970
 * would fall outside a Date window (Date starts in 1970) and leave the export.
 */
export const dayWindowCondition = (column: string): string =>
  `${column} >= toDateTime64({w_first:Date32}, 3, 'UTC') AND ${column} < toDateTime64({w_last:Date32} + 1, 3, 'UTC')`;

/**
 * The UTC day of a DateTime64 column (Date32, as for dayWindowCondition), to group and filter by; list
 * it for dayWindows as text: `SELECT toString(d) ... GROUP BY dayOf(c) AS d`. A projection that groups
 * by the same expression (the audit log's p_day_counts) can answer conditions on it, not on the column.
 */
export const dayOf = (column: string): string => `toDate32(${column}, 'UTC')`;

/** A read opened for an export: how many rows it holds, and its rows in order, up to a limit. */
export interface CountedRead<T> {
  total: number;
  rows: (limit: number) => AsyncGenerator<T[], void, undefined>;
}

/** The windows as one CountedRead: their counts add up to the total (see streamWindows). */
export function windowedRead<T>(client: ClickHouseClient, windows: readonly StreamWindow[], query: string, params: Record<string, unknown>): CountedRead<T> {
  return { total: windows.reduce((n, w) => n + w.rows, 0), rows: (limit) => streamWindows<T>(client, windows, query, params, limit) };
}
