// The rollups and how to check and rebuild them from the raw tables.
//
// Why: a materialized view is written after its source table's part, in the same INSERT but not in
// the same transaction. If the process that runs an embedded chDB dies between the two (kill -9, power
// loss), the raw rows are stored and a rollup misses them; the restarted ingester then finds the rows
// stored and drops the replay, so the rollup would stay short for good. The integration test that
// kills the ingester mid-batch hit this about one run in five. A ClickHouse server finishes an INSERT
// even when its client dies, so there only a server crash can cause it.
//
// The check compares, per day, what each rollup counted with the raw rows (FINAL: the latest version of
// each id, which is what the ingester lets through once); the repair deletes a drifted day from the
// rollup and inserts it again from the raw rows with the rollup's own view SELECT. Both run at the
// start of an embedded ingester (it owns the database) for the days it last wrote, and on demand with
// `oversight rollups`.
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './client.ts';
import { FLAGS_DAILY_SELECT, flagsDailySelectWhere } from './flags-rollup.ts';
import { INCIDENT_VERDICTS_SELECT, incidentVerdictsSelect } from './incident-verdicts-rollup.ts';
import { loadMigrations } from './migrate.ts';
import { renderMigration } from './render.ts';

export type RawTable = 'usage_events' | 'outputs' | 'feedback' | 'flags' | 'incidents';

/** Per raw table: the column whose day a rollup row belongs to, when a row arrived, and which rows are live. */
const SOURCE_COLUMNS: Record<RawTable, { at: string; arrived: string; live: string }> = {
  usage_events: { at: 'occurred_at', arrived: 'ingested_at', live: '1' },
  outputs: { at: 'occurred_at', arrived: 'ingested_at', live: '1' },
  feedback: { at: 'occurred_at', arrived: 'ingested_at', live: '1' },
  // Superseded flags stay stored with is_deleted = 1 (evaluators/runner.ts).
  flags: { at: 'output_at', arrived: 'evaluated_at', live: 'is_deleted = 0' },
  // Every version carries the output's day; triage changes set updated_at.
  incidents: { at: 'output_at', arrived: 'updated_at', live: '1' },
};

/**
 * Rollups kept by their writers rather than by a materialized view, with the SELECT that defines them
 * (the evaluator runner keeps flags_daily exact through re-runs; see clickhouse/flags-rollup.ts).
 */
const MAINTAINED_ROLLUPS: RollupDefinition[] = [
  { rollup: 'flags_daily', source: 'flags', select: FLAGS_DAILY_SELECT, period: 'day', selectWhere: flagsDailySelectWhere },
  {
    // Its rule rows follow the live flags too: writeFlags writes its share inside flags_daily's, so a
    // crash that leaves it off leaves flags_daily off on the same day, and that day rebuilds both.
    rollup: 'incident_verdicts_daily',
    source: 'incidents',
    select: INCIDENT_VERDICTS_SELECT,
    period: 'day',
    selectWhere: (filter) => incidentVerdictsSelect({ incidents: filter, flags: filter }),
    rebuiltWith: ['flags_daily'],
  },
];

/** A rollup, the raw table its view reads, and the view's SELECT (single-node names). */
export interface RollupDefinition {
  rollup: string;
  source: RawTable;
  select: string;
  /** Rows per day (a `day` column) or per month (a `month` column; rebuilt a whole month at a time). */
  period?: 'day' | 'month';
  /** A maintained rollup's SELECT over the raw rows a condition on the source's columns picks (a day's rebuild). */
  selectWhere?: (filter: string) => string;
  /** Rollups whose drift on a day also rebuilds this one's day (it is written inside their writes). */
  rebuiltWith?: string[];
}

/**
 * Views whose tables hold no per-day figure, so there is nothing to compare per day and their rows are
 * not counts: the lookups by id (migrations 0090 and 0187, for deduplication by id alone) and the list
 * of ministry, app and model combinations (0194, the dashboard's selects).
 */
export const NOT_ROLLUPS: ReadonlySet<string> = new Set(['usage_event_ids', 'output_ids', 'usage_event_keys', 'output_keys', 'usage_dimensions']);

/**
 * Every rollup: those of the migrations' materialized views (CREATE MATERIALIZED VIEW … TO <rollup> AS
 * SELECT), then those kept by their writers.
 */
export function rollupDefinitions(): RollupDefinition[] {
  const out: RollupDefinition[] = [];
  for (const m of loadMigrations()) {
    for (const stmt of renderMigration(m.sql, { rawTextTtlDays: 400 })) {
      // A later migration that drops a rollup takes it out of the list (0152: active_users_daily).
      const dropped = /^\s*DROP TABLE\s+(?:IF EXISTS\s+)?(\w+)\s*$/i.exec(stmt);
      if (dropped) {
        const i = out.findIndex((d) => d.rollup === dropped[1]);
        if (i >= 0) out.splice(i, 1);
        continue;
      }
      const mv = /CREATE MATERIALIZED VIEW\s+(?:IF NOT EXISTS\s+)?\S+\s+TO\s+(\w+)(?:\s*\([^)]*\))?\s+AS\s+(SELECT[\s\S]*?);?\s*$/i.exec(stmt);
      if (!mv || NOT_ROLLUPS.has(mv[1])) continue;
      const source = /\bFROM\s+(\w+)/i.exec(mv[2])?.[1] as RawTable;
      out.push({ rollup: mv[1], source, select: mv[2], period: /\bAS\s+month\b/i.test(mv[2]) ? 'month' : 'day' });
    }
  }
  return [...out, ...MAINTAINED_ROLLUPS];
}

/**
 * What each rollup counts per day, next to the same figure from the raw rows. Every rollup needs one
 * (a unit test checks), so a new rollup cannot be left out of the crash check.
 */
export const ROLLUP_CHECKS: Record<string, { rollup: string; raw: string; days?: string }> = {
  usage_daily: { rollup: 'sum(requests)', raw: 'count()' },
  model_latency_daily: { rollup: 'sum(requests)', raw: 'count()' },
  outputs_daily: { rollup: 'sum(outputs)', raw: 'count()' },
  feedback_daily: { rollup: 'sum(up) + sum(down)', raw: "countIf(rating IN ('up', 'down'))" },
  flags_daily: { rollup: 'sum(flags)', raw: 'count()' },
  // The incident rows (every incident once, with its verdict); its rule rows are rebuilt with flags_daily.
  incident_verdicts_daily: {
    rollup: "sumIf(incidents + reviewed + confirmed, evaluator = '' AND rule_id = '')",
    raw: "count() + countIf(verdict != '') + countIf(verdict = 'confirmed')",
  },
  // One row per user and month: `days` lists the rows per day the check compares (its bits, as dates).
  user_days_monthly: {
    rollup: 'uniqExact(user)',
    raw: 'uniqExact(cityHash64(user_id))',
    days: 'SELECT month + toIntervalDay(p) AS day, user FROM user_days_monthly ARRAY JOIN bitPositionsToArray(days) AS p',
  },
};

export interface Drift {
  rollup: string;
  day: string;
  raw: number;
  rollupValue: number;
}

const dayList = (days: string[]) => days.map((d) => `toDate('${d.replace(/[^0-9-]/g, '')}')`).join(', ');

/** Days (by occurred_at) of the rows stored in the last `seconds` before the latest insert. */
export async function recentDays(client: ClickHouseClient, source: RawTable, seconds: number): Promise<string[]> {
  const { at, arrived } = SOURCE_COLUMNS[source];
  const got = await queryRows<{ day: string }>(
    client,
    `SELECT DISTINCT toString(toDate(${at})) AS day FROM ${source}
      WHERE ${arrived} >= (SELECT max(${arrived}) FROM ${source}) - toIntervalSecond({s:UInt32}) ORDER BY day`,
    { s: seconds },
  );
  return got.map((r) => r.day);
}

/**
 * Days where a rollup's figure differs from the raw rows. `defs` share one source table, which is read
 * once (FINAL is the expensive part) for every figure its rollups need.
 */
export async function rollupDrift(client: ClickHouseClient, defs: RollupDefinition[], days: string[]): Promise<Drift[]> {
  if (days.length === 0 || defs.length === 0) return [];
  const source = defs[0].source;
  for (const def of defs) {
    if (def.source !== source) throw new Error(`rollupDrift: ${def.rollup} reads ${def.source}, not ${source}`);
    if (!ROLLUP_CHECKS[def.rollup]) throw new Error(`no crash check for the rollup ${def.rollup}: add it to ROLLUP_CHECKS in clickhouse/rollups.ts`);
  }
  const rawMeasures = [...new Set(defs.map((d) => ROLLUP_CHECKS[d.rollup].raw))];
  const [raw, ...rolled] = await Promise.all([
    queryRows<Record<string, string | number>>(
      client,
      `SELECT toString(toDate(${SOURCE_COLUMNS[source].at})) AS day, ${rawMeasures.map((m, i) => `${m} AS m${i}`).join(', ')}
         FROM ${source} FINAL WHERE toDate(${SOURCE_COLUMNS[source].at}) IN (${dayList(days)}) AND ${SOURCE_COLUMNS[source].live}
        GROUP BY day`,
    ),
    ...defs.map((def) => {
      const check = ROLLUP_CHECKS[def.rollup];
      const from = check.days ? `(${check.days}) AS ${def.rollup}` : def.rollup;
      return queryRows<{ day: string; n: number }>(
        client,
        `SELECT toString(${def.rollup}.day) AS day, ${check.rollup} AS n FROM ${from}
          WHERE ${def.rollup}.day IN (${dayList(days)}) GROUP BY day`,
      );
    }),
  ]);
  return defs.flatMap((def, k) => {
    const m = `m${rawMeasures.indexOf(ROLLUP_CHECKS[def.rollup].raw)}`;
    const got = new Map(rolled[k].map((x) => [x.day, Number(x.n)]));
    return raw
      .filter((x) => Number(x[m]) !== (got.get(String(x.day)) ?? 0))
      .map((x) => ({ rollup: def.rollup, day: String(x.day), raw: Number(x[m]), rollupValue: got.get(String(x.day)) ?? 0 }));
  });
}

/**
 * Replaces the rollup's rows of `day` with the aggregation of the raw rows of that day (of its month,
 * for a rollup with a row per month).
 */
export async function rebuildRollupDay(client: ClickHouseClient, def: RollupDefinition, day: string): Promise<void> {
  const d = dayList([day]);
  const at = `toDate(${SOURCE_COLUMNS[def.source].at})`;
  const [rowKey, rawKey, key] = def.period === 'month' ? ['month', `toStartOfMonth(${at})`, `toStartOfMonth(${d})`] : ['day', at, d];
  // The view SELECTs read the plain table; a maintained rollup says how to pick its raw rows.
  const select = def.selectWhere
    ? def.selectWhere(`${rawKey} = ${key}`)
    : def.select.replace(
        new RegExp(`\\bFROM\\s+${def.source}(\\s+FINAL)?\\b`, 'i'),
        `FROM (SELECT * FROM ${def.source} FINAL WHERE ${rawKey} = ${key}) AS ${def.source}`,
      );
  await client.command({ query: `DELETE FROM ${def.rollup} WHERE ${rowKey} = ${key}` });
  await client.command({ query: `INSERT INTO ${def.rollup} ${select}` });
  if (def.source === 'usage_events') await forgetWeeklyActiveUsers(client, def.period === 'month' ? `toStartOfMonth(${d})` : d, def.period === 'month' ? `toLastDayOfMonth(${d})` : d);
}

/**
 * The stored weekly active users (migration 0195) of the weeks with requests in lo..hi no longer hold:
 * a row with requests = 0 replaces each (no week with requests matches it), so pages count those weeks
 * from the rebuilt rollups until the weekly job has counted them again. A rebuilt user_days_monthly may
 * hold users its stored count missed while the request count stayed the same. Rows are written for
 * every such week, stored or not, so that a count that began before this repair and is stored after it
 * is older than them (its rows carry the time the count began).
 */
async function forgetWeeklyActiveUsers(client: ClickHouseClient, lo: string, hi: string): Promise<void> {
  await client.command({
    query: `INSERT INTO weekly_active_users (week, ministry, users, requests, counted_at)
            SELECT toMonday(day) AS week, ministry, 0, 0, now64(3) FROM model_latency_daily
             WHERE day >= ${lo} AND day <= ${hi} GROUP BY week, ministry`,
  });
}

export interface ReconcileResult {
  checked: { rollup: string; days: number }[];
  /** Days that differed from the raw rows (rebuilt unless `repair: false`). */
  drifted: Drift[];
}

/**
 * Checks the days last written to each raw table (rows stored within `windowSeconds` of its latest
 * insert), or the given `days`, and rebuilds the rollup days that drifted. Only safe while nothing
 * else inserts: processes that own an embedded database run it before they ingest (pipelines/recover.ts).
 */
export async function reconcileRecentRollups(
  client: ClickHouseClient,
  opts: { windowSeconds?: number; days?: string[]; repair?: boolean; log?: (line: string) => void } = {},
): Promise<ReconcileResult> {
  const windowSeconds = opts.windowSeconds ?? 3600;
  const result: ReconcileResult = { checked: [], drifted: [] };
  const bySource = new Map<RawTable, RollupDefinition[]>();
  for (const def of rollupDefinitions()) bySource.set(def.source, [...(bySource.get(def.source) ?? []), def]);
  for (const [source, defs] of bySource) {
    const days = opts.days ?? (await recentDays(client, source, windowSeconds));
    for (const def of defs) result.checked.push({ rollup: def.rollup, days: days.length });
    for (const drift of await rollupDrift(client, defs, days)) {
      opts.log?.(
        `rollup ${drift.rollup} ${drift.day}: ${drift.rollupValue} counted, ${drift.raw} in ${source}` +
          (opts.repair === false ? '' : '; rebuilding the day from the raw rows'),
      );
      if (opts.repair !== false) await rebuildRollupDay(client, defs.find((d) => d.rollup === drift.rollup)!, drift.day);
      result.drifted.push(drift);
    }
  }
  // Rollups written inside another's writes: a day the other drifted on is rebuilt for them too.
  if (opts.repair !== false) {
    for (const def of rollupDefinitions()) {
      const days = new Set(result.drifted.filter((d) => def.rebuiltWith?.includes(d.rollup)).map((d) => d.day));
      for (const day of days) {
        if (result.drifted.some((d) => d.rollup === def.rollup && d.day === day)) continue;
        opts.log?.(`rollup ${def.rollup} ${day}: rebuilt with ${def.rebuiltWith!.join(', ')}`);
        await rebuildRollupDay(client, def, day);
      }
    }
  }
  return result;
}
