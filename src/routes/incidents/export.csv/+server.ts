// The queue as CSV: the same filters and scope as the page (the URL's query string), the same columns,
// every matching row (page and per are ignored), streamed (src/lib/server/streamed-exports.ts).
// Incident titles quote what was flagged, so the download is audited as export_raw.
import type { RequestHandler } from './$types';
import { getClickHouse } from '$clickhouse/client.ts';
import { ministryScope, requireMinistry, requireTriage } from '$lib/server/auth/guard.ts';
import { parseIncidentFilter } from '$lib/server/incident-queue.ts';
import { incidentsCsv } from '$lib/server/streamed-exports.ts';
import { LANG_COOKIE, resolveLang } from '$lib/i18n/index.ts';

export const GET: RequestHandler = async (event) => {
  const { locals, url, cookies } = event;
  requireTriage(locals);
  const filter = parseIncidentFilter(url.searchParams);
  if (filter.ministry) requireMinistry(locals, filter.ministry); // as the queue page: 403, not an empty file
  const filters = new URLSearchParams(url.searchParams);
  for (const k of ['page', 'per']) filters.delete(k);
  return incidentsCsv(await getClickHouse(), event, {
    filter,
    scope: ministryScope(locals),
    lang: resolveLang(url, cookies.get(LANG_COOKIE)),
    filters: filters.toString(),
  });
};
