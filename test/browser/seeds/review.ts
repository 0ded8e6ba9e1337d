// Review samples for test/browser/review.test.ts: a few outputs of one past week (REVIEW.week) in app
// "rvtest", drawn by the real sampler under a rule that takes every rvtest output and nothing else.
// One mof output carries a personal mobile number spelled in kanji that no evaluator flagged (the miss
// the test turns into an incident); one is flagged; the others are clean; one belongs to mhlw.
import type { ClickHouseClient } from '@clickhouse/client';
import { writeFlags } from '../../../clickhouse/stores/evaluation.ts';
import { sampleWeek } from '../../../src/lib/server/review/samples.ts';
import { itemId, roundId } from '../../../src/lib/server/review/sampling.ts';
import type { ReviewRule } from '../../../contracts/review.ts';

const RULE: ReviewRule = {
  id: 'browser-test',
  flagged: { per_week: 0 },
  unflagged: { per_week: 0 },
  strata: { '*/rvtest': { flagged: { share: 1 }, unflagged: { share: 1 } } },
  second_review_share: 0,
};

export const REVIEW = {
  week: '2026-10-05',
  weekEnd: '2026-10-11',
  missText: '〇九〇－二四六八－一三五七',
  outputs: {
    miss: 'rv-mof-miss',
    clean: 'rv-mof-clean',
    flagged: 'rv-mof-flagged',
    caio: 'rv-mof-caio',
    mhlw: 'rv-mhlw-clean',
  },
};

/** The review item id of one of the seeded outputs. */
export function reviewItem(output: keyof typeof REVIEW.outputs): string {
  return itemId(roundId(REVIEW.week, RULE.id), REVIEW.outputs[output]);
}

export async function seed(client: ClickHouseClient): Promise<void> {
  const o = REVIEW.outputs;
  const rows = [
    { id: o.miss, ministry: 'mof', prompt: `山田さんの携帯は${REVIEW.missText}です。折り返しをお願いする文面を作って。`, response: '承知しました。文面案です。', h: 9 },
    { id: o.clean, ministry: 'mof', prompt: '会議の議事録を要約して。', response: '議事録の要点は三つです。', h: 10 },
    { id: o.flagged, ministry: 'mof', prompt: '連絡先は 090-1234-5678 です。', response: '承知しました。', h: 11 },
    { id: o.caio, ministry: 'mof', prompt: '予算要求の説明資料を整えて。', response: '説明資料の構成案です。', h: 12 },
    { id: o.mhlw, ministry: 'mhlw', prompt: '統計の定義を教えて。', response: '定義は次のとおりです。', h: 13 },
  ].map((r, i) => ({
    output_id: r.id,
    request_id: `req-${r.id}`,
    occurred_at: `2026-10-06 ${String(r.h).padStart(2, '0')}:00:00.000`,
    ministry: r.ministry,
    app: 'rvtest',
    model: 'tsuzumi-2',
    user_id: `u-${r.ministry}-rv`,
    language: 'ja',
    confidentiality_level: 2,
    prompt: r.prompt,
    response: r.response,
    sources: '[]',
    raw: '{}',
    src_topic: 'seed',
    src_partition: 0,
    src_offset: 9000 + i,
  }));
  await client.insert({ table: 'outputs', values: rows, format: 'JSONEachRow' });
  const flagged = rows.find((r) => r.output_id === o.flagged)!;
  const start = flagged.prompt.indexOf('090-1234-5678');
  // The runner's write (clickhouse/stores/evaluation.ts): keeps the flags rollup flags_daily.
  await writeFlags(client, [
      {
        output_id: o.flagged, evaluator: 'leakage', evaluator_version: '1.0.0', category: 'leakage', rule_id: 'personal_mobile', severity: 'high',
        confidence: 0.95, where: 'prompt', evidence: JSON.stringify([{ start, end: start + 13, text: '090-1234-5678' }]), evidence_start: start,
        explanation: 'personal mobile number ****5678', ministry: 'mof', app: 'rvtest', model: 'tsuzumi-2', output_at: flagged.occurred_at, version: 1, is_deleted: 0,
      },
    ]);
  await sampleWeek(client, { week: REVIEW.week, rule: RULE, who: { actor: 'seed', role: 'admin', ip: '', user_agent: 'browser-test seed' }, trigger: 'manual' });
}
