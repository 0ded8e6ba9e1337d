// GET /api/v1/incidents: the incident queue with the page's filters, sort and paging. Admin, reviewer
// and CAIO (their ministry only: another ministry is a 403); leadership never opens the queue.
import type { RequestHandler } from './$types';
import { apiRoute } from '$lib/server/api/route.ts';
import { incidentQueuePage, parseIncidentFilter } from '$lib/server/incident-queue.ts';
import { ministryScope, requireMinistry, type Role } from '$lib/server/auth/guard.ts';

const ROLES: Role[] = ['admin', 'reviewer', 'caio'];

export const GET: RequestHandler = apiRoute({ roles: ROLES }, async ({ client, locals, url }) => {
  const filter = parseIncidentFilter(url.searchParams);
  if (filter.ministry) requireMinistry(locals, filter.ministry);
  const scope = ministryScope(locals);
  const { incidents, paging } = await incidentQueuePage(client, filter, scope);
  return { body: { incidents, paging }, audit: { ministry: scope ?? filter.ministry ?? '', detail: { incidents: incidents.length } } };
});
