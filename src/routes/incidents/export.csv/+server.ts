// The queue as CSV: the same filters and scope as the page (the URL's query string), the same columns.
import type { RequestHandler } from './$types';
import { getClickHouse } from '../../../../clickhouse/client.ts';
import { ministryScope, requireTriage } from '$lib/server/auth/guard.ts';
import { INCIDENT_CSV_COLUMNS, INCIDENT_EXPORT_MAX, listIncidents, parseIncidentFilter } from '$lib/server/incidents.ts';
import { toCsv } from '$lib/server/audit.ts';
import { LANG_COOKIE, resolveLang } from '$lib/i18n/index.ts';
import { incidentTitle, ruleTitle } from '$lib/i18n/findings.ts';

// Every matching row in the page's order, not one page of it (page and per are ignored).
export const GET: RequestHandler = async ({ locals, url, cookies }) => {
  requireTriage(locals);
  const filter = parseIncidentFilter(url.searchParams);
  const rows = await listIncidents(await getClickHouse(), filter, ministryScope(locals), { limit: INCIDENT_EXPORT_MAX, offset: 0 });
  // The title as the queue shows it (category and rule names in the visitor's language), and the rule
  // ids with their names so a spreadsheet can still filter on the ids.
  const lang = resolveLang(url, cookies.get(LANG_COOKIE));
  const header = [...INCIDENT_CSV_COLUMNS, 'rule_ids', 'rule_titles'];
  const cells = rows.map((r) => [
    ...INCIDENT_CSV_COLUMNS.map((c) => (c === 'title' ? incidentTitle(r, lang) : r[c])),
    r.rule_ids.join(' '),
    r.rule_ids.map((id) => ruleTitle(id, lang)).join(lang === 'en' ? ', ' : '、'),
  ]);
  const body = toCsv(header, cells);
  return new Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="incidents-${new Date().toISOString().slice(0, 10)}.csv"`,
    },
  });
};
