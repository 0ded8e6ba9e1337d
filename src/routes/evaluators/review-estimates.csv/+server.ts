// The review-sample estimates of the evaluator page as CSV: one line per figure with its 95 % interval,
// overall, per week and per ministry, for the page's filters and the viewer's scope. Aggregates only.
import type { RequestHandler } from './$types';
import { openView } from '$lib/server/queries/view.ts';
import { ALL_ROLES } from '$lib/server/queries/tables.ts';
import { ruleQuality } from '$lib/server/queries/evaluators.ts';
import { toCsv } from '$lib/server/audit.ts';
import { ESTIMATE_CSV_HEADER, estimateCsvRows, reviewEstimates, verdictCounts } from '$lib/server/review/estimates.ts';

export const GET: RequestHandler = async ({ locals, url }) => {
  const v = await openView(locals, url, ALL_ROLES);
  const rules = await ruleQuality(v.client, v.filters);
  const est = await reviewEstimates(v.client, v.filters, verdictCounts(rules));
  return new Response(toCsv([...ESTIMATE_CSV_HEADER], estimateCsvRows(est.rows)), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="review-estimates-${v.filters.from}-${v.filters.to}.csv"`,
    },
  });
};
