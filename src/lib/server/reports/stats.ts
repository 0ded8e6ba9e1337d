// Intervals for proportions estimated from reviewer verdicts. With a handful of verdicts a precision
// of 100 % means little; the Wilson score interval says how little, and stays inside 0..1 even at 0
// or n successes. The arithmetic is the evaluator-quality estimators' (evaluators/quality/estimators.ts);
// a report stores the interval with its confidence level.
import { wilsonCount } from '../../../../evaluators/quality/estimators.ts';

export interface Interval {
  low: number;
  high: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
}

/** Wilson score interval for `k` successes in `n` trials at 95 %; no trials: the whole of 0..1. */
export function wilson(k: number, n: number): Interval {
  const i = wilsonCount(k, n);
  return i ? { low: i.low, high: i.high, level: 0.95 } : { low: 0, high: 1, level: 0.95 };
}
