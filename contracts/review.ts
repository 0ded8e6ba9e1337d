// Review samples (issue 12): the sampling rule an operator configures and the label a reviewer
// records. Shared by the sampler, the labeling pages, the CLI and the demo.
import { z } from 'zod';
import { CATEGORIES, SEVERITIES } from './severities.ts';

/** The categories a reviewer judges on every item (the built-in ones). */
export const REVIEW_CATEGORIES = CATEGORIES;
export type ReviewCategory = (typeof REVIEW_CATEGORIES)[number];

/** A finding's severity: anything but `info` ("could not verify" is not a finding). */
export const FINDING_SEVERITIES = SEVERITIES.filter((s) => s !== 'info') as ['low', 'medium', 'high', 'critical'];

/**
 * How much of a stratum to sample per weekly round: a share of its outputs (Bernoulli: each output in
 * with that probability) or a fixed number per week (the n outputs with the lowest sample key).
 */
export const Rate = z.union([
  z.strictObject({ share: z.number().min(0).max(1) }),
  z.strictObject({ per_week: z.number().int().min(0).max(100_000) }),
]);
export type Rate = z.infer<typeof Rate>;

/** Rates for flagged and unflagged outputs of one stratum; a missing one falls back to the rule's. */
export const StratumRates = z.strictObject({ flagged: Rate.optional(), unflagged: Rate.optional() });

/** "mof/chat", "mof/*" (every app of a ministry) or "*\/legal_research" (an app in every ministry). */
const STRATUM_KEY = /^([a-z]+|\*)\/([a-z][a-z0-9_]{0,39}|\*)$/;

export const ReviewRule = z.strictObject({
  /** Names the rule in the sampling record and in each round's id: change it when the rates change. */
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'rule id: lower-case letters, digits, . _ -'),
  /** Outputs with at least one finding: precision and recall's caught side. */
  flagged: Rate,
  /** Outputs nothing flagged: where the misses are, so recall is estimable. */
  unflagged: Rate,
  strata: z
    .record(z.string(), StratumRates)
    .default({})
    .superRefine((strata, ctx) => {
      for (const key of Object.keys(strata)) {
        if (!STRATUM_KEY.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: `stratum keys look like "mof/chat", "mof/*" or "*/chat", got "${key}"` });
      }
    }),
  /** Share of items a second reviewer labels blind to the first (for Cohen's kappa). */
  second_review_share: z.number().min(0).max(1).default(0.2),
});
export type ReviewRule = z.infer<typeof ReviewRule>;

/** The built-in rule: per ministry × app and week, 2 flagged and 3 unflagged outputs, 20 % double-labeled. */
export const DEFAULT_REVIEW_RULE: ReviewRule = {
  id: 'default',
  flagged: { per_week: 2 },
  unflagged: { per_week: 3 },
  strata: {},
  second_review_share: 0.2,
};

/** A rule from JSON text (OVERSIGHT_REVIEW_RULE, or a --rule file), with the reason when it is wrong. */
export function parseReviewRule(json: string): ReviewRule {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new Error(`review rule is not JSON: ${(err as Error).message}`);
  }
  const parsed = ReviewRule.safeParse(raw);
  if (!parsed.success) throw new Error(`review rule: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(rule)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

const MAX_NOTE = 4000;

/** One category's judgment: no finding, or a finding with severity, an evidence span and a note. */
export const Judgment = z.discriminatedUnion('finding', [
  z.strictObject({ category: z.enum(REVIEW_CATEGORIES), finding: z.literal(false), note: z.string().max(MAX_NOTE).default('') }),
  z.strictObject({
    category: z.enum(REVIEW_CATEGORIES),
    finding: z.literal(true),
    severity: z.enum(FINDING_SEVERITIES),
    /** UTF-16 offsets into the field, as in the flag contract; start = end when no span was selected. */
    where: z.enum(['prompt', 'response']),
    start: z.number().int().nonnegative(),
    end: z.number().int().nonnegative(),
    note: z.string().max(MAX_NOTE).default(''),
  }),
]);
export type Judgment = z.infer<typeof Judgment>;

/** A reviewer's label of one item: a judgment for every review category. */
export const ItemLabel = z
  .strictObject({ item_id: z.string().min(1).max(100), judgments: z.array(Judgment) })
  .superRefine((v, ctx) => {
    const seen = v.judgments.map((j) => j.category).sort().join();
    if (seen !== [...REVIEW_CATEGORIES].sort().join()) {
      ctx.addIssue({ code: 'custom', path: ['judgments'], message: `judge each category once: ${REVIEW_CATEGORIES.join(', ')}` });
    }
    for (const j of v.judgments) {
      if (j.finding && j.end < j.start) ctx.addIssue({ code: 'custom', path: ['judgments'], message: `${j.category}: evidence ends before it starts` });
    }
  });
export type ItemLabel = z.infer<typeof ItemLabel>;

/** The dev-set line an exported sample becomes: the output event plus `expected` and `note`. */
export interface DevSetLine {
  output_id: string;
  expected: string[];
  note: string;
  [field: string]: unknown;
}
