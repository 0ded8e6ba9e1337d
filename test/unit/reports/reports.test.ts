// Reports against a real embedded ClickHouse: the stored figures equal the dashboard's query functions
// for the same filters at generation time, stay unchanged after new data arrives, and regenerating
// makes a new version with the new figures. Also the incident workflow figures, computed here from
// the raw rows independently of the SQL, and the Markdown/JSON renderings of the stored document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFlags } from '../../../clickhouse/stores/evaluation.ts';
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
  await db.client.insert({
    table: 'incidents',
    format: 'JSONEachRow',
    values: [{ incident_id: 'crit-1', output_id: 'leak-1', ministry: 'mof', app: 'chat', model: 'model-a', category: 'leakage', severity: 'critical', rule_ids: ['individual_number'], title: 't', status: 'resolved', assignee: '', verdict: 'confirmed', output_at: '2026-07-10T03:00:00.000Z', opened_at: new Date(opened).toISOString(), version: 9 }],
  });
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
