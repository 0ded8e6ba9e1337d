// Reports people send (issue 13): what a report request is, and the stored row of a generated report
// (clickhouse/migrations/0130_reports.sql). A report is frozen: the row is written once; regenerating
// writes a new version of the same series.
import { z } from 'zod';
import { isMinistryCode } from './ministries.ts';
import { isStoreDay } from './dates.ts';

/** ministry: the monthly ministry report to the advisory board; safety: the AISI-style safety review; rollout: adoption against plan. */
export const REPORT_KINDS = ['ministry', 'safety', 'rollout'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const PERIOD_KINDS = ['month', 'quarter', 'custom'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** A report id as it appears in URLs and on the printed header: RPT-YYYYMMDD-<8 hex>. */
export const REPORT_ID = /^RPT-\d{8}-[0-9a-f]{8}$/;

export const ReportRequest = z.object({
  kind: z.enum(REPORT_KINDS),
  period_kind: z.enum(PERIOD_KINDS),
  /** month: YYYY-MM; quarter: YYYY-Qn; custom: YYYY-MM-DD..YYYY-MM-DD */
  period: z.string().min(1).max(40),
  /** null = all ministries */
  ministry: z
    .string()
    .nullable()
    .refine((m) => m === null || isMinistryCode(m), { message: 'unknown ministry code' }),
});
export type ReportRequest = z.infer<typeof ReportRequest>;

export const ReportRow = z.object({
  report_id: z.string().regex(REPORT_ID),
  series: z.string(),
  version: z.coerce.number().int().positive(),
  kind: z.enum(REPORT_KINDS),
  period_kind: z.enum(PERIOD_KINDS),
  period_from: z.string().refine(isStoreDay),
  period_to: z.string().refine(isStoreDay),
  ministry: z.string(),
  author: z.string(),
  author_role: z.string(),
  origin: z.enum(['ui', 'schedule']),
  created_at: z.string(),
  params: z.string(),
  versions: z.string(),
  figures: z.string(),
  content_hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ReportRow = z.infer<typeof ReportRow>;
