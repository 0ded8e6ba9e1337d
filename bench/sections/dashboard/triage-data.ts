// The triage side of the dashboard bench data: incidents as the runner opens them (one per high or
// critical finding), moved along the status flow (contracts/incidents.ts TRANSITIONS) as far as their
// age allows, their history rows (incident_events) and the audit trail the triage workflow writes
// (src/lib/server/incidents.ts writeChange: one audit row per change, and a view_raw row for the
// detail page opened before it). Plus the staff who triage (users) and the activity that does not
// follow the number of outputs (sign-ins, read-API calls, exports), written once per span.
//
// Assumptions (docs/CAPACITY.md "Half a year at full rollout"):
// - older incidents are mostly resolved: resolved share 90% after 14 days, 50% after 3, 15% after 1;
//   of the rest, new/triaged/decided split by age; 70% of decisions are "confirmed";
// - 40 reviewers take 80% of the assignments, the ministry's CAIO the rest;
// - every triage change is preceded by a raw-text view of the incident (detail page), and a third of
//   decided incidents get a note.
import type { ClickHouseClient } from '../../../clickhouse/client.ts';
import { MINISTRIES } from '../../../contracts/ministries.ts';
import { GENERATION_SETTINGS, lit, UK } from './sql.ts';
import { mergeAsADayLater } from '../../lib/storage.ts';

export const REVIEWERS = 40;
const reviewer = (i: number) => `reviewer${String(i).padStart(2, '0')}`;

/** The output number of an incident (`inc-o<n>`) or flag (`o<n>`), for range conditions without an IN set. */
const outputNo = (col: string, prefix: string) => `toUInt64OrZero(substring(${col}, ${prefix.length + 1}))`;

/**
 * Per incident: how far it got (step 0 new … 3 resolved), who has it, and the offsets (seconds after
 * it was opened) of its changes. Read by both inserts, so incident rows and history always agree.
 */
function triageDraws(from: number, count: number): string {
  const h = (k: number) => UK('output_id', k);
  return `SELECT *,
      dateDiff('day', output_at, now64(3)) AS age_days,
      multiIf(age_days > 14, 0.9, age_days > 3, 0.5, age_days >= 1, 0.15, 0.) AS p_done,
      multiIf(age_days > 14, 0.1, age_days > 3, 0.3, 0.6) AS p_new,
      toUInt8(multiIf(${h(40)} < p_done, 3, ${h(41)} < p_new, 0, ${h(41)} < p_new + (1 - p_new) / 2, 1, 2)) AS step,
      ${h(42)} < 0.7 AS confirmed,
      step >= 1 OR ${h(43)} < 0.25 AS assigned,
      if(${h(44)} < 0.8, concat('reviewer', leftPad(toString(cityHash64(output_id, 45) % ${REVIEWERS} + 1), 2, '0')),
         concat('caio-', ministry)) AS who,
      if(${h(44)} < 0.8, 'reviewer', 'caio') AS who_role,
      toInt64(300 + ${h(46)} * 4 * 3600) AS assign_s,
      toInt64(1800 + ${h(47)} * 20 * 3600) AS gap_s,
      ['new', 'triaged', if(confirmed, 'confirmed', 'false_positive'), 'resolved'] AS path,
      ${h(48)} < 0.33 AND step >= 2 AS noted,
      output_at + toIntervalMinute(5) AS opened
    FROM flags
    WHERE severity IN ('high', 'critical') AND startsWith(output_id, 'o')
      AND ${outputNo('output_id', 'o')} >= ${from} AND ${outputNo('output_id', 'o')} < ${from + count}`;
}

/** History of one incident as (action, offset_s, actor, from, to, verdict) tuples, in order. */
const EVENTS = `arrayConcat(
      [tuple('opened', toInt64(0), 'evaluator', '', 'new', '')],
      if(assigned, [tuple('assign', assign_s, who, 'new', 'new', '')], []),
      arrayMap(k -> tuple('status', assign_s + k * gap_s, who, path[k], path[k + 1], if(k >= 2, path[3], '')), range(1, step + 1)),
      if(noted, [tuple('note', assign_s + 2 * gap_s + 60, who, path[3], path[3], path[3])], []))`;

export async function insertTriagedIncidents(client: ClickHouseClient, from: number, count: number): Promise<void> {
  const settings = GENERATION_SETTINGS;
  const draws = triageDraws(from, count);
  // Only the latest version is written (ReplacingMergeTree keeps only it after merges anyway); its
  // version counts the changes, as the triage workflow's versions would.
  await client.command({
    query: `INSERT INTO incidents (incident_id, output_id, ministry, app, model, category, severity, rule_ids, title, status, assignee,
                                   verdict, output_at, opened_at, updated_at, version)
      SELECT concat('inc-', output_id), output_id, ministry, app, model, category, severity, [rule_id], concat(category, ': ', rule_id),
             path[step + 1], if(assigned, who, ''), if(step >= 2, path[3], ''), output_at, opened,
             opened + toIntervalSecond(if(step > 0, assign_s + step * gap_s, if(assigned, assign_s, 0))), 1 + toUInt64(assigned) + step
      FROM (${draws})`,
    clickhouse_settings: settings,
  });
  await client.command({
    query: `INSERT INTO incident_events (incident_id, at, actor, action, from_status, to_status, assignee, verdict, note)
      SELECT concat('inc-', output_id), opened + toIntervalSecond(e.2), e.3, e.1, e.4, e.5, if(e.1 = 'opened', '', who), e.6,
             multiIf(e.1 = 'opened', concat('opened by the evaluator runner: ', severity, ' ', category, ': ', rule_id),
                     e.1 = 'note', 'checked against the e-Gov text; see ticket', '')
      FROM (${draws}) ARRAY JOIN ${EVENTS} AS e`,
    clickhouse_settings: settings,
  });
  // The audit trail of those changes: each one preceded by the raw-text view of the detail page.
  await client.command({
    query: `INSERT INTO audit_log (at, actor, role, action, target, ministry, ip, user_agent, detail)
      SELECT at, who, who_role, action, concat('inc-', output_id), ministry,
             concat('10.', toString(cityHash64(who) % 250), '.', toString(cityHash64(who, 1) % 250), '.', toString(cityHash64(who, 2) % 250)),
             'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0', detail
      FROM (
        SELECT *, arrayJoin(arrayConcat(
                   [tuple(opened + toIntervalSecond(e.2 - 60), 'view_raw', concat('{"output_id":"', output_id, '","page":"incident_detail"}'))],
                   [tuple(opened + toIntervalSecond(e.2), multiIf(e.1 = 'status', 'triage_status', e.1 = 'assign', 'triage_assign', 'triage_note'),
                          concat('{"from":"', e.4, '","to":"', e.5, '","assignee":"', who, '","verdict":"', e.6, '"}'))])) AS a,
               a.1 AS at, a.2 AS action, a.3 AS detail
        FROM (${draws}) ARRAY JOIN ${EVENTS} AS e
        WHERE e.1 != 'opened')`,
    clickhouse_settings: settings,
  });
}

/** The accounts that triage: 40 reviewers, one CAIO per ministry, an admin and leadership. */
export async function insertStaff(client: ClickHouseClient): Promise<void> {
  const users: [string, string, string][] = [
    ...Array.from({ length: REVIEWERS }, (_, i) => [reviewer(i + 1), 'reviewer', ''] as [string, string, string]),
    ...MINISTRIES.map((m) => [`caio-${m.code}`, 'caio', m.code] as [string, string, string]),
    ['admin', 'admin', ''],
    ['leadership1', 'leadership', ''],
  ];
  await client.insert({
    table: 'users',
    values: users.map(([username, role, ministry]) => ({ username, display_name: username, role, ministry, password_hash: '', disabled: 0 })),
    format: 'JSONEachRow',
  });
}

/**
 * Activity that follows the calendar, not the outputs, over `days` days ending yesterday: every staff
 * account signs in on most working days, each ministry's integration calls the read API hourly, and
 * a few CSV exports a day.
 */
export async function insertStaffActivity(client: ClickHouseClient, startDay: string, days: number): Promise<void> {
  const settings = GENERATION_SETTINGS;
  const staff = `(SELECT username, role, ministry FROM users FINAL) AS staff`;
  await client.command({
    query: `INSERT INTO audit_log (at, actor, role, action, target, ministry, ip, user_agent, detail)
      SELECT toDateTime64('${startDay} 00:00:00', 3, 'UTC') + toIntervalDay(d) + toIntervalSecond(cityHash64(username, d) % 36000),
             username, role, 'login', username, ministry, '10.1.1.1', 'Mozilla/5.0 Chrome/131.0', '{}'
      FROM ${staff} CROSS JOIN (SELECT number AS d FROM numbers(${days})) AS days
      WHERE cityHash64(username, d, 1) % 10 < 8`,
    clickhouse_settings: settings,
  });
  await client.command({
    query: `INSERT INTO audit_log (at, actor, role, action, target, ministry, ip, user_agent, detail)
      SELECT toDateTime64('${startDay} 00:00:00', 3, 'UTC') + toIntervalHour(h) + toIntervalSecond(cityHash64(m, h) % 3600),
             concat('token:', m), 'api', 'api_read', '/api/v1/overview', m, '10.2.0.1', 'ministry-integration/1.0', '{"status":200}'
      FROM (SELECT arrayJoin(${lit(MINISTRIES.map((m) => m.code))}) AS m) AS ministries CROSS JOIN (SELECT number AS h FROM numbers(${days * 24})) AS hours`,
    clickhouse_settings: settings,
  });
  await client.command({
    query: `INSERT INTO audit_log (at, actor, role, action, target, ministry, ip, user_agent, detail)
      SELECT toDateTime64('${startDay} 00:00:00', 3, 'UTC') + toIntervalSecond(number * 86400 / 5 + cityHash64(number) % 3600),
             ${lit(reviewer(1))}, 'reviewer', if(number % 2 = 0, 'export_raw', 'export_table'), if(number % 2 = 0, 'incidents', 'flags'), '',
             '10.1.1.2', 'Mozilla/5.0 Chrome/131.0', '{"rows":1200}'
      FROM numbers(${days * 5})`,
    clickhouse_settings: settings,
  });
}

/** Versions a day of triage writes per incident opened in a day (an assignment and about three status steps). */
const DAY_VERSIONS_PER_INCIDENT = 4;
/** Inserts they arrive in: every triage click writes one; background merges join them as they come. */
const DAY_INSERTS = 200;

/**
 * The incident table as a running store holds it, which the load above does not leave: each size's
 * load adds incidents over the whole half year in a few large parts that all overlap, a state a store
 * sees only right after a backfill or migration 0192's rebuild. A day later 0192's force-merge has
 * made the history one part (mergeAsADayLater), and the day's triage sits on top in small parts:
 * new versions of incidents opened in the last two weeks. That is what every `incidents FINAL` read
 * meets in the steady state (the queue, the detail page, the exports, top incidents).
 * The versions assign a reviewer and move 'new' to 'triaged'; verdict and rules stay, so the incident
 * rollup (incident_verdicts_daily) stays exact without its share rows (sameRollupShare in
 * clickhouse/stores/incidents.ts). Their history and audit rows are not written: the timed reads of
 * those tables do not depend on this day.
 */
export async function aDayOfTriage(client: ClickHouseClient, to: string): Promise<{ versions: number; inserts: number }> {
  await mergeAsADayLater(client, 'incidents');
  // A day as the last week's mean: the last day alone may be a weekend's few incidents.
  const rs = await client.query({
    query: `SELECT count() / 7 AS n FROM incidents WHERE opened_at >= toDateTime64({to:Date}, 3, 'UTC') - INTERVAL 6 DAY`,
    query_params: { to },
    format: 'JSONEachRow',
  });
  const wanted = DAY_VERSIONS_PER_INCIDENT * Number((await rs.json<{ n: string }>())[0].n);
  const each = Math.max(1, Math.round(wanted / DAY_INSERTS));
  for (let k = 0; k < DAY_INSERTS; k++) {
    await client.command({
      query: `INSERT INTO incidents
        SELECT * REPLACE (if(status = 'new', 'triaged', status) AS status,
                          concat('reviewer', leftPad(toString(cityHash64(incident_id, ${k}) % ${REVIEWERS} + 1), 2, '0')) AS assignee,
                          now64(3) AS updated_at, version + 1 AS version)
        FROM (SELECT * FROM incidents FINAL
               WHERE opened_at >= toDateTime64({to:Date}, 3, 'UTC') - INTERVAL 13 DAY AND status != 'resolved'
               ORDER BY cityHash64(incident_id, ${k}) LIMIT ${each})`,
      query_params: { to },
    });
  }
  // What the inserts asked for: there are far more candidates than that (two weeks' unresolved
  // incidents). The rows stored are no count of it, since merges collapse an incident's versions.
  return { versions: each * DAY_INSERTS, inserts: DAY_INSERTS };
}
