// A page of the incident queue read from the part of the history that holds it
// (clickhouse/stores/incidents.ts queuePage: recent spans, else days, else in a small table one query;
// via incidentQueuePage, and with the per-day path forced) against the same page from one query over
// every incident (listIncidents), on a real embedded ClickHouse: every sort in both directions, filters on
// columns triage changes and on those it never changes, a CAIO scope, every page and one past the end.
// The history spans 40 days with several incidents on most days, ties in opened_at, and triage
// versions in later inserts (other parts), including one whose clock ran backwards, so FINAL and the
// day conditions before and after it both matter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '../../../clickhouse/client.ts';
import { countIncidents, listIncidents, queuePage, SORT_KEYS } from '../../../clickhouse/stores/incidents.ts';
import { pageOfDays } from '../../../clickhouse/stream.ts';
import { incidentQueuePage, parseIncidentFilter } from '../../../src/lib/server/incident-queue.ts';
import { pageWindow } from '../../../src/lib/paging.ts';
import { freshDb, type TestDb } from '../../helpers/chdb.ts';

let db: TestDb;
let client: ClickHouseClient;

const DAY = 86_400_000;
const NOW = Date.now();
const N = 420;
const MINISTRIES = ['mof', 'mhlw', 'moj'];
const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];
const CATEGORIES = ['leakage', 'off_policy', 'hallucinated_citation'];
const ASSIGNEES = ['', 'alice', 'bob', 'carol'];
/** A deterministic spread: the k-th pseudo-random integer below n for incident i. */
const pick = (i: number, k: number, n: number) => ((i * 2654435761 + k * 40503) >>> 0) % n;
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  db = await freshDb('oversight-queue-days-');
  client = db.client;
  // Versions stay in their own parts (a merge would leave only the latest and hide a read that lets an
  // older version answer).
  await client.command({ query: 'SYSTEM STOP MERGES incidents' });
  // Days are uneven (some empty, the newest days fuller, as in a growing rollout); every fourth
  // incident shares its opened_at with the one before (the incident_id tiebreak orders them).
  const rows = Array.from({ length: N }, (_, i) => {
    const age = Math.floor(((N - i) / N) ** 2 * 40 * DAY) + (pick(i, 1, 7) === 0 ? 3 * DAY : 0);
    const opened = i % 4 === 3 ? NOW - Math.floor(((N - i + 1) / N) ** 2 * 40 * DAY) : NOW - age;
    return {
      incident_id: `q${String(pick(i, 2, 100_000)).padStart(5, '0')}-${i}`,
      output_id: `o${i}`,
      ministry: MINISTRIES[pick(i, 3, 3)],
      app: 'chat',
      model: ['m1', 'm2'][pick(i, 4, 2)],
      category: CATEGORIES[pick(i, 5, 3)],
      severity: SEVERITIES[pick(i, 6, 5)],
      rule_ids: ['r1'],
      title: `incident ${i}`,
      status: 'new',
      assignee: '',
      verdict: '',
      output_at: iso(opened - 60_000),
      opened_at: iso(opened),
      updated_at: iso(opened),
      version: opened,
    };
  });
  // Times at the edges: one opened before 1970 (outside a Date day) and one a day ahead of this
  // clock (a runner whose clock runs fast).
  rows.push(
    { ...rows[0], incident_id: 'edge-1969', output_id: 'o-1969', output_at: '1969-12-31T23:58:00.000Z', opened_at: '1969-12-31T23:59:59.999Z', updated_at: '1969-12-31T23:59:59.999Z', version: 1 },
    { ...rows[1], incident_id: 'edge-ahead', output_id: 'o-ahead', output_at: iso(NOW + DAY - 60_000), opened_at: iso(NOW + DAY), updated_at: iso(NOW + DAY), version: NOW + DAY },
  );
  await client.insert({ table: 'incidents', values: rows, format: 'JSONEachRow' });
  // Triage in three later inserts: status and assignee change, updated_at moves to a later day.
  for (let round = 1; round <= 3; round++) {
    const changed = rows
      .filter((_, i) => pick(i, 10 + round, 3) === 0)
      .map((r, k) => {
        const updated = Math.min(NOW, Date.parse(r.opened_at) + (round * 2 + (k % 5)) * DAY);
        return { ...r, status: ['triaged', 'confirmed', 'resolved'][round - 1], assignee: ASSIGNEES[1 + (k % 3)], updated_at: iso(updated), version: r.version + round };
      });
    await client.insert({ table: 'incidents', values: changed, format: 'JSONEachRow' });
  }
  // A clock that ran backwards: the latest version carries an earlier updated_at than the one before.
  const back = rows[N - 5];
  await client.insert({ table: 'incidents', values: [{ ...back, status: 'triaged', updated_at: iso(NOW - 1_000), version: back.version + 10 }], format: 'JSONEachRow' });
  await client.insert({ table: 'incidents', values: [{ ...back, status: 'confirmed', updated_at: iso(NOW - 30 * DAY), version: back.version + 11 }], format: 'JSONEachRow' });
  const [parts] = await (await client.query({ query: "SELECT count() AS n FROM system.parts WHERE active AND table = 'incidents' AND database = currentDatabase()", format: 'JSONEachRow' })).json<{ n: number }>();
  expect(Number(parts.n)).toBe(6);
});
afterAll(async () => {
  await db?.close();
});

const VIEWS = [
  '',
  'status=open',
  'status=new',
  'status=triaged',
  'assignee=alice',
  'assignee=bob&status=open',
  'ministry=mof',
  'severity=critical',
  'category=leakage&status=open',
  'age=gt7d',
  'age=1to7d&ministry=mhlw',
];

describe('a queue page read from its days', () => {
  for (const sort of SORT_KEYS) {
    for (const dir of ['desc', 'asc']) {
      it(`sort=${sort}&dir=${dir}: every page of every view is the one-query page, for all and for a CAIO`, async () => {
        for (const view of VIEWS) {
          for (const scope of [null, 'mhlw']) {
            for (const per of [50]) {
              const base = `${view}&sort=${sort}&dir=${dir}&per=${per}`;
              const total = await countIncidents(client, parseIncidentFilter(new URLSearchParams(base)), scope);
              const pages = Math.max(1, Math.ceil(total / per));
              for (let page = 1; page <= pages + 1; page++) {
                const f = parseIncidentFilter(new URLSearchParams(`${base}&page=${page}`));
                const got = await incidentQueuePage(client, f, scope);
                const shown = Math.min(page, pages);
                const want = await listIncidents(client, f, scope, pageWindow({ ...f, page: shown }));
                const label = `${base}&page=${page} scope=${scope}`;
                expect(got.paging.total, label).toBe(total);
                expect(got.paging.page, label).toBe(shown);
                const key = (rows: { incident_id: string; version: number }[]) => rows.map((r) => `${r.incident_id}@${r.version}`);
                expect(key(got.incidents), label).toEqual(key(want));
                // This table is small enough for one query where the recent spans do not bound the page;
                // the per-day path a large table takes instead must give the same page.
                const byDays = await queuePage(client, f, scope, () => pageWindow({ ...f, page: shown }), 0);
                expect(byDays.total, label).toBe(total);
                expect(key(byDays.rows), `${label} by days`).toEqual(key(want));
              }
            }
          }
        }
      });
    }
  }

  it('shows the latest version of an incident whose clock ran backwards, on the day of its own updated_at', async () => {
    const f = parseIncidentFilter(new URLSearchParams('sort=updated_at&per=200'));
    const all: string[] = [];
    for (let page = 1; page <= 3; page++) all.push(...(await incidentQueuePage(client, { ...f, page }, null)).incidents.map((r) => `${r.title}:${r.status}`));
    expect(all.filter((t) => t.startsWith(`incident ${N - 5}:`))).toEqual([`incident ${N - 5}:confirmed`]);
  });

  it('reads a day of updates through the updated_at index under FINAL (migration 0193)', async () => {
    const rs = await client.query({
      query: `EXPLAIN indexes = 1 SELECT incident_id FROM incidents FINAL
        WHERE updated_at >= toDateTime64(today() - 1, 3, 'UTC') AND updated_at < toDateTime64(today() + 1, 3, 'UTC')`,
      format: 'TabSeparatedRaw',
    });
    expect(await rs.text()).toMatch(/Name: idx_updated_at/);
  });
});

describe('pageOfDays', () => {
  const days = [
    { key: 'a', day: '2026-12-03', rows: 30 },
    { key: 'a', day: '2026-12-01', rows: 30 },
    { key: 'b', day: '2026-12-03', rows: 10 },
    { key: 'b', day: '2026-11-20', rows: 50 },
  ];
  it('takes the days from the one holding the first row of the page to the one holding its last', () => {
    expect(pageOfDays(days, 0, 20)).toEqual({ windows: [{ params: { w_key: 'a', w_first: '2026-12-03', w_last: '2026-12-03' }, rows: 30 }], skip: 0 });
    expect(pageOfDays(days, 30, 30)).toEqual({ windows: [{ params: { w_key: 'a', w_first: '2026-12-01', w_last: '2026-12-01' }, rows: 30 }], skip: 0 });
    expect(pageOfDays(days, 25, 50)).toEqual({
      windows: [
        { params: { w_key: 'a', w_first: '2026-12-01', w_last: '2026-12-03' }, rows: 60 },
        { params: { w_key: 'b', w_first: '2026-11-20', w_last: '2026-12-03' }, rows: 60 },
      ],
      skip: 25,
    });
  });
  it('is empty past the last row', () => {
    expect(pageOfDays(days, 120, 50)).toEqual({ windows: [], skip: 0 });
  });
});
