// A review-sample miss and the evaluator runner name the incident of (output, category) alike.
import { expect, it } from 'vitest';
import { incidentIdFor } from '../../../contracts/incident-id.ts';
import { incidentId } from '../../../evaluators/runner.ts';

it('contracts/incident-id.ts agrees with the runner', () => {
  for (const [o, c] of [['out-1', 'leakage'], ['out-2', 'off_policy'], ['出力', 'hallucinated_citation']]) expect(incidentIdFor(o, c)).toBe(incidentId(o, c));
});
