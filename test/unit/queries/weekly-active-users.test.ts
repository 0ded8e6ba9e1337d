// The heatmap's stored weekly active users (migration 0195): completed weeks are counted once by a job
// and used while usage_daily still shows the request count they were counted at; otherwise, and for the
// current week, the page counts from user_days_monthly. Checked against the pilot's raw events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '../../../clickhouse/client.ts';
import { queryRows } from '../../../clickhouse/client.ts';
import { rebuildRollupDay, rollupDefinitions } from '../../../clickhouse/rollups.ts';
import { weeklyActiveUsersMonthly } from '../../../src/lib/server/queries/active-users.ts';
import { addDays, mondayOf, type Filters } from '../../../src/lib/server/queries/filters.ts';
import { ministryWeekHeatmap } from '../../../src/lib/server/queries/heatmap.ts';
import { countCompletedWeeks, weeklyActiveUsers, type WeekCount } from '../../../src/lib/server/queries/weekly-active-users.ts';
import { DAYS, day, makePilot, openPilotDb, type Pilot, type TestDb, type Usage } from './fixture.ts';

let pilot: Pilot;
let db: TestDb;
const extra: Usage[] = [];

beforeAll(async () => {
  pilot = makePilot();
  db = await openPilotDb(pilot);
}, 120_000);
afterAll(async () => db?.close());

// The pilot's last day is day(DAYS - 1); "today" is the day after it, so that day's week is the current one.
const TODAY = day(DAYS);
const CURRENT_WEEK = mondayOf(TODAY);
const ALL: Filters = { from: mondayOf(day(0)), to: addDays(CURRENT_WEEK, 6), ministry: null, app: null, model: null };
const key = (r: { ministry: string; week: string }) => `${r.ministry}|${r.week}`;

/** Distinct users per ministry and week from the raw events the test wrote. */
function expected(): Map<string, number> {
  const users = new Map<string, Set<string>>();
  for (const u of [...pilot.usage, ...extra]) {
    const k = key({ ministry: u.ministry, week: mondayOf(u.occurred_at.slice(0, 10)) });
    if (!users.has(k)) users.set(k, new Set());
    users.get(k)!.add(u.user_id);
  }
  return new Map([...users].map(([k, s]) => [k, s.size]));
}
const asMap = (rows: WeekCount[]) => new Map(rows.map((r) => [key(r), Number(r.n)]));

async function stored(): Promise<Map<string, { users: number; requests: number }>> {
  const rows = await queryRows<{ ministry: string; week: string; users: number; requests: number }>(
    db.client,
    `SELECT ministry, toString(week) AS week, argMax(users, counted_at) AS users, argMax(requests, counted_at) AS requests
       FROM weekly_active_users GROUP BY ministry, week`,
  );
  return new Map(rows.map((r) => [key(r), { users: Number(r.users), requests: Number(r.requests) }]));
}

async function addUsage(u: Usage): Promise<void> {
  extra.push(u);
  await db.client.insert({ table: 'usage_events', values: [u], format: 'JSONEachRow' });
}

/** The test's client, but `before` runs (once) just ahead of the job's count query: something landing mid-count. */
function midCount(before: (client: ClickHouseClient) => Promise<void>): ClickHouseClient {
  let done = false;
  return new Proxy(db.client, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver);
      return async (args: Parameters<ClickHouseClient['query']>[0]) => {
        if (!done && /uniqExact\(user\)/.test(args.query)) {
          done = true;
          await before(target);
        }
        return target.query(args);
      };
    },
  }) as ClickHouseClient;
}

describe('weekly active users (stored counts of completed weeks)', () => {
  it('before any count, every week is counted live and matches the raw events', async () => {
    expect((await stored()).size).toBe(0);
    expect(asMap(await weeklyActiveUsers(db.client, ALL))).toEqual(expected());
  });

  it('the job stores each completed week once, not the current one; pages then read them', async () => {
    const first = await countCompletedWeeks(db.client, { today: TODAY, settleMs: 0 });
    const s = await stored();
    const want = expected();
    const completed = [...want].filter(([k]) => !k.endsWith(`|${CURRENT_WEEK}`));
    expect(first).toEqual({ counted: completed.length, moving: 0 });
    expect(s.size).toBe(completed.length);
    for (const [k, n] of completed) expect(s.get(k)?.users, k).toBe(n);
    expect([...s.keys()].some((k) => k.endsWith(`|${CURRENT_WEEK}`))).toBe(false);
    // A second run finds nothing to count.
    expect(await countCompletedWeeks(db.client, { today: TODAY, settleMs: 0 })).toEqual({ counted: 0, moving: 0 });
    // The same answer as the live count, on the heatmap too.
    expect(asMap(await weeklyActiveUsers(db.client, ALL))).toEqual(want);
    const hm = await ministryWeekHeatmap(db.client, { ...ALL, ministry: 'mof' }, new Map([['mof', 100]]));
    for (const c of hm.cells) expect(c.active_users, c.week).toBe(want.get(key(c)) ?? 0);
  });

  it('a stored count is used while the request count holds, and not after a late event of its week', async () => {
    const week = mondayOf(day(14));
    const k = key({ ministry: 'mhlw', week });
    const s = (await stored()).get(k)!;
    // A different figure stored at the same request count: the page must show it (it reads the store)…
    await db.client.insert({
      table: 'weekly_active_users',
      values: [{ week, ministry: 'mhlw', users: s.users + 1000, requests: s.requests, counted_at: '2099-01-01 00:00:00.000' }],
      format: 'JSONEachRow',
    });
    expect(asMap(await weeklyActiveUsers(db.client, ALL)).get(k)).toBe(s.users + 1000);
    // …until an event of that week arrives late, from a new user: then the week is counted live.
    await addUsage({ ...pilot.usage.find((u) => u.ministry === 'mhlw')!, event_id: 'late-1', request_id: 'late-r1', user_id: 'mhlw-late-user', occurred_at: `${addDays(week, 2)}T09:00:00.000Z` });
    const after = asMap(await weeklyActiveUsers(db.client, ALL));
    expect(after.get(k)).toBe(s.users + 1);
    expect(after).toEqual(expected());
    // The job counts it again (its newer row wins over the planted one only by counted_at, so remove that first).
    await db.client.command({ query: `DELETE FROM weekly_active_users WHERE counted_at = '2099-01-01 00:00:00.000'` });
    expect((await countCompletedWeeks(db.client, { today: TODAY, settleMs: 0 })).counted).toBe(1);
    expect((await stored()).get(k)).toEqual({ users: s.users + 1, requests: s.requests + 1 });
  });

  it('a week whose requests move while it is counted is left for the next run', async () => {
    const week = mondayOf(day(21));
    const k = key({ ministry: 'da', week });
    await db.client.command({ query: `DELETE FROM weekly_active_users WHERE ministry = 'da' AND week = '${week}'` });
    // An event lands between the job's first read and its count (as an insert in flight would).
    const racing = midCount(() =>
      addUsage({ ...pilot.usage.find((u) => u.ministry === 'da')!, event_id: 'late-2', request_id: 'late-r2', user_id: 'da-late-user', occurred_at: `${addDays(week, 1)}T09:00:00.000Z` }),
    );
    expect(await countCompletedWeeks(racing, { today: TODAY, settleMs: 0 })).toEqual({ counted: 0, moving: 1 });
    expect((await stored()).has(k)).toBe(false);
    expect(asMap(await weeklyActiveUsers(db.client, ALL)).get(k)).toBe(expected().get(k));
    // The next run stores it.
    expect(await countCompletedWeeks(db.client, { today: TODAY, settleMs: 0 })).toEqual({ counted: 1, moving: 0 });
    expect((await stored()).get(k)?.users).toBe(expected().get(k));
  });

  it("a rollup repair of a week's day makes its stored counts stale until they are counted again", async () => {
    const d = day(30);
    const week = mondayOf(d);
    const before = await stored();
    const def = rollupDefinitions().find((x) => x.rollup === 'user_days_monthly')!;
    await rebuildRollupDay(db.client, def, d);
    const after = await stored();
    // user_days_monthly is rebuilt a month at a time: every stored week overlapping the month is forgotten.
    const month = d.slice(0, 7);
    for (const [k, v] of after) {
      const w = k.split('|')[1];
      const overlaps = w.slice(0, 7) === month || addDays(w, 6).slice(0, 7) === month;
      if (overlaps) expect(v.requests, k).toBe(0);
      else expect(v, k).toEqual(before.get(k));
    }
    expect([...after].filter(([k, v]) => k.endsWith(`|${week}`) && v.requests === 0).length).toBeGreaterThan(0);
    // The page still answers right (live), and the job counts them again.
    expect(asMap(await weeklyActiveUsers(db.client, ALL))).toEqual(expected());
    expect((await countCompletedWeeks(db.client, { today: TODAY, settleMs: 0 })).counted).toBeGreaterThan(0);
    // Every completed week is stored again (the current week may keep a repair's row: it is counted live anyway).
    const left = [...(await stored())].filter(([k, v]) => v.requests === 0 && !k.endsWith(`|${CURRENT_WEEK}`));
    expect(left).toEqual([]);
    expect(asMap(await weeklyActiveUsers(db.client, ALL))).toEqual(expected());
  });

  it('a repair that lands while a week is being counted wins over that count', async () => {
    const d = day(9);
    const week = mondayOf(d);
    await db.client.command({ query: `DELETE FROM weekly_active_users WHERE week = '${week}'` });
    const def = rollupDefinitions().find((x) => x.rollup === 'user_days_monthly')!;
    let repaired = false;
    const racing = midCount(async (client) => {
      repaired = true;
      await rebuildRollupDay(client, def, d);
    });
    expect((await countCompletedWeeks(racing, { today: TODAY, settleMs: 0 })).counted).toBeGreaterThan(0);
    expect(repaired).toBe(true);
    // The repair's rows are newer than the count that began before it: the week is stale, counted live.
    const got = [...(await stored())].filter(([k]) => k.endsWith(`|${week}`));
    expect(got.length).toBeGreaterThan(0);
    for (const [k, v] of got) expect(v.requests, k).toBe(0);
    expect(asMap(await weeklyActiveUsers(db.client, ALL))).toEqual(expected());
    await countCompletedWeeks(db.client, { today: TODAY, settleMs: 0 });
    expect([...(await stored())].filter(([k, v]) => k.endsWith(`|${week}`) && v.requests === 0)).toEqual([]);
  });

  it('the live count of a span equals the monthly-bitmap count it falls back to', async () => {
    const f = { ...ALL, from: mondayOf(day(7)), to: addDays(mondayOf(day(20)), 6) };
    const live = asMap(await weeklyActiveUsersMonthly(db.client, f));
    const got = asMap(await weeklyActiveUsers(db.client, f));
    expect(got).toEqual(live);
  });
});
