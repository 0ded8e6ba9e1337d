import type { PageServerLoad } from './$types';
import { getClickHouse } from '../../../../clickhouse/client.ts';
import { requireRole } from '$lib/server/auth/guard.ts';
import { AUDIT_ACTIONS, auditActors, parseAuditFilter, queryAudit } from '$lib/server/audit.ts';

export const load: PageServerLoad = async ({ locals, url }) => {
  requireRole(locals, 'admin');
  const client = await getClickHouse();
  const filter = parseAuditFilter(url.searchParams);
  const limit = 1000;
  const [rows, actors] = await Promise.all([queryAudit(client, { ...filter, limit }), auditActors(client)]);
  return { rows, actors, actions: [...AUDIT_ACTIONS], filter, limit };
};
