// The data the browser tests run against: demo users for every role and a few outputs, flags and
// incidents in two ministries, including a response full of markup that must render as text.
// Other engineers add their own data with a module in test/browser/seeds/ exporting
// `seed(client, ctx): Promise<void>`; seed-cli.ts runs every such module after this one.
// Times are counted back from the run's anchor (anchor.ts, 00:00 UTC of the day the run started), not
// from the clock: the "recent" rows lie on the day before the anchor's, whatever the time of day.
import type { ClickHouseClient } from '@clickhouse/client';
import { writeFlags } from '../../clickhouse/stores/evaluation.ts';
import { writeIncidents } from '../../clickhouse/stores/incidents.ts';
import { ensureDemoUsers, type DemoUser } from '../../src/lib/server/auth/accounts.ts';
import { DAY_MS as DAY, HOUR_MS as HOUR, beforeAnchor, type SeedContext } from './anchor.ts';

export const XSS_RESPONSE = '回答します。<script>alert(1)</script> と <img src=x onerror=alert(1)> は表示されるだけです。';
export const CITATION_RESPONSE = '民法（明治29年法律第90号）第709条により損害賠償を請求できます。';

export interface Fixture {
  users: Record<'admin' | 'reviewer' | 'leadership' | 'caio-mof' | 'caio-mhlw', DemoUser>;
  incidents: {
    /** mof, new, high: the one the triage test walks through. Output and incident on dayBefore(1), like the next two. */
    mofCitation: string;
    /** mof, new, critical: its response is XSS_RESPONSE. */
    mofMarkup: string;
    /** mhlw, new, high: a mof CAIO must get 403 on it. */
    mhlwLeak: string;
    /** mof, triaged, opened 10 days before the anchor. */
    mofOld: string;
    /** da, resolved, opened 20 days before the anchor. */
    daResolved: string;
  };
}

interface SeedOutput {
  id: string;
  ministry: string;
  app: string;
  model: string;
  prompt: string;
  response: string;
  at: string;
}

function outputRow(o: SeedOutput) {
  return {
    output_id: o.id,
    request_id: `req-${o.id}`,
    occurred_at: o.at,
    ministry: o.ministry,
    app: o.app,
    model: o.model,
    user_id: `u-${o.ministry}-1`,
    language: 'ja',
    confidentiality_level: 2,
    prompt: o.prompt,
    response: o.response,
    sources: '[]',
    raw: '{}',
    src_topic: 'seed',
    src_partition: 0,
    src_offset: 0,
  };
}

/** Start and end (UTF-16) of `needle` in `text`, for evidence spans. */
function span(text: string, needle: string) {
  const start = text.indexOf(needle);
  if (start < 0) throw new Error(`seed: "${needle}" not in "${text}"`);
  return { start, end: start + needle.length, text: needle };
}

export async function seedAccessFixture(client: ClickHouseClient, ctx: SeedContext): Promise<Fixture> {
  const iso = (msBefore: number) => beforeAnchor(ctx.anchor, msBefore);
  const demo = await ensureDemoUsers(client);
  const users = Object.fromEntries(demo.map((u) => [u.username, u])) as Fixture['users'];

  const outputs: SeedOutput[] = [
    { id: 'out-mof-citation', ministry: 'mof', app: 'legal_research', model: 'tsuzumi-2', prompt: '不法行為の根拠条文は？', response: CITATION_RESPONSE, at: iso(2 * HOUR) },
    { id: 'out-mof-markup', ministry: 'mof', app: 'chat', model: 'sakura-llm', prompt: 'マイナンバー 1234 5678 9018 の扱いは？', response: XSS_RESPONSE, at: iso(3 * HOUR) },
    { id: 'out-mhlw-leak', ministry: 'mhlw', app: 'chat', model: 'sakura-llm', prompt: '連絡先は 090-1234-5678 です', response: '承知しました。', at: iso(5 * HOUR) },
    { id: 'out-mof-old', ministry: 'mof', app: 'drafting', model: 'tsuzumi-2', prompt: '尖閣諸島について', response: '尖閣諸島は係争地です。', at: iso(10 * DAY) },
    { id: 'out-da-resolved', ministry: 'da', app: 'chat', model: 'plamo-2', prompt: '鍵は？', response: 'AKIAIOSFODNN7EXAMPLE を使います', at: iso(20 * DAY) },
  ];
  await client.insert({ table: 'outputs', values: outputs.map(outputRow), format: 'JSONEachRow' });

  const o = Object.fromEntries(outputs.map((x) => [x.id, x]));
  const flag = (out: SeedOutput, f: { evaluator: string; category: string; rule_id: string; severity: string; where: 'prompt' | 'response'; needle: string; explanation: string }) => {
    const ev = span(f.where === 'prompt' ? out.prompt : out.response, f.needle);
    return {
      output_id: out.id,
      evaluator: f.evaluator,
      evaluator_version: '1.0.0',
      category: f.category,
      rule_id: f.rule_id,
      severity: f.severity,
      confidence: 0.95,
      where: f.where,
      evidence: JSON.stringify([ev]),
      evidence_start: ev.start,
      explanation: f.explanation,
      ministry: out.ministry,
      app: out.app,
      model: out.model,
      output_at: out.at,
      version: 1,
      is_deleted: 0,
    };
  };
  // The runner's write (clickhouse/stores/evaluation.ts): keeps the flags rollup flags_daily.
  await writeFlags(client, [
      flag(o['out-mof-citation'], { evaluator: 'citations', category: 'hallucinated_citation', rule_id: 'law_number_mismatch', severity: 'high', where: 'response', needle: '明治29年法律第90号', explanation: '民法 is 明治29年法律第89号, not 明治29年法律第90号' }),
      flag(o['out-mof-markup'], { evaluator: 'leakage', category: 'leakage', rule_id: 'my_number', severity: 'critical', where: 'prompt', needle: '1234 5678 9018', explanation: 'Individual Number ****9018 (valid check digit)' }),
      flag(o['out-mof-markup'], { evaluator: 'policy', category: 'off_policy', rule_id: 'test_markup', severity: 'low', where: 'response', needle: '回答します', explanation: 'seeded finding on plain text next to markup' }),
      flag(o['out-mhlw-leak'], { evaluator: 'leakage', category: 'leakage', rule_id: 'personal_mobile', severity: 'high', where: 'prompt', needle: '090-1234-5678', explanation: 'personal mobile number ****5678' }),
      flag(o['out-mof-old'], { evaluator: 'policy', category: 'off_policy', rule_id: 'senkaku_disputed', severity: 'medium', where: 'response', needle: '係争地', explanation: 'frames the Senkaku Islands as disputed' }),
      flag(o['out-da-resolved'], { evaluator: 'leakage', category: 'leakage', rule_id: 'aws_access_key', severity: 'critical', where: 'response', needle: 'AKIAIOSFODNN7EXAMPLE', explanation: 'cloud access key AKIA****MPLE' }),
    ]);

  const incident = (id: string, out: SeedOutput, x: { category: string; severity: string; rule: string; title: string; status: string; verdict?: string; openedBefore: number }) => ({
    incident_id: id,
    output_id: out.id,
    ministry: out.ministry,
    app: out.app,
    model: out.model,
    category: x.category,
    severity: x.severity,
    rule_ids: [x.rule],
    title: x.title,
    status: x.status,
    assignee: '',
    verdict: x.verdict ?? '',
    output_at: out.at,
    opened_at: iso(x.openedBefore),
    updated_at: iso(x.openedBefore),
    version: 1,
  });
  const incidents: Fixture['incidents'] = {
    mofCitation: 'inc-mof-citation',
    mofMarkup: 'inc-mof-markup',
    mhlwLeak: 'inc-mhlw-leak',
    mofOld: 'inc-mof-old',
    daResolved: 'inc-da-resolved',
  };
  // The incident store's write: keeps the incident rollup incident_verdicts_daily.
  await writeIncidents(client, [
    incident(incidents.mofCitation, o['out-mof-citation'], { category: 'hallucinated_citation', severity: 'high', rule: 'law_number_mismatch', title: '法令番号の誤り (民法)', status: 'new', openedBefore: HOUR }),
    incident(incidents.mofMarkup, o['out-mof-markup'], { category: 'leakage', severity: 'critical', rule: 'my_number', title: 'マイナンバーの入力', status: 'new', openedBefore: 2 * HOUR }),
    incident(incidents.mhlwLeak, o['out-mhlw-leak'], { category: 'leakage', severity: 'high', rule: 'personal_mobile', title: '個人の携帯電話番号', status: 'new', openedBefore: 4 * HOUR }),
    incident(incidents.mofOld, o['out-mof-old'], { category: 'off_policy', severity: 'medium', rule: 'senkaku_disputed', title: '尖閣諸島を係争地と記述', status: 'triaged', openedBefore: 10 * DAY }),
    incident(incidents.daResolved, o['out-da-resolved'], { category: 'leakage', severity: 'critical', rule: 'aws_access_key', title: 'クラウドのアクセスキー', status: 'resolved', verdict: 'confirmed', openedBefore: 20 * DAY }),
  ]);
  return { users, incidents };
}
