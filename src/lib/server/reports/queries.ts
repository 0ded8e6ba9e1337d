// Figures only reports need (the dashboard has no page for them): the incident workflow within a
// period, dead letters of the period, the evaluator versions that produced the period's flags, and the
// days without any usage data. Values travel as query parameters; the scope is one ministry or all.
import { queryRows, type ClickHouseClient } from '../../../../clickhouse/client.ts';
import { BY_ID, incidentsFinal } from '../../../../clickhouse/stores/incidents.ts';

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
  /** Incidents on the period's outputs (counted by the output's day, as the dashboard counts them). */
  opened: number;
  /** Status changes in the period (any incident of the scope). */
  triaged: number;
  confirmed: number;
  false_positive: number;
  resolved: number;
  /** Critical incidents opened by the period's end and not resolved by then. */
  open_critical: number;
  /** Hours from opening to the first triage / resolution, for the period's incidents that got there. */
  triage_hours_p50: number | null;
  triage_hours_p90: number | null;
  resolve_hours_p50: number | null;
  resolve_hours_p90: number | null;
  triaged_of_opened: number;
  resolved_of_opened: number;
}

/**
 * The triage workflow as incident_events recorded it (the incident row only keeps the latest state).
 * An incident belongs to the period of its output, like everywhere on the dashboard, so a late
 * evaluation (a backfill) still lands in the month the answer was given. Times are exact quantiles.
 */
export async function incidentFlow(client: ClickHouseClient, s: Scope): Promise<IncidentFlow> {
  const p = params(s);
  const periodStart = `toDateTime64({from:Date}, 3, 'UTC')`;
  const periodEnd = `toDateTime64({to:Date} + 1, 3, 'UTC')`;
  const ofPeriod = 'toDate(output_at) >= {from:Date} AND toDate(output_at) <= {to:Date}';
  const [row] = await queryRows<Record<string, number>>(
    client,
    `WITH firsts AS (
            SELECT incident_id,
                   minIf(at, to_status = 'triaged') AS triaged_at, countIf(to_status = 'triaged') > 0 AS was_triaged,
                   minIf(at, to_status = 'resolved') AS resolved_at, countIf(to_status = 'resolved') > 0 AS was_resolved
              FROM incident_events WHERE action = 'status' GROUP BY incident_id),
          scoped AS (SELECT incident_id, severity, opened_at, output_at ${incidentsFinal({ prewhere: [inScope(s)], where: [] })}),
          moves AS (
            SELECT countIf(e.to_status = 'triaged') AS triaged, countIf(e.to_status = 'confirmed') AS confirmed,
                   countIf(e.to_status = 'false_positive') AS false_positive, countIf(e.to_status = 'resolved') AS resolved
              FROM incident_events AS e
             WHERE e.action = 'status' AND e.at >= ${periodStart} AND e.at < ${periodEnd}
               AND e.incident_id IN (SELECT incident_id FROM scoped)),
          joined AS (
            SELECT i.severity AS severity, i.opened_at AS opened_at, i.output_at AS output_at,
                   f.was_triaged AS was_triaged, f.triaged_at AS triaged_at, f.was_resolved AS was_resolved, f.resolved_at AS resolved_at
              FROM scoped AS i LEFT JOIN firsts AS f ON f.incident_id = i.incident_id)
     SELECT countIf(${ofPeriod}) AS opened,
            (SELECT triaged FROM moves) AS triaged, (SELECT confirmed FROM moves) AS confirmed,
            (SELECT false_positive FROM moves) AS false_positive, (SELECT resolved FROM moves) AS resolved,
            countIf(severity = 'critical' AND opened_at < ${periodEnd} AND NOT (was_resolved AND resolved_at < ${periodEnd})) AS open_critical,
            countIf(${ofPeriod} AND was_triaged) AS triaged_of_opened,
            countIf(${ofPeriod} AND was_resolved) AS resolved_of_opened,
            quantileExactIf(0.5)(dateDiff('second', opened_at, triaged_at) / 3600, ${ofPeriod} AND was_triaged) AS t50,
            quantileExactIf(0.9)(dateDiff('second', opened_at, triaged_at) / 3600, ${ofPeriod} AND was_triaged) AS t90,
            quantileExactIf(0.5)(dateDiff('second', opened_at, resolved_at) / 3600, ${ofPeriod} AND was_resolved) AS r50,
            quantileExactIf(0.9)(dateDiff('second', opened_at, resolved_at) / 3600, ${ofPeriod} AND was_resolved) AS r90
       FROM joined`,
    p,
  );
  const r = row ?? {};
  const hours = (v: number, n: number) => (n > 0 && Number.isFinite(Number(v)) ? Math.round(Number(v) * 10) / 10 : null);
  return {
    opened: Number(r.opened ?? 0),
    triaged: Number(r.triaged ?? 0),
    confirmed: Number(r.confirmed ?? 0),
    false_positive: Number(r.false_positive ?? 0),
    resolved: Number(r.resolved ?? 0),
    open_critical: Number(r.open_critical ?? 0),
    triaged_of_opened: Number(r.triaged_of_opened ?? 0),
    resolved_of_opened: Number(r.resolved_of_opened ?? 0),
    triage_hours_p50: hours(r.t50, Number(r.triaged_of_opened ?? 0)),
    triage_hours_p90: hours(r.t90, Number(r.triaged_of_opened ?? 0)),
    resolve_hours_p50: hours(r.r50, Number(r.resolved_of_opened ?? 0)),
    resolve_hours_p90: hours(r.r90, Number(r.resolved_of_opened ?? 0)),
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
  const [r] = await queryRows<{ output_id: string }>(client, `SELECT output_id ${BY_ID}`, { id: incidentId });
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
    `SELECT severity, category, count() AS incidents
       ${incidentsFinal({ prewhere: [`toDate(output_at) >= {from:Date} AND toDate(output_at) <= {to:Date} AND ${inScope(s)}`], where: [] })}
      GROUP BY severity, category ORDER BY severity, category`,
    params(s),
  );
}

/**
 * The latest event time (occurred_at) stored from the period's start on, across every ministry: how far
 * the pipeline has delivered. Pipeline-wide like /pipeline, because a quiet ministry is not a delay.
 * Times more than five minutes ahead of the clock (a producer's skew) do not count. Null: nothing stored.
 */
export async function latestEventTime(client: ClickHouseClient, from: string): Promise<string | null> {
  const part = (t: string) =>
    `SELECT max(occurred_at) AS at, count() AS n FROM ${t} WHERE occurred_at >= toDateTime64({from:Date}, 3, 'UTC') AND occurred_at <= now64(3) + INTERVAL 5 MINUTE`;
  const rows = await queryRows<{ at: string; n: number | string }>(
    client,
    `SELECT formatDateTime(max(at), '%Y-%m-%dT%H:%i:%SZ', 'UTC') AS at, sum(n) AS n FROM (${part('usage_events')} UNION ALL ${part('outputs')})`,
    { from },
  );
  return rows[0] && Number(rows[0].n) > 0 ? rows[0].at : null;
}
