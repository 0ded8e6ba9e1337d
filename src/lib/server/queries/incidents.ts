// Incident summaries for the analytics pages (the triage queue itself lives in src/routes/incidents).
// Only metadata: category, severity, rule, state. No prompt or response text is read here.
import type { IncidentRow } from '../../../../contracts/incidents.ts';
import { queryRows, type ClickHouseClient } from './db.ts';
import { severityRank } from '../../../../clickhouse/rank.ts';
import { where, type Filters } from './filters.ts';
import { BY_IDS } from '../../../../clickhouse/stores/incidents.ts';

/** The incident columns the analytics pages list (opened_at formatted to the minute, UTC). */
export type IncidentSummary = Pick<
  IncidentRow,
  'incident_id' | 'ministry' | 'app' | 'model' | 'category' | 'severity' | 'rule_ids' | 'status' | 'verdict' | 'opened_at'
>;

/** Severity as its rank in contracts/severities.ts (SEVERITIES is ordered info → critical). */
const SEVERITY_ORDER = severityRank('severity');

const topOrder = (openedAt: string) => `${SEVERITY_ORDER} DESC, ${openedAt} DESC, incident_id`;

/** The first read of topIncidents: which incidents, chosen without FINAL (exported for its EXPLAIN test). */
export function topIncidentsChoice(f: Filters, limit: number): { sql: string; params: Record<string, unknown> } {
  const w = where(f, { day: 'toDate(output_at)' });
  return {
    sql: `SELECT incident_id FROM incidents WHERE ${w.sql} ORDER BY ${topOrder('opened_at')} LIMIT 1 BY incident_id LIMIT {limit:UInt32}`,
    params: { ...w.params, limit },
  };
}

/**
 * The most severe, then most recent, incidents on outputs in the range, in two reads. Every filter
 * (day of the output, ministry, app, model) and the order (severity, opened_at, incident_id) are on
 * columns an incident never changes (incidentsFinal), so the incidents are chosen without FINAL, from
 * the p_by_output_day projection (migration 0189: ordered by ministry and output time, it reads the
 * range's granules, not every incident's); a version repeated in several parts is one candidate
 * (LIMIT 1 BY). Their latest versions (status, verdict) are then read under FINAL by primary key.
 * Two queries rather than an IN subquery: on a cluster a subquery over the Distributed table inside
 * a distributed query is refused (distributed_product_mode).
 */
export async function topIncidents(client: ClickHouseClient, f: Filters, limit = 10): Promise<IncidentSummary[]> {
  const choice = topIncidentsChoice(f, limit);
  const chosen = await queryRows<{ incident_id: string }>(client, choice.sql, choice.params);
  if (chosen.length === 0) return [];
  return queryRows<IncidentSummary>(
    client,
    `SELECT incident_id, ministry, app, model, category, severity, rule_ids, status, verdict,
            formatDateTime(opened_at, '%Y-%m-%d %H:%i', 'UTC') AS opened_at
       ${BY_IDS}
      ORDER BY ${topOrder('incidents.opened_at')}`,
    { ids: chosen.map((r) => r.incident_id) },
  );
}

export interface IncidentCounts {
  total: number;
  open: number;
  reviewed: number;
}

/**
 * Incidents on outputs in the range, from the incident rollup (incident_verdicts_daily: its rows with
 * no evaluator and rule count each incident once, with its latest verdict).
 */
export async function incidentCounts(client: ClickHouseClient, f: Filters): Promise<IncidentCounts> {
  const w = where(f, { day: 'incident_verdicts_daily.day' });
  // Aliases differ from the column names: `reviewed` in `open` would otherwise be the aggregate.
  const [r] = await queryRows<{ n_total: number; n_reviewed: number }>(
    client,
    `SELECT sum(incidents) AS n_total, sum(reviewed) AS n_reviewed
       FROM incident_verdicts_daily WHERE evaluator = '' AND rule_id = '' AND ${w.sql}`,
    w.params,
  );
  const total = Number(r?.n_total ?? 0);
  const reviewed = Number(r?.n_reviewed ?? 0);
  return { total, open: total - reviewed, reviewed };
}
