// The review sampler: membership is a pure function of (round, output id), the SQL that draws a week
// agrees with it, each stratum gets its configured rate, and a re-run (or another process) draws the
// same items and adds none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, countOf, type TestDb } from '../../helpers/chdb.ts';
import { parseReviewRule, type ReviewRule } from '../../../contracts/review.ts';
import { completedWeeks, itemId, rateFor, roundId, sampleKey, secondReview, selectStratum, weekOf } from '../../../src/lib/server/review/sampling.ts';
import { sampleDueWeeks, sampleWeek } from '../../../src/lib/server/review/samples.ts';
import { queryRows } from '../../../clickhouse/client.ts';
import { loadEnv } from '../../../config/env.ts';

const WHO = { actor: 'tester', role: 'admin', ip: '', user_agent: 'vitest' };

describe('membership (pure)', () => {
  it('the sample key is a stable fraction in [0, 1) that depends on the round', () => {
    const k = sampleKey('2026-11-02/default', 'out-1');
    expect(k).toBe(sampleKey('2026-11-02/default', 'out-1'));
    expect(k).toBeGreaterThanOrEqual(0);
    expect(k).toBeLessThan(1);
    expect(sampleKey('2026-11-09/default', 'out-1')).not.toBe(k);
    expect(itemId('2026-11-02/default', 'out-1')).toMatch(/^rv-[0-9a-f]{24}$/);
  });

  it('keys are spread evenly: a 20 % share keeps about a fifth', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => sampleKey('r', `o${i}`));
    const kept = keys.filter((k) => k < 0.2).length;
    expect(Math.abs(kept - 4000)).toBeLessThan(5 * Math.sqrt(20_000 * 0.2 * 0.8));
  });

  it('per-week rates keep the n lowest keys; share rates keep keys below the share', () => {
    const stratum = Array.from({ length: 50 }, (_, i) => ({ output_id: `o${i}`, key: sampleKey('r', `o${i}`) }));
    const five = selectStratum(stratum, { per_week: 5 });
    expect(five).toHaveLength(5);
    const cutoff = Math.max(...five.map((c) => c.key));
    expect(stratum.filter((c) => c.key <= cutoff)).toHaveLength(5);
    expect(selectStratum([...stratum].reverse(), { per_week: 5 }).map((c) => c.output_id).sort()).toEqual(five.map((c) => c.output_id).sort());
    expect(selectStratum(stratum, { share: 0.3 }).every((c) => c.key < 0.3)).toBe(true);
    expect(selectStratum(stratum, { per_week: 500 })).toHaveLength(50);
  });

  it('stratum rates: ministry/app, then ministry/*, then */app, then the default', () => {
    const rule = parseReviewRule(
      JSON.stringify({ id: 'r1', flagged: { per_week: 1 }, unflagged: { share: 0.01 }, strata: { 'mof/chat': { unflagged: { per_week: 9 } }, 'mof/*': { flagged: { share: 0.5 } }, '*/chat': { flagged: { per_week: 7 } } } }),
    );
    expect(rateFor(rule, 'mof', 'chat', false)).toEqual({ per_week: 9 });
    expect(rateFor(rule, 'mof', 'chat', true)).toEqual({ share: 0.5 });
    expect(rateFor(rule, 'mhlw', 'chat', true)).toEqual({ per_week: 7 });
    expect(rateFor(rule, 'mhlw', 'drafting', false)).toEqual({ share: 0.01 });
  });

  it('refuses a malformed rule with the reason', () => {
    expect(() => parseReviewRule('{"id":"x","flagged":{"share":2},"unflagged":{"per_week":1}}')).toThrow(/flagged/);
    expect(() => parseReviewRule('{"id":"x","flagged":{"share":0.1},"unflagged":{"per_week":1},"strata":{"MOF":{}}}')).toThrow(/stratum keys/);
  });

  it('OVERSIGHT_REVIEW_RULE is validated when the configuration loads', () => {
    expect(() => loadEnv({ OVERSIGHT_REVIEW_RULE: '{"id":"x","flagged":{"share":0.1}}' })).toThrow(/OVERSIGHT_REVIEW_RULE: review rule: unflagged/);
    expect(loadEnv({ OVERSIGHT_REVIEW_RULE: '{"id":"x","flagged":{"share":0.1},"unflagged":{"per_week":4}}' }).OVERSIGHT_REVIEW_RULE).toEqual({
      id: 'x', flagged: { share: 0.1 }, unflagged: { per_week: 4 }, strata: {}, second_review_share: 0.2,
    });
    expect(loadEnv({}).OVERSIGHT_REVIEW_RULE).toBeUndefined();
  });

  it('scheduled runs sample completed weeks only', () => {
    // Wednesday 2026-11-18: the week of 11-16 is not complete; the last complete one starts 11-09.
    const weeks = completedWeeks(new Date('2026-11-18T10:00:00Z'), 3);
    expect(weeks).toEqual(['2026-10-26', '2026-11-02', '2026-11-09']);
    // Monday 2026-11-16 01:00: the week of 11-09 ended an hour ago, inside the one-day settle time.
    expect(completedWeeks(new Date('2026-11-16T01:00:00Z'), 1)).toEqual(['2026-11-02']);
    expect(weekOf('2026-11-22')).toBe('2026-11-16');
  });
});

describe('drawing a week from ClickHouse', () => {
  let db: TestDb;
  const WEEK = '2026-11-02';
  const rule: ReviewRule = parseReviewRule(
    JSON.stringify({ id: 'test', flagged: { per_week: 4 }, unflagged: { share: 0.1 }, strata: { 'mof/chat': { unflagged: { per_week: 6 } } }, second_review_share: 0.5 }),
  );

  beforeAll(async () => {
    db = await freshDb('oversight-review-sampler-');
    const outputs = [];
    const flags = [];
    for (let i = 0; i < 600; i++) {
      const ministry = i % 2 ? 'mof' : 'mhlw';
      const app = i % 3 ? 'chat' : 'drafting';
      const at = `2026-11-0${2 + (i % 7)} ${String(i % 24).padStart(2, '0')}:00:00.000`;
      const id = `o-${i}`;
      outputs.push({ output_id: id, request_id: `r-${i}`, occurred_at: at, ministry, app, model: 'm', user_id: 'u', language: 'ja', confidentiality_level: 2, prompt: 'p', response: 'r', sources: '[]', raw: '{}', src_topic: 't', src_partition: 0, src_offset: i });
      if (i % 10 === 0) {
        flags.push({ output_id: id, evaluator: 'leakage', evaluator_version: '1', category: 'leakage', rule_id: 'x', severity: i % 20 === 0 ? 'high' : 'info', confidence: 1, where: 'prompt', evidence: '[]', evidence_start: 0, explanation: '', ministry, app, model: 'm', output_at: at, version: 1, is_deleted: 0 });
      }
    }
    // An output of the next week is outside the round.
    outputs.push({ ...outputs[0], output_id: 'o-next', occurred_at: '2026-11-09 00:00:00.000' });
    await db.client.insert({ table: 'outputs', values: outputs, format: 'JSONEachRow' });
    await db.client.insert({ table: 'flags', values: flags, format: 'JSONEachRow' });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('draws what the pure rule selects, stratum by stratum, with the stratum sizes', async () => {
    const r = await sampleWeek(db.client, { week: WEEK, rule, who: WHO, trigger: 'manual' });
    expect(r.population).toBe(600);
    const round = roundId(WEEK, 'test');
    const items = await queryRows<{ item_id: string; output_id: string; ministry: string; app: string; flagged: number; stratum_size: number; stratum_sampled: number; second_review: number }>(
      db.client,
      'SELECT item_id, output_id, ministry, app, flagged, stratum_size, stratum_sampled, second_review FROM review_items FINAL',
    );
    // The expected sample, computed in TypeScript from every output of the week.
    const expected: string[] = [];
    for (const ministry of ['mof', 'mhlw']) {
      for (const app of ['chat', 'drafting']) {
        for (const flagged of [true, false]) {
          const stratum = Array.from({ length: 600 }, (_, i) => i)
            .filter((i) => (i % 2 ? 'mof' : 'mhlw') === ministry && (i % 3 ? 'chat' : 'drafting') === app && (i % 20 === 0) === flagged)
            .map((i) => ({ output_id: `o-${i}`, key: sampleKey(round, `o-${i}`) }));
          const chosen = selectStratum(stratum, rateFor(rule, ministry, app, flagged));
          expected.push(...chosen.map((c) => c.output_id));
          for (const c of chosen) {
            const got = items.find((x) => x.output_id === c.output_id)!;
            expect(got.stratum_size).toBe(stratum.length);
            expect(got.stratum_sampled).toBe(chosen.length);
            expect(got.flagged).toBe(flagged ? 1 : 0);
            expect(got.item_id).toBe(itemId(round, c.output_id));
            expect(got.second_review).toBe(secondReview(round, c.output_id, 0.5) ? 1 : 0);
          }
        }
      }
    }
    expect(items.map((i) => i.output_id).sort()).toEqual(expected.sort());
    expect(items.filter((i) => i.ministry === 'mof' && i.app === 'chat' && i.flagged === 0)).toHaveLength(6);
    expect(items.filter((i) => i.flagged === 1 && i.ministry === 'mhlw' && i.app === 'chat')).toHaveLength(4);
    expect(r.sampled).toBe(expected.length);
    expect(r.added).toBe(expected.length);
  });

  it('a re-run draws the same items, adds none, and both runs are recorded', async () => {
    const before = await countOf(db.client, 'SELECT count() AS n FROM review_items');
    const again = await sampleWeek(db.client, { week: WEEK, rule, who: { ...WHO, actor: 'other-process' }, trigger: 'schedule' });
    expect(again.added).toBe(0);
    expect(await countOf(db.client, 'SELECT count() AS n FROM review_items')).toBe(before);
    const rounds = await queryRows<{ actor: string; trigger: string; rule: string }>(db.client, 'SELECT actor, trigger, rule FROM review_rounds ORDER BY at');
    expect(rounds.map((r) => r.actor)).toEqual(['tester', 'other-process']);
    expect(JSON.parse(rounds[0].rule).id).toBe('test');
    expect(await countOf(db.client, "SELECT count() AS n FROM audit_log WHERE action = 'review_sample'")).toBe(2);
  });

  it('the scheduler samples a completed week once', async () => {
    const now = new Date('2026-11-20T00:00:00Z');
    const other = { ...rule, id: 'sched' };
    const first = await sampleDueWeeks(db.client, other, { now, lookback: 3 });
    expect(first.map((r) => r.week)).toEqual([WEEK, '2026-11-09']); // o-next lies in the second week
    expect(await sampleDueWeeks(db.client, other, { now, lookback: 3 })).toEqual([]);
  });
});
