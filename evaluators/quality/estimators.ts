// Estimators for the review sample (issue 12): proportions with 95 % Wilson score intervals, weighted
// by the sample's stratum weights, and Cohen's kappa between two reviewers. Pure functions of plain
// numbers, no I/O: the dashboard, the CSV export and the tests all call the same code.
//
// Weighting. Items are drawn per stratum (round × ministry × app × flagged) at different rates, so an
// unweighted share would over-count the strata sampled heavily (flagged outputs). Each labeled item
// carries w = N_h / m_h (its stratum's population ÷ the stratum's labeled items). A proportion over a
// domain D (e.g. "outputs a human found leakage in", for recall) is the ratio estimator
//   p̂ = Σ_D w·y / Σ_D w,
// and its interval is Wilson's score interval at Kish's effective sample size n_eff = (Σ w)² / Σ w²
// (the design effect of unequal weights). With equal weights n_eff = n and this is the textbook Wilson
// interval; with unequal weights it widens, as it must (Korn & Graubard 1998 use the same substitution).

/** Two-sided 95 %. */
export const Z95 = 1.959963984540054;

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

/**
 * Wilson score interval for a proportion p̂ observed on n trials (n may be an effective, non-integer
 * size). Returns null when n is 0: nothing was observed, there is no estimate.
 */
export function wilson(pHat: number, n: number, z = Z95): Interval | null {
  if (!(n > 0) || !Number.isFinite(pHat)) return null;
  const p = Math.min(1, Math.max(0, pHat));
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At p̂ = 0 or 1 the bound is exactly 0 or 1; floating point would leave 1e-16 off.
  return { estimate: p, low: p === 0 ? 0 : Math.max(0, center - half), high: p === 1 ? 1 : Math.min(1, center + half) };
}

/** Wilson interval for x successes out of n (unweighted). */
export function wilsonCount(x: number, n: number, z = Z95): Interval | null {
  return n > 0 ? wilson(x / n, n, z) : null;
}

export interface WeightedObservation {
  /** The item's weight (N_h / m_h); must be > 0. */
  weight: number;
  /** Does the item count as a success (e.g. the evaluator flagged what the human found)? */
  success: boolean;
}

export interface Proportion extends Interval {
  /** Items in the domain (labels the figure rests on). */
  n: number;
  /** Kish's effective sample size of those items. */
  nEff: number;
  /** Items in the domain that were successes. */
  successes: number;
}

/** Weighted proportion with its Wilson interval at the effective sample size; null on an empty domain. */
export function weightedProportion(items: readonly WeightedObservation[], z = Z95): Proportion | null {
  let sw = 0;
  let sw2 = 0;
  let swy = 0;
  let successes = 0;
  for (const { weight, success } of items) {
    if (!(weight > 0)) throw new RangeError(`a weight must be positive, got ${weight}`);
    sw += weight;
    sw2 += weight * weight;
    if (success) {
      swy += weight;
      successes++;
    }
  }
  if (items.length === 0) return null;
  const nEff = (sw * sw) / sw2;
  const interval = wilson(swy / sw, nEff, z)!;
  return { ...interval, n: items.length, nEff, successes };
}

/** A labeled item as the estimators see it: its stratum weight, what the human found, what was flagged. */
export interface LabeledItem {
  weight: number;
  /** The human label: a finding in the category. */
  human: boolean;
  /** The evaluator (or any evaluator) flagged the category with a finding. */
  flagged: boolean;
}

export interface QualityEstimate {
  /** Of what humans found, the share the evaluators flagged. Domain: human = true. */
  recall: Proportion | null;
  /** Of what was flagged, the share humans found too. Domain: flagged = true. */
  precision: Proportion | null;
  /** Share of outputs with a human-found finding. Domain: every labeled item. */
  prevalence: Proportion | null;
  labeled: number;
  /** Items with a human-found finding (recall's n). */
  humanFound: number;
  /** Human-found findings no evaluator flagged. */
  missed: number;
}

export function estimateQuality(items: readonly LabeledItem[], z = Z95): QualityEstimate {
  const humanFound = items.filter((i) => i.human);
  return {
    recall: weightedProportion(humanFound.map((i) => ({ weight: i.weight, success: i.flagged })), z),
    precision: weightedProportion(items.filter((i) => i.flagged).map((i) => ({ weight: i.weight, success: i.human })), z),
    prevalence: weightedProportion(items.map((i) => ({ weight: i.weight, success: i.human })), z),
    labeled: items.length,
    humanFound: humanFound.length,
    missed: humanFound.filter((i) => !i.flagged).length,
  };
}

/**
 * Stratum weights: population ÷ labeled items of the stratum, so each stratum counts for its share of
 * the outputs whatever its sampling rate. `key` names the stratum, `size` is its population N_h.
 */
export function stratumWeights<T>(items: readonly T[], key: (item: T) => string, size: (item: T) => number): number[] {
  const labeled = new Map<string, number>();
  for (const it of items) labeled.set(key(it), (labeled.get(key(it)) ?? 0) + 1);
  return items.map((it) => Math.max(size(it), 1) / labeled.get(key(it))!);
}

export interface Kappa {
  kappa: number | null;
  /** Observed agreement. */
  observed: number;
  /** Agreement expected by chance from each reviewer's own rates. */
  expected: number;
  /** Items both reviewers labeled. */
  n: number;
}

/**
 * Cohen's kappa for two raters' binary judgments of the same items: (p_o − p_e) / (1 − p_e). null
 * when undefined (no pairs, or both raters gave one answer throughout so chance agreement is 1).
 */
export function cohensKappa(pairs: readonly (readonly [boolean, boolean])[]): Kappa {
  const n = pairs.length;
  if (n === 0) return { kappa: null, observed: 0, expected: 0, n };
  let agree = 0;
  let a = 0;
  let b = 0;
  for (const [x, y] of pairs) {
    if (x === y) agree++;
    if (x) a++;
    if (y) b++;
  }
  const po = agree / n;
  const pa = a / n;
  const pb = b / n;
  const pe = pa * pb + (1 - pa) * (1 - pb);
  return { kappa: pe >= 1 ? null : (po - pe) / (1 - pe), observed: po, expected: pe, n };
}

/**
 * Planning: how many items must a domain hold for a 95 % interval of ± halfWidth around an expected
 * proportion p (normal approximation, n = z² p(1−p) / h², times the design effect of the weights).
 * For recall the domain is human-found positives: a recall near 0.95 within ±5 points needs 73 of them.
 */
export function itemsNeeded(p: number, halfWidth: number, designEffect = 1, z = Z95): number {
  if (!(halfWidth > 0 && halfWidth < 1)) throw new RangeError('halfWidth must be in (0, 1)');
  const q = Math.min(Math.max(p, 0), 1);
  return Math.ceil(((z * z * q * (1 - q)) / (halfWidth * halfWidth)) * designEffect);
}

/** The labeled-items threshold below which a figure is shown with a "too few labels" warning. */
export const MIN_LABELS = 30;
