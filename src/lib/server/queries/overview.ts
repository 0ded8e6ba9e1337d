// Overview page: active users, adoption, requests by app and model, accuracy and risk trends.
// Reads the rollups (usage_daily, user_days_monthly, outputs_daily, feedback_daily, flags_daily); incidents are
// read with FINAL because they are a ReplacingMergeTree table whose latest version is the truth.
import { FINDING, ratio, queryRows, type ClickHouseClient } from './db.ts';
import type { IncidentCounts } from './incidents.ts';
import { MINISTRIES } from '../../../../contracts/ministries.ts';
import { addDays, dayRange, where, type Filters } from './filters.ts';
import { activeAndDailyUsersMonthly, activeUsersMonthly, dailyActiveUsersMonthly, mauByMinistryMonthly } from './active-users.ts';

/** The latest day any usage was recorded (up to `today`), or null on an empty database. */
export async function latestDataDay(client: ClickHouseClient, today: string): Promise<string | null> {
  // Nearly always the day is within the last week: reading only those days prunes usage_daily to its
  // newest parts, where the whole day column of half a year is 229 granules in 77 parts (9.5 → 6.1 ms
  // p50 at 100 M outputs, docs/CAPACITY.md §9). Only a store idle for a week or more reads it all.
  return (await latestDayIn(client, today, RECENT_DAYS)) ?? (await latestDayIn(client, today, null));
}

const RECENT_DAYS = 7;

async function latestDayIn(client: ClickHouseClient, today: string, days: number | null): Promise<string | null> {
  const recent = days === null ? '' : 'AND usage_daily.day > {today:Date} - {days:UInt16}';
  const [r] = await queryRows<{ day: string | null; n: number }>(
    client,
    `SELECT toString(max(usage_daily.day)) AS day, count() AS n FROM usage_daily WHERE usage_daily.day <= {today:Date} ${recent}`,
    days === null ? { today } : { today, days },
  );
  return r && r.n > 0 ? r.day : null;
}

/**
 * Where distinct users are counted: user_days_monthly (one row per user and month, active-users.ts)
 * unless the view is filtered by app or model, which only usage_daily's per-day user states keep.
 */
export function usersRollup(f: Filters): 'user_days_monthly' | 'usage_daily' {
  return f.app || f.model ? 'usage_daily' : 'user_days_monthly';
}

export interface ActiveUsers {
  /** Distinct users on `to`, in the 7 days ending on `to`, and in the 30 days ending on `to`. */
  dau: number;
  wau: number;
  mau: number;
}

/** DAU/WAU/MAU as of the filter's last day (the windows end on `to`, regardless of `from`). */
export async function activeUsers(client: ClickHouseClient, f: Filters): Promise<ActiveUsers> {
  if (usersRollup(f) === 'user_days_monthly') return activeUsersMonthly(client, f);
  const w = where(f, { day: 'day', noDates: true });
  const [r] = await queryRows<ActiveUsers>(
    client,
    `SELECT uniqExactMergeIf(users, day = {to:Date}) AS dau,
            uniqExactMergeIf(users, day > {to:Date} - 7) AS wau,
            uniqExactMerge(users) AS mau
       FROM usage_daily
      WHERE day > {to:Date} - 30 AND day <= {to:Date} AND ${w.sql}`,
    w.params,
  );
  return { dau: r?.dau ?? 0, wau: r?.wau ?? 0, mau: r?.mau ?? 0 };
}

/** Adoption: monthly active users as a percentage of the planned users of the ministries in view. */
export function adoptionPct(mau: number, planned: Map<string, number>, ministry: string | null): number | null {
  const plannedUsers = ministry ? (planned.get(ministry) ?? 0) : [...planned.values()].reduce((a, b) => a + b, 0);
  return ratio(mau, plannedUsers, 100);
}

export interface DailyActive {
  day: string;
  dau: number;
}

export async function dailyActiveUsers(client: ClickHouseClient, f: Filters): Promise<DailyActive[]> {
  let byDay: Map<string, number>;
  if (usersRollup(f) === 'user_days_monthly') byDay = await dailyActiveUsersMonthly(client, f);
  else {
    // The day column is qualified: unqualified, WHERE would read the String alias `day` of the SELECT.
    const w = where(f, { day: 'usage_daily.day' });
    const got = await queryRows<DailyActive>(
      client,
      `SELECT toString(day) AS day, uniqExactMerge(users) AS dau FROM usage_daily
        WHERE ${w.sql} GROUP BY day ORDER BY day`,
      w.params,
    );
    byDay = new Map(got.map((r) => [r.day, r.dau]));
  }
  return dayRange(f.from, f.to).map((day) => ({ day, dau: byDay.get(day) ?? 0 }));
}

/**
 * activeUsers() and dailyActiveUsers() for a page that shows both: from user_days_monthly in one query,
 * else (a view filtered by app or model) the two reads of usage_daily.
 */
export async function activeAndDailyUsers(client: ClickHouseClient, f: Filters): Promise<{ active: ActiveUsers; dau: DailyActive[] }> {
  if (usersRollup(f) !== 'user_days_monthly') {
    const [active, dau] = await Promise.all([activeUsers(client, f), dailyActiveUsers(client, f)]);
    return { active, dau };
  }
  const { active, daily } = await activeAndDailyUsersMonthly(client, f);
  return { active, dau: dayRange(f.from, f.to).map((day) => ({ day, dau: daily.get(day) ?? 0 })) };
}

export interface RequestsRow {
  key: string;
  requests: number;
  errors: number;
  output_tokens: number;
}

/**
 * Requests (errors, output tokens) over the range by app or by model, largest first. Only sums: distinct
 * users per app would merge every user state a second time, the most expensive thing the overview does.
 */
export async function requestsBy(client: ClickHouseClient, f: Filters, by: 'app' | 'model'): Promise<RequestsRow[]> {
  const w = where(f, { day: 'day' });
  return queryRows<RequestsRow>(
    client,
    `SELECT ${by} AS key, sum(requests) AS requests, sum(errors) AS errors, sum(output_tokens) AS output_tokens
       FROM usage_daily WHERE ${w.sql}
      GROUP BY key ORDER BY requests DESC, key`,
    w.params,
  );
}

export interface DailyByKey {
  day: string;
  key: string;
  value: number;
}

/**
 * requestsBy() and the daily requests per key from one read of usage_daily: the totals are sums of
 * the daily rows, so a page that shows both saves a query (each costs a few ms of fixed cost in chDB).
 */
export async function requestsWithDailyBy(client: ClickHouseClient, f: Filters, by: 'app' | 'model'): Promise<{ totals: RequestsRow[]; daily: DailyByKey[] }> {
  const w = where(f, { day: 'usage_daily.day' });
  const rows = await queryRows<{ day: string; key: string; n_requests: number; n_errors: number; n_output_tokens: number }>(
    client,
    `SELECT toString(day) AS day, ${by} AS key, sum(requests) AS n_requests, sum(errors) AS n_errors, sum(output_tokens) AS n_output_tokens
       FROM usage_daily WHERE ${w.sql}
      GROUP BY day, key ORDER BY day, key`,
    w.params,
  );
  const totals = new Map<string, RequestsRow>();
  for (const r of rows) {
    const t = totals.get(r.key) ?? { key: r.key, requests: 0, errors: 0, output_tokens: 0 };
    t.requests += Number(r.n_requests);
    t.errors += Number(r.n_errors);
    t.output_tokens += Number(r.n_output_tokens);
    totals.set(r.key, t);
  }
  return {
    // requestsBy's order: largest first, then the key in ClickHouse's (byte) order.
    totals: [...totals.values()].sort((a, b) => b.requests - a.requests || Buffer.compare(Buffer.from(a.key), Buffer.from(b.key))),
    daily: rows.map((r) => ({ day: r.day, key: r.key, value: Number(r.n_requests) })),
  };
}

export interface AccuracyDay {
  day: string;
  outputs: number;
  /** Outputs with at least one hallucinated_citation finding. */
  citation_error_outputs: number;
  up: number;
  down: number;
  /** Incidents (by the day of their output) with any verdict, and those confirmed. */
  reviewed: number;
  confirmed: number;
}

export interface AccuracyRates {
  citation_error_rate: number | null;
  thumbs_down_rate: number | null;
  confirmed_rate: number | null;
}

export function accuracyRates(d: Omit<AccuracyDay, 'day'>): AccuracyRates {
  return {
    citation_error_rate: ratio(d.citation_error_outputs, d.outputs),
    thumbs_down_rate: ratio(d.down, d.up + d.down),
    confirmed_rate: ratio(d.confirmed, d.reviewed),
  };
}

/** Accuracy per day. Pass the view's findings() when the page has them already (one flags scan). */
export async function accuracyDaily(client: ClickHouseClient, f: Filters, known?: Findings | Promise<Findings>): Promise<AccuracyDay[]> {
  return (await accuracyWithIncidents(client, f, known)).accuracy;
}

/**
 * Accuracy per day and the incident counts of the view, from one read of the daily rollups: outputs
 * (outputs_daily), thumbs (feedback_daily) and incidents with their verdicts by the day of their
 * output (incident_verdicts_daily, migration 0180: its rows with no evaluator and rule count each
 * incident once, with its latest verdict). One query instead of three: chDB runs a page's queries one
 * after another, each with a few ms of fixed cost.
 */
export async function accuracyWithIncidents(
  client: ClickHouseClient,
  f: Filters,
  known?: Findings | Promise<Findings>,
): Promise<{ accuracy: AccuracyDay[]; incidents: IncidentCounts }> {
  const wo = where(f, { day: 'outputs_daily.day' });
  const wf = where(f, { day: 'feedback_daily.day' });
  const wi = where(f, { day: 'incident_verdicts_daily.day' });
  // Aliases differ from the column names, which the inner SELECTs read.
  const [daily, fi] = await Promise.all([
    queryRows<{ day: string; n_outputs: number; n_up: number; n_down: number; n_incidents: number; n_reviewed: number; n_confirmed: number }>(
      client,
      `SELECT day, sum(o) AS n_outputs, sum(u) AS n_up, sum(d) AS n_down, sum(i) AS n_incidents, sum(r) AS n_reviewed, sum(c) AS n_confirmed
         FROM (
           SELECT toString(outputs_daily.day) AS day, toInt64(sum(outputs)) AS o, toInt64(0) AS u, toInt64(0) AS d, toInt64(0) AS i, toInt64(0) AS r, toInt64(0) AS c
             FROM outputs_daily WHERE ${wo.sql} GROUP BY day
           UNION ALL
           SELECT toString(feedback_daily.day) AS day, 0, toInt64(sum(up)), toInt64(sum(down)), 0, 0, 0
             FROM feedback_daily WHERE ${wf.sql} GROUP BY day
           UNION ALL
           SELECT toString(incident_verdicts_daily.day) AS day, 0, 0, 0, sum(incidents), sum(reviewed), sum(confirmed)
             FROM incident_verdicts_daily WHERE evaluator = '' AND rule_id = '' AND ${wi.sql} GROUP BY day
         )
        GROUP BY day`,
      { ...wo.params, ...wf.params, ...wi.params },
    ),
    known ?? findings(client, f),
  ]);
  const byDay = new Map(daily.map((r) => [r.day, r]));
  const c = fi.citationOutputs;
  const n = (day: string, k: Exclude<keyof (typeof daily)[number], 'day'>) => Number(byDay.get(day)?.[k] ?? 0);
  const accuracy = dayRange(f.from, f.to).map((day) => ({
    day,
    outputs: n(day, 'n_outputs'),
    citation_error_outputs: c.get(day) ?? 0,
    up: n(day, 'n_up'),
    down: n(day, 'n_down'),
    reviewed: n(day, 'n_reviewed'),
    confirmed: n(day, 'n_confirmed'),
  }));
  // incidentCounts() of the view: every row is a day of it (where() keeps the rollups to from..to).
  const total = daily.reduce((a, r) => a + Number(r.n_incidents), 0);
  const reviewed = daily.reduce((a, r) => a + Number(r.n_reviewed), 0);
  return { accuracy, incidents: { total, open: total - reviewed, reviewed } };
}

export function sumAccuracy(days: AccuracyDay[]): Omit<AccuracyDay, 'day'> {
  const t = { outputs: 0, citation_error_outputs: 0, up: 0, down: 0, reviewed: 0, confirmed: 0 };
  for (const d of days) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += d[k];
  return t;
}

export interface FindingCell {
  day: string;
  category: string;
  severity: string;
  flags: number;
}

/** The live findings of a view: counts per (day, category, severity), and per day the outputs with a citation finding. */
export interface Findings {
  cells: FindingCell[];
  citationOutputs: Map<string, number>;
}

/**
 * Every risk and accuracy figure of a page from one read of the flags rollup (flags_daily, migration
 * 0150, kept exact by the evaluator runner): findings per (day, category, severity), and per day the
 * distinct outputs with a citation finding, which the rollup counts once per output so they add up
 * (one output may have a high and a medium finding). Cells whose signed rows cancel out are dropped,
 * as the raw flags would have none.
 */
export async function findings(client: ClickHouseClient, f: Filters): Promise<Findings> {
  const w = where(f, { day: 'flags_daily.day' });
  const got = await queryRows<FindingCell & { citation_outputs: number }>(
    client,
    `SELECT toString(day) AS day, category, severity, sum(flags) AS flags, sum(citation_outputs) AS citation_outputs
       FROM flags_daily
      WHERE ${FINDING} AND ${w.sql}
      GROUP BY day, category, severity HAVING flags != 0`,
    w.params,
  );
  const cells: FindingCell[] = [];
  const citationOutputs = new Map<string, number>();
  for (const r of got) {
    cells.push({ day: r.day, category: r.category, severity: r.severity, flags: r.flags });
    if (r.citation_outputs !== 0) citationOutputs.set(r.day, (citationOutputs.get(r.day) ?? 0) + r.citation_outputs);
  }
  return { cells, citationOutputs };
}

/** Sums findings over the dimensions not in `keys`, sorted by the keys. */
function sumBy<K extends keyof FindingCell>(cells: FindingCell[], keys: K[]): (Pick<FindingCell, K> & { flags: number })[] {
  const out = new Map<string, Pick<FindingCell, K> & { flags: number }>();
  for (const c of cells) {
    const id = keys.map((k) => c[k]).join('\u0000');
    const cur = out.get(id);
    if (cur) cur.flags += c.flags;
    else out.set(id, { ...(Object.fromEntries(keys.map((k) => [k, c[k]])) as Pick<FindingCell, K>), flags: c.flags });
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

export interface RiskDay {
  day: string;
  category: string;
  flags: number;
}

/** Findings per day and category (for flags per 1,000 outputs, divided by the day's outputs). */
export function riskDailyOf(fi: Findings): RiskDay[] {
  return sumBy(fi.cells, ['day', 'category']);
}

export async function riskDaily(client: ClickHouseClient, f: Filters): Promise<RiskDay[]> {
  return riskDailyOf(await findings(client, f));
}

export interface RiskSeverityDay {
  day: string;
  severity: string;
  flags: number;
}

/** Findings per day and severity, the second view of the same flags. */
export function riskDailyBySeverityOf(fi: Findings): RiskSeverityDay[] {
  return sumBy(fi.cells, ['day', 'severity']);
}

export async function riskDailyBySeverity(client: ClickHouseClient, f: Filters): Promise<RiskSeverityDay[]> {
  return riskDailyBySeverityOf(await findings(client, f));
}

export interface RiskCell {
  category: string;
  severity: string;
  flags: number;
  per_1000: number | null;
}

/** Findings over the range by category and severity, per 1,000 outputs of the same filters. */
export function riskBySeverityOf(fi: Findings, outputs: number): RiskCell[] {
  return sumBy(fi.cells, ['category', 'severity']).map((r) => ({ ...r, per_1000: ratio(r.flags, outputs, 1000) }));
}

export async function riskBySeverity(client: ClickHouseClient, f: Filters, outputs: number): Promise<RiskCell[]> {
  return riskBySeverityOf(await findings(client, f), outputs);
}

/** The windows DAU/WAU/MAU cover, for the page to state them plainly. */
export function activeWindows(to: string) {
  return { dau: [to, to], wau: [addDays(to, -6), to], mau: [addDays(to, -29), to] } as const;
}

/** Distinct values present in the rollups, for the app and model filter menus. */
export async function filterOptions(client: ClickHouseClient, ministry: string | null): Promise<{ apps: string[]; models: string[] }> {
  const where = ministry ? 'WHERE ministry = {ministry:String}' : '';
  // usage_dimensions (migration 0194): one row per ministry, app and model, in a few parts whatever the
  // history; the GROUP BY folds a combination that sits in two parts not yet merged.
  const rows = await queryRows<{ app: string; model: string }>(client, `SELECT app, model FROM usage_dimensions ${where} GROUP BY app, model`, ministry ? { ministry } : {});
  const sorted = (k: 'app' | 'model') => [...new Set(rows.map((r) => r[k]))].sort();
  return { apps: sorted('app'), models: sorted('model') };
}

export interface MinistryAdoption {
  ministry: string;
  mau: number;
  planned_users: number;
  adoption_pct: number | null;
}

/** Every ministry in view (all, or the filter's one) with its MAU and adoption, in reference order. */
export async function ministryAdoption(client: ClickHouseClient, f: Filters, planned: Map<string, number>): Promise<MinistryAdoption[]> {
  const mau = await mauByMinistry(client, f);
  const codes = f.ministry ? [f.ministry] : MINISTRIES.map((m) => m.code);
  return codes.map((ministry) => {
    const plannedUsers = planned.get(ministry) ?? 0;
    const active = mau.get(ministry) ?? 0;
    return { ministry, mau: active, planned_users: plannedUsers, adoption_pct: ratio(active, plannedUsers, 100) };
  });
}

/** Monthly active users (30 days ending on `to`) per ministry, for the ministry list. */
export async function mauByMinistry(client: ClickHouseClient, f: Filters): Promise<Map<string, number>> {
  if (usersRollup(f) === 'user_days_monthly') return mauByMinistryMonthly(client, f);
  const w = where(f, { day: 'day', noDates: true });
  const got = await queryRows<{ ministry: string; mau: number }>(
    client,
    `SELECT ministry, uniqExactMerge(users) AS mau FROM usage_daily
      WHERE day > {to:Date} - 30 AND day <= {to:Date} AND ${w.sql}
      GROUP BY ministry`,
    w.params,
  );
  return new Map(got.map((r) => [r.ministry, r.mau]));
}
