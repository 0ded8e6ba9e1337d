// The queue as CSV: the same filters and scope as the page (the URL's query string), the same columns.
// Incident titles quote what was flagged, so the download is audited as export_raw.
import type { RequestHandler } from './$types';
import { getClickHouse } from '$clickhouse/client.ts';
import { INCIDENT_EXPORT_MAX, listIncidents } from '$clickhouse/stores/incidents.ts';
import { ministryScope, requireTriage } from '$lib/server/auth/guard.ts';
import { INCIDENT_CSV_COLUMNS, parseIncidentFilter } from '$lib/server/incident-queue.ts';
import { recordExport, toCsv } from '$lib/server/audit.ts';

// Every matching row in the page's order, not one page of it (page and per are ignored).
export const GET: RequestHandler = async (event) => {
  const { locals, url } = event;
  requireTriage(locals);
  const filter = parseIncidentFilter(url.searchParams);
  const client = await getClickHouse();
  const scope = ministryScope(locals);
  const rows = await listIncidents(client, filter, scope, { limit: INCIDENT_EXPORT_MAX, offset: 0 });
  const filters = new URLSearchParams(url.searchParams);
  for (const k of ['page', 'per']) filters.delete(k);
  await recordExport(client, event, { table: 'incidents', raw: true, filters: filters.toString(), rows: rows.length, ministry: scope ?? '' });
  const body = toCsv([...INCIDENT_CSV_COLUMNS], rows.map((r) => INCIDENT_CSV_COLUMNS.map((c) => r[c])));
  return new Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="incidents-${new Date().toISOString().slice(0, 10)}.csv"`,
    },
  });
};
