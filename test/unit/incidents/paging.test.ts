// Pages of the incident queue and of the audit log on a real embedded ClickHouse: page N holds exactly
// the expected rows, the total counts every page, ties in the sort key are broken by a unique key so
// pages neither overlap nor skip, filters and the CAIO scope apply to rows and total alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '../../../clickhouse/client.ts';
import { countIncidents, INCIDENT_EXPORT_MAX, listIncidents as listWindow } from '../../../clickhouse/stores/incidents.ts';
import { incidentQueuePage, parseIncidentFilter, type IncidentFilter } from '../../../src/lib/server/incident-queue.ts';
import { auditPage, countAudit, parseAuditFilter, queryAudit } from '../../../src/lib/server/audit.ts';
import { actionQuery, exportHref, pageInfo, pageQuery, pageWindow, parsePaging } from '../../../src/lib/paging.ts';

/** The filter's page of the queue, unless a window is given. */
const listIncidents = (c: ClickHouseClient, f: IncidentFilter, scope: string | null, window = pageWindow(f)) => listWindow(c, f, scope, window);
import { freshDatabase } from '../auth/db-helper.ts';

let db: Awaited<ReturnType<typeof freshDatabase>>;
let client: ClickHouseClient;

const N = 230;
const id = (i: number) => `p${String(i).padStart(3, '0')}`;
const HOUR = 3_600_000;
const NOW = Date.now();
const SEVERITIES = ['low', 'medium', 'high', 'critical'];

beforeAll(async () => {
  db = await freshDatabase('oversight-paging');
  client = db.client;
  // Ten incidents share each opened_at (so the order within a group is the incident_id tiebreak);
  // even numbers are mof, odd mhlw. Inserted in a shuffled order so storage order proves nothing.
  const values = Array.from({ length: N }, (_, i) => ({
    incident_id: id(i),
    output_id: `out-${id(i)}`,
    ministry: i % 2 === 0 ? 'mof' : 'mhlw',
    app: 'chat',
    model: 'm1',
    category: 'leakage',
    severity: SEVERITIES[i % 4],
    rule_ids: ['r1'],
    title: `t ${i}`,
    status: i % 5 === 0 ? 'resolved' : 'new',
    assignee: '',
    verdict: '',
    output_at: new Date(NOW - Math.floor(i / 10) * HOUR).toISOString(),
    opened_at: new Date(NOW - Math.floor(i / 10) * HOUR).toISOString(),
    version: 1,
  }));
  const shuffled = values.map((v, k) => ({ v, k: (k * 7919) % N })).sort((a, b) => a.k - b.k).map((x) => x.v);
  await client.insert({ table: 'incidents', values: shuffled, format: 'JSONEachRow' });
  // A later version of one incident: FINAL must count it once.
  await client.insert({ table: 'incidents', values: [{ ...values[3], assignee: 'rev', version: 2 }], format: 'JSONEachRow' });

  // 130 audit rows one second apart (a0 newest), then 20 more sharing one instant, older than all.
  const at = (msAgo: number) => new Date(NOW - msAgo).toISOString();
  const audit = Array.from({ length: 130 }, (_, i) => ({ at: at(i * 1000), actor: 'alice', role: 'reviewer', action: 'view_raw', target: `a${i}`, ministry: 'mof', ip: '', user_agent: '', detail: '' }));
  for (let i = 0; i < 20; i++) {
    audit.push({ at: at(500_000), actor: i % 2 ? 'bob' : 'alice', role: 'reviewer', action: 'triage_note', target: `tie${String(i).padStart(2, '0')}`, ministry: 'mhlw', ip: '', user_agent: '', detail: '' });
  }
  await client.insert({ table: 'audit_log', values: audit.reverse(), format: 'JSONEachRow' });
});
afterAll(async () => {
  await db?.close();
});

const filter = (q: string) => parseIncidentFilter(new URLSearchParams(q));
const ids = async (q: string, scope: string | null = null) => (await listIncidents(client, filter(q), scope)).map((r) => r.incident_id);
const range = (from: number, to: number, step = 1) => Array.from({ length: Math.ceil((to - from) / step) }, (_, k) => id(from + k * step));

describe('incident queue pages', () => {
  it('page 2 holds exactly the second hundred, newest first with ties broken by incident id; the total counts all', async () => {
    expect(await ids('')).toEqual(range(0, 100));
    expect(await ids('page=2')).toEqual(range(100, 200));
    expect(await ids('page=3')).toEqual(range(200, N));
    expect(await countIncidents(client, filter('page=2'), null)).toBe(N);
    const { incidents, paging } = await incidentQueuePage(client, filter('page=2&per=50'), null);
    expect(incidents.map((i) => i.incident_id)).toEqual(range(50, 100));
    expect(paging).toEqual({ page: 2, per: 50, total: N, pages: 5, from: 51, to: 100 });
  });

  it('applies filters and the CAIO scope to the rows and the total alike', async () => {
    // mof = even numbers: its second page of 50 is the 51st to 100th even number.
    const mof = await incidentQueuePage(client, filter('page=2&per=50'), 'mof');
    expect(mof.incidents.map((i) => i.incident_id)).toEqual(range(100, 200, 2));
    expect(mof.paging.total).toBe(N / 2);
    // Another ministry in the URL does not widen a CAIO's scope: nothing, on every page.
    expect((await incidentQueuePage(client, filter('ministry=mhlw'), 'mof')).paging.total).toBe(0);
    // open = not resolved (every fifth is resolved): 184 left, page 2 of 100 starts at the 101st.
    const open = await incidentQueuePage(client, filter('status=open&page=2'), null);
    const expectedOpen = range(0, N).filter((_, i) => i % 5 !== 0);
    expect(open.paging.total).toBe(expectedOpen.length);
    expect(open.incidents.map((i) => i.incident_id)).toEqual(expectedOpen.slice(100, 200));
    expect(await countIncidents(client, filter('assignee=rev'), null)).toBe(1);
  });

  it('pages of a sort with many ties (severity) never overlap or skip, in both directions', async () => {
    for (const dir of ['asc', 'desc']) {
      const all = (await listIncidents(client, filter(`sort=severity&dir=${dir}`), null, { limit: INCIDENT_EXPORT_MAX, offset: 0 })).map((r) => r.incident_id);
      const pages: string[] = [];
      for (let p = 1; p <= 5; p++) pages.push(...(await ids(`sort=severity&dir=${dir}&per=50&page=${p}`)));
      expect(pages).toEqual(all);
      expect(new Set(pages).size).toBe(N);
    }
    // Within one severity the order is opened_at desc, then incident_id.
    const critical = await ids('sort=severity&dir=desc&per=50');
    expect(critical.slice(0, 3)).toEqual([id(3), id(7), id(11)]);
  });

  it('a page past the end shows the last page; nonsense page/per values fall back to the defaults', async () => {
    const past = await incidentQueuePage(client, filter('page=99&per=200'), null);
    expect(past.paging).toMatchObject({ page: 2, pages: 2, from: 201, to: N });
    expect(past.incidents.map((i) => i.incident_id)).toEqual(range(200, N));
    const empty = await incidentQueuePage(client, filter('ministry=nowhere&page=3'), null);
    expect(empty.incidents).toEqual([]);
    expect(empty.paging).toEqual({ page: 1, per: 100, total: 0, pages: 1, from: 0, to: 0 });
    for (const q of ['page=0&per=75', 'page=-2&per=x', 'page=2.5&per=1000', 'page=abc']) {
      expect(parsePaging(new URLSearchParams(q)), q).toEqual({ page: 1, per: 100 });
    }
    expect(parsePaging(new URLSearchParams('page=4&per=200'))).toEqual({ page: 4, per: 200 });
  });
});

describe('audit log pages', () => {
  it('page 2 holds exactly the expected rows, newest first; the total counts all', async () => {
    const f = parseAuditFilter(new URLSearchParams('per=50&page=2'));
    const { rows, paging } = await auditPage(client, f);
    expect(rows.map((r) => r.target)).toEqual(Array.from({ length: 50 }, (_, i) => `a${50 + i}`));
    expect(paging).toEqual({ page: 2, per: 50, total: 150, pages: 3, from: 51, to: 100 });
    // The last page: the rest of the a-rows, then the 20 sharing one instant in a fixed order.
    const last = await auditPage(client, { ...f, page: 3 });
    expect(last.rows.map((r) => r.target)).toEqual([
      ...Array.from({ length: 30 }, (_, i) => `a${100 + i}`),
      // every column descends (the sorting key read backwards): bob before alice, each one's targets in reverse
      ...Array.from({ length: 10 }, (_, i) => `tie${String(19 - 2 * i).padStart(2, '0')}`), // bob first
      ...Array.from({ length: 10 }, (_, i) => `tie${String(18 - 2 * i).padStart(2, '0')}`), // then alice
    ]);
  });

  it('gives any window the rows of the whole order, also when it ends inside rows sharing one instant', async () => {
    const all = (await queryAudit(client, {}, { limit: 1000, offset: 0 })).map((r) => r.target);
    expect(all).toHaveLength(150);
    for (const [offset, limit] of [[125, 10], [135, 3], [0, 1], [149, 5], [160, 5]]) {
      expect((await queryAudit(client, {}, { limit, offset })).map((r) => r.target), `${offset}+${limit}`).toEqual(all.slice(offset, offset + limit));
    }
  });

  it('filters the rows and the total alike', async () => {
    const f = parseAuditFilter(new URLSearchParams('action=triage_note&actor=bob'));
    expect(await countAudit(client, f)).toBe(10);
    expect((await queryAudit(client, f, { limit: 4, offset: 4 })).map((r) => r.target)).toEqual(['tie11', 'tie09', 'tie07', 'tie05']);
  });
});

describe('page links', () => {
  it('keep every other parameter, drop the form-action marker, and leave defaults out', () => {
    const current = new URLSearchParams('status=new&sort=severity&dir=asc&lang=en&page=2&/assign');
    expect(pageQuery(current, { page: 3 })).toBe('?status=new&sort=severity&dir=asc&lang=en&page=3');
    expect(pageQuery(current, { page: 1 })).toBe('?status=new&sort=severity&dir=asc&lang=en');
    expect(pageQuery(new URLSearchParams('per=50'), { page: 2 })).toBe('?per=50&page=2');
    expect(pageQuery(new URLSearchParams('per=50&page=2'), { page: 1, per: 100 })).toBe('?');
    expect(pageInfo(101, { page: 2, per: 100 })).toEqual({ page: 2, per: 100, total: 101, pages: 2, from: 101, to: 101 });
    // The bulk form posts back to the page on screen; the CSV has every page.
    expect(actionQuery(current, 'assign')).toBe('?status=new&sort=severity&dir=asc&lang=en&page=2&/assign');
    expect(actionQuery(new URLSearchParams(''), 'assign')).toBe('?/assign');
    expect(exportHref('/incidents/export.csv', current)).toBe('/incidents/export.csv?status=new&sort=severity&dir=asc&lang=en');
    expect(exportHref('/incidents/export.csv', new URLSearchParams('page=3'))).toBe('/incidents/export.csv');
  });
});
