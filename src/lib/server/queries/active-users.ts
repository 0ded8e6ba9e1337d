// Distinct active users from user_days_monthly (migration 0151): one row per ministry, user and month
// with a bitmap of the user's active days. A window's distinct users are the users with a bit set in
// it, so the work grows with the number of users (bounded by the rollout), not with user-days of
// history. Rows of a user may still sit in several parts (AggregatingMergeTree merges in the
// background) and a user may be active in two ministries: counts are therefore distinct over `user`,
// never row counts. Views filtered by app or model do not come here (this table has neither).
import { queryRows, type ClickHouseClient } from './db.ts';
import { addDays, dayRange, where, type Filters } from './filters.ts';

/**
 * A user's active days in the 64 days ending on `to`, as one UInt64: bit 63 is `to`, bit 63 - k is
 * `to` - k. A month row's bitmap (bit d-1 = day d) is shifted by the days from `to` - 63 to the month's
 * first day; days after `to` fall off the top. Only months that start after `to` - 63 may be shifted
 * this way, which `monthsOf(f, '{to:Date} - 29', …)` guarantees (a month starts at most 30 days before
 * `to` - 29).
 */
const WINDOW_BITS = "groupBitOr(bitShiftLeft(toUInt64(days), toUInt8(dateDiff('day', {to:Date} - 63, month))))";
/** Masks of the last 1, 7 and 30 days of a WINDOW_BITS value. */
const LAST_DAYS = (n: number) => `bitShiftLeft(toUInt64(${2 ** n - 1}), ${64 - n})`;
const ACTIVE = (n: number) => `countIf(bitAnd(w, ${LAST_DAYS(n)}) != 0)`;

/** The rows of the months that overlap [lo, hi], for the filter's ministry. */
function monthsOf(f: Filters, lo: string, hi: string) {
  const w = where(f, { day: 'month', noDates: true, noAppModel: true });
  return { sql: `month >= toStartOfMonth(${lo}) AND month <= ${hi} AND ${w.sql}`, params: w.params };
}

/**
 * DAU, WAU and MAU ending on the filter's `to` (1, 7 and 30 days): each user's rows (months, parts,
 * ministries) are combined into one window bitmap, then users are counted once.
 */
export async function activeUsersMonthly(client: ClickHouseClient, f: Filters): Promise<{ dau: number; wau: number; mau: number }> {
  const m = monthsOf(f, '{to:Date} - 29', '{to:Date}');
  const [r] = await queryRows<{ dau: number; wau: number; mau: number }>(
    client,
    `SELECT ${ACTIVE(1)} AS dau, ${ACTIVE(7)} AS wau, ${ACTIVE(30)} AS mau
       FROM (SELECT user, ${WINDOW_BITS} AS w FROM user_days_monthly WHERE ${m.sql} GROUP BY user)`,
    m.params,
  );
  return { dau: r?.dau ?? 0, wau: r?.wau ?? 0, mau: r?.mau ?? 0 };
}

/** MAU (30 days ending on `to`) per ministry. */
export async function mauByMinistryMonthly(client: ClickHouseClient, f: Filters): Promise<Map<string, number>> {
  const m = monthsOf(f, '{to:Date} - 29', '{to:Date}');
  const got = await queryRows<{ ministry: string; mau: number }>(
    client,
    `SELECT ministry, ${ACTIVE(30)} AS mau
       FROM (SELECT ministry, user, ${WINDOW_BITS} AS w FROM user_days_monthly WHERE ${m.sql} GROUP BY ministry, user)
      GROUP BY ministry HAVING mau > 0`,
    m.params,
  );
  return new Map(got.map((r) => [r.ministry, r.mau]));
}

const BITS = Array.from({ length: 31 }, (_, i) => i);

/**
 * Distinct users per day from..to. A user's rows of a month are first combined (parts, ministries),
 * then each day's bit is summed: one pass over the users of each month instead of a distinct count
 * over every user-day.
 */
export async function dailyActiveUsersMonthly(client: ClickHouseClient, f: Filters): Promise<Map<string, number>> {
  const m = monthsOf(f, '{from:Date}', '{to:Date}');
  const got = await queryRows<Record<string, number | string>>(
    client,
    `SELECT toString(month) AS month, ${BITS.map((i) => `sum(bitTest(d, ${i})) AS d${i}`).join(', ')}
       FROM (SELECT month, user, groupBitOr(days) AS d FROM user_days_monthly WHERE ${m.sql} GROUP BY month, user)
      GROUP BY month`,
    m.params,
  );
  const byDay = new Map<string, number>();
  for (const r of got) {
    const month = String(r.month);
    for (const i of BITS) {
      const day = addDays(month, i);
      if (day.slice(0, 7) !== month.slice(0, 7)) break; // past the month's last day
      if (day >= f.from && day <= f.to) byDay.set(day, Number(r[`d${i}`]));
    }
  }
  return new Map(dayRange(f.from, f.to).map((day) => [day, byDay.get(day) ?? 0]));
}

/** Distinct users per ministry and week (Monday) over from..to, which the caller widens to whole weeks. */
export async function weeklyActiveUsersMonthly(client: ClickHouseClient, f: Filters): Promise<{ ministry: string; week: string; n: number }[]> {
  const m = monthsOf(f, '{from:Date}', '{to:Date}');
  return queryRows<{ ministry: string; week: string; n: number }>(
    client,
    `SELECT ministry, toString(week) AS week, uniqExact(user) AS n FROM (
       SELECT ministry, user,
              arrayJoin(arrayDistinct(arrayMap(p -> toMonday(month + p),
                arrayFilter(p -> month + p >= {from:Date} AND month + p <= {to:Date}, bitPositionsToArray(days))))) AS week
         FROM user_days_monthly WHERE ${m.sql})
      GROUP BY ministry, week`,
    m.params,
  );
}
