// Ministry × week heatmaps: adoption (weekly active users as % of planned users) and risk (findings
// per 1,000 outputs). Weeks start on Monday (ISO weeks, UTC); the range is widened to whole weeks so
// the first and last columns are not half-empty weeks that would read as a drop in adoption.
import { MINISTRIES } from '../../../../contracts/ministries.ts';
import { FINDING, ratio, queryRows, type ClickHouseClient } from './db.ts';
import { addDays, mondayOf, weekStarts, where, type Filters } from './filters.ts';
import { usersRollup } from './overview.ts';
import { weeklyActiveUsers } from './weekly-active-users.ts';

export interface HeatCell {
  ministry: string;
  week: string;
  active_users: number;
  planned_users: number;
  adoption_pct: number | null;
  outputs: number;
  flags: number;
  flags_per_1000: number | null;
}

export interface Heatmap {
  weeks: string[];
  ministries: string[];
  cells: HeatCell[];
  /** The whole-week range actually covered. */
  from: string;
  to: string;
}

export async function ministryWeekHeatmap(client: ClickHouseClient, f: Filters, planned: Map<string, number>): Promise<Heatmap> {
  const from = mondayOf(f.from);
  const to = addDays(mondayOf(f.to), 6);
  const wf: Filters = { ...f, from, to };
  const w = where(wf, { day: 'day' });
  const wo = where(wf, { day: 'outputs_daily.day' });
  const wfl = where(wf, { day: 'flags_daily.day' });
  const [users, counts] = await Promise.all([
    usersRollup(wf) === 'user_days_monthly'
      ? weeklyActiveUsers(client, wf)
      : queryRows<{ ministry: string; week: string; n: number }>(
          client,
          `SELECT ministry, toString(toMonday(day)) AS week, uniqExactMerge(users) AS n FROM usage_daily
            WHERE ${w.sql} GROUP BY ministry, week`,
          w.params,
        ),
    // Outputs and findings per ministry and week in one query (chDB runs a page's queries one after
    // another, each with a few ms of fixed cost).
    queryRows<{ ministry: string; week: string; n_outputs: number; n_flags: number }>(
      client,
      `SELECT ministry, toString(toMonday(outputs_daily.day)) AS week, toInt64(sum(outputs)) AS n_outputs, toInt64(0) AS n_flags
         FROM outputs_daily WHERE ${wo.sql} GROUP BY ministry, week
       UNION ALL
       SELECT ministry, toString(toMonday(flags_daily.day)) AS week, 0, sum(flags)
         FROM flags_daily WHERE ${FINDING} AND ${wfl.sql}
        GROUP BY ministry, week HAVING sum(flags) != 0`,
      { ...wo.params, ...wfl.params },
    ),
  ]);
  const outputs = counts.filter((r) => Number(r.n_outputs) !== 0).map((r) => ({ ministry: r.ministry, week: r.week, n: Number(r.n_outputs) }));
  const flags = counts.filter((r) => Number(r.n_flags) !== 0).map((r) => ({ ministry: r.ministry, week: r.week, n: Number(r.n_flags) }));
  const key = (m: string, w: string) => `${m}|${w}`;
  const u = new Map(users.map((r) => [key(r.ministry, r.week), r.n]));
  const o = new Map(outputs.map((r) => [key(r.ministry, r.week), r.n]));
  const fl = new Map(flags.map((r) => [key(r.ministry, r.week), r.n]));
  const weeks = weekStarts(from, to);
  const ministries = f.ministry ? [f.ministry] : MINISTRIES.map((m) => m.code);
  const cells: HeatCell[] = [];
  for (const m of ministries) {
    const plannedUsers = planned.get(m) ?? 0;
    for (const w of weeks) {
      const k = key(m, w);
      const active = u.get(k) ?? 0;
      const outs = o.get(k) ?? 0;
      const nflags = fl.get(k) ?? 0;
      cells.push({
        ministry: m,
        week: w,
        active_users: active,
        planned_users: plannedUsers,
        adoption_pct: ratio(active, plannedUsers, 100),
        outputs: outs,
        flags: nflags,
        flags_per_1000: ratio(nflags, outs, 1000),
      });
    }
  }
  return { weeks, ministries, cells, from, to };
}
