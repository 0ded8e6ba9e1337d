// The batch runner against a real embedded ClickHouse (chDB) with the real migrations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOf, freshDb, type TestDb } from '../../helpers/chdb.ts';
import { backfill, incidentId, runEvaluationOnce, startEvaluationScheduler, type OpenedIncident } from '../../../evaluators/runner.ts';
import { EVALUATORS } from '../../../evaluators/registry.ts';
import { FLAGS_DAILY_SELECT } from '../../../clickhouse/flags-rollup.ts';
import type { Evaluator } from '../../../evaluators/types.ts';

let db: TestDb;

function output(id: string, response: string, extra: Record<string, unknown> = {}) {
  return {
    output_id: id,
    request_id: `req-${id}`,
    occurred_at: '2026-07-01 10:00:00.000',
    ministry: 'digital',
    app: 'chat',
    model: 'model-a',
    user_id: 'u1',
    language: 'ja',
    confidentiality_level: 2,
    prompt: '質問',
    response,
    sources: '[]',
    raw: '{}',
    src_topic: 'genai.outputs.v1',
    src_partition: 0,
    src_offset: 0,
    ingested_at: '2026-07-01 10:00:01.000',
    ...extra,
  };
}

const count = (query: string) => countOf(db.client, query);

beforeAll(async () => {
  db = await freshDb('oversight-eval-runner-');
  await db.client.insert({
    table: 'outputs',
    values: [
      output('o-leak', '申請者の個人番号は449223045763です。'), // Individual Number: high → incident
      output('o-cite', '民法第1200条により相続放棄をします。'), // article out of range: medium, no incident
      output('o-clean', '本日は晴天なり。'),
    ],
    format: 'JSONEachRow',
  });
}, 120_000);

afterAll(async () => {
  await db?.close();
});

describe('runEvaluationOnce', () => {
  const opened: OpenedIncident[] = [];

  it('writes flags, opens incidents for severity >= high, advances the watermark', async () => {
    const res = await runEvaluationOnce(db.client, { settleMs: 0, onIncidentsOpened: (i) => void opened.push(...i) });
    expect(res.evaluators.find((e) => e.evaluator === 'leakage')!.outputs).toBe(3);
    expect(await count(`SELECT count() AS n FROM flags FINAL WHERE output_id = 'o-leak' AND rule_id = 'individual_number'`)).toBe(1);
    expect(await count(`SELECT count() AS n FROM flags FINAL WHERE output_id = 'o-cite' AND rule_id = 'article_out_of_range'`)).toBe(1);
    expect(await count(`SELECT count() AS n FROM flags FINAL WHERE output_id = 'o-clean'`)).toBe(0);
    expect(await count('SELECT count() AS n FROM incidents FINAL')).toBe(1);
    expect(opened.map((i) => i.incident_id)).toEqual([incidentId('o-leak', 'leakage')]);
    expect(opened[0].title).not.toContain('449223045763'); // no raw text in what is notified
    expect(await count(`SELECT count() AS n FROM incident_events WHERE action = 'opened'`)).toBe(1);
    const rs = await db.client.query({ query: 'SELECT evaluator, watermark_id, outputs_evaluated FROM eval_watermarks FINAL ORDER BY evaluator', format: 'JSONEachRow' });
    const marks = await rs.json<{ evaluator: string; watermark_id: string; outputs_evaluated: number }>();
    expect(marks.map((m) => m.evaluator)).toEqual(EVALUATORS.map((e) => e.id).sort());
    expect(marks.every((m) => m.watermark_id === 'o-leak' && Number(m.outputs_evaluated) === 3)).toBe(true);
    const evidence = await db.client.query({ query: `SELECT evidence, explanation FROM flags FINAL WHERE output_id = 'o-leak'`, format: 'JSONEachRow' });
    const [flag] = await evidence.json<{ evidence: string; explanation: string }>();
    expect(flag.evidence + flag.explanation).not.toContain('449223045763');
  });

  it('a second pass finds nothing new; a late output is picked up', async () => {
    const again = await runEvaluationOnce(db.client, { settleMs: 0 });
    expect(again.evaluators.every((e) => e.outputs === 0)).toBe(true);
    await db.client.insert({
      table: 'outputs',
      values: [output('o-late', '携帯は090-4321-8765です。', { occurred_at: '2026-06-01 00:00:00.000', ingested_at: '2026-07-02 00:00:00.000' })],
      format: 'JSONEachRow',
    });
    const late = await runEvaluationOnce(db.client, { settleMs: 0 });
    expect(late.evaluators.every((e) => e.outputs === 1)).toBe(true);
    expect(await count(`SELECT count() AS n FROM flags FINAL WHERE output_id = 'o-late' AND rule_id = 'personal_mobile_number'`)).toBe(1);
  });

  it('the scheduler runs a pass on demand and stops', async () => {
    const scheduler = startEvaluationScheduler(db.client, { intervalMs: 60_000, settleMs: 0 });
    const res = await scheduler.runNow();
    expect(res.evaluators.every((e) => e.outputs === 0)).toBe(true);
    await scheduler.stop();
  });
});

describe('backfill', () => {
  it('is idempotent and keeps triaged incidents as reviewers left them', async () => {
    const before = await count('SELECT count() AS n FROM flags FINAL');
    const id = incidentId('o-leak', 'leakage');
    await db.client.insert({
      table: 'incidents',
      values: [{ incident_id: id, output_id: 'o-leak', ministry: 'digital', app: 'chat', model: 'model-a', category: 'leakage', severity: 'high', rule_ids: ['individual_number'], title: 'leakage: individual_number', status: 'triaged', assignee: 'rev1', verdict: 'confirmed', output_at: '2026-07-01 10:00:00.000', opened_at: '2026-07-01 11:00:00.000', version: Date.now() + 10_000 }],
      format: 'JSONEachRow',
    });
    const opened: OpenedIncident[] = [];
    await backfill(db.client, { since: new Date('2026-01-01'), evaluators: ['leakage', 'citations', 'policy'], onIncidentsOpened: (i) => void opened.push(...i) });
    expect(await count('SELECT count() AS n FROM flags FINAL')).toBe(before);
    expect(opened).toEqual([]);
    const rs = await db.client.query({ query: `SELECT status, assignee FROM incidents FINAL WHERE incident_id = '${id}'`, format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ status: 'triaged', assignee: 'rev1' }]);
  });

  it('a new evaluator version supersedes: flags it no longer produces are deleted', async () => {
    const leakage = EVALUATORS.find((e) => e.id === 'leakage')!;
    // A "v2" that no longer reports mobile numbers.
    const v2: Evaluator = {
      id: 'leakage',
      version: '9.9.9-test',
      evaluate: (o) => leakage.evaluate(o).filter((f) => f.rule_id !== 'personal_mobile_number').map((f) => ({ ...f, evaluator_version: '9.9.9-test' })),
    };
    const res = await backfill(db.client, { since: new Date('2026-01-01'), until: new Date('2026-12-31'), evaluators: [v2] });
    expect(res.evaluators[0].superseded).toBe(1);
    expect(await count(`SELECT count() AS n FROM flags FINAL WHERE output_id = 'o-late' AND is_deleted = 0`)).toBe(0);
    expect(await count(`SELECT count() AS n FROM flags FINAL WHERE output_id = 'o-leak' AND evaluator_version = '9.9.9-test' AND is_deleted = 0`)).toBe(1);
  });

  it('after first runs, re-runs and a supersession, the flags rollup equals the live flags', async () => {
    const figures = (from: string) =>
      `SELECT toString(day) AS day, evaluator, rule_id, severity, sum(flags) AS flags, sum(outputs) AS outputs, sum(citation_outputs) AS citation_outputs
         FROM ${from} GROUP BY day, evaluator, rule_id, severity HAVING flags != 0 ORDER BY ALL`;
    const rollup = await (await db.client.query({ query: figures('flags_daily'), format: 'JSONEachRow' })).json();
    const live = await (await db.client.query({ query: figures(`(${FLAGS_DAILY_SELECT})`), format: 'JSONEachRow' })).json();
    expect(live.length).toBeGreaterThan(0);
    expect(rollup).toEqual(live);
    // The superseded mobile-number flag left the rollup with it.
    expect(await count(`SELECT sum(flags) AS n FROM flags_daily WHERE rule_id = 'personal_mobile_number'`)).toBe(0);
  });
});

describe('alerts', () => {
  it('opened incidents go to the hook its caller passes (alerts/notify.ts for service, CLI and demo), and nowhere without one', async () => {
    const { closeAlerts, notifyIncidentsOpened } = await import('../../../alerts/notify.ts');
    await db.client.insert({ table: 'outputs', values: [output('o-silent', 'カード 5555 5555 5555 4444 で決済', { ingested_at: '2026-07-02 11:00:00.000' })], format: 'JSONEachRow' });
    expect((await runEvaluationOnce(db.client, { settleMs: 0, evaluators: ['leakage'] })).incidentsOpened).toBe(1);
    await db.client.insert({ table: 'outputs', values: [output('o-alert', 'カード 4111 1111 1111 1111 で決済', { ingested_at: '2026-07-02 12:00:00.000' })], format: 'JSONEachRow' });
    const res = await runEvaluationOnce(db.client, { settleMs: 0, evaluators: ['leakage'], onIncidentsOpened: notifyIncidentsOpened });
    expect(res.incidentsOpened).toBe(1);
    const totals = await closeAlerts();
    expect(totals?.incidents).toBe(1);
  });
});

describe('errors', () => {
  it('an evaluator that throws records evaluation_errors and the pass goes on', async () => {
    await db.client.insert({ table: 'outputs', values: [output('o-err', '本日は晴天なり。', { ingested_at: '2026-07-03 00:00:00.000' })], format: 'JSONEachRow' });
    const broken: Evaluator = { id: 'broken', version: '0.0.1', evaluate: () => { throw new Error('rule data missing'); } };
    const res = await runEvaluationOnce(db.client, { settleMs: 0, evaluators: [broken, 'leakage'] });
    expect(res.evaluators.find((e) => e.evaluator === 'broken')!.errors).toBeGreaterThan(0);
    expect(res.evaluators.find((e) => e.evaluator === 'leakage')!.outputs).toBe(1);
    const rs = await db.client.query({ query: `SELECT output_id, error FROM evaluation_errors FINAL WHERE evaluator = 'broken'`, format: 'JSONEachRow' });
    const errs = await rs.json<{ output_id: string; error: string }>();
    expect(errs.length).toBeGreaterThan(0);
    expect(errs[0].error).toContain('rule data missing');
    // The broken evaluator's watermark still advanced: a poisoned output does not block the queue.
    const wm = await db.client.query({ query: `SELECT watermark_id FROM eval_watermarks FINAL WHERE evaluator = 'broken'`, format: 'JSONEachRow' });
    expect(await wm.json()).toEqual([{ watermark_id: 'o-err' }]);
  });
});
