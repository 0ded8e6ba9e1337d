// A review-sample miss and the evaluator runner name the incident of (output, category) alike.
import { expect, it } from 'vitest';
import { incidentIdFor } from '../../../src/lib/server/review/misses.ts';
import { incidentId } from '../../../evaluators/runner.ts';

it('the review miss uses the runner\'s incident id', () => {
  for (const [o, c] of [['out-1', 'leakage'], ['out-2', 'off_policy'], ['出力', 'hallucinated_citation']]) expect(incidentIdFor(o, c)).toBe(incidentId(o, c));
});
