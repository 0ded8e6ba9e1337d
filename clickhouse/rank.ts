// ORDER BY a column's place in an ordered list of values (severity, incident status), for every query
// that sorts by one.
import { SEVERITIES } from '../contracts/severities.ts';

/**
 * SQL for `column`'s 1-based position in `ordered` (0 for a value not in it): the same numbers as
 * indexOf(ordered, column), which it replaces. transform() maps through a lookup built once per
 * query; indexOf scanned the array for every row, and on the ranks' main users, sorts over every
 * stored incident, that was most of the query: ordering 770,000 incidents by status rank took 39 ms
 * with indexOf and 23 ms with transform (the kept 100 M size-run store, FINAL, p50 of 7).
 */
export function rankSql(column: string, ordered: readonly string[]): string {
  const values = ordered.map((v) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(',');
  return `transform(${column}, [${values}], [${ordered.map((_, i) => i + 1).join(',')}], 0)`;
}

/** A severity column's rank: info = 1 … critical = 5 (contracts/severities.ts), 0 for anything else. */
export const severityRank = (column: string): string => rankSql(column, SEVERITIES);
