// The audit log as CSV, with the page's filters, streamed (src/lib/server/streamed-exports.ts); exporting
// it is itself recorded.
import type { RequestHandler } from './$types';
import { getClickHouse } from '$clickhouse/client.ts';
import { requireRole } from '$lib/server/auth/guard.ts';
import { parseAuditFilter } from '$lib/server/audit.ts';
import { auditCsv } from '$lib/server/streamed-exports.ts';

export const GET: RequestHandler = async (event) => {
  requireRole(event.locals, 'admin');
  // Every matching row, not the page on screen: page and per are dropped.
  const { page: _page, per: _per, ...filter } = parseAuditFilter(event.url.searchParams);
  return auditCsv(await getClickHouse(), event, filter);
};
