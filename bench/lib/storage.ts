// Compression as ClickHouse stores it: compressed vs uncompressed bytes of the active parts per table
// (system.parts) and per column (system.columns), for docs/CAPACITY.md.
import type { ClickHouseClient } from '../../clickhouse/client.ts';

export interface TableStorage {
  table: string;
  rows: number;
  compressed_bytes: number;
  uncompressed_bytes: number;
  ratio: number | null;
  bytes_per_row: number | null;
  /** Everything the table's active parts take on disk: columns, marks, primary and skipping indexes, projections. */
  bytes_on_disk: number;
}

export interface ColumnStorage {
  table: string;
  column: string;
  compressed_bytes: number;
  uncompressed_bytes: number;
}

export async function tableStorage(client: ClickHouseClient, tables: string[]): Promise<TableStorage[]> {
  const rs = await client.query({
    query: `SELECT table, sum(rows) AS rows, sum(data_compressed_bytes) AS compressed_bytes, sum(data_uncompressed_bytes) AS uncompressed_bytes,
                   sum(bytes_on_disk) AS bytes_on_disk
              FROM system.parts WHERE active AND database = currentDatabase() AND table IN {tables:Array(String)}
             GROUP BY table ORDER BY table`,
    query_params: { tables },
    format: 'JSONEachRow',
  });
  const got = await rs.json<{ table: string; rows: number; compressed_bytes: number; uncompressed_bytes: number; bytes_on_disk: number }>();
  // 64-bit sums arrive as JSON strings: numbers here, so callers can add them up.
  return got.map((raw) => ({ ...raw, rows: Number(raw.rows), compressed_bytes: Number(raw.compressed_bytes), uncompressed_bytes: Number(raw.uncompressed_bytes), bytes_on_disk: Number(raw.bytes_on_disk) })).map((r) => ({
    ...r,
    ratio: r.compressed_bytes > 0 ? r.uncompressed_bytes / r.compressed_bytes : null,
    bytes_per_row: r.rows > 0 ? r.compressed_bytes / r.rows : null,
  }));
}

/** How many active parts a table of the current database has. */
export async function activeParts(client: ClickHouseClient, table: string): Promise<number> {
  const rs = await client.query({
    query: 'SELECT count() AS n FROM system.parts WHERE active AND database = currentDatabase() AND table = {table:String}',
    query_params: { table },
    format: 'JSONEachRow',
  });
  return Number((await rs.json<{ n: string }>())[0].n);
}

/** Migrations 0190 and 0192's age: a table's parts that are all older than this merge into one. */
export const FORCE_MERGE_AGE_S = 86_400;
const MERGE_WAIT_MS = 30 * 60_000;

/**
 * What such a table holds a day after its parts were written: one part. A bench cannot wait a day, so
 * this lowers the age to one second on the bench's own store, waits for the merge and puts the day back.
 */
export async function mergeAsADayLater(client: ClickHouseClient, table: string): Promise<void> {
  await client.command({ query: `ALTER TABLE ${table} MODIFY SETTING min_age_to_force_merge_seconds = 1` });
  try {
    const deadline = Date.now() + MERGE_WAIT_MS;
    while ((await activeParts(client, table)) > 1) {
      if (Date.now() > deadline) throw new Error(`${table} still has ${await activeParts(client, table)} parts after ${MERGE_WAIT_MS / 60_000} minutes`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await client.command({ query: `ALTER TABLE ${table} MODIFY SETTING min_age_to_force_merge_seconds = ${FORCE_MERGE_AGE_S}` });
  }
}

/** Every table of the current database that has active parts (the dataset's tables, rollups, lookups). */
export async function allTables(client: ClickHouseClient): Promise<string[]> {
  const rs = await client.query({
    query: 'SELECT DISTINCT table FROM system.parts WHERE active AND database = currentDatabase() ORDER BY table',
    format: 'JSONEachRow',
  });
  return (await rs.json<{ table: string }>()).map((r) => r.table);
}

export async function columnStorage(client: ClickHouseClient, tables: string[]): Promise<ColumnStorage[]> {
  const rs = await client.query({
    query: `SELECT table, name AS column, data_compressed_bytes AS compressed_bytes, data_uncompressed_bytes AS uncompressed_bytes
              FROM system.columns WHERE database = currentDatabase() AND table IN {tables:Array(String)}
             ORDER BY table, compressed_bytes DESC`,
    query_params: { tables },
    format: 'JSONEachRow',
  });
  return rs.json<ColumnStorage>();
}

/** Empties the data tables (not the migration ledger or accounts) so the next section starts clean. */
export async function truncateData(client: ClickHouseClient): Promise<void> {
  const rs = await client.query({
    query: `SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'
              AND name NOT IN ('schema_migrations', 'users', 'sessions')`,
    format: 'JSONEachRow',
  });
  for (const { name } of await rs.json<{ name: string }>()) await client.command({ query: `TRUNCATE TABLE ${name}` });
}
