// Misses become work: a finding a reviewer recorded in a review sample that no evaluator flagged can
// open an incident (source 'review_sample') so it reaches the triage queue like any other. The
// incident id is the runner's for (output, category), so an evaluator that later flags the same
// output and category finds the incident open and does not open a second one.
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../../../../clickhouse/client.ts';
import { existingIncidentIds, writeIncidents } from '../../../../clickhouse/stores/incidents.ts';
import type { IncidentRow } from '../../../../contracts/incidents.ts';
import { createHash } from 'node:crypto';
import { writeAudit, type AuditActor } from '../audit.ts';
import { ReviewError, getReviewItem, labelsOf } from './labels.ts';

export const REVIEW_SAMPLE_SOURCE = 'review_sample';

/**
 * The incident id of (output, category), the evaluator runner's formula (evaluators/runner.ts
 * incidentId; test/unit/review/incident-id.test.ts keeps the two equal). Not imported from the runner:
 * importing it builds the evaluators and reads their data files, which the dashboard bundle cannot.
 */
export function incidentIdFor(outputId: string, category: string): string {
  return 'inc-' + createHash('sha256').update(`${outputId}\u0000${category}`).digest('hex').slice(0, 24);
}

/** Categories of the output that some evaluator flagged with a finding (severity above info). */
export async function flaggedCategories(client: ClickHouseClient, outputId: string): Promise<Set<string>> {
  const rows = await queryRows<{ category: string }>(
    client,
    `SELECT DISTINCT category FROM flags FINAL WHERE output_id = {id:String} AND is_deleted = 0 AND severity != 'info'`,
    { id: outputId },
  );
  return new Set(rows.map((r) => r.category));
}

/** The incident of (output, category) if one exists, whatever opened it. */
export async function existingIncident(client: ClickHouseClient, outputId: string, category: string): Promise<string | null> {
  const id = incidentIdFor(outputId, category);
  return (await existingIncidentIds(client, [id])).has(id) ? id : null;
}

/**
 * Opens an incident for the reviewer's own finding in `category` on a sampled item, when no evaluator
 * flagged that category. Returns the incident id (an existing one when it was already opened).
 */
export async function openIncidentFromMiss(
  client: ClickHouseClient,
  itemIdValue: string,
  category: string,
  ctx: { who: AuditActor; scope: string | null },
): Promise<{ incident_id: string; created: boolean }> {
  const item = await getReviewItem(client, itemIdValue);
  if (!item) throw new ReviewError(`no review item ${itemIdValue}`, 404);
  if (ctx.scope !== null && item.ministry !== ctx.scope) throw new ReviewError('this item belongs to another ministry', 403);
  const mine = (await labelsOf(client, item.item_id, ctx.who.actor)).find((l) => l.category === category);
  if (!mine || mine.finding !== 1) throw new ReviewError(`record your ${category} finding on this item first`, 409);
  if ((await flaggedCategories(client, item.output_id)).has(category)) {
    throw new ReviewError(`an evaluator flagged ${category} on this output: it is not a miss (see its incident, if its severity opened one)`, 409);
  }
  const existing = await existingIncident(client, item.output_id, category);
  if (existing) return { incident_id: existing, created: false };

  const [out] = await queryRows<{ model: string; occurred_at: string }>(
    client,
    'SELECT model, occurred_at FROM outputs FINAL WHERE output_id = {id:String}',
    { id: item.output_id },
  );
  const now = new Date();
  const at = now.toISOString().replace('T', ' ').replace('Z', '');
  const incident: IncidentRow & { source: string } = {
    incident_id: incidentIdFor(item.output_id, category),
    output_id: item.output_id,
    ministry: item.ministry,
    app: item.app,
    model: out?.model ?? '',
    category,
    severity: mine.severity || 'medium',
    rule_ids: [],
    // No raw text in a title: it travels in notifications.
    title: `${category}: missed by the evaluators (review sample)`,
    status: 'new',
    assignee: '',
    verdict: '',
    output_at: out?.occurred_at ?? item.output_at,
    opened_at: at,
    version: now.getTime(),
    source: REVIEW_SAMPLE_SOURCE,
  };
  // Through the incident store: it keeps the incident rollup (incident_verdicts_daily) exact.
  await writeIncidents(client, [incident]);
  await client.insert({
    table: 'incident_events',
    values: [
      {
        incident_id: incident.incident_id,
        at,
        actor: ctx.who.actor,
        action: 'opened',
        from_status: '',
        to_status: 'new',
        assignee: '',
        verdict: '',
        note: `opened from review sample ${item.item_id} (${item.round_id}): ${mine.note || 'no note'}`,
      },
    ],
    format: 'JSONEachRow',
  });
  await writeAudit(client, ctx.who, { action: 'review_incident', target: incident.incident_id, ministry: item.ministry, detail: { item_id: item.item_id, output_id: item.output_id, category } }, now);
  return { incident_id: incident.incident_id, created: true };
}
