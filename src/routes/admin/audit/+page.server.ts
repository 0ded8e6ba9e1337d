import type { PageServerLoad } from './$types';
import { getClickHouse } from '$clickhouse/client.ts';
import { requireRole } from '$lib/server/auth/guard.ts';
import { AUDIT_ACTIONS, auditActors, auditPage, parseAuditFilter } from '$lib/server/audit.ts';

export const load: PageServerLoad = async ({ locals, url }) => {
  requireRole(locals, 'admin');
  const client = await getClickHouse();
  const filter = parseAuditFilter(url.searchParams);
  const [{ rows, paging }, actors] = await Promise.all([auditPage(client, filter), auditActors(client)]);
  return { rows, paging, actors, actions: [...AUDIT_ACTIONS], filter };
};
