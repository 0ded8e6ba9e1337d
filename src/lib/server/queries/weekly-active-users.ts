// Distinct active users per ministry and week (the heatmap's adoption rows), from the counts of
// completed weeks kept in weekly_active_users (migration 0195) where they still hold, and from
// user_days_monthly for the rest.
//
// Why keep counts: a distinct count over a window costs work per (user, week) pair shown, and that grows
// with how many weeks each user is active, not with anything a rollup can sum. A week that is over
// rarely changes, so its count is taken once by a background job (countCompletedWeeks) and stored with
// the week's request count at that time. A page uses a stored count only while the rollups still show
// that request count: a late event of the week (a replay after an outage)
// changes it, and the week is counted live again until the job has recounted it. The current week is
// never stored, so it is always counted live.
import { STORE_MIN_DAY } from '../../../../contracts/dates.ts';
import { queryRows, type ClickHouseClient } from './db.ts';
import { weeklyActiveUsersMonthly } from './active-users.ts';
import { addDays, isoDay, mondayOf, where, type Filters } from './filters.ts';
import { startPeriodic } from '../periodic.ts';

export interface WeekCount {
  ministry: string;
  /** The week's Monday (YYYY-MM-DD). */
  week: string;
  n: number;
}

interface WeekState {
  ministry: string;
  week: string;
  /** Requests stored now. */
  requests: number;
  /** The stored count, and whether it was taken at this request count (0/1). */
  users: number;
  fresh: number;
}

const key = (ministry: string, week: string) => `${ministry}|${week}`;

/**
 * Every (ministry, week) with requests in from..to (whole weeks: from a Monday to a Sunday), with its
 * stored count and whether that count still holds. Weeks without requests have no active user. The
 * requests come from model_latency_daily, the smallest rollup of usage events that counts them per day
 * (no app column: at 100 M outputs 90 days are ≈ 38,000 rows in 30 parts, read in ≈ 8 ms, where
 * usage_daily's ≈ 480,000 rows in 77 parts took ≈ 20).
 */
async function weekStates(client: ClickHouseClient, f: Filters): Promise<WeekState[]> {
  const u = where(f, { day: 'day', noAppModel: true });
  const s = where(f, { day: 'week', noAppModel: true });
  return queryRows<WeekState>(
    client,
    `SELECT r.ministry AS ministry, toString(r.week) AS week, toUInt64(r.requests) AS requests,
            s.users AS users, s.requests = r.requests AS fresh
       FROM (SELECT ministry, toMonday(day) AS week, sum(requests) AS requests FROM model_latency_daily
              WHERE ${u.sql} GROUP BY ministry, week) AS r
       LEFT JOIN (SELECT ministry, week, argMax(users, counted_at) AS users, argMax(requests, counted_at) AS requests
                    FROM weekly_active_users WHERE ${s.sql} GROUP BY ministry, week) AS s
         ON r.ministry = s.ministry AND r.week = s.week`,
    { ...u.params, ...s.params },
  );
}

/**
 * Distinct users per ministry and week over from..to, which the caller has widened to whole weeks.
 * Stored counts that still hold are used as they are; the other weeks (the current one, and any with
 * events since their count) are counted from user_days_monthly in one query over their span.
 */
export async function weeklyActiveUsers(client: ClickHouseClient, f: Filters): Promise<WeekCount[]> {
  const states = await weekStates(client, f);
  const stored = states.filter((r) => Number(r.fresh) === 1).map((r) => ({ ministry: r.ministry, week: r.week, n: Number(r.users) }));
  const stale = states.filter((r) => Number(r.fresh) !== 1).map((r) => r.week).sort();
  if (stale.length === 0) return stored;
  const storedKeys = new Set(stored.map((r) => key(r.ministry, r.week)));
  const live = await weeklyActiveUsersMonthly(client, { ...f, from: stale[0], to: addDays(stale[stale.length - 1], 6) });
  return [...stored, ...live.filter((r) => !storedKeys.has(key(r.ministry, r.week)))];
}

/** One query counts weeks within this many consecutive weeks: memory follows the (user, week) pairs counted. */
const WEEKS_PER_COUNT = 5;

/** Sorted Mondays in groups that each lie within WEEKS_PER_COUNT consecutive weeks. */
function spans(weeks: string[]): string[][] {
  const out: string[][] = [];
  for (const w of weeks) {
    const last = out[out.length - 1];
    if (last && w <= addDays(last[0], 7 * (WEEKS_PER_COUNT - 1))) last.push(w);
    else out.push([w]);
  }
  return out;
}

export interface CountResult {
  /** (ministry, week) counts stored. */
  counted: number;
  /** Weeks whose request count moved while they were counted (left for the next run). */
  moving: number;
}

/**
 * Counts and stores the completed weeks (Monday to Sunday, before `today`'s week) whose stored count is
 * missing or no longer holds. A week's requests are read before its users are counted and again after;
 * only weeks whose requests did not move in between are stored, after at least `settleMs`: an insert
 * writes model_latency_daily and user_days_monthly one after the other, and a count taken between the two would
 * otherwise be stored against a request count that already includes its events.
 */
export async function countCompletedWeeks(
  client: ClickHouseClient,
  opts: { today?: string; settleMs?: number } = {},
): Promise<CountResult> {
  const lastWeek = addDays(mondayOf(opts.today ?? isoDay(new Date())), -7);
  const all: Filters = { from: mondayOf(addDays(STORE_MIN_DAY, 7)), to: addDays(lastWeek, 6), ministry: null, app: null, model: null };
  const before = (await weekStates(client, all)).filter((r) => Number(r.fresh) !== 1);
  const result: CountResult = { counted: 0, moving: 0 };
  if (before.length === 0) return result;
  await new Promise((r) => setTimeout(r, opts.settleMs ?? 2000));
  for (const span of spans([...new Set(before.map((r) => r.week))].sort())) {
    const f: Filters = { ...all, from: span[0], to: addDays(span[span.length - 1], 6) };
    // The rows carry the time the count began, on ClickHouse's clock (the one a rollup repair's rows
    // use): a repair that rebuilt these weeks while they were being counted wrote its rows later, so
    // they win over this count and the weeks are counted again.
    const [{ counted_at }] = await queryRows<{ counted_at: string }>(client, "SELECT toString(now64(3, 'UTC')) AS counted_at");
    const users = new Map((await weeklyActiveUsersMonthly(client, f)).map((r) => [key(r.ministry, r.week), Number(r.n)]));
    const after = new Map((await weekStates(client, f)).map((r) => [key(r.ministry, r.week), Number(r.requests)]));
    const rows = before
      .filter((r) => span.includes(r.week))
      .filter((r) => {
        const same = after.get(key(r.ministry, r.week)) === Number(r.requests);
        if (!same) result.moving++;
        return same;
      })
      .map((r) => ({ week: r.week, ministry: r.ministry, users: users.get(key(r.ministry, r.week)) ?? 0, requests: Number(r.requests), counted_at }));
    if (rows.length > 0) await client.insert({ table: 'weekly_active_users', values: rows, format: 'JSONEachRow' });
    result.counted += rows.length;
  }
  return result;
}

/** Runs countCompletedWeeks now and then every `intervalMs` (default hourly) until stopped. */
export function startWeeklyActiveUsersCounter(
  client: ClickHouseClient,
  opts: { intervalMs?: number; log?: (line: string) => void } = {},
): { stop(): void } {
  const log = opts.log ?? (() => {});
  const run = async () => {
    const r = await countCompletedWeeks(client);
    if (r.counted > 0 || r.moving > 0) {
      log(`weekly active users: ${r.counted} ministry-weeks counted` + (r.moving ? `, ${r.moving} still receiving events (next run)` : ''));
    }
  };
  return startPeriodic('counting weekly active users', run, { intervalMs: opts.intervalMs, log });
}
