// The law catalog the citation evaluator uses (evaluators/catalog-store.ts), for the evaluators and
// pipeline pages: operators see which official list is loaded, how big it is and since when, and the
// evaluator version it gives (the one the watermarks and flags carry).
import type { LawCatalogInfo } from '../../../contracts/law-catalog.ts';
import { activeCatalogInfo, lawCatalogDir } from '../../../evaluators/catalog-store.ts';
import { CITATIONS_VERSION } from '../../../evaluators/citations.ts';

export type LawCatalogStatus = { ok: true; info: LawCatalogInfo; evaluatorVersion: string } | { ok: false; error: string };

export function lawCatalogStatus(): LawCatalogStatus {
  try {
    const info = activeCatalogInfo(lawCatalogDir());
    return { ok: true, info, evaluatorVersion: `citations ${CITATIONS_VERSION}+catalog.${info.version}` };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
