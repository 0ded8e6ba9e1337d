// The evaluators the product runs. Each is built once per process (rule data compiled at start);
// the batch runner, the offline CLI and the bench all use this list.
import { createCitationsEvaluator } from './citations.ts';
import { createLeakageEvaluator } from './leakage.ts';
import { createPolicyEvaluator } from './policy.ts';
import type { Evaluator } from './types.ts';

export const EVALUATORS: readonly Evaluator[] = [createCitationsEvaluator(), createPolicyEvaluator(), createLeakageEvaluator()];

export function evaluatorById(id: string): Evaluator {
  const found = EVALUATORS.find((e) => e.id === id);
  if (!found) throw new Error(`unknown evaluator "${id}" (known: ${EVALUATORS.map((e) => e.id).join(', ')})`);
  return found;
}
