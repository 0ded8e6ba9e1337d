// The id of the incident of one (output, category): the evaluator runner opens it under this id, and a
// reviewer's miss in a review sample uses the same one, so neither opens a second incident for the
// same finding. Server-only (node:crypto); evaluators/runner.ts has the same formula, and
// test/unit/review/incident-id.test.ts checks that the two agree. Kept out of runner.ts's import graph
// because importing the runner builds the evaluators (and reads their data files).
import { createHash } from 'node:crypto';

export function incidentIdFor(outputId: string, category: string): string {
  return 'inc-' + createHash('sha256').update(`${outputId}\u0000${category}`).digest('hex').slice(0, 24);
}
