// Ministry × week heatmaps of adoption and of risk. A CAIO sees their own ministry's row only.
import type { PageServerLoad } from './$types';
import { openView, viewData } from '$lib/server/queries/view.ts';
import { ALL_ROLES } from '$lib/server/queries/tables.ts';
import { ministryWeekHeatmap } from '$lib/server/queries/heatmap.ts';

export const load: PageServerLoad = async ({ locals, url }) => {
  const v = await openView(locals, url, ALL_ROLES);
  return { ...viewData(v), heatmap: await ministryWeekHeatmap(v.client, v.filters, v.planned) };
};
