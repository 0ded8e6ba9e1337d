// Triage on a real embedded ClickHouse: the status flow, versions, history, audit rows, scope and
// the queue's filters; plus the evidence-span cutter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type ClickHouseClient } from '../../../clickhouse/client.ts';
import { countIncidents, incidentFacets, getIncident, getIncidentEvents, listIncidents as listWindow } from '../../../clickhouse/stores/incidents.ts';
import { topIncidents, topIncidentsChoice } from '../../../src/lib/server/queries/incidents.ts';
import type { Filters } from '../../../src/lib/server/queries/filters.ts';
import { addIncidentNote, assignIncidents, transitionIncident, TriageError, visibleIncident } from '../../../src/lib/server/incidents.ts';
import { parseIncidentFilter, type IncidentFilter } from '../../../src/lib/server/incident-queue.ts';
import { highlightSegments } from '../../../src/lib/server/incident-detail.ts';
import { pageWindow } from '../../../src/lib/paging.ts';

/** The filter's page of the queue. */
const listIncidents = (c: ClickHouseClient, f: IncidentFilter, scope: string | null) => listWindow(c, f, scope, pageWindow(f));
import { freshDatabase } from '../auth/db-helper.ts';

let db: Awaited<ReturnType<typeof freshDatabase>>;
let client: ClickHouseClient;
const who = { actor: 'rev1', role: 'reviewer', ip: '10.0.0.1', user_agent: 'vitest' };
const all = { who, scope: null };

function incident(id: string, ministry: string, over: Record<string, unknown> = {}) {
  return {
    incident_id: id, output_id: `out-${id}`, ministry, app: 'chat', model: 'm1', category: 'leakage', severity: 'high',
    rule_ids: ['r1'], title: `t ${id}`, status: 'new', assignee: '', verdict: '', output_at: '2026-11-20T00:00:00Z',
    opened_at: new Date(Date.now() - 3_600_000).toISOString(), version: 1, ...over,
  };
}

beforeAll(async () => {
  db = await freshDatabase('oversight-incidents');
  client = db.client;
  await client.insert({
    table: 'incidents',
    values: [
      incident('a', 'mof'),
      incident('b', 'mhlw', { severity: 'critical', model: 'm2' }),
      incident('c', 'mof', { status: 'triaged', severity: 'medium', opened_at: new Date(Date.now() - 10 * 86_400_000).toISOString() }),
      incident('d', 'da', { status: 'resolved', verdict: 'confirmed', category: 'off_policy' }),
    ],
    format: 'JSONEachRow',
  });
});
afterAll(async () => {
  await db?.close();
});

describe('status flow', () => {
  it('moves new → triaged → confirmed → resolved, each a new version with history and audit', async () => {
    const t1 = await transitionIncident(client, 'a', 'triaged', { ...all, note: 'looks real', expectedVersion: 1 });
    expect(t1.status).toBe('triaged');
    expect(t1.version).toBeGreaterThan(1);
    const t2 = await transitionIncident(client, 'a', 'confirmed', { ...all, expectedVersion: t1.version });
    expect(t2).toMatchObject({ status: 'confirmed', verdict: 'confirmed' });
    const t3 = await transitionIncident(client, 'a', 'resolved', all);
    expect(t3).toMatchObject({ status: 'resolved', verdict: 'confirmed' });
    expect(t3.version).toBeGreaterThan(t2.version);

    expect(await getIncident(client, 'a')).toMatchObject({ status: 'resolved', verdict: 'confirmed', version: t3.version });
    const events = await getIncidentEvents(client, 'a');
    expect(events.map((e) => [e.from_status, e.to_status, e.actor])).toEqual([
      ['new', 'triaged', 'rev1'],
      ['triaged', 'confirmed', 'rev1'],
      ['confirmed', 'resolved', 'rev1'],
    ]);
    expect(events[0].note).toBe('looks real');
    const audit = await queryRows<{ action: string; actor: string; ministry: string; ip: string; user_agent: string }>(
      client,
      `SELECT action, actor, ministry, ip, user_agent FROM audit_log WHERE target = 'a' ORDER BY at`,
    );
    expect(audit).toHaveLength(3);
    expect(audit[0]).toEqual({ action: 'triage_status', actor: 'rev1', ministry: 'mof', ip: '10.0.0.1', user_agent: 'vitest' });
  });

  it('refuses invalid transitions with a message naming what is allowed, and writes nothing', async () => {
    const err = await transitionIncident(client, 'b', 'resolved', all).catch((e) => e);
    expect(err).toBeInstanceOf(TriageError);
    expect(err.status).toBe(409);
    expect(err.message).toBe('cannot move an incident from new to resolved: from new it can only go to triaged');
    await expect(transitionIncident(client, 'd', 'triaged', all)).rejects.toThrow(/resolved is final/);
    await expect(transitionIncident(client, 'b', 'closed', all)).rejects.toThrow(/"closed" is not a status/);
    await expect(transitionIncident(client, 'zzz', 'triaged', all)).rejects.toThrow(/does not exist/);
    expect(await getIncidentEvents(client, 'b')).toEqual([]);
  });

  it('refuses a stale version (someone else changed it) and another ministry for a CAIO scope', async () => {
    await expect(transitionIncident(client, 'c', 'confirmed', { ...all, expectedVersion: 99 })).rejects.toMatchObject({ status: 409 });
    await expect(transitionIncident(client, 'b', 'triaged', { who, scope: 'mof' })).rejects.toMatchObject({ status: 403 });
    await expect(addIncidentNote(client, 'b', 'hi', { who, scope: 'mof' })).rejects.toMatchObject({ status: 403 });
    expect((await getIncident(client, 'b'))?.status).toBe('new');
  });

  it('a CAIO cannot tell another ministry\'s incident from one that does not exist (same status, same words)', async () => {
    const answer = async (id: string) => {
      const err = await transitionIncident(client, id, 'triaged', { who, scope: 'mof' }).catch((e: TriageError) => e);
      return { status: (err as TriageError).status, message: (err as TriageError).message.replace(id, '<id>') };
    };
    const other = await answer('b');
    expect(other.status).toBe(403);
    expect(await answer('no-such-incident')).toEqual(other);
    const viaVisible = await visibleIncident(client, 'no-such-incident', 'mof').catch((e: TriageError) => e);
    expect(viaVisible).toMatchObject({ status: 403 });
  });

  it('two concurrent transitions of one incident: exactly one wins', async () => {
    const results = await Promise.allSettled([
      transitionIncident(client, 'c', 'confirmed', all),
      transitionIncident(client, 'c', 'false_positive', all),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await getIncidentEvents(client, 'c')).toHaveLength(1);
  });

  it('notes and bulk assignment are history too; out-of-scope ids are reported, not assigned', async () => {
    await addIncidentNote(client, 'b', 'checking with the ministry', all);
    await expect(addIncidentNote(client, 'b', '   ', all)).rejects.toThrow(/empty/);
    const res = await assignIncidents(client, ['b', 'c', 'nope'], 'rev2', { who, scope: 'mhlw' });
    expect(res.assigned).toEqual(['b']);
    expect(res.failed.map((f) => f.id)).toEqual(['c', 'nope']);
    expect((await getIncident(client, 'b'))?.assignee).toBe('rev2');
    expect((await getIncident(client, 'c'))?.assignee).toBe('');
    expect((await getIncidentEvents(client, 'b')).map((e) => e.action)).toEqual(['note', 'assign']);
  });
});

describe('queue', () => {
  const ids = async (query: string, scope: string | null = null) =>
    (await listIncidents(client, parseIncidentFilter(new URLSearchParams(query)), scope)).map((i) => i.incident_id);

  it('filters by the URL and always applies the CAIO scope', async () => {
    expect((await ids('')).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(await ids('', 'mof')).toEqual(expect.arrayContaining(['a', 'c']));
    expect((await ids('', 'mof')).sort()).toEqual(['a', 'c']);
    expect(await ids('ministry=mhlw', 'mof')).toEqual([]);
    expect(await ids('severity=critical')).toEqual(['b']);
    expect(await ids('model=m2')).toEqual(['b']);
    expect(await ids('category=off_policy')).toEqual(['d']);
    expect(await ids('age=gt7d')).toEqual(['c']);
    expect((await ids('status=open')).sort()).toEqual(['b', 'c']);
    // An unknown status in the URL is dropped, not trusted: the queue shows everything.
    expect((await ids('status=bogus')).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('filters before FINAL only on what triage never changes: an older version never answers for an incident', async () => {
    // Two versions in two parts, kept apart (merges stopped) so FINAL has to choose between them.
    await client.command({ query: 'SYSTEM STOP MERGES incidents' });
    try {
      await client.insert({ table: 'incidents', values: [incident('v', 'mext', { opened_at: '2026-11-20T01:00:00Z' })], format: 'JSONEachRow' });
      await client.insert({
        table: 'incidents',
        values: [incident('v', 'mext', { opened_at: '2026-11-20T01:00:00Z', status: 'triaged', assignee: 'rev9', version: 2 })],
        format: 'JSONEachRow',
      });
      const [{ n }] = await queryRows<{ n: number }>(client, `SELECT count() AS n FROM incidents WHERE incident_id = 'v'`);
      expect(Number(n)).toBe(2);
      expect(await ids('ministry=mext&status=new')).toEqual([]);
      expect(await ids('ministry=mext&status=triaged&assignee=rev9')).toEqual(['v']);
      expect(await countIncidents(client, { ...parseIncidentFilter(new URLSearchParams('status=new')), ministry: 'mext' }, null)).toBe(0);
      const mext = { from: '2026-11-19', to: '2026-11-21', ministry: 'mext', app: null, model: null } satisfies Filters;
      expect((await topIncidents(client, mext)).map((i) => [i.incident_id, i.status])).toEqual([['v', 'triaged']]);
      expect(await getIncident(client, 'v')).toMatchObject({ status: 'triaged', assignee: 'rev9', version: 2 });
      // Top incidents are chosen without FINAL: v's two versions are one candidate, so a second
      // incident still makes the top two (less severe, so it comes after v).
      await client.insert({ table: 'incidents', values: [incident('w', 'mext', { severity: 'medium', opened_at: '2026-11-20T02:00:00Z' })], format: 'JSONEachRow' });
      expect((await topIncidents(client, mext, 2)).map((i) => [i.incident_id, i.status])).toEqual([['v', 'triaged'], ['w', 'new']]);
      expect((await topIncidents(client, { ...mext, from: '2026-11-21' })).map((i) => i.incident_id)).toEqual([]);
    } finally {
      await client.command({ query: 'SYSTEM START MERGES incidents' });
    }
  });

  it('lists the filter options within the scope, from the p_facets projection', async () => {
    // force_optimize_projection fails a query that no projection answers: the select must not fall
    // back to reading every incident's three columns (migration 0186).
    await client.command({ query: 'SET force_optimize_projection = 1' });
    try {
      const all = await incidentFacets(client, null);
      expect(all.ministry).toEqual(expect.arrayContaining(['da', 'mhlw', 'mof']));
      expect(all.ministry).toEqual([...all.ministry].sort());
      expect(all.category).toEqual(expect.arrayContaining(['leakage', 'off_policy']));
      expect(all.model).toEqual(expect.arrayContaining(['m1', 'm2']));
      expect(await incidentFacets(client, 'mof')).toEqual({ category: ['leakage'], ministry: ['mof'], model: ['m1'] });
    } finally {
      await client.command({ query: 'SET force_optimize_projection = 0' });
    }
  });

  it('chooses the top incidents from the p_by_output_day projection, not by reading every incident', async () => {
    // Migration 0189: without the projection this reads the day and ministry of every stored incident.
    for (const ministry of ['mof', null]) {
      const q = topIncidentsChoice({ from: '2026-11-01', to: '2026-11-30', ministry, app: null, model: null }, 10);
      const plan = (await queryRows<{ explain: string }>(client, `EXPLAIN projections = 1 ${q.sql}`, q.params)).map((r) => r.explain).join('\n');
      expect(plan).toContain('p_by_output_day');
    }
  });

  it('sorts by severity rank, not alphabetically', async () => {
    const sev = (await listIncidents(client, parseIncidentFilter(new URLSearchParams('sort=severity&dir=asc')), null)).map((i) => i.severity);
    expect(sev[0]).toBe('medium');
    expect(sev.at(-1)).toBe('critical');
  });
});

describe('evidence highlighting', () => {
  it('cuts text at UTF-16 offsets, merging overlapping spans', () => {
    const text = '民法（明治29年法律第90号）第709条';
    const start = text.indexOf('明治');
    expect(highlightSegments(text, [{ start, end: start + 11, ref: 1 }])).toEqual([
      { text: '民法（', refs: [] },
      { text: '明治29年法律第90号', refs: [1] },
      { text: '）第709条', refs: [] },
    ]);
    expect(highlightSegments('abcdef', [{ start: 1, end: 4, ref: 1 }, { start: 3, end: 5, ref: 2 }])).toEqual([
      { text: 'a', refs: [] },
      { text: 'bc', refs: [1] },
      { text: 'd', refs: [1, 2] },
      { text: 'e', refs: [2] },
      { text: 'f', refs: [] },
    ]);
  });

  it('clamps out-of-range spans and never splits a surrogate pair', () => {
    expect(highlightSegments('abc', [{ start: 2, end: 99, ref: 1 }, { start: 5, end: 3, ref: 2 }])).toEqual([
      { text: 'ab', refs: [] },
      { text: 'c', refs: [1] },
    ]);
    const text = 'x𠮷y'; // 𠮷 is two UTF-16 units at 1..3
    expect(highlightSegments(text, [{ start: 2, end: 4, ref: 1 }])).toEqual([
      { text: 'x', refs: [] },
      { text: '𠮷y', refs: [1] },
    ]);
    expect(highlightSegments('', [{ start: 0, end: 3, ref: 1 }])).toEqual([]);
  });

  it('keeps markup as plain text pieces', () => {
    const text = 'ok <script>alert(1)</script>';
    const segs = highlightSegments(text, [{ start: 3, end: 11, ref: 1 }]);
    expect(segs.map((s) => s.text).join('')).toBe(text);
    expect(segs[1]).toEqual({ text: '<script>', refs: [1] });
  });
});
