// "The same answer computed from raw tables": a client that runs the dashboard's own query functions
// with every rollup table replaced by the aggregation of raw rows it stands for. The replacement is
// the rollup's materialized-view SELECT, read from the migrations, so raw and rollup answers can only
// differ if the rollups drifted from the raw data — which is exactly what the bench asserts.
import type { ClickHouseClient } from '../../../clickhouse/client.ts';
import { rollupDefinitions as allRollups } from '../../../clickhouse/rollups.ts';

/**
 * Tables a page reads that are fed from raw rows but are not rollups (clickhouse/rollups.ts NOT_ROLLUPS),
 * with the raw aggregation they stand for. usage_dimensions' view only adds combinations it has not
 * stored (migration 0194), so its own SELECT would read the table itself; weekly_active_users holds
 * counts a job took (0195), which the raw side takes itself.
 */
const DERIVED_TABLES: Record<string, string> = {
  usage_dimensions: 'SELECT ministry, app, model FROM usage_events GROUP BY ministry, app, model',
  // Stored counts of completed weeks (0195): the raw answer stores none and counts every week itself.
  weekly_active_users:
    "SELECT toDate('1970-01-05') AS week, '' AS ministry, toUInt64(0) AS users, toUInt64(0) AS requests, now64(3) AS counted_at WHERE 0",
};

/** rollup (or derived) table → the SELECT over raw tables that its materialized view inserts. */
export function rollupDefinitions(): Map<string, string> {
  return new Map([...allRollups().map((d): [string, string] => [d.rollup, d.select]), ...Object.entries(DERIVED_TABLES)]);
}

/** Rewrites FROM/JOIN <rollup> [FINAL] into FROM (<raw aggregation>) AS <rollup>. */
export function rewriteToRaw(sql: string, defs: Map<string, string>): { sql: string; rollups: string[] } {
  const used: string[] = [];
  const out = sql.replace(/\b(FROM|JOIN)\s+(\w+)(\s+FINAL)?\b/gi, (whole, kw: string, table: string) => {
    const def = defs.get(table);
    if (!def) return whole;
    used.push(table);
    return `${kw} (${def}) AS ${table}`;
  });
  return { sql: out, rollups: used };
}

export interface QueryLog {
  queries: number;
  rollupQueries: number;
  tables: Set<string>;
}

type QueryArgs = Parameters<ClickHouseClient['query']>[0];

/**
 * The client a wrapper stands for. A streamed read (clickhouse/stream.ts) opens its own chDB session
 * only for the process's shared client itself (embeddedDataDir compares identity); through the wrapper
 * it would fall back to the buffered query, and a CSV export's first byte would wait for its last row.
 */
export function unwrapped(client: ClickHouseClient): ClickHouseClient {
  return (client as unknown as { [UNWRAP]?: ClickHouseClient })[UNWRAP] ?? client;
}
const UNWRAP = Symbol('unwrapped client');

/**
 * Wraps a client: in 'raw' mode rollup tables are rewritten to raw aggregations; in both modes the
 * tables each query reads are logged, so the bench can tell which pages use rollups at all.
 */
export function instrumentedClient(client: ClickHouseClient, mode: 'rollup' | 'raw', defs: Map<string, string>, log: QueryLog): ClickHouseClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === UNWRAP) return target;
      if (prop !== 'query') return Reflect.get(target, prop, receiver);
      return (args: QueryArgs) => {
        const { sql, rollups } = rewriteToRaw(args.query, defs);
        log.queries++;
        if (rollups.length) log.rollupQueries++;
        for (const m of args.query.matchAll(/\b(?:FROM|JOIN)\s+(\w+)/gi)) log.tables.add(m[1]);
        return target.query(mode === 'raw' ? { ...args, query: sql } : args);
      };
    },
  });
}
