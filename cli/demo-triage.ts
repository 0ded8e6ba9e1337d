// The demo's reviewer: so the evaluator-quality page has verdicts to show on a fresh demo, a share
// of the opened incidents is triaged with the simulator's ground truth (an incident whose output had
// a planted risk of that category is confirmed, any other is a false positive). The actions go
// through the same triage code and audit log as a reviewer's clicks, recorded as the demo reviewer.
import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '../clickhouse/client.ts';
import { INCIDENT_EXPORT_MAX, listIncidents } from '../clickhouse/stores/incidents.ts';
import { parseIncidentFilter } from '../src/lib/server/incident-queue.ts';
import { transitionIncident, assignIncident } from '../src/lib/server/incidents.ts';

export type PlantedCategories = Map<string, Set<string>>;

const DEMO_REVIEWER = { actor: 'reviewer', role: 'reviewer', ip: '127.0.0.1', user_agent: 'oversight demo (ground-truth triage)' };

/** A stable pseudo-random share of incidents, so reruns of the demo pick the same ones. */
function picked(incidentId: string, share: number): boolean {
  return createHash('sha256').update(incidentId).digest().readUInt32BE(0) / 2 ** 32 < share;
}

export async function triageWithGroundTruth(
  client: ClickHouseClient,
  planted: PlantedCategories,
  opts: { share: number; log: (l: string) => void },
): Promise<{ confirmed: number; falsePositive: number; assigned: number }> {
  const incidents = await listIncidents(client, parseIncidentFilter(new URLSearchParams('status=new')), null, { limit: INCIDENT_EXPORT_MAX, offset: 0 });
  const counts = { confirmed: 0, falsePositive: 0, assigned: 0 };
  const ctx = { who: DEMO_REVIEWER, scope: null };
  for (const inc of incidents) {
    if (!picked(inc.incident_id, opts.share)) {
      // Some of the rest are taken by the reviewer but not judged yet, as in a real queue.
      if (picked(`assign:${inc.incident_id}`, 0.15)) {
        await assignIncident(client, inc.incident_id, 'reviewer', ctx);
        counts.assigned++;
      }
      continue;
    }
    const truth = planted.get(inc.output_id);
    const verdict = truth?.has(inc.category) ? 'confirmed' : 'false_positive';
    await assignIncident(client, inc.incident_id, 'reviewer', ctx);
    await transitionIncident(client, inc.incident_id, 'triaged', ctx);
    await transitionIncident(client, inc.incident_id, verdict, { ...ctx, note: 'judged against the simulator ground truth (demo)' });
    if (verdict === 'confirmed') counts.confirmed++;
    else counts.falsePositive++;
  }
  opts.log(
    `demo reviewer: ${counts.confirmed} incidents confirmed, ${counts.falsePositive} false positives (from the simulator's ground truth), ${counts.assigned} assigned for review`,
  );
  return counts;
}
