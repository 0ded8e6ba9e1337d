// Report settings from the environment (documented in README, "Reports"). The rollout target curve is
// operator data: the defaults are the platform's published plan (about 100,000 users from May 2026,
// 180,000 by March 2027); a new plan is a variable, not a code change.
import { z } from 'zod';
import { isStoreDay } from '../../../../contracts/dates.ts';
import { ConfigError } from '../../../../config/env.ts';

export interface TargetPoint {
  day: string;
  users: number;
}

export interface ReportConfig {
  /** Points of the target curve, by day; between points the target is linear, after the last it holds. */
  targets: TargetPoint[];
  /** Generate every ministry's monthly report on the first working day (JST) of each month. */
  monthlySchedule: boolean;
  /** Hour (JST) of that day at which the scheduled reports are generated and announced. */
  scheduleHourJst: number;
}

export const DEFAULT_TARGETS: TargetPoint[] = [
  { day: '2026-05-01', users: 100_000 },
  { day: '2027-03-31', users: 180_000 },
];

const ReportEnv = z.object({
  OVERSIGHT_ROLLOUT_TARGETS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return DEFAULT_TARGETS;
      let parsed: unknown;
      try {
        parsed = JSON.parse(s);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'OVERSIGHT_ROLLOUT_TARGETS must be JSON like {"2026-05-01":100000,"2027-03-31":180000}' });
        return z.NEVER;
      }
      const shape = z.record(z.string(), z.number().int().nonnegative()).safeParse(parsed);
      const bad = shape.success ? Object.keys(shape.data).filter((d) => !isStoreDay(d)) : [];
      if (!shape.success || bad.length > 0 || Object.keys(shape.data).length === 0) {
        ctx.addIssue({ code: 'custom', message: `OVERSIGHT_ROLLOUT_TARGETS must map days (YYYY-MM-DD) to user counts${bad.length ? `; not days: ${bad.join(', ')}` : ''}` });
        return z.NEVER;
      }
      return Object.entries(shape.data)
        .map(([day, users]) => ({ day, users }))
        .sort((a, b) => a.day.localeCompare(b.day));
    }),
  OVERSIGHT_MONTHLY_REPORTS: z
    .enum(['0', '1', 'true', 'false', 'on', 'off'], { error: 'OVERSIGHT_MONTHLY_REPORTS must be 1 or 0' })
    .optional()
    .transform((v) => v === '1' || v === 'true' || v === 'on'),
  OVERSIGHT_REPORT_HOUR_JST: z.coerce.number().int().min(0).max(23).default(9),
});

export function loadReportConfig(source: Record<string, string | undefined> = process.env): ReportConfig {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ReportEnv.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(`invalid report configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  const r = parsed.data;
  return { targets: r.OVERSIGHT_ROLLOUT_TARGETS, monthlySchedule: r.OVERSIGHT_MONTHLY_REPORTS, scheduleHourJst: r.OVERSIGHT_REPORT_HOUR_JST };
}
