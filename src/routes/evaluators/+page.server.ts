// Evaluator quality: findings and reviewer verdicts per evaluator and rule, precision over time.
import type { PageServerLoad } from './$types';
import { openView, viewData } from '$lib/server/queries/view.ts';
import { ALL_ROLES } from '$lib/server/queries/tables.ts';
import { evaluatorPageData } from '$lib/server/queries/evaluators.ts';
import { weekStarts } from '$lib/server/queries/filters.ts';
import { lawCatalogStatus } from '$lib/server/law-catalog.ts';
import { reviewEstimates, verdictCounts } from '$lib/server/review/estimates.ts';

export const load: PageServerLoad = async ({ locals, url }) => {
  const v = await openView(locals, url, ALL_ROLES);
  const { rules, weekly } = await evaluatorPageData(v.client, v.filters);
  // Review-sample estimates (issue 12): recall, precision, prevalence with intervals; aggregates only.
  const review = await reviewEstimates(v.client, v.filters, verdictCounts(rules));
  return { ...viewData(v), rules, weekly, weeks: weekStarts(v.filters.from, v.filters.to), lawCatalog: lawCatalogStatus(), review };
};
