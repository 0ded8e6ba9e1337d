// The `--size` growth run: size parsing, the growth rows and table, and on chDB the triage data the
// generator writes (incidents moved along the status flow, their history and audit trail) with the
// triage and admin pages loading from it the way the bench times them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGeneratedDb, windowEndingYesterday } from './generated-db.ts';
import { embeddedDataDir, queryRows, type ClickHouseClient } from '../../../clickhouse/client.ts';
import { instrumentedClient, unwrapped } from '../../../bench/sections/dashboard/raw-client.ts';
import { INCIDENT_STATUSES, TRANSITIONS, type IncidentStatus } from '../../../contracts/incidents.ts';
import { parseSize, sizeLabel, sizesForDashboardRun } from '../../../bench/sizes.ts';
import { growthMarkdown, growthRows } from '../../../bench/sections/dashboard/growth.ts';
import { DEFAULT_FLAG_MIX, insertDerived, insertRequests } from '../../../bench/sections/dashboard/dataset.ts';
import { trafficShape } from '../../../bench/sections/dashboard/distributions.ts';
import { insertStaff, insertStaffActivity } from '../../../bench/sections/dashboard/triage-data.ts';
import { TRIAGE_PAGES } from '../../../bench/sections/dashboard/triage-pages.ts';
import { INGEST_LOOKUP_PAGES, LOOKUP_BATCH } from '../../../bench/sections/dashboard/ingest-lookup.ts';
import { listIncidents } from '../../../clickhouse/stores/incidents.ts';
import { parseIncidentFilter } from '../../../src/lib/server/incident-queue.ts';
import { getIncidentOutput } from '../../../src/lib/server/incident-detail.ts';

describe('--size', () => {
  it('reads sizes and measures 1M and 10M on the way to 100M, over half a year', () => {
    expect(parseSize('100M')).toBe(100_000_000);
    expect(parseSize('250k')).toBe(250_000);
    expect(parseSize('1.5M')).toBe(1_500_000);
    expect(() => parseSize('lots')).toThrow(/cannot read/);
    expect(() => parseSize('10')).toThrow(/below/);
    expect(sizesForDashboardRun('100M')).toMatchObject({ sizes: [1_000_000, 10_000_000, 100_000_000], days: 182 });
    expect(sizesForDashboardRun('10M').sizes).toEqual([1_000_000, 10_000_000]);
    expect(sizesForDashboardRun('1M').sizes).toEqual([1_000_000]);
    expect(sizesForDashboardRun('10M,1M,10M').sizes).toEqual([1_000_000, 10_000_000]);
    expect(sizeLabel(100_000_000)).toBe('100M');
    expect(sizeLabel(250_000)).toBe('250k');
  });

  it('judges only the 10M → 100M step against ≤ 2×, and tabulates every size', () => {
    const sizes = [1e6, 1e7, 1e8];
    const p95 = new Map([
      ['queue', new Map([[1e6, 10], [1e7, 20], [1e8, 30]])],
      ['audit', new Map([[1e6, 10], [1e7, 20], [1e8, 50]])],
    ]);
    const dataset = sizes.map((size, i) => ({
      size,
      rows: { flags: 10 ** i, incidents: 2 * 10 ** i, audit_log: 3 * 10 ** i },
      storage: [{ table: 'flags', rows: 10 ** i, bytes_on_disk: 1e6 * 10 ** i }],
      bytes_on_disk: 1e6 * 10 ** i,
    }));
    const rows = growthRows('Dashboard', sizes, p95, dataset);
    const step = (page: string, m: string) => rows.find((r) => r.measure === `${page} p95 growth ${m}`)!;
    expect(step('queue', '1M → 10M').target).toBeUndefined();
    expect(step('queue', '10M → 100M')).toMatchObject({ value: 1.5, pass: true });
    expect(step('audit', '10M → 100M')).toMatchObject({ value: 2.5, pass: false });
    // A whole CSV download holds more rows as the data grows: its growth is shown, not judged.
    const download = growthRows('Dashboard', sizes, p95, dataset, new Set(['audit'])).find((r) => r.measure === 'audit p95 growth 10M → 100M')!;
    expect(download).toMatchObject({ value: 2.5 });
    expect(download.target).toBeUndefined();
    expect(download.pass).toBeUndefined();
    // With the p50s given, a growth row's note shows them beside the p95s (judged on the p95 alone).
    const p50 = new Map([['queue', new Map([[1e7, 12], [1e8, 15]])]]);
    const withP50 = growthRows('Dashboard', sizes, p95, dataset, new Set(), p50);
    expect(withP50.find((r) => r.measure === 'queue p95 growth 10M → 100M')!.note).toContain('p95 20 → 30 ms (p50 12 → 15)');
    expect(withP50.find((r) => r.measure === 'queue p95 growth 1M → 10M')!.note).not.toContain('p50');
    const md = growthMarkdown(sizes, p95, dataset);
    expect(md).toContain('| queue | 10 | 20 | 30 | 1.50× |');
    expect(md).toContain('| flags | 1 | 10 | 100 | 1.0 MB | 10.0 MB | 100.0 MB |');
  });
});

describe('triage data and pages on generated data (chDB)', () => {
  let client: ClickHouseClient;
  let close: () => Promise<void>;
  const days = 40;
  const { from, to } = windowEndingYesterday(days);

  beforeAll(async () => {
    ({ client, close } = await openGeneratedDb('oversight-size-test-'));
    const shape = trafficShape(from, days);
    await insertStaff(client);
    await insertStaffActivity(client, from, days);
    // Two top-ups, as the bench writes them: the second must not repeat or collide with the first.
    await insertRequests(client, shape, 0, 20_000, 40_000);
    await insertDerived(client, shape, 0, 20_000, DEFAULT_FLAG_MIX);
    await insertRequests(client, shape, 20_000, 20_000, 40_000);
    await insertDerived(client, shape, 20_000, 20_000, DEFAULT_FLAG_MIX);
  });
  afterAll(async () => {
    await close();
  });

  it('opens one incident per high or critical finding, with a history that walks the status flow to its state', async () => {
    const [c] = await queryRows<{ incidents: number; findings: number; distinct: number }>(
      client,
      `SELECT (SELECT count() FROM incidents) AS incidents, (SELECT uniqExact(incident_id) FROM incidents) AS distinct,
              (SELECT count() FROM flags WHERE severity IN ('high', 'critical')) AS findings`,
    );
    expect(Number(c.incidents)).toBeGreaterThan(100);
    expect(Number(c.incidents)).toBe(Number(c.findings));
    expect(Number(c.distinct)).toBe(Number(c.incidents));

    const histories = await queryRows<{ incident_id: string; status: string; verdict: string; assignee: string; version: number; actions: string[]; tos: string[]; froms: string[] }>(
      client,
      `SELECT i.incident_id AS incident_id, i.status AS status, i.verdict AS verdict, i.assignee AS assignee, i.version AS version,
              e.actions AS actions, e.tos AS tos, e.froms AS froms
         FROM incidents AS i FINAL
         JOIN (SELECT incident_id, groupArray(action) AS actions, groupArray(to_status) AS tos, groupArray(from_status) AS froms
                 FROM (SELECT * FROM incident_events ORDER BY incident_id, at) GROUP BY incident_id) AS e USING incident_id`,
    );
    expect(histories.length).toBe(Number(c.incidents));
    const seen = new Set<string>();
    for (const h of histories) {
      seen.add(h.status);
      expect(INCIDENT_STATUSES).toContain(h.status);
      expect(h.actions[0]).toBe('opened');
      // Every status change is one the workflow allows, and the last one lands on the stored state.
      const moves = h.actions.map((a, i) => ({ a, from: h.froms[i], to: h.tos[i] })).filter((m) => m.a === 'status');
      for (const m of moves) expect(TRANSITIONS[m.from as IncidentStatus]).toContain(m.to);
      expect(moves.length ? moves[moves.length - 1].to : 'new').toBe(h.status);
      if (h.status === 'confirmed' || h.status === 'false_positive') expect(h.verdict).toBe(h.status);
      if (h.status !== 'new') expect(h.assignee).not.toBe('');
      expect(Number(h.version)).toBe(h.actions.filter((a) => a === 'status' || a === 'assign').length + 1);
    }
    expect([...seen].sort()).toEqual([...INCIDENT_STATUSES].sort());
  });

  it('audits every triage change with the detail view before it, plus sign-ins and API calls by the calendar', async () => {
    const [a] = await queryRows<{ changes: number; triage: number; views: number; logins: number; api: number }>(
      client,
      `SELECT (SELECT count() FROM incident_events WHERE action != 'opened') AS changes,
              (SELECT countIf(action LIKE 'triage_%') FROM audit_log) AS triage,
              (SELECT countIf(action = 'view_raw') FROM audit_log) AS views,
              (SELECT countIf(action = 'login') FROM audit_log) AS logins,
              (SELECT countIf(action = 'api_read') FROM audit_log) AS api`,
    );
    expect(Number(a.triage)).toBe(Number(a.changes));
    expect(Number(a.views)).toBe(Number(a.changes));
    expect(Number(a.logins)).toBeGreaterThan(days * 40);
    expect(Number(a.api)).toBeGreaterThan(days * 24);
  });

  it('loads every triage and admin page the bench times, for each of its views', async () => {
    const back = (n: number) => new Date(Date.parse(`${to}T00:00:00Z`) - (n - 1) * 86_400_000).toISOString().slice(0, 10);
    for (const page of TRIAGE_PAGES) {
      const load = await page.load();
      const views = await page.variants!({ client, to, back });
      expect(views.length, page.name).toBeGreaterThan(0);
      for (const v of views) await expect(load(client, v), `${page.name} ${JSON.stringify(v)}`).resolves.toBeDefined();
    }
    const queue = (await (await TRIAGE_PAGES.find((p) => p.name === 'incident queue')!.load())(client, { query: '', scope: null })) as {
      page: { incidents: { opened_at: string }[]; paging: { total: number } };
    };
    expect(queue.page.incidents.length).toBeGreaterThan(0);
    const opened = queue.page.incidents.map((i) => i.opened_at);
    expect(opened).toEqual([...opened].sort().reverse());
    const csv = (await (await TRIAGE_PAGES.find((p) => p.name === 'incidents CSV export')!.load())(client, { query: 'status=open', scope: null })) as {
      rows: number;
      bytes: number;
    };
    expect(csv.rows).toBeGreaterThan(0);
    expect(csv.bytes).toBeGreaterThan(csv.rows * 40);
    // The bench's query-logging wrapper is taken off for exports: through it the stream would fall back
    // to the buffered query (embeddedDataDir recognises the shared client only).
    const wrapped = instrumentedClient(client, 'rollup', new Map(), { queries: 0, rollupQueries: 0, tables: new Set() });
    expect(embeddedDataDir(wrapped)).toBeUndefined();
    expect(embeddedDataDir(unwrapped(wrapped))).toBeDefined();
    // The first-byte view reads one chunk and abandons the download; it carries the latency target.
    const exportPage = (name: string) => TRIAGE_PAGES.find((p) => p.name === name)!;
    expect(exportPage('incidents CSV export').latencyTarget).toBe(false);
    expect(exportPage('incidents CSV export, first byte').latencyTarget).toBeUndefined();
    const head = (await (await exportPage('incidents CSV export, first byte').load())(client, { query: 'status=open', scope: null })) as { bytes: number };
    expect(head.bytes).toBeGreaterThan(0);
    expect(head.bytes).toBeLessThanOrEqual(csv.bytes);
  });

  it("times the ingester's lookup of a batch of new ids against the stored ones, and finds none of them", async () => {
    const [some] = await queryRows<{ n: number }>(client, 'SELECT count() AS n FROM usage_event_keys');
    expect(Number(some.n)).toBeGreaterThan(20_000);
    for (const page of INGEST_LOOKUP_PAGES) {
      const load = await page.load();
      await expect(load(client, null), page.name).resolves.toEqual({ checked: LOOKUP_BATCH });
    }
  });

  it('gives every queue window the rows and order of the whole queue, for each sort and filter', async () => {
    for (const q of ['', 'sort=severity', 'status=open&sort=updated_at&dir=asc', 'category=leakage&sort=assignee', 'status=new&severity=high']) {
      const f = parseIncidentFilter(new URLSearchParams(q));
      const all = await listIncidents(client, f, null, { limit: 5_000, offset: 0 }); // as an export reads it
      for (const [offset, limit] of [[0, 50], [37, 100], [all.length - 3, 50]]) {
        const page = await listIncidents(client, f, null, { limit, offset: Math.max(0, offset) });
        expect(page.map((i) => i.incident_id), `${q} ${offset}+${limit}`).toEqual(all.slice(Math.max(0, offset), Math.max(0, offset) + limit).map((i) => i.incident_id));
      }
    }
  });

  it("finds an incident's output through its ministry and day, and nothing for an unknown id", async () => {
    const [some] = await queryRows<{ output_id: string; ministry: string }>(client, 'SELECT output_id, ministry FROM outputs ORDER BY cityHash64(output_id) LIMIT 1');
    const got = await getIncidentOutput(client, some.output_id);
    expect(got?.output_id).toBe(some.output_id);
    expect(await getIncidentOutput(client, 'o-none')).toBeUndefined();
  });
});
