// The audit log as CSV, with the page's filters; exporting it is itself recorded.
import type { RequestHandler } from './$types';
import { getClickHouse } from '$clickhouse/client.ts';
import { requireRole } from '$lib/server/auth/guard.ts';
import { actorOf, AUDIT_EXPORT_MAX, parseAuditFilter, queryAudit, toCsv, writeAudit } from '$lib/server/audit.ts';

const COLUMNS = ['at', 'actor', 'role', 'action', 'target', 'ministry', 'ip', 'user_agent', 'detail'] as const;

export const GET: RequestHandler = async (event) => {
  requireRole(event.locals, 'admin');
  const client = await getClickHouse();
  // Every matching row, not the page on screen: page and per are dropped.
  const { page: _page, per: _per, ...filter } = parseAuditFilter(event.url.searchParams);
  const rows = await queryAudit(client, filter, { limit: AUDIT_EXPORT_MAX, offset: 0 });
  await writeAudit(client, actorOf(event), { action: 'export_audit', target: 'audit_log', detail: { ...filter, rows: rows.length } });
  return new Response(toCsv([...COLUMNS], rows.map((r) => COLUMNS.map((c) => r[c]))), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="audit-log-${new Date().toISOString().slice(0, 10)}.csv"`,
    },
  });
};
