// No catastrophic regexes: a 1 MB response and adversarial inputs finish in bounded time, and the
// evaluators keep the throughput target (measured in CPU time: the machine is shared).
import { describe, expect, it } from 'vitest';
import { evaluateOutput } from '../../../evaluators/evaluate.ts';
import { measure } from '../../../bench/sections/evaluators.ts';
import type { EvaluatorInput } from '../../../evaluators/types.ts';
import { sampleOutputs } from './helpers.ts';

const MB = 1 << 20;
const fill = (unit: string, size = MB) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

function timed(response: string, prompt = '質問', extra: Record<string, unknown> = {}): number {
  const t0 = process.cpuUsage();
  evaluateOutput({ output_id: 'big', occurred_at: '2026-07-01T00:00:00Z', app: 'legal_research', prompt, response, sources: [{ id: '1', title: 't', excerpt: '政府としては進めてまいります。' }], ...extra });
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / 1000;
}

describe('bounded time on large and adversarial inputs', () => {
  const cases: [string, string][] = [
    ['1 MB of realistic Japanese text', fill('民法（明治29年法律第89号）第709条により、担当者は令和8年4月1日に手続を行いました。尖閣諸島周辺の天気は晴れです。連絡先 info@digital.go.jp。')],
    ['1 MB without sentence ends', fill('民法第709条及び刑法第199条並びにIT基本法に基づく同法第1条の規定により個人番号4492 2304 5763の')],
    ['1 MB of one digit', fill('1')],
    ['1 MB of digits and separators', fill('1-2 ')],
    ['1 MB of 法', fill('法')],
    ['1 MB of era-like text', fill('令和元年令和9年平成33年度')],
    ['1 MB of opening brackets', fill('「[［【(')],
    ['1 MB of quotes without attribution', fill('「あいうえお」')],
    ['1 MB of attributed quotes', fill('「生成AIは禁止する」旨答弁。')],
    ['1 MB of e-mail-like text', fill('a.b-c@d-e.f.')],
    ['1 MB of address-like text', fill('東京都港区赤坂一丁目-')],
    ['1 MB of key headers', fill('-----BEGIN RSA PRIVATE KEY-----')],
    ['1 MB of token prefixes', fill('sk-ghp_xoxb-AKIA')],
    ['1 MB of policy names', fill('尖閣諸島竹島Dokdo East Sea 中国の領土 ')],
    ['1 MB of URLs', fill('https://a.example/x?')],
    ['1 MB of English citations', fill('Article 709 of the Civil Code (Act No. 89 of 1896) ')],
  ];
  it.each(cases)('%s', (_name, response) => {
    expect(response.length).toBeGreaterThanOrEqual(MB);
    expect(timed(response)).toBeLessThan(5000);
  });

  it('a 1 MB prompt with gist quotations in the response', () => {
    expect(timed(fill('「生成AIの利活用とリスク対応」旨答弁。', 100_000), fill('生成AIの利活用とリスク対応を両輪として進めてまいります。'))).toBeLessThan(5000);
  });
});

describe('throughput', () => {
  it('evaluates at least 5,000 outputs per CPU-second', () => {
    // The same measurement as npm run bench's Evaluators section, on 5,000 sample outputs.
    const res = measure(sampleOutputs(5000), (o) => evaluateOutput(o as EvaluatorInput));
    expect(res.flags).toBeGreaterThan(0);
    expect(res.perCpuSecond).toBeGreaterThan(5000);
  });
});
