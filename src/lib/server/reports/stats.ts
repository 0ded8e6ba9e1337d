// Intervals for proportions estimated from reviewer verdicts. With a handful of verdicts a precision
// of 100 % means little; the Wilson score interval says how little, and stays inside 0..1 even at 0
// or n successes (the normal approximation does not).
export interface Interval {
  low: number;
  high: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
}

/** Wilson score interval for `k` successes in `n` trials at 95 % (z = 1.96). */
export function wilson(k: number, n: number, z = 1.959964): Interval {
  if (n <= 0) return { low: 0, high: 1, level: 0.95 };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half), level: 0.95 };
}
