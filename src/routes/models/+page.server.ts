// Model scorecard: volume, latency, errors and finding rates per model for the filtered view.
import type { PageServerLoad } from './$types';
import { openView, viewData } from '$lib/server/queries/view.ts';
import { ALL_ROLES } from '$lib/server/queries/tables.ts';
import { dayRange } from '$lib/server/queries/filters.ts';
import { latencyDaily, modelScorecard } from '$lib/server/queries/models.ts';

export const load: PageServerLoad = async ({ locals, url }) => {
  const v = await openView(locals, url, ALL_ROLES);
  const [card, latency] = await Promise.all([modelScorecard(v.client, v.filters), latencyDaily(v.client, v.filters)]);
  return { ...viewData(v), days: dayRange(v.filters.from, v.filters.to), ...card, latency };
};
