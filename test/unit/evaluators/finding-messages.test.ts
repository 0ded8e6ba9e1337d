// Findings in the UI language: every flag the evaluators emit on the labeled sets renders in Japanese
// from its rule id and the params of its stored English text; unknown wording stays English (and says
// so); titles, incident titles, CSV columns and alert lines use the rule names.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateOutput, parseOutputLine } from '../../../evaluators/evaluate.ts';
import { FINDING_MESSAGES, findingTitle, localiseExplanation, parseTemplate } from '../../../contracts/finding-messages.ts';
import { incidentTitle, withRuleTitles } from '../../../src/lib/i18n/findings.ts';
import { incidentsWebhookPayload, summarize, type AlertIncident } from '../../../alerts/message.ts';
import type { PolicyRulesFile } from '../../../evaluators/policy.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SETS = [
  join(ROOT, 'test', 'data', 'eval-regression.ndjson'),
  join(ROOT, '..', 'shared', 'data', 'eval-dev.ndjson'),
  join(ROOT, '..', 'shared', 'data', 'real-citations.ndjson'),
].filter(existsSync);

const flagsOf = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      const p = parseOutputLine(l);
      return p.ok ? evaluateOutput(p.output) : [];
    });

describe('every flag of the labeled sets reads in Japanese', () => {
  it.each(SETS)('%s', (path) => {
    const flags = flagsOf(path);
    expect(flags.length).toBeGreaterThan(0);
    const english = flags.filter((f) => localiseExplanation(f, 'ja').lang !== 'ja').map((f) => `${f.rule_id}: ${f.explanation}`);
    expect([...new Set(english)]).toEqual([]);
    for (const f of flags) expect(findingTitle(f.rule_id, 'ja')).not.toBe(f.rule_id);
  });

  it('the policy rule pack has a Japanese title and text for each rule, matching its English explanation', () => {
    const pack = JSON.parse(readFileSync(join(ROOT, 'evaluators', 'data', 'policy-rules.json'), 'utf8')) as PolicyRulesFile;
    for (const rule of pack.topics.flatMap((t) => t.rules)) {
      expect(FINDING_MESSAGES[rule.id]?.variants.map((v) => v.en), rule.id).toContain(rule.explanation);
    }
  });
});

describe('rendering', () => {
  it('keeps the params of the stored text (masked values, law names, numbers)', () => {
    expect(localiseExplanation({ rule_id: 'article_out_of_range', explanation: '行政手続法 ends at Article 46; Article 50 does not exist' }, 'ja')).toEqual({
      text: '行政手続法は第46条までです。第50条は存在しません',
      lang: 'ja',
    });
    expect(localiseExplanation({ rule_id: 'personal_mobile_number', explanation: 'personal mobile phone number (****5678)' }, 'ja').text).toBe('個人の携帯電話番号です（****5678）');
  });

  it('reads the wording of the citation rules as 11-citations writes it (several real numbers, anachronistic dates)', () => {
    expect(localiseExplanation({ rule_id: 'law_number_mismatch', explanation: '行政不服審査法 is 昭和37年法律第160号 or 平成26年法律第68号, not 平成26年法律第69号' }, 'ja').text).toBe(
      '行政不服審査法の法令番号は昭和37年法律第160号または平成26年法律第68号です（「平成26年法律第69号」ではありません）',
    );
    expect(
      localiseExplanation({ rule_id: 'anachronistic_era_date', explanation: '平成三十五年三月三十一日 is past the end of 平成 (2019-04-30); statutes drafted before an era change name such dates' }, 'ja').lang,
    ).toBe('ja');
  });

  it('localises a phrase nested in a param (an era reason, the claim a translation added)', () => {
    expect(localiseExplanation({ rule_id: 'impossible_era_date', explanation: '平成33年 does not exist: 平成 ended in year 31 (2019-04-30)' }, 'ja').text).toBe(
      '平成33年は存在しない日付です（平成は31年（2019-04-30）で終わっています）',
    );
    const claim = FINDING_MESSAGES.senkaku_foreign_sovereignty.variants[0];
    expect(localiseExplanation({ rule_id: 'inverted_translation', explanation: `translation introduces a claim absent from the source text: ${claim.en}` }, 'ja').text).toContain(claim.ja);
  });

  it('shows unknown rules and unknown wording as stored, marked English', () => {
    expect(localiseExplanation({ rule_id: 'reviewer_added_rule', explanation: 'something new' }, 'ja')).toEqual({ text: 'something new', lang: 'en' });
    expect(localiseExplanation({ rule_id: 'personal_mobile_number', explanation: 'reworded by a later version' }, 'ja').lang).toBe('en');
    expect(findingTitle('reviewer_added_rule', 'ja')).toBe('reviewer_added_rule');
  });

  it('English pages show the stored English explanation and English titles', () => {
    const f = { rule_id: 'law_number_mismatch', explanation: '民法 is 明治29年法律第89号, not 明治29年法律第90号' };
    expect(localiseExplanation(f, 'en')).toEqual({ text: f.explanation, lang: 'en' });
    expect(findingTitle('law_number_mismatch', 'en')).toBe('Wrong law number');
    expect(findingTitle('law_number_mismatch', 'ja')).toBe('法令番号の誤り');
  });

  it('matches literal text exactly and params lazily', () => {
    expect(parseTemplate('{a} is {b}, not {c}', 'x is y, not z')).toEqual({ a: 'x', b: 'y', c: 'z' });
    expect(parseTemplate('{a} is {b}, not {c}', 'x is y but z')).toBeNull();
    expect(parseTemplate('cost (a+b)*{n}', 'cost (a+b)*3')).toEqual({ n: '3' });
  });
});

describe('titles in pages, CSV and alerts', () => {
  const inc = { category: 'leakage', rule_ids: ['individual_number', 'personal_mobile_number'], title: 'leakage: individual_number, personal_mobile_number' };

  it('renders an incident title from its category and rule names', () => {
    expect(incidentTitle(inc, 'ja')).toBe('情報漏えい：個人番号（マイナンバー）、個人の携帯電話番号');
    expect(incidentTitle(inc, 'en')).toBe('Leakage: Individual Number (My Number), Personal mobile number');
    expect(incidentTitle({ category: 'leakage', rule_ids: [], title: 'stored' }, 'ja')).toBe('stored');
    expect(incidentTitle({ category: 'leakage', rule_ids: ['individual_number', 'reviewer_added_rule'], title: 'stored' }, 'ja')).toBe('stored');
  });

  it('puts rule names next to rule ids in CSV columns', () => {
    const out = withRuleTitles(['evaluator', 'rule_id', 'findings'], [{ evaluator: 'leakage', rule_id: 'passport_number', findings: 3 }], 'ja');
    expect(out.columns).toEqual(['evaluator', 'rule_id', 'rule_title', 'findings']);
    expect(out.rows[0]).toMatchObject({ rule_id: 'passport_number', rule_title: '旅券番号' });
    const multi = withRuleTitles(['rule_ids'], [{ rule_ids: ['passport_number', 'api_secret_key'] }], 'en');
    expect(multi.columns).toEqual(['rule_ids', 'rule_titles']);
    expect(multi.rows[0].rule_titles).toBe('Passport number, API secret key');
  });

  it('names rules in Japanese in alert messages, without raw text', () => {
    const row = {
      incident_id: 'inc-1', output_id: 'o-1', ministry: 'cas', app: 'chat', model: 'm', category: 'leakage', severity: 'high',
      rule_ids: ['individual_number', 'reviewer_added_rule'], title: 'RAW 090-1234-5678', status: 'new', assignee: '', verdict: '',
      output_at: '2026-07-01T00:00:00Z', opened_at: '2026-07-01T00:00:00Z', updated_at: '2026-07-01T00:00:00Z', version: 1,
    } as unknown as AlertIncident;
    const text = incidentsWebhookPayload([summarize(row, 'https://oversight.example')], 'https://oversight.example').text;
    expect(text).toContain('個人番号（マイナンバー） (individual_number)');
    expect(text).toContain('reviewer_added_rule');
    expect(text).not.toContain('RAW');
  });
});
