// Incident summaries for the analytics pages (the triage queue itself lives in src/routes/incidents).
// Only metadata: category, severity, rule, state. No prompt or response text is read here.
import type { IncidentRow } from '../../../../contracts/incidents.ts';
import { queryRows, severityRankSql, type ClickHouseClient } from './db.ts';
import { where, type Filters } from './filters.ts';
import { incidentsFinal } from '../../../../clickhouse/stores/incidents.ts';

/** The incident columns the analytics pages list (opened_at formatted to the minute, UTC). */
export type IncidentSummary = Pick<
  IncidentRow,
  'incident_id' | 'ministry' | 'app' | 'model' | 'category' | 'severity' | 'rule_ids' | 'status' | 'verdict' | 'opened_at'
>;

/** Severity as its rank in contracts/severities.ts (SEVERITIES is ordered info → critical). */
const SEVERITY_ORDER = severityRankSql('severity');

/** The most severe, then most recent, incidents on outputs in the range. */
export async function topIncidents(client: ClickHouseClient, f: Filters, limit = 10): Promise<IncidentSummary[]> {
  // Every filter (day of the output, ministry, app, model) is on columns an incident never changes.
  const w = where(f, { day: 'toDate(output_at)' });
  return queryRows<IncidentSummary>(
    client,
    `SELECT incident_id, ministry, app, model, category, severity, rule_ids, status, verdict,
            formatDateTime(opened_at, '%Y-%m-%d %H:%i', 'UTC') AS opened_at
       ${incidentsFinal({ prewhere: [w.sql], where: [] })}
      ORDER BY ${SEVERITY_ORDER} DESC, incidents.opened_at DESC, incident_id LIMIT {limit:UInt32}`,
    { ...w.params, limit },
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
