// The queue as CSV: the same filters and scope as the page (the URL's query string), the same columns.
// Incident titles quote what was flagged, so the download is audited as export_raw.
import type { RequestHandler } from './$types';
import { getClickHouse } from '$clickhouse/client.ts';
import { INCIDENT_EXPORT_MAX, listIncidents } from '$clickhouse/stores/incidents.ts';
import { ministryScope, requireTriage } from '$lib/server/auth/guard.ts';
import { INCIDENT_CSV_COLUMNS, parseIncidentFilter } from '$lib/server/incident-queue.ts';
import { recordExport, toCsv } from '$lib/server/audit.ts';
import { LANG_COOKIE, resolveLang } from '$lib/i18n/index.ts';
import { incidentTitle, ruleTitle } from '$lib/i18n/findings.ts';

// Every matching row in the page's order, not one page of it (page and per are ignored).
export const GET: RequestHandler = async (event) => {
  const { locals, url, cookies } = event;
  requireTriage(locals);
  const filter = parseIncidentFilter(url.searchParams);
  const client = await getClickHouse();
  const scope = ministryScope(locals);
  const rows = await listIncidents(client, filter, scope, { limit: INCIDENT_EXPORT_MAX, offset: 0 });
  const filters = new URLSearchParams(url.searchParams);
  for (const k of ['page', 'per']) filters.delete(k);
  await recordExport(client, event, { table: 'incidents', raw: true, filters: filters.toString(), rows: rows.length, ministry: scope ?? '' });
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
