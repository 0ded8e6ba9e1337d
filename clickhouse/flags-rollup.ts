// The flags rollup (migration 0150): live findings per day and dimension, kept exact by the writers of
// `flags` instead of a materialized view (a view would count every re-run and supersession again).
//
// One SELECT defines it: FLAGS_DAILY_SELECT aggregates the live flags (`flags FINAL`, is_deleted = 0).
// Writers keep it exact with signed rows: before changing the flags of some outputs, insert the
// SELECT over those outputs negated; after, insert it again. Every figure of the rollup is a sum of
// per-output contributions (an output has one day, ministry, app and model), so the two inserts
// replace exactly those outputs' share. The same SELECT rebuilds a day (clickhouse/rollups.ts), feeds
// the bench's raw comparison, and backfills history in the migration.
import type { ClickHouseClient } from '@clickhouse/client';
import { SEVERITIES } from '../contracts/severities.ts';

// indexOf, not clickhouse/rank.ts: this text must stay the one migration 0150 backfilled with (its test
// compares them), and the sort is per output, not over a table.
const SEVERITY_RANK = `indexOf([${SEVERITIES.map((s) => `'${s}'`).join(', ')}], severity)`;

/**
 * The rollup's rows from the live flags. `outputs` counts an output once per (evaluator, rule), on its
 * most severe flag of the rule; `citation_outputs` once per output with a hallucinated_citation finding
 * (above info), on the most severe one. Ties are broken by the flag key, so a rebuild is deterministic.
 * The windows also partition by day, ministry, app and model (all fixed by the output) so that a filter
 * on them is pushed below the windows when this SELECT stands for the rollup (the bench's raw side).
 */
export const FLAGS_DAILY_SELECT = `SELECT day, ministry, app, model, evaluator, category, rule_id, severity,
       toInt64(count()) AS flags,
       toInt64(countIf(rule_rank = 1)) AS outputs,
       toInt64(countIf(citation_rank = 1 AND is_citation_finding)) AS citation_outputs
FROM (
    SELECT toDate(output_at) AS day, ministry, app, model, evaluator, category, rule_id, severity,
           category = 'hallucinated_citation' AND severity != 'info' AS is_citation_finding,
           row_number() OVER (PARTITION BY day, ministry, app, model, output_id, evaluator, rule_id
                              ORDER BY ${SEVERITY_RANK} DESC, evidence_start) AS rule_rank,
           row_number() OVER (PARTITION BY day, ministry, app, model, output_id, is_citation_finding
                              ORDER BY ${SEVERITY_RANK} DESC, evaluator, rule_id, evidence_start) AS citation_rank
    FROM flags FINAL
    WHERE is_deleted = 0
)
GROUP BY day, ministry, app, model, evaluator, category, rule_id, severity`;

const COLUMNS = 'day, ministry, app, model, evaluator, category, rule_id, severity, flags, outputs, citation_outputs';

/** FLAGS_DAILY_SELECT over the flags that match `filter` (SQL over the flags columns) only. */
export function flagsDailySelectWhere(filter: string): string {
  return FLAGS_DAILY_SELECT.replace(/\bFROM flags FINAL\b/, `FROM (SELECT * FROM flags FINAL WHERE ${filter}) AS flags`);
}

/** Inserts the rollup rows of these outputs' live flags, added (+1) or taken away (-1). */
export async function addOutputsToFlagsDaily(client: ClickHouseClient, outputIds: string[], sign: 1 | -1): Promise<void> {
  if (outputIds.length === 0) return;
  await addFlagsDailyWhere(client, 'output_id IN {ids:Array(String)}', sign, { ids: outputIds });
}

/**
 * Same, for the outputs a SQL condition picks (bulk loads such as the bench's generated data).
 * Settings apply the FINAL per partition: a flag never changes its output_at, hence its month.
 */
export async function addFlagsDailyWhere(client: ClickHouseClient, filter: string, sign: 1 | -1, params: Record<string, unknown> = {}): Promise<void> {
  const select = flagsDailySelectWhere(filter);
  const signed = sign === 1 ? select : `SELECT day, ministry, app, model, evaluator, category, rule_id, severity, -flags, -outputs, -citation_outputs FROM (${select})`;
  await client.command({
    query: `INSERT INTO flags_daily (${COLUMNS}) ${signed}`,
    query_params: params,
    clickhouse_settings: { do_not_merge_across_partitions_select_final: 1 },
  });
}

/**
 * Writes a change to the flags of some outputs and keeps flags_daily exact: their share is taken out
 * before and put back after. Callers must own these outputs (one runner shard per output).
 */
export async function withFlagsDaily<T>(client: ClickHouseClient, outputIds: string[], write: () => Promise<T>): Promise<T> {
  await addOutputsToFlagsDaily(client, outputIds, -1);
  try {
    return await write();
  } finally {
    // Whatever the write left stored (all, or nothing if it failed) is put back: the sums stay exact.
    await addOutputsToFlagsDaily(client, outputIds, 1);
  }
}
