// GET /api/v1/overview: the overview page's figures for the filtered view (every role; a CAIO only
// their ministry: asking for another is a 403, as on the page).
import type { RequestHandler } from './$types';
import { apiRoute } from '$lib/server/api/route.ts';
import { openView } from '$lib/server/queries/view.ts';
import { ALL_ROLES } from '$lib/server/queries/tables.ts';
import { overviewPageData } from '$lib/server/queries/page-data.ts';

export const GET: RequestHandler = apiRoute({ roles: ALL_ROLES }, async ({ locals, url }) => {
  const v = await openView(locals, url, ALL_ROLES);
  const d = await overviewPageData(v.client, v.filters);
  return {
    body: {
      filters: v.filters,
      active_users: d.active,
      daily_active_users: d.dau,
      requests_by_app: d.byApp,
      requests_by_model: d.byModel,
      requests_daily_by_app: d.appDaily,
      accuracy_daily: d.accuracy,
      accuracy_totals: d.totals,
      risk_daily: d.risk,
      risk_by_severity: d.riskTable,
    },
    audit: { ministry: v.filters.ministry ?? '' },
  };
});
