// The incident rollup (migration 0180): incidents and reviewer verdicts per day and dimension, kept
// exact by the writers of `incidents` and `flags`, the way flags_daily is (clickhouse/flags-rollup.ts).
// The ministry page's incident counts and the evaluators page's verdicts read it instead of
// `incidents FINAL` (and, for the verdicts, its join with `flags FINAL`), which grow with every output.
//
// Not a materialized view: incidents are a ReplacingMergeTree of versions (a triage change writes the
// whole row again), so a view would count every version. Writers use signed rows instead: before
// changing some incidents, or the flags of some outputs, they insert those incidents' share of the
// SELECT below negated, and after the write the share again. Every figure is a sum of per-incident
// contributions, and an incident has one output (one day, ministry, app and model), so the two inserts
// replace exactly that share, whatever the write changed (a verdict, a status, a superseded flag).
//
// Two kinds of rows:
// - evaluator = '' and rule_id = '': the incidents themselves (every source, review misses included):
//   `incidents`, `reviewed` (a verdict given), `confirmed`.
// - evaluator and rule_id set: an incident counted for each rule it lists that still has a live flag
//   on its output (what the evaluators page used to join); `evaluator_*` count the incident once per
//   evaluator (on its first such rule), so summing them over rules gives distinct incidents per evaluator.
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './client.ts';

/** A reviewer's verdict that the flagged finding is real (src/lib/server/queries/db.ts CONFIRMED_VERDICT). */
const CONFIRMED = "'confirmed'";

/**
 * The rollup's rows from the incidents (latest version) and the live flags, optionally over the
 * incidents and the flags that two conditions pick (each on its own table's columns). Incidents are
 * picked by id from their plain rows first: output, ministry and day never change between an
 * incident's versions, so FINAL then merges only the picked ids.
 */
export function incidentVerdictsSelect(filter?: { incidents: string; flags: string }): string {
  const picked = filter ? ` WHERE incident_id IN (SELECT incident_id FROM incidents WHERE ${filter.incidents})` : '';
  // '(1)' for the whole table: the text of migration 0180's backfill.
  const flagged = filter ? `(${filter.flags})` : '(1)';
  return `SELECT day, ministry, app, model, evaluator, rule_id,
       toInt64(count()) AS incidents,
       toInt64(countIf(verdict != '')) AS reviewed,
       toInt64(countIf(verdict = ${CONFIRMED})) AS confirmed,
       toInt64(countIf(evaluator_rank = 1)) AS evaluator_incidents,
       toInt64(countIf(evaluator_rank = 1 AND verdict != '')) AS evaluator_reviewed,
       toInt64(countIf(evaluator_rank = 1 AND verdict = ${CONFIRMED})) AS evaluator_confirmed
FROM (
    SELECT toDate(output_at) AS day, ministry, app, model, '' AS evaluator, '' AS rule_id, verdict, toUInt64(1) AS evaluator_rank
    FROM incidents FINAL${picked}
    UNION ALL
    SELECT fl.day AS day, fl.ministry AS ministry, fl.app AS app, fl.model AS model, fl.evaluator AS evaluator, fl.rule_id AS rule_id,
           i.verdict AS verdict,
           row_number() OVER (PARTITION BY fl.day, fl.ministry, fl.app, fl.model, i.incident_id, fl.evaluator ORDER BY fl.rule_id) AS evaluator_rank
    FROM (SELECT DISTINCT output_id, evaluator, rule_id, toDate(output_at) AS day, ministry, app, model
            FROM flags FINAL WHERE is_deleted = 0 AND ${flagged}) AS fl
    INNER JOIN (SELECT incident_id, output_id, rule_id, verdict
                  FROM incidents FINAL ARRAY JOIN arrayDistinct(rule_ids) AS rule_id${picked}) AS i
      ON fl.output_id = i.output_id AND fl.rule_id = i.rule_id
)
GROUP BY day, ministry, app, model, evaluator, rule_id`;
}

/** The whole rollup from the raw rows: the bench's raw side and the migration's backfill. */
export const INCIDENT_VERDICTS_SELECT = incidentVerdictsSelect();

const COLUMNS = 'day, ministry, app, model, evaluator, rule_id, incidents, reviewed, confirmed, evaluator_incidents, evaluator_reviewed, evaluator_confirmed';
const NEGATED =
  'day, ministry, app, model, evaluator, rule_id, -incidents, -reviewed, -confirmed, -evaluator_incidents, -evaluator_reviewed, -evaluator_confirmed';

/** The incidents a write touches, with their outputs (the flags of those outputs are what they join). */
export type IncidentKeys = { incident_id: string; output_id: string }[];

/** Inserts the share of these incidents, added (+1) or taken away (-1). */
export async function addIncidentVerdicts(client: ClickHouseClient, incidents: IncidentKeys, sign: 1 | -1): Promise<void> {
  if (incidents.length === 0) return;
  // Both sets as literals: FINAL reads of flags use the output_id bloom index only for a literal set.
  const select = incidentVerdictsSelect({ incidents: 'incident_id IN {incident_ids:Array(String)}', flags: 'output_id IN {output_ids:Array(String)}' });
  await addIncidentVerdictsSelect(client, select, sign, {
    incident_ids: [...new Set(incidents.map((i) => i.incident_id))],
    output_ids: [...new Set(incidents.map((i) => i.output_id))],
  });
}

/** The stored incidents of these outputs (plain rows: an incident's output never changes). */
export async function incidentsOfOutputs(client: ClickHouseClient, outputIds: string[]): Promise<IncidentKeys> {
  if (outputIds.length === 0) return [];
  return queryRows<IncidentKeys[number]>(client, 'SELECT DISTINCT incident_id, output_id FROM incidents WHERE output_id IN {ids:Array(String)}', { ids: outputIds });
}

/** Inserts a SELECT of the rollup's rows (incidentVerdictsSelect), added or negated. */
export async function addIncidentVerdictsSelect(client: ClickHouseClient, select: string, sign: 1 | -1, params: Record<string, unknown> = {}): Promise<void> {
  await client.command({
    query: `INSERT INTO incident_verdicts_daily (${COLUMNS}) ${sign === 1 ? select : `SELECT ${NEGATED} FROM (${select})`}`,
    query_params: params,
    // FINAL per monthly partition of flags (a flag never changes its output_at); incidents have one partition.
    clickhouse_settings: { do_not_merge_across_partitions_select_final: 1 },
  });
}

/**
 * Writes a change to some incidents (or to the flags of their outputs) and keeps the rollup exact:
 * their share is taken out before and put back after, whatever the write left stored. Two writers
 * must not change the same incidents at once (triage holds a lock per incident; the runner owns its
 * outputs); a crash between the inserts leaves a day off, which `oversight rollups` rebuilds.
 */
export async function withIncidentVerdicts<T>(client: ClickHouseClient, incidents: IncidentKeys, write: () => Promise<T>): Promise<T> {
  await addIncidentVerdicts(client, incidents, -1);
  try {
    return await write();
  } finally {
    await addIncidentVerdicts(client, incidents, 1);
  }
}
