// The review-sample store: drawing a round's sample into review_items (recorded in review_rounds),
// and the scheduled sampler that draws each completed week once. Membership comes from sampling.ts,
// so any process, embedded or against a server, draws the same items; inserting an item that is
// already stored is skipped, and a concurrent duplicate collapses (ReplacingMergeTree on item_id).
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../../../../clickhouse/client.ts';
import { DEFAULT_REVIEW_RULE, type ReviewRule } from '../../../../contracts/review.ts';
import { LIVE_FLAGS_SETTINGS } from '../queries/db.ts';
import { writeAudit, type AuditActor } from '../audit.ts';
import { startPeriodic } from '../periodic.ts';
import { SAMPLE_KEY_SQL, candidateBounds, completedWeeks, itemId, rateFor, roundId, secondReview, selectStratum } from './sampling.ts';

interface CandidateRow {
  output_id: string;
  ministry: string;
  app: string;
  output_at: string;
  flagged: number;
  key: number;
  N: number | string;
}

export interface SampledRound {
  round_id: string;
  week: string;
  /** Outputs of the week. */
  population: number;
  /** Items the rule selects. */
  sampled: number;
  /** Of those, items not stored before this run. */
  added: number;
}

export interface SampleRequest {
  /** Monday of the week (YYYY-MM-DD, UTC). */
  week: string;
  rule: ReviewRule;
  /** Who sampled: a username, or 'scheduler' / 'demo'. */
  who: AuditActor;
  trigger: 'schedule' | 'manual' | 'demo';
}

const WEEK = /^\d{4}-\d{2}-\d{2}$/;

/** Draws one week's sample under a rule and records the run. Deterministic: a re-run adds nothing. */
export async function sampleWeek(client: ClickHouseClient, req: SampleRequest): Promise<SampledRound> {
  if (!WEEK.test(req.week) || new Date(`${req.week}T00:00:00Z`).getUTCDay() !== 1) throw new Error(`week must be a Monday (YYYY-MM-DD), got ${req.week}`);
  const round = roundId(req.week, req.rule.id);
  const bounds = candidateBounds(req.rule);
  const range = { from: `${req.week} 00:00:00`, to: addDays(req.week, 7) + ' 00:00:00' };
  // Only the outputs that can be members come back: key below the largest share or rank within the
  // largest per-week count; selectStratum then applies each stratum's own rate exactly.
  const rows = await queryRows<CandidateRow>(
    client,
    `SELECT output_id, ministry, app, toString(occurred_at) AS output_at, flagged, key, N FROM (
       SELECT output_id, ministry, app, occurred_at,
              toUInt8(output_id IN (SELECT output_id FROM flags FINAL
                                     WHERE is_deleted = 0 AND severity != 'info'
                                       AND output_at >= toDateTime64({from:String}, 3, 'UTC') AND output_at < toDateTime64({to:String}, 3, 'UTC'))) AS flagged,
              ${SAMPLE_KEY_SQL} AS key,
              count() OVER (PARTITION BY ministry, app, flagged) AS N,
              row_number() OVER (PARTITION BY ministry, app, flagged ORDER BY key, output_id) AS rk
         FROM outputs FINAL
        WHERE occurred_at >= toDateTime64({from:String}, 3, 'UTC') AND occurred_at < toDateTime64({to:String}, 3, 'UTC'))
      WHERE key < {share:Float64} OR rk <= {rank:UInt32}`,
    { ...range, round, share: bounds.share, rank: bounds.rank },
    LIVE_FLAGS_SETTINGS,
  );
  const strata = new Map<string, CandidateRow[]>();
  for (const r of rows) {
    const k = `${r.ministry}|${r.app}|${r.flagged}`;
    const list = strata.get(k);
    if (list) list.push(r);
    else strata.set(k, [r]);
  }
  const [{ population }] = await queryRows<{ population: number | string }>(
    client,
    `SELECT count() AS population FROM outputs FINAL WHERE occurred_at >= toDateTime64({from:String}, 3, 'UTC') AND occurred_at < toDateTime64({to:String}, 3, 'UTC')`,
    range,
  );
  const items = [...strata.values()].flatMap((stratum) => {
    const { ministry, app, flagged } = stratum[0];
    const chosen = selectStratum(stratum, rateFor(req.rule, ministry, app, flagged === 1));
    return chosen.map((c) => ({
      item_id: itemId(round, c.output_id),
      round_id: round,
      week: req.week,
      rule_id: req.rule.id,
      output_id: c.output_id,
      ministry,
      app,
      output_at: c.output_at,
      flagged,
      stratum_size: Number(c.N),
      stratum_sampled: chosen.length,
      second_review: secondReview(round, c.output_id, req.rule.second_review_share) ? 1 : 0,
    }));
  });
  const stored = new Set(
    (await queryRows<{ item_id: string }>(client, 'SELECT item_id FROM review_items WHERE round_id = {round:String}', { round })).map((r) => r.item_id),
  );
  const fresh = items.filter((i) => !stored.has(i.item_id));
  const now = new Date().toISOString();
  if (fresh.length > 0) {
    await client.insert({ table: 'review_items', values: fresh.map((i) => ({ ...i, sampled_at: now })), format: 'JSONEachRow' });
  }
  const result = { round_id: round, week: req.week, population: Number(population), sampled: items.length, added: fresh.length };
  await client.insert({
    table: 'review_rounds',
    values: [{ round_id: round, week: req.week, rule_id: req.rule.id, rule: JSON.stringify(req.rule), actor: req.who.actor, trigger: req.trigger, population: result.population, sampled: result.sampled, added: result.added, at: now }],
    format: 'JSONEachRow',
  });
  await writeAudit(client, req.who, { action: 'review_sample', target: round, detail: { trigger: req.trigger, population: result.population, sampled: result.sampled, added: result.added } });
  return result;
}

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export interface RoundRecord {
  round_id: string;
  week: string;
  rule_id: string;
  actor: string;
  trigger: string;
  population: number;
  sampled: number;
  added: number;
  at: string;
}

/** The sampling record, newest first: who drew which round under which rule, and when. */
export async function listRounds(client: ClickHouseClient, limit = 50): Promise<RoundRecord[]> {
  return queryRows<RoundRecord>(
    client,
    `SELECT round_id, toString(week) AS week, rule_id, actor, trigger, population, sampled, added, at FROM review_rounds ORDER BY at DESC LIMIT {limit:UInt32}`,
    { limit },
  );
}

/** The configured rule: OVERSIGHT_REVIEW_RULE (validated by loadEnv) or the built-in default. */
export function configuredRule(rule: ReviewRule | undefined): ReviewRule {
  return rule ?? DEFAULT_REVIEW_RULE;
}

const SCHEDULER: AuditActor = { actor: 'scheduler', role: '', ip: '', user_agent: 'oversight review sampler' };

/** Samples each completed week (of the last `lookback`) that has outputs and no round under this rule yet. */
export async function sampleDueWeeks(
  client: ClickHouseClient,
  rule: ReviewRule,
  opts: { now?: Date; lookback?: number; who?: AuditActor; trigger?: SampleRequest['trigger'] } = {},
): Promise<SampledRound[]> {
  const weeks = completedWeeks(opts.now ?? new Date(), opts.lookback ?? 8);
  const done = new Set(
    (await queryRows<{ round_id: string }>(client, 'SELECT DISTINCT round_id FROM review_rounds WHERE round_id IN {ids:Array(String)}', {
      ids: weeks.map((w) => roundId(w, rule.id)),
    })).map((r) => r.round_id),
  );
  const out: SampledRound[] = [];
  for (const week of weeks) {
    if (done.has(roundId(week, rule.id))) continue;
    const [{ n }] = await queryRows<{ n: number | string }>(
      client,
      `SELECT count() AS n FROM outputs WHERE occurred_at >= toDateTime64({from:String}, 3, 'UTC') AND occurred_at < toDateTime64({to:String}, 3, 'UTC')`,
      { from: `${week} 00:00:00`, to: `${addDays(week, 7)} 00:00:00` },
    );
    if (Number(n) === 0) continue;
    out.push(await sampleWeek(client, { week, rule, who: opts.who ?? SCHEDULER, trigger: opts.trigger ?? 'schedule' }));
  }
  return out;
}

/**
 * Runs sampleDueWeeks now and then every `intervalMs` (default hourly). Several processes may run it:
 * they draw the same items, so the worst case is a duplicate entry in the sampling record.
 */
export function startReviewSampler(
  client: ClickHouseClient,
  opts: { rule: ReviewRule; intervalMs?: number; log?: (line: string) => void },
): { stop(): void } {
  const log = opts.log ?? (() => {});
  const run = async () => {
    for (const r of await sampleDueWeeks(client, opts.rule)) {
      log(`review sample ${r.round_id}: ${r.sampled} of ${r.population} outputs (${r.added} new items)`);
    }
  };
  return startPeriodic('review sampling', run, { intervalMs: opts.intervalMs, log });
}
