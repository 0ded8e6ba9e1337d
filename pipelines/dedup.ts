// Exactly-once counting on top of at-least-once delivery. The raw tables are ReplacingMergeTrees, so a
// replayed event would eventually collapse there, but the materialized views that feed the rollups
// count every inserted row. So before an insert the ingester drops (1) repeats inside the batch and
// (2) events already stored. An event is its id alone (event_id, output_id): the same id sent again
// with another day or ministry is a repeat too. The lookup reads the key tables of migration 0187
// (ordered by a hash of the id in small granules, so it reads one small granule per id and part
// whatever the history) and, for usage and outputs, also the raw table by its sort key (ministry, day,
// id): that second half is cheap and still finds a replay when a crash stopped an INSERT between the
// raw part and the key table's view.
import type { ClickHouseClient } from '@clickhouse/client';
import type { EventKind } from '../contracts/events.ts';
import { TABLE_BY_KIND, utcDay, type Accepted } from './rows.ts';

/**
 * The table that answers "is this id stored?" by its primary key: for usage and outputs the key tables
 * of migration 0187, keyed by `h` = cityHash64(id); feedback (a few rows per hundred outputs) is
 * ordered by output_id already.
 */
const ID_TABLE: Record<EventKind, string> = { usage: 'usage_event_keys', outputs: 'output_keys', feedback: 'feedback' };

/**
 * The condition that picks the rows of a key table whose id is one of `ids` (a SQL string literal of
 * TSV lines: sqlString of tsvField-escaped ids): by the hash first (PREWHERE, the primary key: one
 * 256-row granule per id and part), then by the id itself among the rows whose hash matched, so a hash
 * collision is never taken for the id.
 */
export function keyTableWhere(idColumn: string, ids: string): string {
  const batch = `format(TSV, 'id String', ${ids})`;
  return `PREWHERE h IN (SELECT cityHash64(id) FROM ${batch}) WHERE ${idColumn} IN (SELECT id FROM ${batch})`;
}

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
// One lookup carries at most this much key text (by the estimate below, which counts an ASCII UUID as
// 256 bytes where it takes about 90); the query also raises max_query_size (256 KiB by default, which
// a few thousand long ids would exceed and fail the lookup on every retry) to four times that.
// Why a whole batch should fit in one query: the raw-table half reads its granules once per query, and
// with the 0090 id tables (ordered by the id string) every query read nearly the whole id column
// (about a second at 100 M stored ids); at 1 MiB a batch of 20,000 UUIDs took five such queries.
export const LOOKUP_MAX_BYTES = 8 << 20;
export const LOOKUP_SETTINGS = { max_query_size: String(4 * LOOKUP_MAX_BYTES) };

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
 * The SELECT that returns which of `items` (their ids) are stored already, and where it found them
 * (`w`: 'id' from the id table, 'raw' from the raw table). The keys travel as one TSV
 * string literal read by format(): a literal list of thousands of tuples costs ClickHouse about a
 * second to parse, the TSV string a few milliseconds. The key table is read by its primary key (the
 * id's hash, keyTableWhere); for
 * usage and outputs the raw table is read by its ORDER BY tuple (ministry, toDate(occurred_at), id)
 * plus the occurred_at range, so partition pruning (by month) and the primary index both apply
 * (use_index_for_in_with_subqueries).
 *
 * The raw-table half is only for `replayable` items (default: all). It finds events whose INSERT was
 * cut between the raw part and the id table's view (a kill -9), and such an insert can only have
 * been one of an earlier run or an earlier attempt: the caller passes `replayable` false for events
 * that no interrupted insert can have written (see IngestPathOptions.mayBeReplay). It is the larger
 * half of the lookup's cost, because the raw table is read by (ministry, day, id) rather than by id.
 */
export function storedKeysQuery(kind: EventKind, items: Accepted[], replayable: (it: Accepted) => boolean = () => true): string {
  const table = TABLE_BY_KIND[kind];
  const id = ID_COLUMN[kind];
  const ids = sqlString(items.map((it) => tsvField(it.key)).join('\n'));
  if (kind === 'feedback') return `SELECT ${id} AS k, 'id' AS w FROM ${ID_TABLE.feedback} WHERE ${id} IN (SELECT id FROM format(TSV, 'id String', ${ids})) GROUP BY k`;
  const byId = `SELECT ${id} AS k, 'id' AS w FROM ${ID_TABLE[kind]} ${keyTableWhere(id, ids)} GROUP BY k`;
  const replays = items.filter(replayable);
  if (replays.length === 0) return byId;
  let minDay = '9999-12-31';
  let maxDay = '0000-01-01';
  const lines = replays.map((it) => {
    const row = it.row as unknown as Record<string, string>;
    const day = utcDay(row.occurred_at);
    if (day < minDay) minDay = day;
    if (day > maxDay) maxDay = day;
    return `${tsvField(row.ministry)}\t${day}\t${tsvField(row[id])}`;
  });
  const bySortKey =
    `SELECT ${id} AS k, 'raw' AS w FROM ${table} ` +
    `WHERE occurred_at >= toDateTime64('${minDay} 00:00:00', 3, 'UTC') AND occurred_at < toDateTime64('${maxDay} 00:00:00', 3, 'UTC') + INTERVAL 1 DAY ` +
    `AND (ministry, toDate(occurred_at), ${id}) IN (SELECT m, d, id FROM format(TSV, 'm String, d Date, id String', ${sqlString(lines.join('\n'))})) GROUP BY k`;
  return `${byId} UNION ALL ${bySortKey}`;
}

export interface StoredKeys {
  /** Keys of the items that are stored already. */
  stored: Set<string>;
  /**
   * Stored in the raw table but missing from the id table: an insert was cut between the two. The
   * caller writes them to the id table, so a later repeat of the id is found by the id half alone.
   */
  missingIds: Set<string>;
}

/** Which keys of `items` the table already holds (see storedKeysQuery for `replayable`). */
export async function storedKeys(client: ClickHouseClient, kind: EventKind, items: Accepted[], replayable?: (it: Accepted) => boolean): Promise<StoredKeys> {
  const byId = new Set<string>();
  const byRaw = new Set<string>();
  // The query carries each id three times plus ministry and day: 3 bytes per UTF-16 unit of the id
  // and 40 for the rest bound it (escaping may add a little; the query size setting leaves room).
  for (const chunk of chunkByBytes(items, (it) => it.key.length * 9 + 40)) {
    const rs = await client.query({ query: storedKeysQuery(kind, chunk, replayable), format: 'JSONEachRow', clickhouse_settings: LOOKUP_SETTINGS });
    for (const r of await rs.json<{ k: string; w: string }>()) (r.w === 'raw' ? byRaw : byId).add(r.k);
  }
  const missingIds = new Set([...byRaw].filter((k) => !byId.has(k)));
  return { stored: new Set([...byId, ...byRaw]), missingIds };
}

/** Writes ids found in the raw table only into the id table (ReplacingMergeTree: a repeat is harmless). */
export async function restoreIds(client: ClickHouseClient, kind: EventKind, items: Accepted[]): Promise<void> {
  if (kind === 'feedback' || items.length === 0) return;
  const columns = kind === 'usage' ? ['event_id', 'occurred_at', 'ministry'] : ['output_id', 'occurred_at', 'ministry', 'app', 'model'];
  const values = items.map((it) => columns.map((c) => (it.row as unknown as Record<string, unknown>)[c]));
  await client.insert({ table: ID_TABLE[kind], columns: columns as [string, ...string[]], values, format: 'JSONCompactEachRow' });
}
