// Shared plumbing for the dashboard's query modules: one way to run a query, and the reviewer verdicts
// that count as "confirmed" (the incident workflow writes them; see src/lib/server/incidents).
import type { ClickHouseSettings } from '@clickhouse/client';
import { queryRows, type ClickHouseClient } from '../../../../clickhouse/client.ts';

export type { ClickHouseClient };

/** One way to run a query: clickhouse/client.ts queryRows, here for the query modules. */
export { queryRows };

/** queryRows() for a query that reads LIVE_FLAGS. */
export async function flagRows<T>(client: ClickHouseClient, sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return queryRows<T>(client, sql, params, LIVE_FLAGS_SETTINGS);
}

/** A reviewer's verdict that the flagged finding is real. Any other non-empty verdict is a rejection. */
export const CONFIRMED_VERDICT = 'confirmed';

/** Findings only: `info` means "could not verify" (EVALUATION.md), so it never counts as risk. */
export const FINDING = "severity != 'info'";

/** Flags as the evaluators currently stand: the latest version of each, superseded ones dropped. */
export const LIVE_FLAGS = 'flags FINAL';
export const LIVE_FLAGS_WHERE = 'is_deleted = 0';
/**
 * flags is partitioned by the month of output_at, and every version of a flag carries the same
 * output_at, so FINAL never has to merge rows across partitions. Saying so lets ClickHouse collapse
 * each partition on its own: `npm run bench` measured a flags FINAL scan at 10M outputs 105 → 42 ms.
 */
export const LIVE_FLAGS_SETTINGS: ClickHouseSettings = { do_not_merge_across_partitions_select_final: 1 };

/** Rate helper: null (shown as "—") when there is nothing to divide by, never NaN or Infinity. */
export function ratio(num: number, den: number, scale = 1): number | null {
  return den > 0 ? (num / den) * scale : null;
}
