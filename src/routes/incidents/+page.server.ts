import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getClickHouse } from '$clickhouse/client.ts';
import { getIncidents, incidentFacets } from '$clickhouse/stores/incidents.ts';
import { ministryScope, requireMinistry, requireTriage } from '$lib/server/auth/guard.ts';
import { assignIncidents } from '$lib/server/incidents.ts';
import { incidentQueuePage, parseIncidentFilter } from '$lib/server/incident-queue.ts';
import { assignableUsers, mayBeAssigned } from '$lib/server/triage-users.ts';
import { actorOf } from '$lib/server/audit.ts';
import { PER_PAGE } from '$lib/paging.ts';

const MAX_PER = Math.max(...PER_PAGE);

export const load: PageServerLoad = async ({ locals, url }) => {
  requireTriage(locals);
  const scope = ministryScope(locals);
  const client = await getClickHouse();
  const filter = parseIncidentFilter(url.searchParams);
  // A CAIO asking for another ministry is refused as /ministries/<other> and the analytics exports
  // refuse it, rather than shown an empty queue that reads like "no incidents there".
  if (filter.ministry) requireMinistry(locals, filter.ministry);
  const [{ incidents, paging }, facets, users] = await Promise.all([
    incidentQueuePage(client, filter, scope),
    incidentFacets(client, scope),
    assignableUsers(client, scope),
  ]);
  return {
    incidents,
    paging,
    facets,
    filter,
    scope,
    assignees: users.map((u) => ({ username: u.username, display_name: u.display_name, role: u.role, ministry: u.ministry })),
  };
};

export const actions: Actions = {
  assign: async (event) => {
    requireTriage(event.locals);
    const scope = ministryScope(event.locals);
    const form = await event.request.formData();
    // Only the boxes ticked on the page the reviewer is looking at are sent (one page is at most 200 rows).
    const ids = form.getAll('id').map(String).filter(Boolean);
    const assignee = String(form.get('assignee') ?? '');
    if (ids.length === 0) return fail(400, { assign: { error: 'select at least one incident' } });
    if (ids.length > MAX_PER) return fail(400, { assign: { error: `at most ${MAX_PER} incidents (one page) at once` } });
    const client = await getClickHouse();
    const users = await assignableUsers(client, scope);
    if (assignee !== '' && !users.some((u) => u.username === assignee)) {
      return fail(400, { assign: { error: `${assignee} cannot be assigned incidents here` } });
    }
    // A CAIO assignee can only take incidents of their own ministry; refuse those per incident.
    const incidents = await getIncidents(client, ids);
    const refused = incidents.filter((i) => !mayBeAssigned(users, assignee, i.ministry)).map((i) => i.incident_id);
    const ok = ids.filter((id) => !refused.includes(id));
    const result = await assignIncidents(client, ok, assignee, { who: actorOf(event), scope });
    const failed = [...result.failed, ...refused.map((id) => ({ id, reason: `${assignee} works on another ministry` }))];
    return { assign: { assigned: result.assigned.length, failed } };
  },
};
