// The bench's own logic: percentiles, the table, the rollup → raw rewrite (read from the real
// migrations) and, on chDB, that generated data gives the same page answers through the rollups and
// through the raw rewrite — the agreement the bench reports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGeneratedDb, windowEndingYesterday } from './generated-db.ts';
import type { ClickHouseClient } from '../../../clickhouse/client.ts';
import { markdownTable, notAvailable } from '../../../bench/lib/report.ts';
import { percentile } from '../../../bench/lib/stats.ts';
import { compareAnswers } from '../../../bench/sections/dashboard/compare.ts';
import { DEFAULT_FLAG_MIX, insertDerived, insertRequests } from '../../../bench/sections/dashboard/dataset.ts';
import { trafficShape } from '../../../bench/sections/dashboard/distributions.ts';
import { PAGES } from '../../../bench/sections/dashboard/pages.ts';
import { instrumentedClient, rewriteToRaw, rollupDefinitions, type QueryLog } from '../../../bench/sections/dashboard/raw-client.ts';

describe('bench helpers', () => {
  it('takes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(10);
    expect(percentile(xs, 95)).toBe(19);
    expect(percentile([5], 95)).toBe(5);
  });

  it('prints a missing part as "not available" with its reason, never a figure', () => {
    const table = markdownTable([notAvailable('Ingestion', 'Kafka', 'events/s', 'no broker', '>= 50,000/s')]);
    expect(table).toContain('not available: no broker');
    expect(table.split('\n')[2]).toMatch(/\| — +\|/);
  });

  it('compares answers: counts exactly, t-digest quantiles within 5 %', () => {
    expect(compareAnswers({ a: [{ n: 3, latency_p95: 100 }] }, { a: [{ n: 3, latency_p95: 103 }] }).agree).toBe(true);
    const off = compareAnswers({ a: [{ n: 3 }] }, { a: [{ n: 4 }] });
    expect(off.agree).toBe(false);
    expect(off.examples[0]).toContain('a[0].n: 3 vs 4');
    expect(compareAnswers([1, 2], [1]).agree).toBe(false);
  });

  it('rewrites every rollup the migrations define into its raw aggregation', () => {
    const defs = rollupDefinitions();
    expect([...defs.keys()].sort()).toEqual(expect.arrayContaining(['feedback_daily', 'outputs_daily', 'usage_daily']));
    const { sql, rollups } = rewriteToRaw('SELECT sum(outputs) FROM outputs_daily WHERE outputs_daily.day > 1', defs);
    expect(rollups).toEqual(['outputs_daily']);
    expect(sql).toMatch(/^SELECT sum\(outputs\) FROM \(SELECT .*\sFROM outputs\s+GROUP BY .*\) AS outputs_daily WHERE outputs_daily\.day > 1$/s);
    expect(rewriteToRaw('SELECT 1 FROM flags FINAL', defs).rollups).toEqual([]);
    // A derived table that is not a rollup still has its raw aggregation (the filter options' usage_dimensions).
    expect(rewriteToRaw('SELECT app FROM usage_dimensions GROUP BY app', defs).sql).toMatch(/FROM \(SELECT ministry, app, model FROM usage_events GROUP BY ministry, app, model\) AS usage_dimensions/);
  });
});

describe('dashboard pages on generated data (chDB)', () => {
  let client: ClickHouseClient;
  let close: () => Promise<void>;
  const days = 40;
  const { from, to } = windowEndingYesterday(days);

  beforeAll(async () => {
    ({ client, close } = await openGeneratedDb('oversight-bench-test-'));
    const shape = trafficShape(from, days);
    await insertRequests(client, shape, 0, 20_000);
    await insertDerived(client, shape, 0, 20_000, DEFAULT_FLAG_MIX);
  });
  afterAll(async () => {
    await close();
  });

  it('generates the requested outputs, failed requests and derived rows inside the window', async () => {
    const rs = await client.query({
      query: `SELECT (SELECT count() FROM outputs) AS outputs, (SELECT countIf(status != 'ok') FROM usage_events) AS failed,
                     (SELECT count() FROM feedback) AS feedback, (SELECT count() FROM flags) AS flags,
                     (SELECT toString(min(toDate(occurred_at + INTERVAL 9 HOUR))) FROM outputs) AS first_jst_day,
                     (SELECT toString(max(toDate(occurred_at + INTERVAL 9 HOUR))) FROM outputs) AS last_jst_day,
                     (SELECT round(count() / uniqExact(user_id, toDate(occurred_at)), 1) FROM usage_events) AS requests_per_user_day`,
      format: 'JSONEachRow',
    });
    const [r] = await rs.json<Record<string, number | string>>();
    expect(r.outputs).toBe(20_000);
    expect(r.failed).toBeGreaterThan(100); // about 1.6 % of requests fail at the models' rates
    expect(Number(r.feedback)).toBeGreaterThan(800); // 6 % of outputs
    expect(Number(r.flags)).toBeGreaterThan(200);
    expect(r.first_jst_day >= from && r.last_jst_day <= to).toBe(true);
    expect(Number(r.requests_per_user_day)).toBeGreaterThan(3); // users send several requests a day
  });

  it('gives the same page answers through the rollups and through the raw rewrite', async () => {
    const defs = rollupDefinitions();
    const f = { from: new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10), to, ministry: null, app: null, model: null };
    for (const name of ['overview', 'heatmap', 'models']) {
      const load = await PAGES.find((p) => p.name === name)!.load();
      const logR: QueryLog = { queries: 0, rollupQueries: 0, tables: new Set() };
      const logW: QueryLog = { queries: 0, rollupQueries: 0, tables: new Set() };
      const viaRollup = await load(instrumentedClient(client, 'rollup', defs, logR), f);
      const viaRaw = await load(instrumentedClient(client, 'raw', defs, logW), f);
      expect(logR.rollupQueries, name).toBeGreaterThan(0);
      const agreement = compareAnswers(viaRollup, viaRaw);
      expect(agreement.examples, name).toEqual([]);
      expect(agreement.agree, name).toBe(true);
    }
  });
});
