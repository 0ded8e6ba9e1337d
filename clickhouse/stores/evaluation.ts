// The evaluation store: the SQL of `flags` (versioned; is_deleted = 1 supersedes a flag), `eval_watermarks`
// and `evaluation_errors`, and the evaluator runner's reads of `outputs` (past a watermark, or an
// occurred_at range for a backfill). The runner (evaluators/runner.ts) is the loop and the scheduler;
// what it reads and writes is here. The dashboard's aggregate flag queries stay with their pages
// (src/lib/server/queries/), which read `flags FINAL` with the same LIVE rule: is_deleted = 0, or its
// daily rollup flags_daily that writeFlags keeps (clickhouse/flags-rollup.ts).
import type { Evidence } from '../../contracts/flags.ts';
import { severityRank } from '../rank.ts';
import { shardCondition, type Shard } from '../../contracts/shards.ts';
import type { EvaluationErrorRow, FlagRow, StoredOutput, WatermarkRow } from '../../contracts/tables.ts';
import { insertRows, queryRows, type ClickHouseClient } from '../client.ts';
import { withFlagsDaily } from '../flags-rollup.ts';
import { incidentsOfOutputs, withIncidentVerdicts } from '../incident-verdicts-rollup.ts';

/** ClickHouse DateTime64 text of the first instant, the watermark of an evaluator that never ran. */
export const EPOCH = '1970-01-01 00:00:00.000';

export interface Watermark {
  at: string;
  id: string;
  version: string;
  evaluated: number;
}

/** Every stored watermark by its key (evaluator id, or "id@i/n" for a shard). */
export async function readWatermarks(client: ClickHouseClient): Promise<Map<string, Watermark>> {
  const list = await queryRows<Required<WatermarkRow>>(
    client,
    'SELECT evaluator, evaluator_version, watermark_at, watermark_id, outputs_evaluated FROM eval_watermarks FINAL',
  );
  return new Map(list.map((w) => [w.evaluator, { at: w.watermark_at, id: w.watermark_id, version: w.evaluator_version, evaluated: Number(w.outputs_evaluated) }]));
}

export async function writeWatermarks(client: ClickHouseClient, rows: WatermarkRow[]): Promise<void> {
  await insertRows(client, 'eval_watermarks', rows);
}

const OUTPUT_COLUMNS = 'output_id, occurred_at, ministry, app, model, language, prompt, response, sources, ingested_at';

/**
 * The next outputs past a watermark, by (ingested_at, output_id), so late events are still seen; only
 * those ingested up to `cutoff` (a batch insert still in flight is not half-read), of `shard` if given.
 */
export async function outputsPastWatermark(
  client: ClickHouseClient,
  o: { at: string; id: string; cutoff: string; limit: number; shard?: Shard },
): Promise<StoredOutput[]> {
  return queryRows<StoredOutput>(
    client,
    `SELECT ${OUTPUT_COLUMNS} FROM outputs FINAL
     WHERE (ingested_at > {at:DateTime64(3)} OR (ingested_at = {at:DateTime64(3)} AND output_id > {id:String}))
       AND ingested_at <= {cutoff:DateTime64(3)}${shardCondition(o.shard)}
     ORDER BY ingested_at, output_id LIMIT {limit:UInt32}`,
    { at: o.at, id: o.id, cutoff: o.cutoff, limit: o.limit },
  );
}

/** How many outputs occurred in [since, until). */
export async function countOutputsOccurred(client: ClickHouseClient, since: string, until: string): Promise<number> {
  const [{ total }] = await queryRows<{ total: number }>(
    client,
    'SELECT count() AS total FROM outputs FINAL WHERE occurred_at >= {since:DateTime64(3)} AND occurred_at < {until:DateTime64(3)}',
    { since, until },
  );
  return Number(total);
}

/** The next outputs that occurred in [since, until) after (at, id), by (occurred_at, output_id): a backfill's pages. */
export async function outputsOccurred(
  client: ClickHouseClient,
  o: { since: string; until: string; at: string; id: string; limit: number },
): Promise<StoredOutput[]> {
  return queryRows<StoredOutput>(
    client,
    `SELECT ${OUTPUT_COLUMNS} FROM outputs FINAL
     WHERE (occurred_at > {at:DateTime64(3)} OR (occurred_at = {at:DateTime64(3)} AND output_id > {id:String}))
       AND occurred_at >= {since:DateTime64(3)} AND occurred_at < {until:DateTime64(3)}
     ORDER BY occurred_at, output_id LIMIT {limit:UInt32}`,
    o,
  );
}

/** The live (not superseded) flags one evaluator stored for these outputs. */
export async function liveFlagsOf(client: ClickHouseClient, evaluator: string, outputIds: string[]): Promise<FlagRow[]> {
  if (outputIds.length === 0) return [];
  return queryRows<FlagRow>(
    client,
    `SELECT output_id, evaluator, evaluator_version, category, rule_id, severity, confidence, where, evidence, evidence_start, explanation,
            ministry, app, model, output_at, version, is_deleted
     FROM flags FINAL WHERE evaluator = {e:String} AND output_id IN {ids:Array(String)} AND is_deleted = 0`,
    { e: evaluator, ids: outputIds },
  );
}

/**
 * Flags (new versions and supersessions alike) in one insert, with the flags rollup (flags_daily) kept
 * exact: the written outputs' share of it is taken out before the insert and put back after. Likewise
 * the share of their incidents in incident_verdicts_daily, whose rule rows count only rules that still
 * have a live flag; it is written inside flags_daily's, so a crash that leaves it off leaves
 * flags_daily off on the same day, which the crash check finds (clickhouse/rollups.ts).
 */
export async function writeFlags(client: ClickHouseClient, rows: FlagRow[]): Promise<void> {
  if (rows.length === 0) return;
  const outputIds = [...new Set(rows.map((r) => r.output_id))];
  await withFlagsDaily(client, outputIds, async () => {
    // Most outputs have no incident: only those that do have a share to replace. An incident opened
    // on one of them meanwhile writes its own share (the incident store), with the flags it finds.
    const incidents = await incidentsOfOutputs(client, outputIds);
    await withIncidentVerdicts(client, incidents, () => insertRows(client, 'flags', rows));
  });
}

export async function writeEvaluationErrors(client: ClickHouseClient, rows: EvaluationErrorRow[]): Promise<void> {
  await insertRows(client, 'evaluation_errors', rows);
}

/** A live flag of one output as the incident page shows it, evidence parsed. */
export type OutputFlag = Pick<FlagRow, 'evaluator' | 'evaluator_version' | 'category' | 'rule_id' | 'severity' | 'confidence' | 'explanation'> & {
  where: 'prompt' | 'response';
  evidence: Evidence[];
};

/** The live flags of one output, most severe first. */
export async function liveFlagsOfOutput(client: ClickHouseClient, outputId: string): Promise<OutputFlag[]> {
  const rows = await queryRows<Omit<OutputFlag, 'evidence'> & { evidence: string }>(
    client,
    `SELECT evaluator, evaluator_version, category, rule_id, severity, confidence, where, evidence, explanation
       FROM flags FINAL WHERE output_id = {id:String} AND is_deleted = 0
      ORDER BY ${severityRank('severity')} DESC, evaluator, rule_id, evidence_start`,
    { id: outputId },
  );
  return rows.map((r) => ({ ...r, where: r.where === 'prompt' ? 'prompt' : 'response', evidence: parseEvidence(r.evidence) }));
}

/** flags.evidence is a JSON array of {start, end, text}; anything malformed counts as no evidence. */
export function parseEvidence(json: string): Evidence[] {
  try {
    const parsed: unknown = JSON.parse(json);
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((e) => e && Number.isInteger(e.start) && Number.isInteger(e.end) && e.end >= e.start)
      .map((e) => ({ start: e.start, end: e.end, text: typeof e.text === 'string' ? e.text : '' }));
  } catch {
    return [];
  }
}
