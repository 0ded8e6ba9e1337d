// Incident triage: the transitions. The evaluator runner opens incidents; every change here writes a
// new version of the incidents row (ReplacingMergeTree(version): the latest version is the state), one
// incident_events row (history) and one audit_log row, in that order, so the history never claims a
// change the state does not have. The SQL is the incident store's (clickhouse/stores/incidents.ts);
// the queue is src/lib/server/incident-queue.ts, the detail page's reads incident-detail.ts.
import type { ClickHouseClient } from '@clickhouse/client';
import { getIncident, insertIncidentChange, type Incident } from '../../../clickhouse/stores/incidents.ts';
import { INCIDENT_STATUSES, TRANSITIONS, isIncidentStatus } from '../../../contracts/incidents.ts';
import { writeAudit, type AuditActor } from './audit.ts';
import { keyedLock } from './keyed-lock.ts';

/** A triage request that cannot be carried out; `status` is the HTTP status to answer with. */
export class TriageError extends Error {
  override name = 'TriageError';
  readonly status: 400 | 403 | 404 | 409;
  constructor(message: string, status: 400 | 403 | 404 | 409 = 400) {
    super(message);
    this.status = status;
  }
}

// -------------------------------------------------------------------------------------------- writes

// Triage writes for one incident run one at a time in this process, so two reviewers clicking at
// once cannot both read version N and both write N+1 with different states.
const exclusive = keyedLock();

export interface TriageContext {
  who: AuditActor;
  /** guard.ministryScope(locals): incidents outside it are refused. */
  scope: string | null;
  /** The version the user saw; a different current version means someone else changed it. */
  expectedVersion?: number;
}

/**
 * The incident if the viewer's scope may see it. A scoped viewer (a CAIO) gets the same 403 and the
 * same words for an incident of another ministry as for one that does not exist, so the answer never
 * tells whether another ministry's incident id exists; an unscoped viewer gets 404 for a missing one.
 */
export async function visibleIncident(client: ClickHouseClient, incidentId: string, scope: string | null): Promise<Incident> {
  const incident = await getIncident(client, incidentId);
  if (scope !== null) {
    if (!incident || incident.ministry !== scope) throw new TriageError(`incident ${incidentId} is not among your ministry's incidents`, 403);
    return incident;
  }
  if (!incident) throw new TriageError(`incident ${incidentId} does not exist`, 404);
  return incident;
}

async function loadForWrite(client: ClickHouseClient, incidentId: string, ctx: TriageContext): Promise<Incident> {
  const current = await visibleIncident(client, incidentId, ctx.scope);
  if (ctx.expectedVersion !== undefined && Number(current.version) !== ctx.expectedVersion) {
    throw new TriageError('someone else changed this incident since you opened it; reload to see the change', 409);
  }
  return current;
}

async function writeChange(
  client: ClickHouseClient,
  current: Incident,
  changes: Partial<Pick<Incident, 'status' | 'assignee' | 'verdict'>>,
  event: { action: 'status' | 'assign' | 'note'; note: string },
  ctx: TriageContext,
): Promise<Incident> {
  const now = new Date();
  // Time-based and strictly increasing: later than any version the runner or an earlier write used.
  const version = Math.max(Number(current.version) + 1, now.getTime());
  const next: Incident = { ...current, ...changes, updated_at: now.toISOString(), version };
  await insertIncidentChange(client, event.action === 'note' ? null : next, {
    incident_id: current.incident_id,
    at: now.toISOString(),
    actor: ctx.who.actor,
    action: event.action,
    from_status: current.status,
    to_status: next.status,
    assignee: next.assignee,
    verdict: next.verdict,
    note: event.note,
  }, current);
  const auditAction = event.action === 'status' ? 'triage_status' : event.action === 'assign' ? 'triage_assign' : 'triage_note';
  await writeAudit(
    client,
    ctx.who,
    {
      action: auditAction,
      target: current.incident_id,
      ministry: current.ministry,
      detail: { from: current.status, to: next.status, assignee: next.assignee, verdict: next.verdict, note_chars: event.note.length },
    },
    now,
  );
  return event.action === 'note' ? current : next;
}

const MAX_NOTE = 4000;
function cleanNote(note: string | undefined): string {
  const text = (note ?? '').trim();
  if (text.length > MAX_NOTE) throw new TriageError(`a note is at most ${MAX_NOTE} characters`);
  return text;
}

/** Moves an incident along the status flow; confirmed / false_positive also set the verdict. */
export async function transitionIncident(
  client: ClickHouseClient,
  incidentId: string,
  to: string,
  ctx: TriageContext & { note?: string },
): Promise<Incident> {
  if (!isIncidentStatus(to)) throw new TriageError(`"${to}" is not a status (expected one of ${INCIDENT_STATUSES.join(', ')})`);
  const note = cleanNote(ctx.note);
  return exclusive(incidentId, async () => {
    const current = await loadForWrite(client, incidentId, ctx);
    const from = isIncidentStatus(current.status) ? current.status : 'new';
    if (!TRANSITIONS[from].includes(to)) {
      const allowed = TRANSITIONS[from];
      throw new TriageError(
        `cannot move an incident from ${from} to ${to}: ` +
          (allowed.length ? `from ${from} it can only go to ${allowed.join(' or ')}` : `${from} is final`),
        409,
      );
    }
    const verdict = to === 'confirmed' || to === 'false_positive' ? to : current.verdict;
    return writeChange(client, current, { status: to, verdict }, { action: 'status', note }, ctx);
  });
}

export async function assignIncident(
  client: ClickHouseClient,
  incidentId: string,
  assignee: string,
  ctx: TriageContext & { note?: string },
): Promise<Incident> {
  const note = cleanNote(ctx.note);
  return exclusive(incidentId, async () => {
    const current = await loadForWrite(client, incidentId, ctx);
    if (current.assignee === assignee) return current;
    return writeChange(client, current, { assignee }, { action: 'assign', note }, ctx);
  });
}

export async function addIncidentNote(client: ClickHouseClient, incidentId: string, note: string, ctx: TriageContext): Promise<void> {
  const text = cleanNote(note);
  if (!text) throw new TriageError('the note is empty');
  await exclusive(incidentId, async () => {
    const current = await loadForWrite(client, incidentId, { ...ctx, expectedVersion: undefined });
    await writeChange(client, current, {}, { action: 'note', note: text }, ctx);
  });
}

/** Assigns several incidents; each is checked and recorded on its own, failures are reported per id. */
export async function assignIncidents(
  client: ClickHouseClient,
  incidentIds: string[],
  assignee: string,
  ctx: TriageContext,
): Promise<{ assigned: string[]; failed: { id: string; reason: string }[] }> {
  const result = { assigned: [] as string[], failed: [] as { id: string; reason: string }[] };
  for (const id of [...new Set(incidentIds)]) {
    try {
      await assignIncident(client, id, assignee, { ...ctx, expectedVersion: undefined });
      result.assigned.push(id);
    } catch (err) {
      if (!(err instanceof TriageError)) throw err;
      result.failed.push({ id, reason: err.message });
    }
  }
  return result;
}
