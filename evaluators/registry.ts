// The evaluators the product runs. Each is built once per process (rule data compiled at start);
// the batch runner, the offline CLI and the bench all use this list. The citation evaluator is built
// on the deployment's law catalog (evaluators/catalog-store.ts); refreshLawCatalog() swaps it when a
// newer catalog was imported, so a long-running scheduler picks up `oversight laws import`.
import { loadActiveCatalog, lawCatalogDir, newestCatalogFile } from './catalog-store.ts';
import { createCitationsEvaluator } from './citations.ts';
import { createLeakageEvaluator } from './leakage.ts';
import { createPolicyEvaluator } from './policy.ts';
import type { Evaluator } from './types.ts';

let catalogFile = newestCatalogFile(lawCatalogDir());
const citations = () => createCitationsEvaluator({ catalog: loadActiveCatalog().catalog });

const list: Evaluator[] = [citations(), createPolicyEvaluator(), createLeakageEvaluator()];
export const EVALUATORS: readonly Evaluator[] = list;

/** Rebuilds the citation evaluator when a newer law catalog was imported; true when it changed. */
export function refreshLawCatalog(): boolean {
  const newest = newestCatalogFile(lawCatalogDir());
  if (newest === catalogFile) return false;
  const i = list.findIndex((e) => e.id === 'citations');
  list[i] = citations();
  catalogFile = newest;
  return true;
}

export function evaluatorById(id: string): Evaluator {
  const found = EVALUATORS.find((e) => e.id === id);
  if (!found) throw new Error(`unknown evaluator "${id}" (known: ${EVALUATORS.map((e) => e.id).join(', ')})`);
  return found;
}
