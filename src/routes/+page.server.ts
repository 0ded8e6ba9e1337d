// Overview: adoption, accuracy and risk for the filtered view. Every role may open it; a CAIO sees
// only their ministry (openView enforces it on the server).
import type { PageServerLoad } from './$types';
import { openView, viewData } from '$lib/server/queries/view.ts';
import { ALL_ROLES } from '$lib/server/queries/tables.ts';
import { dayRange } from '$lib/server/queries/filters.ts';
import { accuracyRates, activeWindows, adoptionPct } from '$lib/server/queries/overview.ts';
import { overviewPageData } from '$lib/server/queries/page-data.ts';

export const load: PageServerLoad = async ({ locals, url }) => {
  const v = await openView(locals, url, ALL_ROLES);
  const { client, filters: f } = v;
  const d = await overviewPageData(client, f);
  const planned = v.filters.ministry ? (v.planned.get(v.filters.ministry) ?? 0) : [...v.planned.values()].reduce((a, b) => a + b, 0);
  return {
    ...viewData(v),
    days: dayRange(f.from, f.to),
    ...d,
    windows: activeWindows(f.to),
    adoption: { pct: adoptionPct(d.active.mau, v.planned, f.ministry), planned },
    rates: accuracyRates(d.totals),
  };
};
