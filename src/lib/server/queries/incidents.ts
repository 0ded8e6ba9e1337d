// Incident summaries for the analytics pages (the triage queue itself lives in src/routes/incidents).
// Only metadata: category, severity, rule, state. No prompt or response text is read here.
import type { IncidentRow } from '../../../../contracts/incidents.ts';
import { queryRows, severityRankSql, type ClickHouseClient } from './db.ts';
import { where, type Filters } from './filters.ts';

/** The incident columns the analytics pages list (opened_at formatted to the minute, UTC). */
export type IncidentSummary = Pick<
  IncidentRow,
  'incident_id' | 'ministry' | 'app' | 'model' | 'category' | 'severity' | 'rule_ids' | 'status' | 'verdict' | 'opened_at'
>;

/** Severity as its rank in contracts/severities.ts (SEVERITIES is ordered info → critical). */
const SEVERITY_ORDER = severityRankSql('severity');

/** The most severe, then most recent, incidents on outputs in the range. */
export async function topIncidents(client: ClickHouseClient, f: Filters, limit = 10): Promise<IncidentSummary[]> {
  const w = where(f, { day: 'toDate(output_at)' });
  return queryRows<IncidentSummary>(
    client,
    `SELECT incident_id, ministry, app, model, category, severity, rule_ids, status, verdict,
            formatDateTime(opened_at, '%Y-%m-%d %H:%i', 'UTC') AS opened_at
       FROM incidents FINAL WHERE ${w.sql}
      ORDER BY ${SEVERITY_ORDER} DESC, incidents.opened_at DESC, incident_id LIMIT {limit:UInt32}`,
    { ...w.params, limit },
  );
}

export interface IncidentCounts {
  total: number;
  open: number;
  reviewed: number;
}

export async function incidentCounts(client: ClickHouseClient, f: Filters): Promise<IncidentCounts> {
  const w = where(f, { day: 'toDate(output_at)' });
  const [r] = await queryRows<IncidentCounts>(
    client,
    `SELECT count() AS total, countIf(verdict = '') AS open, countIf(verdict != '') AS reviewed
       FROM incidents FINAL WHERE ${w.sql}`,
    w.params,
  );
  return r ?? { total: 0, open: 0, reviewed: 0 };
}
