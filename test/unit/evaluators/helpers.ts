// Small helpers for the evaluator rule tests: run one evaluator on a response and list its findings.
import type { Evaluator, EvaluatorInput, Flag } from '../../../evaluators/types.ts';

export interface Case {
  prompt?: string;
  app?: string;
  occurred_at?: string;
  sources?: EvaluatorInput['sources'];
}

let n = 0;
export function run(e: Evaluator, response: string, c: Case = {}): Flag[] {
  return e.evaluate({
    output_id: `t-${++n}`,
    occurred_at: c.occurred_at ?? '2026-07-01T09:00:00+09:00',
    app: c.app ?? 'chat',
    prompt: c.prompt ?? '質問',
    response,
    sources: c.sources ?? [],
  });
}

/** Rule ids of the findings (info flags are "could not verify", not findings). */
export function findings(e: Evaluator, response: string, c: Case = {}): string[] {
  return run(e, response, c).filter((f) => f.severity !== 'info').map((f) => f.rule_id);
}
