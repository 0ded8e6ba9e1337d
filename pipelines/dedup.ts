// Exactly-once counting on top of at-least-once delivery. The raw tables are ReplacingMergeTrees, so a
// replayed event would eventually collapse there, but the materialized views that feed the rollups
// count every inserted row. So before an insert the ingester drops (1) repeats inside the batch and
// (2) events already stored, looked up by the tables' sort key so ClickHouse reads only the granules
// that can hold them instead of scanning the id column.
import type { ClickHouseClient } from '@clickhouse/client';
import type { EventKind } from '../contracts/events.ts';
import { TABLE_BY_KIND, utcDay, type Accepted } from './rows.ts';

/** Keeps the first occurrence of each key; returns the survivors and how many were dropped. */
export function dropRepeats<T extends { key: string }>(items: T[]): { unique: T[]; repeats: number } {
  const seen = new Set<string>();
  const unique: T[] = [];
  for (const it of items) {
    if (seen.has(it.key)) continue;
    seen.add(it.key);
    unique.push(it);
  }
  return { unique, repeats: items.length - unique.length };
}

/** A ClickHouse string literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const ID_COLUMN: Record<EventKind, string> = { usage: 'event_id', outputs: 'output_id', feedback: 'output_id' };
// One lookup carries at most this much key text; the query also raises max_query_size (256 KiB by
// default, which a few thousand long ids would exceed and fail the lookup on every retry).
export const LOOKUP_MAX_BYTES = 1 << 20;
export const LOOKUP_SETTINGS = { max_query_size: String(4 << 20) };

/** Splits items into runs whose keys add up to at most `maxBytes` (at least one item per run). */
export function chunkByBytes<T>(items: T[], size: (it: T) => number, maxBytes = LOOKUP_MAX_BYTES): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const it of items) {
    const b = size(it) + 1;
    if (cur.length && bytes + b > maxBytes) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(it);
    bytes += b;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** A TSV field (ClickHouse's TSV escaping). */
export function tsvField(s: string): string {
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\\\'));
}

/**
 * The SELECT that returns which of `items` are stored already. The keys travel as one TSV string
 * literal read by format(): a literal list of thousands of tuples costs ClickHouse about a second to
 * parse, the TSV string a few milliseconds. For usage and outputs the filter is the ORDER BY tuple
 * (ministry, toDate(occurred_at), id) plus the occurred_at range, so partition pruning (by month) and
 * the primary index both apply (use_index_for_in_with_subqueries); feedback is ordered by output_id.
 */
export function storedKeysQuery(kind: EventKind, items: Accepted[]): string {
  const table = TABLE_BY_KIND[kind];
  const id = ID_COLUMN[kind];
  if (kind === 'feedback') {
    const tsv = items.map((it) => tsvField((it.row as { output_id: string }).output_id)).join('\n');
    return `SELECT ${id} AS k FROM ${table} WHERE ${id} IN (SELECT id FROM format(TSV, 'id String', ${sqlString(tsv)})) GROUP BY k`;
  }
  let minDay = '9999-12-31';
  let maxDay = '0000-01-01';
  const lines = items.map((it) => {
    const row = it.row as unknown as Record<string, string>;
    const day = utcDay(row.occurred_at);
    if (day < minDay) minDay = day;
    if (day > maxDay) maxDay = day;
    return `${tsvField(row.ministry)}\t${day}\t${tsvField(row[id])}`;
  });
  return (
    `SELECT concat(ministry, '\\0', toString(toDate(occurred_at)), '\\0', ${id}) AS k FROM ${table} ` +
    `WHERE occurred_at >= toDateTime64('${minDay} 00:00:00', 3, 'UTC') AND occurred_at < toDateTime64('${maxDay} 00:00:00', 3, 'UTC') + INTERVAL 1 DAY ` +
    `AND (ministry, toDate(occurred_at), ${id}) IN (SELECT m, d, id FROM format(TSV, 'm String, d Date, id String', ${sqlString(lines.join('\n'))})) GROUP BY k`
  );
}

/** Keys of `items` that the table already holds. */
export async function storedKeys(client: ClickHouseClient, kind: EventKind, items: Accepted[]): Promise<Set<string>> {
  const found = new Set<string>();
  // Key length approximates the TSV line (escaping may add a little; the 4 MiB setting leaves room).
  for (const chunk of chunkByBytes(items, (it) => it.key.length * 3)) {
    const rs = await client.query({ query: storedKeysQuery(kind, chunk), format: 'JSONEachRow', clickhouse_settings: LOOKUP_SETTINGS });
    for (const r of await rs.json<{ k: string }>()) found.add(r.k);
  }
  return found;
}
