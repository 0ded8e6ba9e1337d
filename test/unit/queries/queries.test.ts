// Every figure the analytics pages show, checked against the same figure computed here from the raw
// rows that were inserted (see fixture.ts). The SQL reads rollups and FINAL tables; the expectations
// never do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePilot, openPilotDb, day, type Pilot, type TestDb, type FlagRow, type IncidentRow } from './fixture.ts';
import { addDays, dayRange, mondayOf, parseFilters, weekStarts, where, FilterError, ScopeError, type Filters } from '../../../src/lib/server/queries/filters.ts';
import { queryRows } from '../../../clickhouse/client.ts';
import { accuracyDaily, accuracyRates, activeAndDailyUsers, activeUsers, adoptionPct, dailyActiveUsers, filterOptions, latestDataDay, mauByMinistry, ministryAdoption, requestsBy, requestsWithDailyBy, riskBySeverity, riskDaily, riskDailyBySeverity, sumAccuracy } from '../../../src/lib/server/queries/overview.ts';
import { ministryWeekHeatmap } from '../../../src/lib/server/queries/heatmap.ts';
import { modelScorecard } from '../../../src/lib/server/queries/models.ts';
import { precisionByWeek, ruleQuality } from '../../../src/lib/server/queries/evaluators.ts';
import { topIncidents } from '../../../src/lib/server/queries/incidents.ts';
import { dlqByTopic, dlqSamples, evaluatorWatermarks, storedOffsets, tableFreshness } from '../../../src/lib/server/queries/pipeline.ts';
import { lagFrom } from '../../../src/lib/server/queries/kafka-lag.ts';
import { TABLES, csvColumns, type TableId } from '../../../src/lib/server/queries/tables.ts';
import { toCsv } from '../../../src/lib/csv.ts';

let pilot: Pilot;
let db: TestDb;

beforeAll(async () => {
  pilot = makePilot();
  db = await openPilotDb(pilot);
}, 120_000);
afterAll(async () => db?.close());

const F = (o: Partial<Filters> = {}): Filters => ({ from: day(10), to: day(40), ministry: null, app: null, model: null, ...o });
const dayOf = (iso: string) => iso.slice(0, 10);
const within = (f: Filters, iso: string, row: { ministry: string; app: string; model: string }) =>
  dayOf(iso) >= f.from && dayOf(iso) <= f.to && (!f.ministry || row.ministry === f.ministry) && (!f.app || row.app === f.app) && (!f.model || row.model === f.model);

/** The flags as they stand: the highest version per key, dropped when that version is a deletion. */
function liveFlags(rows: FlagRow[]): FlagRow[] {
  const latest = new Map<string, FlagRow>();
  for (const r of rows) {
    const k = `${r.output_id}|${r.evaluator}|${r.rule_id}|${r.evidence_start}`;
    if (!latest.has(k) || latest.get(k)!.version < r.version) latest.set(k, r);
  }
  return [...latest.values()].filter((r) => !r.is_deleted);
}
function liveIncidents(rows: IncidentRow[]): IncidentRow[] {
  const latest = new Map<string, IncidentRow>();
  for (const r of rows) if (!latest.has(r.incident_id) || latest.get(r.incident_id)!.version < r.version) latest.set(r.incident_id, r);
  return [...latest.values()];
}
const distinct = <T>(xs: T[]) => new Set(xs).size;

const FILTER_CASES: [string, Partial<Filters>][] = [
  ['all ministries', {}],
  ['one ministry', { ministry: 'mof' }],
  ['ministry + app + model', { ministry: 'mhlw', app: 'chat', model: 'model-b' }],
];

describe('filters', () => {
  it('parses the URL, defaults to 30 days ending at the latest data day, and scopes a CAIO', () => {
    const f = parseFilters(new URLSearchParams(''), { scope: null, defaultTo: '2026-07-15' });
    expect(f).toEqual({ from: '2026-06-16', to: '2026-07-15', ministry: null, app: null, model: null });
    const c = parseFilters(new URLSearchParams('from=2026-07-01&to=2026-07-03&app=chat'), { scope: 'mof', defaultTo: '2026-07-15' });
    expect(c).toEqual({ from: '2026-07-01', to: '2026-07-03', ministry: 'mof', app: 'chat', model: null });
    expect(dayRange('2026-02-27', '2026-03-01')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
  });
  it('rejects bad input with a message that says what is wrong', () => {
    const bad = (q: string, scope: string | null = null) => () => parseFilters(new URLSearchParams(q), { scope, defaultTo: '2026-07-15' });
    expect(bad('to=2026-02-30')).toThrow(FilterError);
    expect(bad('from=2026-07-10&to=2026-07-01')).toThrow(/after/);
    expect(bad('ministry=atlantis')).toThrow(/unknown ministry/);
    expect(bad('ministry=mhlw', 'mof')).toThrow(/only view ministry mof/);
    expect(bad('app=Chat;DROP')).toThrow(/app/);
    expect(bad('from=2020-01-01&to=2026-07-01')).toThrow(/longer/);
  });

  it('accepts only real days the store can hold: impossible or out-of-range dates are a FilterError (400), never a long loop', () => {
    const bad = (q: string) => () => parseFilters(new URLSearchParams(q), { scope: null, defaultTo: '2026-07-15' });
    for (const q of ['to=2026-13-01', 'from=0000-00-00', 'to=9999-12-31', 'from=1969-12-31&to=1970-01-05', 'to=2106-01-01', 'to=+10000-01-01', 'to=2026-7-1']) {
      expect(bad(q), q).toThrow(FilterError);
    }
    // The default 30-day window never starts before the store's first day.
    expect(parseFilters(new URLSearchParams('to=1970-01-05'), { scope: null, defaultTo: '2026-07-15' }).from).toBe('1970-01-01');
  });

  it('tells a scope refusal (ScopeError, 403) from a malformed value, and refuses a CAIO scope without a ministry', () => {
    const parse = (q: string, scope: string | null, fixedMinistry?: string) => () =>
      parseFilters(new URLSearchParams(q), { scope, defaultTo: '2026-07-15', fixedMinistry });
    expect(parse('ministry=mhlw', 'mof')).toThrow(ScopeError);
    expect(parse('ministry=atlantis', 'mof')).toThrow(FilterError);
    expect(parse('', '')).toThrow(ScopeError);
    // The page's own ministry replaces ?ministry=, and the scope still applies to it.
    expect(parse('ministry=mhlw', null, 'mof')().ministry).toBe('mof');
    expect(parse('', 'mhlw', 'mof')).toThrow(ScopeError);
  });

  it('bounds every loop over dates by a count, whatever the strings say', () => {
    expect(weekStarts('2026-07-01', '2026-07-15')).toEqual(['2026-06-29', '2026-07-06', '2026-07-13']);
    expect(dayRange('2026-07-02', '2026-07-01')).toEqual([]);
    expect(() => dayRange('9999-12-02', '9999-12-31')).not.toThrow();
    expect(() => dayRange('2026-01-01', '9999-12-31')).toThrow(RangeError);
    expect(() => dayRange('2026-01-01', 'x')).toThrow(RangeError);
    expect(() => weekStarts('1900-01-01', '2100-01-01')).toThrow(RangeError);
  });

  it('where() gives the clause and exactly the parameters it names', () => {
    const w = where({ from: '2026-07-01', to: '2026-07-03', ministry: 'mof', app: null, model: 'm' }, { day: 'day' });
    expect(w.sql).toBe('day >= {from:Date} AND day <= {to:Date} AND ministry = {ministry:String} AND model = {model:String}');
    expect(w.params).toEqual({ from: '2026-07-01', to: '2026-07-03', ministry: 'mof', model: 'm' });
    expect(where({ from: '2026-07-01', to: '2026-07-03', ministry: null, app: 'chat', model: null }, { day: 'day', noDates: true, noAppModel: true }).sql).toBe('1');
  });
});

describe('overview', () => {
  it('finds the latest day with data, within the last week and beyond it', async () => {
    expect(await latestDataDay(db.client, day(20))).toBe(day(20));
    // Within the recent window (the last data three days before the bound) and past it (a store idle for years).
    expect(await latestDataDay(db.client, addDays(day(44), 3))).toBe(day(44));
    expect(await latestDataDay(db.client, '2030-01-01')).toBe(day(44));
    expect(await latestDataDay(db.client, addDays(day(0), -1))).toBeNull();
  });

  it('lists the app and model options of all ministries and of one from usage_dimensions, one row per combination', async () => {
    const want = (ministry: string | null) => {
      const rows = pilot.usage.filter((u) => !ministry || u.ministry === ministry);
      return { apps: [...new Set(rows.map((u) => u.app))].sort(), models: [...new Set(rows.map((u) => u.model))].sort() };
    };
    expect(want(null).apps.length).toBeGreaterThan(1);
    expect(await filterOptions(db.client, null)).toEqual(want(null));
    expect(await filterOptions(db.client, 'mhlw')).toEqual(want('mhlw'));
    expect(await filterOptions(db.client, 'no-such-ministry')).toEqual({ apps: [], models: [] });
    const combos = new Set(pilot.usage.map((u) => `${u.ministry}|${u.app}|${u.model}`));
    const [stored] = await queryRows<{ n: number; distinct: number }>(
      db.client,
      'SELECT count() AS n, uniqExact(ministry, app, model) AS distinct FROM usage_dimensions FINAL',
    );
    expect(stored).toEqual({ n: combos.size, distinct: combos.size });
  });

  it.each(FILTER_CASES)('DAU / WAU / MAU and adoption match the raw events (%s)', async (_, o) => {
    const f = F(o);
    const users = (from: string) => distinct(pilot.usage.filter((u) => within({ ...f, from }, u.occurred_at, u)).map((u) => u.user_id));
    const got = await activeUsers(db.client, f);
    expect(got).toEqual({ dau: users(f.to), wau: users(addDays(f.to, -6)), mau: users(addDays(f.to, -29)) });
    expect(got.mau).toBeGreaterThan(0);
    const planned = new Map([['mof', 400], ['mhlw', 300], ['da', 100]]);
    const plannedTotal = f.ministry ? planned.get(f.ministry)! : 800;
    expect(adoptionPct(got.mau, planned, f.ministry)).toBeCloseTo((users(addDays(f.to, -29)) / plannedTotal) * 100, 10);
  });

  it('monthly active users per ministry (the ministry list)', async () => {
    const f = F();
    const got = await mauByMinistry(db.client, f);
    for (const m of ['mof', 'mhlw', 'da']) {
      expect(got.get(m)).toBe(distinct(pilot.usage.filter((u) => within({ ...f, from: addDays(f.to, -29), ministry: m }, u.occurred_at, u)).map((u) => u.user_id)));
    }
    const planned = new Map([['mof', 400], ['mhlw', 300], ['da', 100]]);
    const list = await ministryAdoption(db.client, f, planned);
    expect(list).toHaveLength(22); // every ministry of the reference list, with or without traffic
    const mof = list.find((r) => r.ministry === 'mof')!;
    expect(mof.adoption_pct).toBeCloseTo((got.get('mof')! / 400) * 100, 10);
    expect(list.find((r) => r.ministry === 'mod')).toEqual({ ministry: 'mod', mau: 0, planned_users: 0, adoption_pct: null });
  });

  it('daily active users per day, for one ministry and for all (across a month boundary)', async () => {
    for (const ministry of ['da', null]) {
      const f = F({ ministry, from: day(0) });
      const got = await dailyActiveUsers(db.client, f);
      expect(got.map((r) => r.day)).toEqual(dayRange(f.from, f.to));
      expect(new Set(got.map((r) => r.day.slice(0, 7))).size).toBeGreaterThan(1);
      for (const r of got) {
        expect(r.dau).toBe(distinct(pilot.usage.filter((u) => (!ministry || u.ministry === ministry) && dayOf(u.occurred_at) === r.day).map((u) => u.user_id)));
      }
      expect(got.some((r) => r.dau > 0)).toBe(true);
    }
  });

  it.each([...FILTER_CASES, ['one ministry over two months', { ministry: 'da', from: day(0) }] as [string, Partial<Filters>]])(
    'DAU / WAU / MAU and daily actives from one read equal the two reads and the raw events (%s)', async (_, o) => {
    const f = F(o);
    const both = await activeAndDailyUsers(db.client, f);
    expect(both.active).toEqual(await activeUsers(db.client, f));
    expect(both.dau).toEqual(await dailyActiveUsers(db.client, f));
    const users = (from: string, to: string) => distinct(pilot.usage.filter((u) => within({ ...f, from, to }, u.occurred_at, u)).map((u) => u.user_id));
    expect(both.active).toEqual({ dau: users(f.to, f.to), wau: users(addDays(f.to, -6), f.to), mau: users(addDays(f.to, -29), f.to) });
    for (const r of both.dau) expect(r.dau, r.day).toBe(users(r.day, r.day));
    expect(both.dau.filter((r) => r.dau > 0).length).toBeGreaterThan(10);
  });

  it.each(FILTER_CASES)('requests by app and by model (%s)', async (_, o) => {
    const f = F(o);
    for (const by of ['app', 'model'] as const) {
      const expected = new Map<string, { requests: number; errors: number; output_tokens: number }>();
      for (const u of pilot.usage.filter((u) => within(f, u.occurred_at, u))) {
        const e = expected.get(u[by]) ?? { requests: 0, errors: 0, output_tokens: 0 };
        e.requests++;
        if (u.status === 'error') e.errors++;
        e.output_tokens += u.output_tokens;
        expected.set(u[by], e);
      }
      const got = await requestsBy(db.client, f, by);
      expect(new Map(got.map(({ key, ...r }) => [key, r]))).toEqual(expected);
      expect(got.map((r) => r.requests)).toEqual([...got.map((r) => r.requests)].sort((a, b) => b - a)); // largest first
      // The pages' one read for totals and days: the same totals in the same order, days that add up to them.
      const both = await requestsWithDailyBy(db.client, f, by);
      expect(both.totals).toEqual(got);
      const perDay = new Map<string, number>();
      for (const d of pilot.usage.filter((u) => within(f, u.occurred_at, u))) {
        const k = `${d.occurred_at.slice(0, 10)}|${d[by]}`;
        perDay.set(k, (perDay.get(k) ?? 0) + 1);
      }
      expect(new Map(both.daily.map((d) => [`${d.day}|${d.key}`, d.value]))).toEqual(perDay);
    }
  });

  it.each(FILTER_CASES)('citation-error, thumbs-down and reviewer-confirmed rates (%s)', async (_, o) => {
    const f = F(o);
    const outputs = pilot.outputs.filter((x) => within(f, x.occurred_at, x)).length;
    const citationOutputs = distinct(
      liveFlags(pilot.flagRows).filter((x) => x.category === 'hallucinated_citation' && x.severity !== 'info' && within(f, x.output_at, x)).map((x) => x.output_id),
    );
    const fb = pilot.feedback.filter((x) => within(f, x.occurred_at, x));
    const down = fb.filter((x) => x.rating === 'down').length;
    const inc = liveIncidents(pilot.incidentRows).filter((x) => within(f, x.output_at, x));
    const reviewed = inc.filter((x) => x.verdict !== '').length;
    const confirmed = inc.filter((x) => x.verdict === 'confirmed').length;

    const days = await accuracyDaily(db.client, f);
    const total = sumAccuracy(days);
    expect(total).toEqual({ outputs, citation_error_outputs: citationOutputs, up: fb.length - down, down, reviewed, confirmed });
    const rates = accuracyRates(total);
    expect(rates.citation_error_rate).toBeCloseTo(citationOutputs / outputs, 12);
    expect(rates.thumbs_down_rate).toBeCloseTo(down / fb.length, 12);
    if (reviewed) expect(rates.confirmed_rate).toBeCloseTo(confirmed / reviewed, 12);
    // One day's figures too, not only the sum.
    const d = days[5];
    expect(d.outputs).toBe(pilot.outputs.filter((x) => within({ ...f, from: d.day, to: d.day }, x.occurred_at, x)).length);
  });

  it.each(FILTER_CASES)('flags per 1,000 outputs by category and severity, superseded and info flags excluded (%s)', async (_, o) => {
    const f = F(o);
    const outputs = pilot.outputs.filter((x) => within(f, x.occurred_at, x)).length;
    const live = liveFlags(pilot.flagRows).filter((x) => x.severity !== 'info' && within(f, x.output_at, x));
    const got = await riskBySeverity(db.client, f, outputs);
    const expected = new Map<string, number>();
    for (const x of live) expected.set(`${x.category}/${x.severity}`, (expected.get(`${x.category}/${x.severity}`) ?? 0) + 1);
    expect(new Map(got.map((r) => [`${r.category}/${r.severity}`, r.flags]))).toEqual(expected);
    for (const r of got) expect(r.per_1000).toBeCloseTo((expected.get(`${r.category}/${r.severity}`)! / outputs) * 1000, 10);
    expect(got.some((r) => r.severity === 'critical')).toBe(false); // the only critical flags were withdrawn

    const daily = await riskDaily(db.client, f);
    expect(daily.reduce((a, r) => a + r.flags, 0)).toBe(live.length);
    const bySeverity = await riskDailyBySeverity(db.client, f);
    for (const r of bySeverity) {
      expect(r.flags).toBe(live.filter((x) => dayOf(x.output_at) === r.day && x.severity === r.severity).length);
    }
    expect(bySeverity.reduce((a, r) => a + r.flags, 0)).toBe(live.length);
  });
});

describe('heatmap', () => {
  it('ministry × week cells: weekly active users / planned and findings per 1,000 outputs', async () => {
    const f = F({ from: day(3), to: day(30) });
    const planned = new Map([['mof', 400], ['mhlw', 300], ['da', 100]]);
    const hm = await ministryWeekHeatmap(db.client, f, planned);
    expect(hm.from).toBe(mondayOf(day(3)));
    expect(new Date(`${hm.from}T00:00:00Z`).getUTCDay()).toBe(1);
    expect(hm.weeks.length).toBe(hm.cells.filter((c) => c.ministry === 'mof').length);
    const live = liveFlags(pilot.flagRows).filter((x) => x.severity !== 'info');
    let checked = 0;
    for (const c of hm.cells.filter((c) => planned.has(c.ministry))) {
      const wk = { ...F({ from: c.week, to: addDays(c.week, 6) }), ministry: c.ministry };
      const active = distinct(pilot.usage.filter((u) => within(wk, u.occurred_at, u)).map((u) => u.user_id));
      const outs = pilot.outputs.filter((x) => within(wk, x.occurred_at, x)).length;
      const nflags = live.filter((x) => within(wk, x.output_at, x)).length;
      expect(c.active_users).toBe(active);
      expect(c.adoption_pct).toBeCloseTo((active / planned.get(c.ministry)!) * 100, 10);
      expect(c.outputs).toBe(outs);
      expect(c.flags).toBe(nflags);
      if (outs) expect(c.flags_per_1000).toBeCloseTo((nflags / outs) * 1000, 10);
      if (active) checked++;
    }
    expect(checked).toBeGreaterThan(10);
    // Ministries with no traffic are rows of zeros, not missing rows.
    expect(hm.cells.find((c) => c.ministry === 'mod')?.active_users).toBe(0);
  });

  it('weekly active users over a long range, weeks across month boundaries', async () => {
    const f = F({ from: addDays(day(0), -600), to: day(44), ministry: 'mof' });
    const hm = await ministryWeekHeatmap(db.client, f, new Map([['mof', 400]]));
    expect(hm.weeks.length).toBeGreaterThan(80);
    for (const c of hm.cells) {
      const wk = { ...F({ from: c.week, to: addDays(c.week, 6) }), ministry: 'mof' };
      expect(c.active_users, c.week).toBe(distinct(pilot.usage.filter((u) => within(wk, u.occurred_at, u)).map((u) => u.user_id)));
    }
    expect(hm.cells.filter((c) => c.active_users > 0).length).toBeGreaterThan(4);
  });
});

describe('model scorecard', () => {
  // The app-filtered case reads latency from usage_daily, the others from model_latency_daily.
  it.each([...FILTER_CASES, ['one app', { app: 'chat' }] as [string, Partial<Filters>]])(
    'volume, error rate, thumbs-down, flags per 1,000 exactly; latency p50/p95 within t-digest tolerance (%s)', async (_, o) => {
    const f = F(o);
    const { models, categories } = await modelScorecard(db.client, f);
    if (!o.model) expect(categories).toEqual(['hallucinated_citation', 'leakage', 'off_policy']);
    expect(models.map((m) => m.model).sort()).toEqual(o.model ? [o.model] : ['model-a', 'model-b', 'model-c']);
    const live = liveFlags(pilot.flagRows).filter((x) => x.severity !== 'info' && within(f, x.output_at, x));
    for (const m of models) {
      const us = pilot.usage.filter((u) => u.model === m.model && within(f, u.occurred_at, u));
      const outs = pilot.outputs.filter((x) => x.model === m.model && within(f, x.occurred_at, x)).length;
      const fb = pilot.feedback.filter((x) => x.model === m.model && within(f, x.occurred_at, x));
      expect(m.requests).toBe(us.length);
      expect(m.errors).toBe(us.filter((u) => u.status === 'error').length);
      expect(m.error_rate).toBeCloseTo(m.errors / us.length, 12);
      expect(m.outputs).toBe(outs);
      expect(m.thumbs_down_rate).toBeCloseTo(fb.filter((x) => x.rating === 'down').length / fb.length, 12);
      for (const c of categories) {
        const n = live.filter((x) => x.model === m.model && x.category === c).length;
        expect(m.flags[c]).toBe(n);
        expect(m.flags_per_1000[c]).toBeCloseTo((n / outs) * 1000, 10);
      }
      const lat = us.map((u) => u.latency_ms).sort((a, b) => a - b);
      const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
      const spread = lat[lat.length - 1] - lat[0];
      // t-digest is approximate: within 3 % of the latency spread of the exact quantile.
      expect(Math.abs(m.latency_p50! - q(0.5))).toBeLessThan(0.03 * spread);
      expect(Math.abs(m.latency_p95! - q(0.95))).toBeLessThan(0.03 * spread);
      expect(m.latency_avg).toBeCloseTo(lat.reduce((a, b) => a + b, 0) / lat.length, 8);
    }
  });
});

describe('evaluator quality', () => {
  it('flags and reviewer precision per evaluator and rule', async () => {
    const f = F();
    const got = await ruleQuality(db.client, f);
    const live = liveFlags(pilot.flagRows).filter((x) => within(f, x.output_at, x));
    const inc = liveIncidents(pilot.incidentRows);
    for (const r of got) {
      const fl = live.filter((x) => x.evaluator === r.evaluator && x.rule_id === r.rule_id);
      expect(r.flags).toBe(fl.length);
      expect(r.findings).toBe(fl.filter((x) => x.severity !== 'info').length);
      const outs = new Set(fl.map((x) => x.output_id));
      const mine = inc.filter((i) => outs.has(i.output_id) && i.rule_ids.includes(r.rule_id));
      expect(r.incidents).toBe(mine.length);
      expect(r.reviewed).toBe(mine.filter((i) => i.verdict).length);
      expect(r.confirmed).toBe(mine.filter((i) => i.verdict === 'confirmed').length);
      if (r.reviewed) expect(r.precision).toBeCloseTo(r.confirmed / r.reviewed, 12);
    }
    expect(got.find((r) => r.rule_id === 'law_number_mismatch')!.reviewed).toBeGreaterThan(5);
    expect(got.find((r) => r.rule_id === 'mynumber')).toBeUndefined(); // withdrawn by a newer version

    const weeks = await precisionByWeek(db.client, f);
    const cit = weeks.filter((w) => w.evaluator === 'citations');
    const citIncidents = inc.filter((i) => i.category === 'hallucinated_citation' && within(f, i.output_at, i));
    expect(cit.reduce((a, w) => a + w.confirmed, 0)).toBe(citIncidents.filter((i) => i.verdict === 'confirmed').length);
  });
});

describe('incidents and pipeline', () => {
  it('top incidents: most severe first, latest version of each', async () => {
    const got = await topIncidents(db.client, F({ ministry: 'mof' }), 5);
    expect(got).toHaveLength(5);
    expect(got.every((i) => i.ministry === 'mof' && i.severity === 'high')).toBe(true);
    const latest = new Map(liveIncidents(pilot.incidentRows).map((i) => [i.incident_id, i]));
    for (const i of got) expect(i.verdict).toBe(latest.get(i.incident_id)!.verdict);
  });

  it('table freshness, DLQ counts and samples, watermarks with backlog', async () => {
    await db.client.insert({
      table: 'ingest_errors',
      values: [
        { topic: 'genai.usage.v1', partition: 0, offset: 7, error: 'ministry: unknown ministry code "xx"', original_base64: Buffer.from('{"ministry":"xx"}').toString('base64') },
        { topic: 'genai.usage.v1', partition: 1, offset: 9, error: 'not JSON', original_base64: Buffer.from('{oops').toString('base64') },
        { topic: 'genai.outputs.v1', partition: 0, offset: 3, error: 'prompt: expected string', original_base64: Buffer.from('{}').toString('base64') },
      ],
      format: 'JSONEachRow',
    });
    await db.client.insert({
      table: 'usage_events',
      values: [
        { event_id: 'k1', occurred_at: '2026-06-02T00:00:00Z', ministry: 'da', user_id: 'k', session_id: 's', request_id: 'rk1', app: 'chat', model: 'model-a', input_tokens: 1, output_tokens: 1, latency_ms: 1, status: 'ok', src_topic: 'genai.usage.v1', src_partition: 3, src_offset: 41 },
        { event_id: 'k2', occurred_at: '2026-06-02T00:00:00Z', ministry: 'da', user_id: 'k', session_id: 's', request_id: 'rk2', app: 'chat', model: 'model-a', input_tokens: 1, output_tokens: 1, latency_ms: 1, status: 'ok', src_topic: 'file:genai.usage.v1.ndjson', src_partition: -1, src_offset: 900 },
      ],
      format: 'JSONEachRow',
    });
    expect(await storedOffsets(db.client)).toEqual([{ topic: 'genai.usage.v1', partition: 3, max_offset: 41 }]);
    const fresh = await tableFreshness(db.client);
    expect(fresh.find((t) => t.table === 'usage_events')!.rows).toBe(pilot.usage.length + 2);
    expect(fresh.find((t) => t.table === 'usage_events')!.age_seconds).toBeLessThan(600);
    expect(fresh.find((t) => t.table === 'evaluation_errors')!.last_insert).toBeNull();
    expect(await dlqByTopic(db.client)).toEqual([
      expect.objectContaining({ topic: 'genai.usage.v1', total: 2, last_24h: 2 }),
      expect.objectContaining({ topic: 'genai.outputs.v1', total: 1, last_24h: 1 }),
    ]);
    const withText = await dlqSamples(db.client, true);
    expect(withText.map((s) => s.original)).toContain('{"ministry":"xx"}');
    expect((await dlqSamples(db.client, false)).every((s) => s.original === null)).toBe(true);

    const mark = pilot.outputs.length; // every output stored before the watermark below, none after
    await db.client.insert({
      table: 'eval_watermarks',
      values: [
        { evaluator: 'citations', evaluator_version: '1.0.0', watermark_at: new Date(Date.now() - 3_600_000).toISOString(), watermark_id: '', outputs_evaluated: 10 },
        { evaluator: 'leakage', evaluator_version: '2.0.0', watermark_at: new Date(Date.now() + 60_000).toISOString(), watermark_id: '', outputs_evaluated: mark },
      ],
      format: 'JSONEachRow',
    });
    await db.client.insert({ table: 'evaluation_errors', values: [{ output_id: 'o1', evaluator: 'leakage', evaluator_version: '2.0.0', error: 'boom' }], format: 'JSONEachRow' });
    const marks = await evaluatorWatermarks(db.client);
    expect(marks).toEqual([
      expect.objectContaining({ evaluator: 'citations', outputs_evaluated: 10, backlog: mark, errors: 0 }),
      expect.objectContaining({ evaluator: 'leakage', evaluator_version: '2.0.0', backlog: 0, errors: 1 }),
    ]);
    // A watermark exactly at the last insert (as the runner leaves it): nothing is left, to the millisecond.
    const [last] = await queryRows<{ at: string; n: number }>(
      db.client,
      "SELECT toString(max(ingested_at)) AS at, countIf(ingested_at = (SELECT max(ingested_at) FROM outputs)) AS n FROM outputs",
    );
    const lastMinus1ms = await queryRows<{ at: string }>(db.client, `SELECT toString(toDateTime64('${last.at}', 3, 'UTC') - toIntervalMillisecond(1)) AS at`);
    await db.client.insert({
      table: 'eval_watermarks',
      values: [
        { evaluator: 'policy', evaluator_version: '1.0.0', watermark_at: last.at, watermark_id: 'zzz', outputs_evaluated: mark },
        { evaluator: 'xref', evaluator_version: '1.0.0', watermark_at: lastMinus1ms[0].at, watermark_id: '', outputs_evaluated: 0 },
      ],
      format: 'JSONEachRow',
    });
    const exact = await evaluatorWatermarks(db.client);
    expect(exact.find((m) => m.evaluator === 'policy')!.backlog).toBe(0);
    expect(exact.find((m) => m.evaluator === 'xref')!.backlog).toBe(last.n);
  });

  it('every exportable table runs and its CSV has the declared columns, with raw text only when allowed', async () => {
    const planned = new Map([['mof', 400], ['mhlw', 300], ['da', 100]]);
    for (const id of Object.keys(TABLES) as TableId[]) {
      const rowsOut = await TABLES[id].rows({ client: db.client, filters: F({ ministry: 'mof' }), planned, rawText: false });
      const cols = csvColumns(id, rowsOut);
      expect(cols.length, id).toBeGreaterThan(1);
      const csv = toCsv(cols, rowsOut);
      expect(csv.split('\r\n')[0], id).toBe('\uFEFF' + cols.join(','));
      if (id.startsWith('overview') || id.startsWith('heatmap') || id === 'ministry-incidents') {
        for (const r of rowsOut) if ('ministry' in r) expect(r.ministry, id).toBe('mof');
      }
    }
    const hidden = await TABLES['pipeline-dlq-samples'].rows({ client: db.client, filters: F(), planned, rawText: false });
    expect(hidden.every((r) => r.original === null)).toBe(true);
    const byApp = await TABLES['overview-requests-by-app'].rows({ client: db.client, filters: F({ ministry: 'mof' }), planned, rawText: false });
    const f = F({ ministry: 'mof' });
    expect(byApp.find((r) => r.app === 'chat')?.requests).toBe(pilot.usage.filter((u) => u.app === 'chat' && within(f, u.occurred_at, u)).length);
  });

  it('consumer lag = high watermark − next stored offset', () => {
    expect(lagFrom([{ topic: 't', partition: 0, max_offset: 99 }], [{ topic: 't', partition: 0, high: 150 }, { topic: 't', partition: 1, high: 7 }])).toEqual([
      { topic: 't', partition: 0, high_watermark: 150, stored_next: 100, lag: 50 },
      { topic: 't', partition: 1, high_watermark: 7, stored_next: 0, lag: 7 },
    ]);
  });

  it('consumer lag takes the committed offset when it is ahead of the data (messages that left no row)', () => {
    const high = [{ topic: 'otlp', partition: 0, high: 10 }, { topic: 'otlp', partition: 1, high: 4 }];
    expect(lagFrom([{ topic: 'otlp', partition: 0, max_offset: 5 }, { topic: 'otlp', partition: 1, max_offset: 3 }], high, [
      { topic: 'otlp', partition: 0, offset: 10 },
      { topic: 'otlp', partition: 1, offset: 2 },
    ]).map((p) => [p.stored_next, p.lag])).toEqual([[10, 0], [4, 0]]);
  });
});
