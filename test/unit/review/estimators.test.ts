// The review-sample estimators on worked examples: Wilson intervals against published values, a
// stratified estimate with unequal weights worked by hand, and Cohen's kappa on a textbook table.
import { describe, expect, it } from 'vitest';
import { cohensKappa, estimateQuality, itemsNeeded, stratumWeights, weightedProportion, wilson, wilsonCount } from '../../../evaluators/quality/estimators.ts';

describe('Wilson score interval', () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i of %i → %f–%f', (x, n, low, high) => {
    const i = wilsonCount(x, n)!;
    expect(i.estimate).toBeCloseTo(x / n, 10);
    expect(i.low).toBeCloseTo(low, 4);
    expect(i.high).toBeCloseTo(high, 4);
  });

  it('is null with nothing observed and stays inside [0, 1] at the edges', () => {
    expect(wilsonCount(0, 0)).toBeNull();
    const all = wilsonCount(10, 10)!;
    expect(all.high).toBe(1);
    expect(all.low).toBeCloseTo(0.7225, 4);
  });

  it('accepts a non-integer effective sample size', () => {
    expect(wilson(0.5, 10.5)!.high - wilson(0.5, 10.5)!.low).toBeLessThan(wilson(0.5, 10)!.high - wilson(0.5, 10)!.low);
  });
});

describe('stratified estimates', () => {
  // Two strata of one round: 900 unflagged outputs with 10 labeled (1 human finding), 100 flagged
  // outputs with 10 labeled (8 findings). Unweighted, 9 of 20 labeled items have a finding (45 %);
  // weighted, the population holds 900·1/10 + 100·8/10 = 170 of 1000 outputs with a finding: 17 %.
  const items = [
    ...Array.from({ length: 10 }, (_, i) => ({ stratum: 'u', size: 900, human: i === 0, flagged: false })),
    ...Array.from({ length: 10 }, (_, i) => ({ stratum: 'f', size: 100, human: i < 8, flagged: true })),
  ];
  const weights = stratumWeights(items, (i) => i.stratum, (i) => i.size);

  it('weights each item by its stratum population over its labeled items', () => {
    expect(weights.slice(0, 10)).toEqual(Array(10).fill(90));
    expect(weights.slice(10)).toEqual(Array(10).fill(10));
  });

  it('prevalence, recall and precision with the weights', () => {
    const q = estimateQuality(items.map((it, k) => ({ weight: weights[k], human: it.human, flagged: it.flagged })));
    expect(q.prevalence!.estimate).toBeCloseTo(0.17, 10);
    // Recall: human findings 90 (unflagged, missed) + 8·10 = 80 (flagged) → 80 / 170.
    expect(q.recall!.estimate).toBeCloseTo(80 / 170, 10);
    expect(q.humanFound).toBe(9);
    expect(q.missed).toBe(1);
    // Precision: the flagged stratum alone, 8 of 10.
    expect(q.precision!.estimate).toBeCloseTo(0.8, 10);
    // Kish: recall's domain weights are one 90 and eight 10s: (170)² / (8100 + 800) = 3.247 effective items.
    expect(q.recall!.nEff).toBeCloseTo(170 ** 2 / 8900, 10);
    const r = wilson(80 / 170, 170 ** 2 / 8900)!;
    expect(q.recall!.low).toBeCloseTo(r.low, 12);
    expect(q.recall!.high).toBeCloseTo(r.high, 12);
  });

  it('with equal weights the weighted proportion is the plain Wilson interval', () => {
    const p = weightedProportion(Array.from({ length: 263 }, (_, i) => ({ weight: 7, success: i < 81 })))!;
    expect(p.nEff).toBeCloseTo(263, 9);
    expect(p.low).toBeCloseTo(0.2553, 4);
    expect(p.high).toBeCloseTo(0.3662, 4);
  });

  it('refuses a weight that is not positive', () => {
    expect(() => weightedProportion([{ weight: 0, success: true }])).toThrow(/positive/);
  });
});

describe("Cohen's kappa", () => {
  // The table in Cohen's kappa's Wikipedia article: 50 items, both yes 20, A yes / B no 5,
  // A no / B yes 10, both no 15. p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.4.
  const table = [
    ...Array(20).fill([true, true]),
    ...Array(5).fill([true, false]),
    ...Array(10).fill([false, true]),
    ...Array(15).fill([false, false]),
  ] as [boolean, boolean][];

  it('is 0.4 on the textbook table', () => {
    const k = cohensKappa(table);
    expect(k.observed).toBeCloseTo(0.7, 12);
    expect(k.expected).toBeCloseTo(0.5, 12);
    expect(k.kappa).toBeCloseTo(0.4, 12);
    expect(k.n).toBe(50);
  });

  it('is 1 on full agreement, undefined when chance agreement is certain or there are no pairs', () => {
    expect(cohensKappa([[true, true], [false, false]]).kappa).toBe(1);
    expect(cohensKappa([[false, false], [false, false]]).kappa).toBeNull();
    expect(cohensKappa([]).kappa).toBeNull();
  });
});

describe('planning', () => {
  it('a 95 % recall within ±5 points needs 73 human-found positives; a 50 % one needs 385', () => {
    expect(itemsNeeded(0.95, 0.05)).toBe(73);
    expect(itemsNeeded(0.5, 0.05)).toBe(385);
    expect(itemsNeeded(0.95, 0.05, 2)).toBe(146);
  });
});
