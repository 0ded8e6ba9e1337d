import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad, RequestEvent } from './$types';
import { getClickHouse } from '$clickhouse/client.ts';
import { liveFlagsOfOutput } from '$clickhouse/stores/evaluation.ts';
import { getIncidentEvents } from '$clickhouse/stores/incidents.ts';
import { isIncidentStatus, TRANSITIONS } from '$contracts/incidents.ts';
import { ministryScope, requireRawText, requireTriage } from '$lib/server/auth/guard.ts';
import { addIncidentNote, assignIncident, transitionIncident, TriageError, visibleIncident } from '$lib/server/incidents.ts';
import { getIncidentOutput, highlightSegments, type Span } from '$lib/server/incident-detail.ts';
import { assignableUsers, mayBeAssigned } from '$lib/server/triage-users.ts';
import { actorOf, recordRawView } from '$lib/server/audit.ts';

export const load: PageServerLoad = async (event) => {
  const { locals, params } = event;
  requireTriage(locals);
  const client = await getClickHouse();
  // Checked before anything of the incident is read or returned: a CAIO editing the URL gets 403,
  // the same answer as for an id that does not exist.
  const incident = await visibleIncident(client, params.id, ministryScope(locals)).catch((err: unknown) => {
    if (err instanceof TriageError) error(err.status, err.message);
    throw err;
  });
  requireTriage(locals, incident.ministry);
  requireRawText(locals, incident.ministry);

  const [output, flags, events, users] = await Promise.all([
    getIncidentOutput(client, incident.output_id),
    liveFlagsOfOutput(client, incident.output_id),
    getIncidentEvents(client, incident.incident_id),
    assignableUsers(client, ministryScope(locals)),
  ]);
  // The raw text is about to be shown: record who saw which output, before returning it.
  await recordRawView(client, event, {
    target: incident.incident_id,
    ministry: incident.ministry,
    detail: { output_id: incident.output_id, page: 'incident_detail' },
  });

  const spans = (where: 'prompt' | 'response'): Span[] =>
    flags.flatMap((f, i) => (f.where === where ? f.evidence.map((e) => ({ start: e.start, end: e.end, ref: i + 1 })) : []));
  const status = isIncidentStatus(incident.status) ? incident.status : 'new';
  return {
    incident,
    output: output
      ? {
          ...output,
          promptSegments: highlightSegments(output.prompt, spans('prompt')),
          responseSegments: highlightSegments(output.response, spans('response')),
        }
      : null,
    flags: flags.map((f, i) => ({ ...f, ref: i + 1, inIncident: incident.rule_ids.includes(f.rule_id) })),
    events,
    nextStatuses: [...TRANSITIONS[status]],
    assignees: users
      .filter((u) => mayBeAssigned(users, u.username, incident.ministry))
      .map((u) => ({ username: u.username, display_name: u.display_name })),
  };
};

async function triage(event: RequestEvent, work: (form: FormData, ctx: Parameters<typeof transitionIncident>[3]) => Promise<unknown>) {
  requireTriage(event.locals);
  const form = await event.request.formData();
  const version = Number(form.get('version'));
  const ctx = {
    who: actorOf(event),
    scope: ministryScope(event.locals),
    expectedVersion: Number.isInteger(version) && version > 0 ? version : undefined,
    note: String(form.get('note') ?? ''),
  };
  try {
    await work(form, ctx);
    return { saved: true };
  } catch (err) {
    if (err instanceof TriageError) return fail(err.status, { error: err.message });
    throw err;
  }
}

export const actions: Actions = {
  status: (event) =>
    triage(event, async (form, ctx) => transitionIncident(await getClickHouse(), event.params.id, String(form.get('to') ?? ''), ctx)),
  assign: (event) =>
    triage(event, async (form, ctx) => {
      const client = await getClickHouse();
      const assignee = String(form.get('assignee') ?? '');
      // Visibility first: an assignee check on another ministry's incident would reveal that it exists.
      const incident = await visibleIncident(client, event.params.id, ctx.scope);
      const users = await assignableUsers(client, ctx.scope);
      if (!mayBeAssigned(users, assignee, incident.ministry)) {
        throw new TriageError(`${assignee} cannot be assigned incidents of this ministry`, 400);
      }
      return assignIncident(client, event.params.id, assignee, ctx);
    }),
  note: (event) => triage(event, async (_form, ctx) => addIncidentNote(await getClickHouse(), event.params.id, ctx.note ?? '', ctx)),
};
