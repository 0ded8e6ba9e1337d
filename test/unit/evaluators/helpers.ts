// Small helpers for the evaluator rule tests: run one evaluator on a response and list its findings.
import type { Evaluator, EvaluatorInput, Flag } from '../../../evaluators/types.ts';

export interface Case {
  prompt?: string;
  app?: string;
  occurred_at?: string;
  sources?: EvaluatorInput['sources'];
}

let n = 0;
export function run(e: Evaluator, response: string, c: Case = {}): Flag[] {
  return e.evaluate({
    output_id: `t-${++n}`,
    occurred_at: c.occurred_at ?? '2026-07-01T09:00:00+09:00',
    app: c.app ?? 'chat',
    prompt: c.prompt ?? '質問',
    response,
    sources: c.sources ?? [],
  });
}

/** Rule ids of the findings (info flags are "could not verify", not findings). */
export function findings(e: Evaluator, response: string, c: Case = {}): string[] {
  return run(e, response, c).filter((f) => f.severity !== 'info').map((f) => f.rule_id);
}

// A deterministic mix of realistic outputs (legal research with sources, chat, drafting, English),
// for the throughput check in performance.test.ts.
const RESPONSES = [
  '概算要求の提出期限は例年8月末です。詳細は財務省の通知をご確認ください。本年度は生成AIの利活用に関する経費を計上する予定です。',
  '不法行為に基づく損害賠償請求の根拠は、民法（明治29年法律第89号）第709条です。相続放棄は民法第938条以下に定めがあります。',
  '個人情報の保護に関する法律（平成15年法律第57号）第27条第1項は、本人の同意のない第三者提供を原則として禁止しています[1]。',
  '政府は「生成AIの利活用とリスク対応を両輪として進めてまいります」と答弁しています[1]。詳細は https://diet-minutes.example.go.jp/213/naikaku/5 を参照。',
  '尖閣諸島周辺海域は明日、北東の風がやや強く、波の高さは3メートルの見込みです。日本海側では雪となるでしょう。',
  '担当窓口：soumu@city.example.lg.jp　電話 03-5253-2111（代表）。受付番号 519467238576 で受け付けました。',
  'Under Article 27 of the Act on the Protection of Personal Information (Act No. 57 of 2003), personal data may not be provided to third parties without consent.',
  '相続放棄は、民法第1200条により、相続の開始を知った時から6か月以内に行う必要があります。',
  '申請者：山田太郎、個人番号：3810 8380 7150、住所変更の届出です。担当の携帯は090-4321-8765です。',
  '本日の会議では、生成AI利活用ガイドラインの改定案について議論し、次回までに各府省庁の意見を集約することとなりました。令和8年度の予算要求に反映します。',
];
const SOURCES = [
  { id: '1', title: '第213回国会 衆議院 内閣委員会 第5号', url: 'https://diet-minutes.example.go.jp/213/naikaku/5', excerpt: '政府としては、生成AIの利活用とリスク対応を両輪として進めてまいります。' },
];

/** A deterministic mix of realistic outputs (legal research with sources, chat, drafting, English). */
export function sampleOutputs(n: number): EvaluatorInput[] {
  const out: EvaluatorInput[] = [];
  for (let i = 0; i < n; i++) {
    const r = RESPONSES[i % RESPONSES.length];
    out.push({
      output_id: `bench-${i}`,
      occurred_at: '2026-07-01T00:00:00Z',
      app: i % 3 === 0 ? 'legal_research' : 'chat',
      prompt: `質問 ${i}: ${RESPONSES[(i + 3) % RESPONSES.length].slice(0, 40)}`,
      response: r.repeat(1 + (i % 3)),
      sources: i % 3 === 0 ? SOURCES : [],
    });
  }
  return out;
}
