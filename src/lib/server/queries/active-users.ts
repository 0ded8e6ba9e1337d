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

/** The SELECT of DAU, WAU and MAU (see activeUsersMonthly), with the parameters it names. */
function windowSelect(f: Filters) {
  const m = monthsOf(f, '{to:Date} - 29', '{to:Date}');
  return {
    sql: `SELECT ${ACTIVE(1)} AS dau, ${ACTIVE(7)} AS wau, ${ACTIVE(30)} AS mau
            FROM (SELECT user, ${WINDOW_BITS} AS w FROM user_days_monthly WHERE ${m.sql} GROUP BY user)`,
    params: m.params,
  };
}

/**
 * DAU, WAU and MAU ending on the filter's `to` (1, 7 and 30 days): each user's rows (months, parts,
 * ministries) are combined into one window bitmap, then users are counted once.
 */
export async function activeUsersMonthly(client: ClickHouseClient, f: Filters): Promise<{ dau: number; wau: number; mau: number }> {
  const q = windowSelect(f);
  const [r] = await queryRows<{ dau: number; wau: number; mau: number }>(client, q.sql, q.params);
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
 * The SELECT of the daily series (see dailyActiveUsersMonthly): per month, each day's bit summed over
 * the month's users. In one ministry's view the table's own key (ministry, month, user) is a user's
 * month, so FINAL combines its rows (parts) in key order, cheaper than a hash table over the users
 * (≈ 30 → 19 ms for one large ministry over 90 days at 10 M outputs; a user's rows never cross a
 * monthly partition). Across ministries a user may have a row in each, so they are grouped by user.
 */
function dailySelect(f: Filters): { sql: string; params: Record<string, string>; settings: string } {
  const m = monthsOf(f, '{from:Date}', '{to:Date}');
  const bits = (col: string) => BITS.map((i) => `sum(bitTest(${col}, ${i})) AS d${i}`).join(', ');
  // The month is returned as `m`: a `month` alias would stand for the column in WHERE.
  return f.ministry !== null
    ? {
        sql: `SELECT toString(month) AS m, ${bits('days')} FROM user_days_monthly FINAL WHERE ${m.sql} GROUP BY month`,
        params: m.params,
        settings: 'do_not_merge_across_partitions_select_final = 1',
      }
    : {
        sql: `SELECT toString(month) AS m, ${bits('d')}
                FROM (SELECT month, user, groupBitOr(days) AS d FROM user_days_monthly WHERE ${m.sql} GROUP BY month, user)
               GROUP BY month`,
        params: m.params,
        settings: '',
      };
}

const withSettings = (sql: string, settings: string) => (settings ? `${sql} SETTINGS ${settings}` : sql);

/** Rows of dailySelect() as users per day from..to (zero on days without a row). */
function dailyFrom(f: Filters, got: Record<string, number | string>[]): Map<string, number> {
  const byDay = new Map<string, number>();
  for (const r of got) {
    const month = String(r.m);
    for (const i of BITS) {
      const day = addDays(month, i);
      if (day.slice(0, 7) !== month.slice(0, 7)) break; // past the month's last day
      if (day >= f.from && day <= f.to) byDay.set(day, Number(r[`d${i}`]));
    }
  }
  return new Map(dayRange(f.from, f.to).map((day) => [day, byDay.get(day) ?? 0]));
}

/**
 * Distinct users per day from..to. A user's rows of a month are first combined (parts, ministries),
 * then each day's bit is summed: one pass over the users of each month instead of a distinct count
 * over every user-day.
 */
export async function dailyActiveUsersMonthly(client: ClickHouseClient, f: Filters): Promise<Map<string, number>> {
  const q = dailySelect(f);
  return dailyFrom(f, await queryRows<Record<string, number | string>>(client, withSettings(q.sql, q.settings), q.params));
}

/**
 * activeUsersMonthly() and dailyActiveUsersMonthly() in one query (UNION ALL; the window's row has
 * m = '' and DAU, WAU, MAU in d0..d2), for pages that show both: chDB runs a page's queries one
 * after another, each with a few ms of fixed cost.
 */
export async function activeAndDailyUsersMonthly(
  client: ClickHouseClient,
  f: Filters,
): Promise<{ active: { dau: number; wau: number; mau: number }; daily: Map<string, number> }> {
  const win = windowSelect(f);
  const daily = dailySelect(f);
  const rest = BITS.slice(3).map((i) => `toUInt64(0) AS d${i}`).join(', ');
  const got = await queryRows<Record<string, number | string>>(
    client,
    withSettings(`SELECT '' AS m, dau AS d0, wau AS d1, mau AS d2, ${rest} FROM (${win.sql}) UNION ALL ${daily.sql}`, daily.settings),
    { ...win.params, ...daily.params },
  );
  const w = got.find((r) => r.m === '');
  return {
    active: { dau: Number(w?.d0 ?? 0), wau: Number(w?.d1 ?? 0), mau: Number(w?.d2 ?? 0) },
    daily: dailyFrom(f, got.filter((r) => r.m !== '')),
  };
}

/**
 * Distinct users per ministry and week (Monday) over from..to, which the caller widens to whole weeks.
 * A month row is active in week j of the month (j = 0 for the week holding its 1st) when one of its day
 * bits 7j - off .. 7j - off + 6 is set, off being the 1st's weekday (Monday 0): six mask tests per row
 * instead of expanding every active day to its Monday and removing repeats (≈ 20 % less time for 90
 * days at 10 M outputs; the distinct count per ministry and week is the rest).
 */
export async function weeklyActiveUsersMonthly(client: ClickHouseClient, f: Filters): Promise<{ ministry: string; week: string; n: number }[]> {
  const m = monthsOf(f, '{from:Date}', '{to:Date}');
  return queryRows<{ ministry: string; week: string; n: number }>(
    client,
    `SELECT ministry, toString(week) AS week, uniqExact(user) AS n FROM (
       SELECT ministry, user,
              arrayJoin(arrayFilter(w -> w >= {from:Date} AND w <= {to:Date},
                arrayMap(j -> toMonday(month) + 7 * j,
                  arrayFilter(j -> bitAnd(days, bitShiftRight(bitShiftLeft(toUInt64(127), 7 * j), toDayOfWeek(month) - 1)) != 0,
                              [0, 1, 2, 3, 4, 5])))) AS week
         FROM user_days_monthly WHERE ${m.sql})
      GROUP BY ministry, week`,
    m.params,
  );
}
