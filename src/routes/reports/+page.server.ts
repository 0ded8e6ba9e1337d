// /reports: the form that generates a report (kind, period, scope) and the reports already made.
// Every role may generate; a CAIO only for their own ministry (enforced in generateAs, not just by
// the form offering one choice). Generating redirects to the new report.
import { error, fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getClickHouse } from '../../../clickhouse/client.ts';
import { MINISTRIES } from '$contracts/ministries.ts';
import { requireUser } from '$lib/server/auth/guard.ts';
import { ReportAccessError, reportScope } from '$lib/server/reports/access.ts';
import { listReports } from '$lib/server/reports/store.ts';
import { lastCompleteMonth, lastCompleteQuarter } from '$lib/server/reports/period.ts';
import { ReportFormError, generateAs, parseReportForm } from '$lib/server/reports/web.ts';

export const load: PageServerLoad = async ({ locals }) => {
  requireUser(locals);
  let scope: string | null;
  try {
    scope = reportScope(locals);
  } catch (err) {
    if (err instanceof ReportAccessError) error(err.status, err.message);
    throw err;
  }
  const today = new Date().toISOString().slice(0, 10);
  const month = lastCompleteMonth(today);
  return {
    scope,
    reports: await listReports(await getClickHouse(), scope),
    ministries: MINISTRIES.filter((m) => scope === null || m.code === scope).map((m) => ({ code: m.code, name_ja: m.name_ja, name_en: m.name_en })),
    defaults: { month, quarter: lastCompleteQuarter(today), from: `${month}-01`, to: new Date(Date.parse(`${today.slice(0, 7)}-01T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10) },
  };
};

export const actions: Actions = {
  generate: async (event) => {
    let req;
    try {
      req = parseReportForm(await event.request.formData());
    } catch (err) {
      if (err instanceof ReportFormError) return fail(400, { error: err.message });
      throw err;
    }
    const report = await generateAs(event, req);
    redirect(303, `/reports/${report.report_id}`);
  },
};
