// Reports against a real embedded ClickHouse: the stored figures equal the dashboard's query functions
// for the same filters at generation time, stay unchanged after new data arrives, and regenerating
// makes a new version with the new figures. Also the incident workflow figures, computed here from
// the raw rows independently of the SQL, and the Markdown/JSON renderings of the stored document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFlags } from '../../../clickhouse/stores/evaluation.ts';
import { writeIncidents } from '../../../clickhouse/stores/incidents.ts';
import { makePilot, openPilotDb, type Pilot, type TestDb } from '../queries/fixture.ts';
import { generateReport, getReport, listReports, contentHash, seriesVersions } from '../../../src/lib/server/reports/store.ts';
import { DEFAULT_TARGETS } from '../../../src/lib/server/reports/config.ts';
import { reportDocument } from '../../../src/lib/server/reports/document.ts';
import { reportMarkdown } from '../../../src/lib/server/reports/markdown.ts';
import { viewOf, requireReportAccess, generationScope, ReportAccessError } from '../../../src/lib/server/reports/access.ts';
import { plannedUsers } from '../../../contracts/ministries.ts';
import { overviewPageData } from '../../../src/lib/server/queries/page-data.ts';
import { ministryAdoption } from '../../../src/lib/server/queries/overview.ts';
import { ruleQuality } from '../../../src/lib/server/queries/evaluators.ts';
import type { SessionUser } from '../../../src/lib/server/auth/roles.ts';
import { ingestCaveat } from '../../../src/lib/server/reports/figures.ts';
import { reviewEstimates } from '../../../src/lib/server/review/estimates.ts';
import { MIN_LABELS, wilsonCount } from '../../../evaluators/quality/estimators.ts';
import { categoryName } from '../../../src/lib/i18n/index.ts';
import { fmtRatioPct } from '../../../src/lib/format.ts';

let pilot: Pilot;
let db: TestDb;
const planned = plannedUsers();
const F = (ministry: string | null) => ({ from: '2026-07-01', to: '2026-07-31', ministry, app: null, model: null });
const H = 3_600_000;

const user = (role: SessionUser['role'], ministry: string | null = null) => ({ user: { username: `u-${role}`, display_name: '', role, ministry } });

beforeAll(async () => {
  pilot = makePilot();
  db = await openPilotDb(pilot);
  // A leak with evidence in the text, an incident on it, and a workflow history for two incidents.
  await db.client.insert({
    table: 'outputs',
    format: 'JSONEachRow',
    values: [{ output_id: 'leak-1', request_id: 'leak-1', occurred_at: '2026-07-10T03:00:00.000Z', ministry: 'mof', app: 'chat', model: 'model-a', user_id: 'mof-u1', language: 'ja', confidentiality_level: 2, prompt: '山田さんの携帯は 090-1234-5678 、マイナンバーは 1234 5678 9018 です', response: 'ok', sources: '[]' }],
  });
  const prompt = '山田さんの携帯は 090-1234-5678 、マイナンバーは 1234 5678 9018 です';
  const start = prompt.indexOf('1234 5678 9018');
  // The runner's write (clickhouse/stores/evaluation.ts): keeps the flags rollup flags_daily.
  await writeFlags(db.client, [{ output_id: 'leak-1', evaluator: 'leakage', evaluator_version: '2.0.0+patterns.3', category: 'leakage', rule_id: 'individual_number', severity: 'critical', confidence: 0.99, where: 'prompt', evidence: JSON.stringify([{ start, end: start + 14, text: '****9018' }]), evidence_start: start, explanation: 'x', ministry: 'mof', app: 'chat', model: 'model-a', output_at: '2026-07-10T03:00:00.000Z', version: 1, is_deleted: 0 }]);
  const opened = Date.parse('2026-07-10T04:00:00.000Z');
  // The incident store's write: keeps the incident rollup incident_verdicts_daily.
  await writeIncidents(db.client, [{ incident_id: 'crit-1', output_id: 'leak-1', ministry: 'mof', app: 'chat', model: 'model-a', category: 'leakage', severity: 'critical', rule_ids: ['individual_number'], title: 't', status: 'resolved', assignee: '', verdict: 'confirmed', output_at: '2026-07-10T03:00:00.000Z', opened_at: new Date(opened).toISOString(), version: 9 }]);
  const ev = (id: string, at: number, to: string) => ({ incident_id: id, at: new Date(at).toISOString(), actor: 'rev', action: 'status', from_status: '', to_status: to, assignee: '', verdict: '', note: '' });
  await db.client.insert({
    table: 'incident_events',
    format: 'JSONEachRow',
    values: [ev('crit-1', opened + 2 * H, 'triaged'), ev('crit-1', opened + 5 * H, 'confirmed'), ev('crit-1', opened + 30 * H, 'resolved')],
  });
}, 120_000);

afterAll(async () => {
  await db?.close();
});

describe('a generated report', () => {
  it('stores the dashboard figures of the same filters and keeps them after new data; regenerating makes a new version', async () => {
    const req = { kind: 'ministry' as const, period_kind: 'month' as const, period: '2026-07', ministry: null };
    const report = await generateReport(db.client, req, { username: 'rev', role: 'reviewer' }, { origin: 'ui', planned, curve: DEFAULT_TARGETS, withExcerpts: true });
    expect(report.params).toMatchObject({ from: '2026-07-01', to: '2026-07-31', previous_from: '2026-06-01', previous_to: '2026-06-30' });
    expect(report.version).toBe(1);

    // Equal to the dashboard's own functions for the same filters, at generation time.
    const live = await overviewPageData(db.client, F(null));
    const stored = (await getReport(db.client, report.report_id))!;
    expect(stored.hash_verified).toBe(true);
    expect(stored.content_hash).toBe(report.content_hash);
    expect(stored.figures.current.active).toEqual(live.active);
    expect(stored.figures.current.byApp).toEqual(live.byApp);
    expect(stored.figures.current.byModel).toEqual(live.byModel);
    expect(stored.figures.current.totals).toEqual(live.totals);
    expect(stored.figures.current.riskTable).toEqual(live.riskTable);
    expect(stored.figures.current.ministries).toEqual(await ministryAdoption(db.client, F(null), planned));
    expect(stored.figures.current.rules).toEqual(await ruleQuality(db.client, F(null)));
    const julyOutputs = pilot.outputs.filter((o) => o.occurred_at.startsWith('2026-07')).length + 1;
    expect(stored.figures.current.totals.outputs).toBe(julyOutputs);
    expect(stored.figures.previous.totals.outputs).toBe(pilot.outputs.filter((o) => o.occurred_at.startsWith('2026-06')).length);

    // New data after generation: the dashboard moves, the stored report does not.
    await db.client.insert({
      table: 'usage_events',
      format: 'JSONEachRow',
      values: Array.from({ length: 25 }, (_, i) => ({ event_id: `late-${i}`, occurred_at: '2026-07-20T10:00:00.000Z', ministry: 'da', user_id: `late-user-${i}`, session_id: 's', request_id: `late-${i}`, app: 'legal_research', model: 'model-z', input_tokens: 1, output_tokens: 1, latency_ms: 10, status: 'ok' })),
    });
    const after = await overviewPageData(db.client, F(null));
    expect(after.active.mau).toBe(live.active.mau + 25);
    const reopened = (await getReport(db.client, report.report_id))!;
    expect(reopened.figures).toEqual(stored.figures);
    expect(reopened.content_hash).toBe(report.content_hash);
    expect(reopened.hash_verified).toBe(true);

    const v2 = await generateReport(db.client, req, { username: 'rev', role: 'reviewer' }, { origin: 'ui', planned, curve: DEFAULT_TARGETS, withExcerpts: true });
    expect(v2.version).toBe(2);
    expect(v2.report_id).not.toBe(report.report_id);
    expect(v2.figures.current.active).toEqual(after.active);
    expect(v2.figures.current.byApp.map((r) => r.key)).toContain('legal_research');
    expect(v2.content_hash).not.toBe(report.content_hash);
    expect((await seriesVersions(db.client, report.series)).map((v) => v.version)).toEqual([1, 2]);
  }, 120_000); // two periods' figures, twice, on an embedded database a busy machine shares

  it('counts the incident workflow from its history: opened, moves, open criticals, time to triage and resolve', async () => {
    const r = await generateReport(db.client, { kind: 'ministry', period_kind: 'month', period: '2026-07', ministry: 'mof' }, { username: 'rev', role: 'reviewer' }, { origin: 'ui', planned, curve: DEFAULT_TARGETS, withExcerpts: true });
    const julyMof = new Set(pilot.incidentRows.filter((i) => i.ministry === 'mof' && i.opened_at.startsWith('2026-07')).map((i) => i.incident_id));
    const flow = r.figures.current.flow;
    expect(flow.opened).toBe(julyMof.size + 1);
    expect(flow).toMatchObject({ triaged: 1, confirmed: 1, resolved: 1, false_positive: 0, open_critical: 0, triaged_of_opened: 1, resolved_of_opened: 1 });
    expect(flow.triage_hours_p50).toBe(2);
    expect(flow.resolve_hours_p90).toBe(30);
    // The critical leak is listed with a masked excerpt: no number in clear.
    const item = r.figures.notable.items.find((i) => i.incident_id === 'crit-1')!;
    expect(item.excerpt).toContain('【****9018】');
    expect(item.excerpt).toBe('山田さんの携帯は ****5678 、マイナンバーは 【****9018】 です'); // last four digits only
    expect(r.figures.notable.by_severity.critical).toBe(1);
  });

  it('maps flags to the AISI perspectives and says which are not measured', async () => {
    const r = await generateReport(db.client, { kind: 'safety', period_kind: 'quarter', period: '2026-Q3', ministry: null }, { username: 'rev', role: 'reviewer' }, { origin: 'ui', planned, curve: DEFAULT_TARGETS, withExcerpts: false });
    const byId = Object.fromEntries(r.figures.perspectives.map((p) => [p.id, p]));
    expect(r.figures.perspectives).toHaveLength(10);
    expect(r.figures.perspectives.filter((p) => p.measured).map((p) => p.id).sort()).toEqual(['misinformation', 'privacy', 'security', 'verifiability']);
    const live = pilot.flagRows.filter((f) => f.output_at >= '2026-07-01' && f.severity !== 'info');
    const latest = new Map<string, (typeof live)[number]>();
    for (const f of live) {
      const k = `${f.output_id}|${f.evaluator}|${f.rule_id}|${f.evidence_start}`;
      if (!latest.has(k) || latest.get(k)!.version < f.version) latest.set(k, f);
    }
    const current = [...latest.values()].filter((f) => !f.is_deleted);
    const misinformation = current.filter((f) => f.category === 'hallucinated_citation' || f.category === 'off_policy').length;
    expect(byId.misinformation.findings).toBe(misinformation);
    expect(byId.privacy.findings).toBe(current.filter((f) => f.category === 'leakage').length + 1); // + the seeded Individual Number
    expect(byId.security.findings).toBe(0);
    expect(byId.fairness.measured).toBe(false);
    // Precision with a Wilson interval around it wherever reviewers judged.
    const p = byId.misinformation;
    expect(p.reviewed).toBeGreaterThan(0);
    expect(p.precision_ci!.low).toBeLessThan(p.precision!);
    expect(p.precision_ci!.high).toBeGreaterThan(p.precision!);
    expect(r.figures.notable.excerpts_included).toBe(false);
    expect(r.figures.notable.items).toEqual([]);

    const doc = reportDocument(r, 'ja');
    const md = reportMarkdown(doc);
    expect(md).toContain('# 生成AI安全性評価レポート');
    expect(md.match(/Oversightでは測定していません/g)).toHaveLength(6);
    for (const name of ['有害情報の出力制御', '偽誤情報の出力・誘導の防止', 'プライバシー保護', 'セキュリティ確保', '検証可能性']) expect(md).toContain(name);
    expect(md).toContain(r.report_id);
    expect(md).toContain(r.content_hash);
    const en = reportMarkdown(reportDocument(r, 'en'));
    expect(en).toContain('# Generative AI safety review');
    expect(en.match(/Not measured by Oversight/g)).toHaveLength(6);
  });

  it('detects a stored report whose figures were altered', async () => {
    const r = await generateReport(db.client, { kind: 'rollout', period_kind: 'custom', period: '2026-07-01..2026-07-15', ministry: null }, { username: 'lead', role: 'leadership' }, { origin: 'ui', planned, curve: DEFAULT_TARGETS, withExcerpts: false });
    expect(r.params).toMatchObject({ previous_from: '2026-06-16', previous_to: '2026-06-30' });
    expect(contentHash(r.params, r.versions, { ...r.figures, rollout: { ...r.figures.rollout, total_mau: 1 } })).not.toBe(r.content_hash);
    expect(r.figures.rollout.ministries.length).toBeGreaterThan(3);
    expect(r.figures.rollout.target).not.toBeNull();
  });
});

describe('access to reports', () => {
  it('holds a CAIO to their ministry and hides excerpts from leadership', async () => {
    expect(generationScope(user('caio', 'mof'), null)).toBe('mof');
    expect(() => generationScope(user('caio', 'mof'), 'mhlw')).toThrow(ReportAccessError);
    expect(generationScope(user('leadership'), 'mhlw')).toBe('mhlw');
    // A CAIO account without a ministry is refused, never treated as "all ministries".
    expect(() => generationScope(user('caio', ''), null)).toThrow(ReportAccessError);
    const [mofReport] = (await listReports(db.client, 'mof')).map((r) => r.report_id);
    const stored = (await getReport(db.client, mofReport))!;
    expect(stored.figures.notable.items.length).toBeGreaterThan(0);
    expect(requireReportAccess(user('caio', 'mof'), stored).report_id).toBe(mofReport);
    expect(() => requireReportAccess(user('caio', 'mhlw'), stored)).toThrow(ReportAccessError);
    expect(() => requireReportAccess(user('caio', ''), stored)).toThrow(ReportAccessError);
    expect(viewOf(user('leadership'), stored)).toMatchObject({ redacted: true, figures: { notable: { items: [] } } });
    expect(viewOf(user('caio', 'mof'), stored).redacted).toBe(false);
    expect(viewOf(user('reviewer'), stored).figures.notable.items.length).toBeGreaterThan(0);
    expect((await listReports(db.client, 'mhlw')).length).toBe(0);
  });
});

describe('the safety review: recall and ingest delay (issue 13)', () => {
  it('fills recall per category with its interval from the review samples, as /evaluators shows it, and says "not enough labels" otherwise', async () => {
    // Ten labelled items of one stratum (equal weights). A reviewer found leakage in four of them; the
    // leakage evaluator flagged three of those four → recall 3/4. A citation error found once and not
    // flagged → 0/1. No off-policy finding anywhere → no recall, "not enough labels".
    const items = Array.from({ length: 10 }, (_, i) => ({
      item_id: `rv-item-${i}`, round_id: 'rv-round', week: '2026-07-06', rule_id: 'weekly', output_id: `rv-out-${i}`, ministry: 'mof', app: 'chat',
      output_at: '2026-07-07T00:00:00.000Z', flagged: 0, stratum_size: 10, stratum_sampled: 10, second_review: 0,
    }));
    await db.client.insert({ table: 'review_items', format: 'JSONEachRow', values: items });
    const label = (i: number, category: string, finding: boolean) => ({
      item_id: `rv-item-${i}`, reviewer: 'rev-a', pass: 1, category, finding: finding ? 1 : 0, severity: finding ? 'high' : '', where: finding ? 'response' : '',
      evidence_start: 0, evidence_end: 0, evidence_text: '', note: '', output_id: `rv-out-${i}`, ministry: 'mof', version: 1,
    });
    await db.client.insert({
      table: 'review_labels',
      format: 'JSONEachRow',
      values: items.flatMap((_, i) => [label(i, 'leakage', i < 4), label(i, 'hallucinated_citation', i === 5), label(i, 'off_policy', false)]),
    });
    // Live flags on the sampled outputs, dated outside July so the period's flag counts do not move.
    await db.client.insert({
      table: 'flags',
      format: 'JSONEachRow',
      values: [0, 1, 2].map((i) => ({
        output_id: `rv-out-${i}`, evaluator: 'leakage', evaluator_version: '2.0.0+patterns.3', category: 'leakage', rule_id: 'mobile_phone', severity: 'high', confidence: 0.9,
        where: 'response', evidence: '[]', evidence_start: 0, explanation: 'x', ministry: 'mof', app: 'chat', model: 'model-a', output_at: '2025-01-07T00:00:00.000Z', version: 1, is_deleted: 0,
      })),
    });

    const r = await generateReport(db.client, { kind: 'safety', period_kind: 'month', period: '2026-07', ministry: null }, { username: 'rev', role: 'reviewer' }, { origin: 'ui', planned, curve: DEFAULT_TARGETS, withExcerpts: false });
    const byId = Object.fromEntries(r.figures.perspectives.map((p) => [p.id, p]));
    const expected = wilsonCount(3, 4)!;
    for (const id of ['privacy', 'security']) {
      expect(byId[id].recall).toBe(0.75);
      expect(byId[id].recall_ci).toEqual({ low: expected.low, high: expected.high, level: 0.95 });
      expect(byId[id].recall_by_category).toEqual([
        { category: 'leakage', recall: 0.75, recall_ci: { low: expected.low, high: expected.high, level: 0.95 }, labeled: 10, human_found: 4, missed: 1, few_labels: true, min_labels: MIN_LABELS },
      ]);
    }
    expect(byId.misinformation.recall).toBeNull(); // two categories: one figure each
    expect(byId.misinformation.recall_by_category!.map((x) => [x.category, x.recall, x.human_found])).toEqual([['hallucinated_citation', 0, 1], ['off_policy', null, 0]]);
    expect(byId.verifiability.recall).toBe(0);
    expect(byId.fairness.recall_by_category).toBeUndefined();
    // The same figures as the /evaluators page for the same filters ("any evaluator", whole range).
    const page = await reviewEstimates(db.client, F(null));
    const leak = page.rows.find((x) => x.group === 'all' && x.evaluator === '*' && x.category === 'leakage')!;
    expect([leak.recall!.estimate, leak.recall!.low, leak.recall!.high]).toEqual([0.75, expected.low, expected.high]);

    const ja = reportMarkdown(reportDocument(r, 'ja'));
    expect(ja).toContain(`再現率（${categoryName('leakage', 'ja')}）: 75.0%（95%信頼区間 ${fmtRatioPct(expected.low)}〜${fmtRatioPct(expected.high)}`);
    expect(ja).toContain(`再現率（${categoryName('off_policy', 'ja')}）: ラベルが不足しているため推定できません`);
    expect(ja).toContain(`ラベルが${MIN_LABELS}件未満のため参考値です。`);
    expect(ja).not.toContain('レビュー標本（検知されなかった出力の抜き取り判定）がないため');
    const en = reportMarkdown(reportDocument(r, 'en'));
    expect(en).toContain(`Recall (${categoryName('leakage', 'en')}): 75.0% (95% CI ${fmtRatioPct(expected.low)}–${fmtRatioPct(expected.high)}`);
    expect(en).toContain('not enough labels');
  }, 120_000);

  it('states the ingest delay: the latest stored event time against the period end', async () => {
    const r = await generateReport(db.client, { kind: 'safety', period_kind: 'month', period: '2026-07', ministry: 'mof' }, { username: 'rev', role: 'reviewer' }, { origin: 'ui', planned, curve: DEFAULT_TARGETS, withExcerpts: false });
    const rs = await db.client.query({
      query: `SELECT formatDateTime(max(t), '%Y-%m-%dT%H:%i:%SZ', 'UTC') AS at FROM (SELECT occurred_at AS t FROM usage_events UNION ALL SELECT occurred_at AS t FROM outputs) WHERE t >= '2026-07-01'`,
      format: 'JSONEachRow',
    });
    const [{ at }] = await rs.json<{ at: string }>();
    const ingest = r.figures.caveats.ingest!;
    expect(ingest.latest_event_at).toBe(at);
    expect(ingest.period_end).toBe('2026-08-01T00:00:00.000Z');
    expect(ingest.period_open).toBe(false);
    expect(ingest.behind_seconds).toBe((Date.parse('2026-08-01T00:00:00Z') - Date.parse(at)) / 1000);
    expect(ingest.behind_seconds).toBeGreaterThan(86_400); // the pilot's data ends in mid-July
    const md = reportMarkdown(reportDocument(r, 'ja'));
    expect(md).toContain(`取り込まれた最新のイベント時刻は ${at.slice(0, 16).replace('T', ' ')} UTC で、期末（2026-08-01 00:00 UTC）の`);
    expect(reportMarkdown(reportDocument(r, 'en'))).toContain('Ingest delay: the latest ingested event time is');
  }, 120_000);

  it('words each ingest state: complete, period still open, nothing ingested', () => {
    const end = '2026-08-01T00:00:00Z';
    expect(ingestCaveat('2026-08-01T00:05:00Z', end, new Date('2026-08-02T00:00:00Z'))).toMatchObject({ behind_seconds: 0, period_open: false });
    expect(ingestCaveat('2026-07-31T23:00:00Z', end, new Date('2026-08-02T00:00:00Z'))).toMatchObject({ behind_seconds: 3600, period_open: false });
    expect(ingestCaveat('2026-07-20T00:00:00Z', end, new Date('2026-07-20T00:01:00Z'))).toMatchObject({ period_open: true });
    expect(ingestCaveat(null, end, new Date('2026-08-02T00:00:00Z'))).toMatchObject({ latest_event_at: null, behind_seconds: null });
  });
});
