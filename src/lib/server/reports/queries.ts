// Figures only reports need (the dashboard has no page for them): the incident workflow within a
// period, dead letters of the period, the evaluator versions that produced the period's flags, and the
// days without any usage data. Values travel as query parameters; the scope is one ministry or all.
import { queryRows, type ClickHouseClient } from '../../../../clickhouse/client.ts';

export interface Scope {
  from: string;
  to: string;
  ministry: string | null;
}

function params(s: Scope): Record<string, string> {
  return s.ministry ? { from: s.from, to: s.to, ministry: s.ministry } : { from: s.from, to: s.to };
}

const inScope = (s: Scope, column = 'ministry') => (s.ministry ? `${column} = {ministry:String}` : '1');

export interface IncidentFlow {
  /** Incidents opened in the period. */
  opened: number;
  /** Status changes in the period (any incident of the scope). */
  triaged: number;
  confirmed: number;
  false_positive: number;
  resolved: number;
  /** Critical incidents opened by the period's end and not resolved by then. */
  open_critical: number;
  /** Hours from opening to the first triage / resolution, for incidents opened in the period that got there. */
  triage_hours_p50: number | null;
  triage_hours_p90: number | null;
  resolve_hours_p50: number | null;
  resolve_hours_p90: number | null;
  triaged_of_opened: number;
  resolved_of_opened: number;
}

/**
 * The triage workflow as incident_events recorded it (the incident row only keeps the latest state).
 * Times are exact quantiles over the incidents opened in the period: a period has few enough.
 */
export async function incidentFlow(client: ClickHouseClient, s: Scope): Promise<IncidentFlow> {
  const p = params(s);
  const periodStart = `toDateTime64({from:Date}, 3, 'UTC')`;
  const periodEnd = `toDateTime64({to:Date} + 1, 3, 'UTC')`;
  const [row] = await queryRows<IncidentFlow>(
    client,
    `WITH firsts AS (
            SELECT incident_id,
                   minIf(at, to_status = 'triaged') AS triaged_at, countIf(to_status = 'triaged') > 0 AS was_triaged,
                   minIf(at, to_status = 'resolved') AS resolved_at, countIf(to_status = 'resolved') > 0 AS was_resolved
              FROM incident_events WHERE action = 'status' GROUP BY incident_id),
          scoped AS (SELECT incident_id, severity, opened_at FROM incidents FINAL WHERE ${inScope(s)}),
          moves AS (
            SELECT countIf(e.to_status = 'triaged') AS triaged, countIf(e.to_status = 'confirmed') AS confirmed,
                   countIf(e.to_status = 'false_positive') AS false_positive, countIf(e.to_status = 'resolved') AS resolved
              FROM incident_events AS e
             WHERE e.action = 'status' AND e.at >= ${periodStart} AND e.at < ${periodEnd}
               AND e.incident_id IN (SELECT incident_id FROM scoped)),
          opened AS (
            SELECT i.incident_id AS incident_id, i.severity AS severity, i.opened_at AS opened_at,
                   f.was_triaged AS was_triaged, f.triaged_at AS triaged_at, f.was_resolved AS was_resolved, f.resolved_at AS resolved_at
              FROM scoped AS i LEFT JOIN firsts AS f ON f.incident_id = i.incident_id
             WHERE i.opened_at < ${periodEnd})
     SELECT countIf(opened_at >= ${periodStart}) AS opened,
            (SELECT triaged FROM moves) AS triaged, (SELECT confirmed FROM moves) AS confirmed,
            (SELECT false_positive FROM moves) AS false_positive, (SELECT resolved FROM moves) AS resolved,
            countIf(severity = 'critical' AND NOT (was_resolved AND resolved_at < ${periodEnd})) AS open_critical,
            countIf(opened_at >= ${periodStart} AND was_triaged) AS triaged_of_opened,
            countIf(opened_at >= ${periodStart} AND was_resolved) AS resolved_of_opened,
            quantileExactIf(0.5)(dateDiff('second', opened_at, triaged_at) / 3600, opened_at >= ${periodStart} AND was_triaged) AS t50,
            quantileExactIf(0.9)(dateDiff('second', opened_at, triaged_at) / 3600, opened_at >= ${periodStart} AND was_triaged) AS t90,
            quantileExactIf(0.5)(dateDiff('second', opened_at, resolved_at) / 3600, opened_at >= ${periodStart} AND was_resolved) AS r50,
            quantileExactIf(0.9)(dateDiff('second', opened_at, resolved_at) / 3600, opened_at >= ${periodStart} AND was_resolved) AS r90
       FROM opened`,
    p,
  );
  const r = row as unknown as Record<string, number>;
  const hours = (v: number, n: number) => (n > 0 && Number.isFinite(Number(v)) ? Math.round(Number(v) * 10) / 10 : null);
  return {
    opened: Number(r.opened),
    triaged: Number(r.triaged),
    confirmed: Number(r.confirmed),
    false_positive: Number(r.false_positive),
    resolved: Number(r.resolved),
    open_critical: Number(r.open_critical),
    triaged_of_opened: Number(r.triaged_of_opened),
    resolved_of_opened: Number(r.resolved_of_opened),
    triage_hours_p50: hours(r.t50, Number(r.triaged_of_opened)),
    triage_hours_p90: hours(r.t90, Number(r.triaged_of_opened)),
    resolve_hours_p50: hours(r.r50, Number(r.resolved_of_opened)),
    resolve_hours_p90: hours(r.r90, Number(r.resolved_of_opened)),
  };
}

export interface DlqCount {
  topic: string;
  messages: number;
}

/** Messages dead-lettered during the period, per topic (not per ministry: a bad message has none we trust). */
export async function dlqInPeriod(client: ClickHouseClient, s: Scope): Promise<DlqCount[]> {
  return queryRows<DlqCount>(
    client,
    `SELECT topic, count() AS messages FROM ingest_errors FINAL
      WHERE toDate(failed_at) >= {from:Date} AND toDate(failed_at) <= {to:Date}
      GROUP BY topic ORDER BY messages DESC, topic`,
    { from: s.from, to: s.to },
  );
}

export interface VersionUse {
  evaluator: string;
  evaluator_version: string;
  flags: number;
}

/** The evaluator versions whose live flags cover the period's outputs (more than one: a re-evaluation was partial). */
export async function flagVersions(client: ClickHouseClient, s: Scope): Promise<VersionUse[]> {
  return queryRows<VersionUse>(
    client,
    `SELECT evaluator, evaluator_version, count() AS flags FROM flags FINAL
      WHERE is_deleted = 0 AND toDate(output_at) >= {from:Date} AND toDate(output_at) <= {to:Date} AND ${inScope(s)}
      GROUP BY evaluator, evaluator_version ORDER BY evaluator, evaluator_version`,
    params(s),
    { do_not_merge_across_partitions_select_final: 1 },
  );
}

/** Days of the period with usage recorded (the rest are gaps: no traffic, or data that never arrived). */
export async function daysWithUsage(client: ClickHouseClient, s: Scope): Promise<string[]> {
  const got = await queryRows<{ day: string }>(
    client,
    `SELECT DISTINCT toString(usage_daily.day) AS day FROM usage_daily
      WHERE usage_daily.day >= {from:Date} AND usage_daily.day <= {to:Date} AND ${inScope(s)} ORDER BY day`,
    params(s),
  );
  return got.map((r) => r.day);
}

/** The output an incident is about (for its masked excerpt). */
export async function incidentOutputId(client: ClickHouseClient, incidentId: string): Promise<string | null> {
  const [r] = await queryRows<{ output_id: string }>(client, 'SELECT output_id FROM incidents FINAL WHERE incident_id = {id:String}', { id: incidentId });
  return r?.output_id ?? null;
}

export interface IncidentTally {
  severity: string;
  category: string;
  incidents: number;
}

/** Incidents on the period's outputs (as the dashboard counts them: by the output's day) per severity and category. */
export async function incidentTally(client: ClickHouseClient, s: Scope): Promise<IncidentTally[]> {
  return queryRows<IncidentTally>(
    client,
    `SELECT severity, category, count() AS incidents FROM incidents FINAL
      WHERE toDate(output_at) >= {from:Date} AND toDate(output_at) <= {to:Date} AND ${inScope(s)}
      GROUP BY severity, category ORDER BY severity, category`,
    params(s),
  );
}
