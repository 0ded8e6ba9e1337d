// The evaluator contract: a pure, synchronous function of one output event. Purity is what makes a
// re-run idempotent (same input, same flags) and lets the offline CLI, the batch runner and the bench
// share one code path.
import type { Flag, Severity } from '../contracts/flags.ts';
import type { OutputInput } from '../contracts/events.ts';

export type { Flag, Severity };

/** The fields evaluators read; extra fields of the event are ignored. */
export type EvaluatorInput = Pick<OutputInput, 'output_id' | 'occurred_at' | 'app' | 'prompt' | 'response'> &
  Partial<Pick<OutputInput, 'sources' | 'language' | 'model' | 'ministry'>>;

export interface Evaluator {
  /** Stable id stored with every flag and watermark (e.g. "citations"). */
  readonly id: string;
  /** Semantic version; a new version re-evaluates history and supersedes its older flags. */
  readonly version: string;
  evaluate(output: EvaluatorInput): Flag[];
}

/** What a rule reports before the evaluator adds its id, version and the output id. */
export interface Finding {
  category: string;
  rule_id: string;
  severity: Severity;
  confidence: number;
  where: 'prompt' | 'response';
  start: number;
  end: number;
  /** Evidence text as shown to reviewers: masked when the span is a secret. */
  text: string;
  explanation: string;
}

export function toFlag(evaluator: Pick<Evaluator, 'id' | 'version'>, outputId: string, f: Finding): Flag {
  return {
    output_id: outputId,
    evaluator: evaluator.id,
    evaluator_version: evaluator.version,
    category: f.category,
    rule_id: f.rule_id,
    severity: f.severity,
    confidence: f.confidence,
    where: f.where,
    evidence: [{ start: f.start, end: f.end, text: f.text }],
    // One line, whatever the rule interpolated into it.
    explanation: f.explanation.replace(/\s*[\r\n]+\s*/g, ' '),
  };
}

/**
 * Keeps one finding per (where, rule_id, start): the flag key of the contract. Sorted so the output
 * order never depends on the order rules ran in.
 */
export function dedupeFindings(findings: Finding[]): Finding[] {
  const seen = new Map<string, Finding>();
  for (const f of findings) {
    const key = `${f.where}\u0000${f.rule_id}\u0000${f.start}`;
    if (!seen.has(key)) seen.set(key, f);
  }
  return [...seen.values()].sort(
    (a, b) => (a.where === b.where ? 0 : a.where === 'prompt' ? -1 : 1) || a.start - b.start || (a.rule_id < b.rule_id ? -1 : a.rule_id > b.rule_id ? 1 : 0),
  );
}
