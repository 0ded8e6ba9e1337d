// One ministry: its adoption, accuracy and risk trends and its top incidents. A CAIO may open only
// their own ministry (403 from the guard, repeated here where the data is read).
import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { isMinistryCode } from '$contracts/ministries.ts';
import { requireMinistry, canTriage } from '$lib/server/auth/guard.ts';
import { openView, viewData } from '$lib/server/queries/view.ts';
import { ALL_ROLES } from '$lib/server/queries/tables.ts';
import { dayRange, filtersToQuery } from '$lib/server/queries/filters.ts';
import { accuracyDaily, accuracyRates, activeUsers, activeWindows, adoptionPct, dailyActiveUsers, requestsDailyBy, riskDaily, sumAccuracy, requestsBy } from '$lib/server/queries/overview.ts';
import { incidentCounts, topIncidents } from '$lib/server/queries/incidents.ts';

export const load: PageServerLoad = async ({ locals, url, params }) => {
  if (!isMinistryCode(params.code)) error(404, `unknown ministry code ${JSON.stringify(params.code)}`);
  requireMinistry(locals, params.code);
  // The ministry comes from the path; a ?ministry= in the URL is ignored rather than contradicted.
  const q = new URL(url);
  q.searchParams.delete('ministry');
  const v = await openView(locals, q, ALL_ROLES, { ministry: params.code });
  const f = v.filters;
  const [active, dau, appDaily, byApp, accuracy, risk, incidents, counts] = await Promise.all([
    activeUsers(v.client, f),
    dailyActiveUsers(v.client, f),
    requestsDailyBy(v.client, f, 'app'),
    requestsBy(v.client, f, 'app'),
    accuracyDaily(v.client, f),
    riskDaily(v.client, f),
    topIncidents(v.client, f, 10),
    incidentCounts(v.client, f),
  ]);
  const totals = sumAccuracy(accuracy);
  return {
    ...viewData(v),
    // Filters shown in the form exclude the ministry (it is the page itself).
    formQuery: filtersToQuery({ ...f, ministry: null }),
    code: params.code,
    days: dayRange(f.from, f.to),
    planned: v.planned.get(params.code) ?? 0,
    active,
    windows: activeWindows(f.to),
    adoptionPct: adoptionPct(active.mau, v.planned, params.code),
    dau,
    appDaily,
    apps: byApp.map((a) => a.key),
    accuracy,
    totals,
    rates: accuracyRates(totals),
    risk,
    incidents,
    counts,
    canOpenIncidents: canTriage(locals, params.code),
  };
};
