// One stored report, laid out for reading and printing (A4). The figures are the stored ones; the
// layout is built here in the reader's language. Regenerating makes a new version of the same series.
import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getClickHouse } from '../../../../clickhouse/client.ts';
import { LANG_COOKIE, resolveLang } from '$lib/i18n/index.ts';
import { reportDocument } from '$lib/server/reports/document.ts';
import { seriesVersions } from '$lib/server/reports/store.ts';
import { auditExcerptView, generateAs, openReport } from '$lib/server/reports/web.ts';

export const load: PageServerLoad = async (event) => {
  const { locals, params, url, cookies } = event;
  const report = await openReport(locals, params.id);
  await auditExcerptView(event, report);
  const versions = await seriesVersions(await getClickHouse(), report.series);
  const lang = resolveLang(url, cookies.get(LANG_COOKIE));
  return {
    doc: reportDocument(report, lang),
    redacted: report.redacted,
    latest: versions.at(-1) ?? null,
  };
};

export const actions: Actions = {
  regenerate: async (event) => {
    const current = await openReport(event.locals, event.params.id);
    const p = current.params;
    const report = await generateAs(event, { kind: p.kind, period_kind: p.period_kind, period: p.period, ministry: p.ministry });
    redirect(303, `/reports/${report.report_id}`);
  },
};
