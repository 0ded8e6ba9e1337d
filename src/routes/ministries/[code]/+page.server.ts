// One ministry: its adoption, accuracy and risk trends and its top incidents. A CAIO may open only
// their own ministry (403 from the guard, repeated here where the data is read).
import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { isMinistryCode } from '$contracts/ministries.ts';
import { requireMinistry, canTriage } from '$lib/server/auth/guard.ts';
import { openView, viewData } from '$lib/server/queries/view.ts';
import { ALL_ROLES } from '$lib/server/queries/tables.ts';
import { dayRange } from '$lib/server/queries/filters.ts';
import { accuracyRates, activeWindows, adoptionPct } from '$lib/server/queries/overview.ts';
import { ministryPageData } from '$lib/server/queries/page-data.ts';

export const load: PageServerLoad = async ({ locals, url, params }) => {
  if (!isMinistryCode(params.code)) error(404, `unknown ministry code ${JSON.stringify(params.code)}`);
  requireMinistry(locals, params.code);
  // The ministry comes from the path, given once: a ?ministry= in the URL is ignored rather than
  // contradicted, and the view's formQuery leaves it out (the form and the back link show the others).
  const v = await openView(locals, url, ALL_ROLES, { fixedMinistry: params.code });
  const f = v.filters;
  const d = await ministryPageData(v.client, f);
  return {
    ...viewData(v),
    code: params.code,
    days: dayRange(f.from, f.to),
    planned: v.planned.get(params.code) ?? 0,
    active: d.active,
    windows: activeWindows(f.to),
    adoptionPct: adoptionPct(d.active.mau, v.planned, params.code),
    dau: d.dau,
    appDaily: d.appDaily,
    apps: d.byApp.map((a) => a.key),
    accuracy: d.accuracy,
    totals: d.totals,
    rates: accuracyRates(d.totals),
    risk: d.risk,
    incidents: d.incidents,
    counts: d.counts,
    canOpenIncidents: canTriage(locals, params.code),
  };
};
