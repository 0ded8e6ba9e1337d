// The flag contract of EVALUATION.md: what every evaluator emits and the batch runner stores.
import { z } from 'zod';
import { SEVERITIES } from './severities.ts';

export { SEVERITIES, SEVERITY_RANK, CATEGORIES, type Severity } from './severities.ts';

export const Evidence = z.object({
  start: z.number().int().nonnegative(), // UTF-16 code units into the field named by `where`
  end: z.number().int().nonnegative(),
  text: z.string(), // masked where the span is a secret
});
export type Evidence = z.infer<typeof Evidence>;

export const Flag = z.object({
  output_id: z.string(),
  evaluator: z.string(),
  evaluator_version: z.string(),
  category: z.string(), // one of CATEGORIES, or a new evaluator's own
  rule_id: z.string(),
  severity: z.enum(SEVERITIES),
  confidence: z.number().min(0).max(1),
  where: z.enum(['prompt', 'response']),
  evidence: z.array(Evidence),
  explanation: z.string(),
});
export type Flag = z.infer<typeof Flag>;

export function isFinding(f: Pick<Flag, 'severity'>): boolean {
  return f.severity !== 'info';
}
