// Labels, estimates, misses and the dev-set export against chDB: passes (first, blind second, no
// third), scope, evidence checks, the weighted figures the page shows, an incident from a miss, and
// NDJSON lines in the format score-evaluators.mjs reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, countOf, type TestDb } from '../../helpers/chdb.ts';
import { sampleWeek } from '../../../src/lib/server/review/samples.ts';
import { itemId, roundId } from '../../../src/lib/server/review/sampling.ts';
import { ReviewError, getReviewItem, listQueue, neighbours, saveLabel } from '../../../src/lib/server/review/labels.ts';
import { reviewEstimates } from '../../../src/lib/server/review/estimates.ts';
import { openIncidentFromMiss } from '../../../src/lib/server/review/misses.ts';
import { exportDevSet, toNdjson } from '../../../src/lib/server/review/export.ts';
import { existsSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getIncident } from '../../../clickhouse/stores/incidents.ts';
import { REVIEW_CATEGORIES, type ReviewRule } from '../../../contracts/review.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SCORER = resolve(ROOT, '../shared/tools/score-evaluators.mjs');
const BIN = join(ROOT, 'bin/oversight.mjs');
const WEEK = '2026-11-02';
const RULE: ReviewRule = { id: 't', flagged: { share: 1 }, unflagged: { share: 1 }, strata: {}, second_review_share: 0 };
const who = (actor: string, role = 'reviewer') => ({ actor, role, ip: '', user_agent: 'vitest' });
const item = (out: string) => itemId(roundId(WEEK, RULE.id), out);
const texts = { prompt: '携帯は〇九〇－一二三四－五六七八', response: '回答' };
const none = (cat: string) => ({ category: cat, finding: false, note: '' });
const label = (out: string, found: Record<string, { start?: number; end?: number; note?: string }> = {}) => ({
  item_id: item(out),
  judgments: REVIEW_CATEGORIES.map((c) =>
    found[c] ? { category: c, finding: true, severity: 'high', where: 'prompt', start: found[c].start ?? 0, end: found[c].end ?? 0, note: found[c].note ?? '' } : none(c),
  ),
});
const F = { from: WEEK, to: '2026-11-08', ministry: null, app: null, model: null };

describe('labels, estimates, misses, export', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await freshDb('oversight-review-labels-');
    // 9 unflagged outputs and 1 flagged (leakage) in mof/chat; 1 unflagged in mhlw/chat.
    const outputs = [...Array.from({ length: 10 }, (_, i) => ({ id: `m${i}`, ministry: 'mof' })), { id: 'h0', ministry: 'mhlw' }].map((o, i) => ({
      output_id: o.id, request_id: `r${i}`, occurred_at: `2026-11-03 0${i % 10}:00:00.000`, ministry: o.ministry, app: 'chat', model: 'm', user_id: 'u',
      language: 'ja', confidentiality_level: 2, prompt: texts.prompt, response: texts.response, sources: '[]', raw: '{}', src_topic: 't', src_partition: 0, src_offset: i,
    }));
    await db.client.insert({ table: 'outputs', values: outputs, format: 'JSONEachRow' });
    await db.client.insert({
      table: 'flags',
      values: [{ output_id: 'm9', evaluator: 'leakage', evaluator_version: '1', category: 'leakage', rule_id: 'personal_mobile', severity: 'high', confidence: 1, where: 'prompt', evidence: '[]', evidence_start: 0, explanation: '', ministry: 'mof', app: 'chat', model: 'm', output_at: '2026-11-03 09:00:00.000', version: 1, is_deleted: 0 }],
      format: 'JSONEachRow',
    });
    await sampleWeek(db.client, { week: WEEK, rule: RULE, who: who('seed', 'admin'), trigger: 'manual' });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('stores a label per category with the evidence text, and refuses what is wrong', async () => {
    const r = await saveLabel(db.client, label('m0', { leakage: { start: 3, end: 16, note: 'kanji mobile' } }), texts, { who: who('rev1'), scope: null });
    expect(r).toEqual({ pass: 1, findings: ['leakage'] });
    const [row] = await db.client.query({ query: "SELECT evidence_text, note FROM review_labels FINAL WHERE category = 'leakage' AND finding = 1", format: 'JSONEachRow' }).then((x) => x.json<{ evidence_text: string; note: string }>());
    expect(row).toEqual({ evidence_text: '〇九〇－一二三四－五六七八', note: 'kanji mobile' });
    // Another reviewer on a single-labeled item: refused (409). A CAIO of another ministry: 403. A span past the text: 400.
    await expect(saveLabel(db.client, label('m0'), texts, { who: who('rev2'), scope: null })).rejects.toMatchObject({ status: 409 });
    await expect(saveLabel(db.client, label('m1'), texts, { who: who('caio-mhlw', 'caio'), scope: 'mhlw' })).rejects.toMatchObject({ status: 403 });
    await expect(saveLabel(db.client, label('m1', { leakage: { start: 0, end: 999 } }), texts, { who: who('rev1'), scope: null })).rejects.toBeInstanceOf(ReviewError);
    await expect(saveLabel(db.client, { item_id: item('m1'), judgments: [none('leakage')] }, texts, { who: who('rev1'), scope: null })).rejects.toThrow(/each category/);
    // The reviewer may revise; the pass stays 1.
    expect((await saveLabel(db.client, label('m0', { leakage: { start: 3, end: 16, note: 'kanji mobile' } }), texts, { who: who('rev1'), scope: null })).pass).toBe(1);
  });

  it('the queue lists what a reviewer still has to label, within the scope', async () => {
    const q = await listQueue(db.client, { scope: null, reviewer: 'rev1', show: 'todo' });
    expect(q.total).toBe(11);
    expect(q.todo).toBe(10);
    expect((await listQueue(db.client, { scope: 'mhlw', reviewer: 'x', show: 'all' })).items.map((i) => i.output_id)).toEqual(['h0']);
    expect((await listQueue(db.client, { scope: null, reviewer: 'rev1', show: 'mine' })).items.map((i) => i.output_id)).toEqual(['m0']);
  });

  it('next / previous follow the queue order; the next item to label skips labeled ones and wraps around', async () => {
    const all = (await listQueue(db.client, { scope: null, reviewer: 'rev1', show: 'all' })).items;
    expect(all.map((i) => i.ministry)).toEqual(['mhlw', ...Array(10).fill('mof')]);
    expect(all.slice(1).map((i) => i.item_id)).toEqual(all.slice(1).map((i) => i.item_id).sort());
    const at = async (k: number) => neighbours(db.client, (await getReviewItem(db.client, all[k].item_id))!, null, 'rev1');
    const first = await at(0);
    expect(first).toMatchObject({ prev: null, next: all[1].item_id, position: 1, total: 11 });
    const m0 = all.findIndex((i) => i.output_id === 'm0');
    const mid = await at(m0);
    expect(mid.position).toBe(m0 + 1);
    expect(mid.prev).toBe(all[m0 - 1].item_id);
    expect(mid.nextTodo).toBe(all[m0 + 1 < all.length ? m0 + 1 : 0].item_id);
    const last = await at(10);
    expect(last.next).toBeNull();
    expect(last.nextTodo).toBe(all[0].item_id);
    // Within a CAIO's scope, mhlw's item is not a neighbour.
    expect((await neighbours(db.client, all[1], 'mof', 'rev1')).prev).toBeNull();
  });

  it('weighted estimates: recall below 1 from a miss in the heavily weighted unflagged stratum', async () => {
    for (const out of ['m1', 'm2', 'm3', 'm4']) await saveLabel(db.client, label(out), texts, { who: who('rev1'), scope: null });
    await saveLabel(db.client, label('m9', { leakage: {} }), texts, { who: who('rev1'), scope: null });
    const est = await reviewEstimates(db.client, F);
    const row = est.rows.find((r) => r.group === 'all' && r.category === 'leakage' && r.evaluator === '*')!;
    // Unflagged mof/chat: N = 9, 5 labeled (w = 1.8), one finding (m0, missed); flagged: N = 1, labeled 1 (w = 1), found.
    expect(row.labeled).toBe(6);
    expect(row.humanFound).toBe(2);
    expect(row.missed).toBe(1);
    expect(row.recall!.estimate).toBeCloseTo(1 / 2.8, 10);
    expect(row.prevalence!.estimate).toBeCloseTo(2.8 / 10, 10);
    expect(row.precision!.estimate).toBe(1);
    expect(row.fewLabels).toBe(true);
    const perEvaluator = est.rows.find((r) => r.group === 'all' && r.category === 'leakage' && r.evaluator === 'leakage')!;
    expect(perEvaluator.recall!.estimate).toBeCloseTo(1 / 2.8, 10);
    expect(est.rows.some((r) => r.group === 'week' && r.key === WEEK)).toBe(true);
  });

  it('a double-labeled item takes a blind second label; kappa compares the two', async () => {
    await db.client.command({ query: `ALTER TABLE review_items UPDATE second_review = 1 WHERE output_id = 'm5'`, clickhouse_settings: { mutations_sync: '1' } });
    await saveLabel(db.client, label('m5', { leakage: {} }), texts, { who: who('rev1'), scope: null });
    expect((await saveLabel(db.client, label('m5'), texts, { who: who('rev2'), scope: null })).pass).toBe(2);
    await expect(saveLabel(db.client, label('m5'), texts, { who: who('rev3'), scope: null })).rejects.toMatchObject({ status: 409 });
    const row = (await reviewEstimates(db.client, F)).rows.find((r) => r.group === 'all' && r.category === 'leakage' && r.evaluator === '*')!;
    expect(row.kappa.n).toBe(1);
    expect(row.kappa.observed).toBe(0);
  });

  it('a miss opens one incident (source review_sample); a caught finding does not', async () => {
    const r = await openIncidentFromMiss(db.client, item('m0'), 'leakage', { who: who('rev1'), scope: null });
    expect(r.created).toBe(true);
    const inc = await getIncident(db.client, r.incident_id);
    expect(inc).toMatchObject({ output_id: 'm0', category: 'leakage', severity: 'high', status: 'new', source: 'review_sample', rule_ids: [] });
    expect(await openIncidentFromMiss(db.client, item('m0'), 'leakage', { who: who('rev1'), scope: null })).toEqual({ incident_id: r.incident_id, created: false });
    await expect(openIncidentFromMiss(db.client, item('m9'), 'leakage', { who: who('rev1'), scope: null })).rejects.toMatchObject({ status: 409 });
    await expect(openIncidentFromMiss(db.client, item('m1'), 'leakage', { who: who('rev1'), scope: null })).rejects.toMatchObject({ status: 409 });
    expect(await countOf(db.client, "SELECT count() AS n FROM audit_log WHERE action = 'review_incident'")).toBe(1);
  });

  it('exports first labels as dev-set lines: the output event plus expected and note', async () => {
    const lines = await exportDevSet(db.client, { scope: null });
    expect(lines).toHaveLength(7);
    const m0 = lines.find((l) => l.output_id === 'm0')!;
    expect(m0.expected).toEqual(['leakage']);
    expect(m0.note).toContain('kanji mobile');
    expect(m0.occurred_at).toBe('2026-11-03T00:00:00.000Z');
    expect(m0).toMatchObject({ ministry: 'mof', app: 'chat', prompt: texts.prompt, sources: [] });
    expect(lines.find((l) => l.output_id === 'm1')!.expected).toEqual([]);
    expect(await exportDevSet(db.client, { scope: 'mhlw' })).toEqual([]);
  });

  // The shared scorer lives beside the worktree (../shared/tools); without it there is nothing to run.
  it.skipIf(!existsSync(SCORER))('the export scores through score-evaluators.mjs with the offline evaluator CLI', async () => {
    const file = join(db.dir, 'samples.ndjson');
    writeFileSync(file, toNdjson(await exportDevSet(db.client, { scope: null })));
    const run = spawnSync(process.execPath, [SCORER, file, '--', process.execPath, BIN, 'evaluate', '--input'], { encoding: 'utf8', timeout: 120_000 });
    // The kanji-spelled mobile number is a finding the rules miss: the scorer lists it and fails recall.
    expect(run.stdout).toMatch(/missed\s+leakage\s+m0\s+\(review sample rv-[0-9a-f]+; kanji mobile\)/);
    expect(run.stdout).toMatch(/^leakage: precision \S+ recall 0\.000 \(tp 0, fp 0, fn 3\)$/m);
    expect(run.status).toBe(1);
  });
});
