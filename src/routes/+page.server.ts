// Overview: adoption, accuracy and risk for the filtered view. Every role may open it; a CAIO sees
// only their ministry (openView enforces it on the server).
import type { PageServerLoad } from './$types';
import { openView, viewData } from '$lib/server/queries/view.ts';
import { ALL_ROLES } from '$lib/server/queries/tables.ts';
import { dayRange } from '$lib/server/queries/filters.ts';
import {
  accuracyDaily, accuracyRates, activeUsers, activeWindows, adoptionPct, dailyActiveUsers, requestsBy, requestsDailyBy,
  riskBySeverity, riskDaily, riskDailyBySeverity, sumAccuracy,
} from '$lib/server/queries/overview.ts';

export const load: PageServerLoad = async ({ locals, url }) => {
  const v = await openView(locals, url, ALL_ROLES);
  const { client, filters: f } = v;
  const [active, dau, byApp, byModel, appDaily, accuracy, risk, riskSeverity] = await Promise.all([
    activeUsers(client, f),
    dailyActiveUsers(client, f),
    requestsBy(client, f, 'app'),
    requestsBy(client, f, 'model'),
    requestsDailyBy(client, f, 'app'),
    accuracyDaily(client, f),
    riskDaily(client, f),
    riskDailyBySeverity(client, f),
  ]);
  const totals = sumAccuracy(accuracy);
  const planned = v.filters.ministry ? (v.planned.get(v.filters.ministry) ?? 0) : [...v.planned.values()].reduce((a, b) => a + b, 0);
  return {
    ...viewData(v),
    days: dayRange(f.from, f.to),
    active,
    windows: activeWindows(f.to),
    adoption: { pct: adoptionPct(active.mau, v.planned, f.ministry), planned },
    dau,
    byApp,
    byModel,
    appDaily,
    accuracy,
    totals,
    rates: accuracyRates(totals),
    risk,
    riskSeverity,
    riskTable: await riskBySeverity(client, f, totals.outputs),
  };
};
