// Rollout arithmetic: the target on a day from the configured curve, and when a ministry reaches its
// plan if monthly active users keep growing as they did (a least-squares line through MAU samples).
import { addDays, daysBetween } from '../queries/filters.ts';
import type { TargetPoint } from './config.ts';

/** The target on `day`: null before the curve starts, linear between points, the last value after the end. */
export function targetOn(curve: readonly TargetPoint[], day: string): number | null {
  if (curve.length === 0 || day < curve[0].day) return null;
  for (let i = 1; i < curve.length; i++) {
    const [a, b] = [curve[i - 1], curve[i]];
    if (day <= b.day) {
      const span = daysBetween(a.day, b.day);
      return span === 0 ? b.users : Math.round(a.users + ((b.users - a.users) * daysBetween(a.day, day)) / span);
    }
  }
  return curve[curve.length - 1].users;
}

export interface Sample {
  day: string;
  value: number;
}

/** Users per day of a least-squares line through the samples (null with fewer than two distinct days). */
export function slopePerDay(samples: readonly Sample[]): number | null {
  if (samples.length < 2) return null;
  const xs = samples.map((s) => daysBetween(samples[0].day, s.day));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = samples.reduce((a, s) => a + s.value, 0) / samples.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (samples[i].value - my);
    den += (x - mx) ** 2;
  });
  return den === 0 ? null : num / den;
}

export type Projection =
  | { status: 'reached'; day: null }
  | { status: 'projected'; day: string }
  /** Not growing (or no plan): no date can be projected. */
  | { status: 'not_on_trend'; day: null };

/** Longest projection shown as a date; beyond it the trend says "not on the current trend". */
export const PROJECTION_HORIZON_DAYS = 5 * 365;

/** When `current` (on `asOf`) reaches `goal` at `slope` users per day. */
export function projectDate(current: number, goal: number, slope: number | null, asOf: string): Projection {
  if (goal <= 0) return { status: 'not_on_trend', day: null };
  if (current >= goal) return { status: 'reached', day: null };
  if (slope === null || slope <= 0) return { status: 'not_on_trend', day: null };
  const days = Math.ceil((goal - current) / slope);
  if (days > PROJECTION_HORIZON_DAYS) return { status: 'not_on_trend', day: null };
  return { status: 'projected', day: addDays(asOf, days) };
}
