// Which outputs a review round samples: pure and deterministic, so re-runs, several processes and the
// SQL in samples.ts agree. An output's sample key is the first 32 bits (big-endian) of
// SHA-256(round id, NUL, output id) as a fraction of 2^32; a share rate keeps the outputs whose key is
// below the share (each with that probability), a per-week rate keeps the n lowest keys of the stratum
// (a simple random sample without replacement). Strata are ministry × app × flagged within a round.
import { createHash } from 'node:crypto';
import type { Rate, ReviewRule } from '../../../../contracts/review.ts';

/** A round: one week (its Monday) sampled under one rule. */
export function roundId(week: string, ruleId: string): string {
  return `${week}/${ruleId}`;
}

/** The sample key of an output in a round, in [0, 1). The SQL twin is SAMPLE_KEY_SQL. */
export function sampleKey(round: string, outputId: string): number {
  return createHash('sha256').update(`${round}\u0000${outputId}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** sampleKey in ClickHouse, for parameters {round:String} and the column output_id. */
export const SAMPLE_KEY_SQL = `reinterpretAsUInt32(reverse(substring(SHA256(concat({round:String}, '\\0', output_id)), 1, 4))) / 4294967296`;

/** Is the item also labeled by a second reviewer? An independent key, so it is unrelated to membership. */
export function secondReview(round: string, outputId: string, share: number): boolean {
  return sampleKey(`${round}#second`, outputId) < share;
}

/** The review item id of an output in a round. */
export function itemId(round: string, outputId: string): string {
  return 'rv-' + createHash('sha256').update(`${round}\u0000${outputId}`).digest('hex').slice(0, 24);
}

/** The rate of a stratum: "ministry/app", then "ministry/*", then "*\/app", then the rule's default. */
export function rateFor(rule: ReviewRule, ministry: string, app: string, flagged: boolean): Rate {
  const side = flagged ? 'flagged' : 'unflagged';
  for (const key of [`${ministry}/${app}`, `${ministry}/*`, `*/${app}`]) {
    const r = rule.strata[key]?.[side];
    if (r) return r;
  }
  return rule[side];
}

export interface Candidate {
  output_id: string;
  /** sampleKey(round, output_id). */
  key: number;
}

/** The members of one stratum under a rate: every candidate of the stratum must be passed. */
export function selectStratum<T extends Candidate>(stratum: readonly T[], rate: Rate): T[] {
  if ('share' in rate) return stratum.filter((c) => c.key < rate.share);
  return [...stratum].sort((a, b) => a.key - b.key || (a.output_id < b.output_id ? -1 : a.output_id > b.output_id ? 1 : 0)).slice(0, rate.per_week);
}

/**
 * What SQL must return so selectStratum sees every member: the outputs whose key is below the largest
 * share, or whose rank in their stratum is within the largest per-week count, of any rate in the rule.
 */
export function candidateBounds(rule: ReviewRule): { share: number; rank: number } {
  const rates: Rate[] = [rule.flagged, rule.unflagged, ...Object.values(rule.strata).flatMap((s) => [s.flagged, s.unflagged].filter((r): r is Rate => !!r))];
  return {
    share: Math.max(0, ...rates.map((r) => ('share' in r ? r.share : 0))),
    rank: Math.max(0, ...rates.map((r) => ('per_week' in r ? r.per_week : 0))),
  };
}

/** Monday (UTC) of the week holding `day` (YYYY-MM-DD). */
export function weekOf(day: string): string {
  const d = new Date(`${day.slice(0, 10)}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

/**
 * The weeks a scheduled run samples: completed weeks (ended at least `settleDays` ago, so late events
 * are in) among the last `lookback`, oldest first. A per-week sample of a week still filling up would
 * change as outputs arrive.
 */
export function completedWeeks(now: Date, lookback = 8, settleDays = 1): string[] {
  const cutoff = new Date(now.getTime() - settleDays * 86_400_000).toISOString().slice(0, 10);
  const current = weekOf(cutoff);
  const weeks: string[] = [];
  for (let i = lookback; i >= 1; i--) {
    const d = new Date(`${current}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - 7 * i);
    weeks.push(d.toISOString().slice(0, 10));
  }
  return weeks;
}
