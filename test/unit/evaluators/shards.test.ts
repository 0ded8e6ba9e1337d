// Sharded evaluation against chDB: N runner processes split the outputs by id hash, each output is
// evaluated by exactly one shard, and each shard keeps (and reports) its own watermark.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOf, freshDb, type TestDb } from '../../helpers/chdb.ts';
import { parseShard, runEvaluationOnce, watermarkKey } from '../../../evaluators/runner.ts';
import { evaluatorWatermarks } from '../../../src/lib/server/queries/pipeline.ts';

let db: TestDb;

function output(id: string, response: string, ingestedAt: string) {
  return {
    output_id: id, request_id: `req-${id}`, occurred_at: '2026-07-01 10:00:00.000', ministry: 'digital', app: 'chat', model: 'model-a',
    user_id: 'u1', language: 'ja', confidentiality_level: 2, prompt: '質問', response, sources: '[]', raw: '{}',
    src_topic: 'genai.outputs.v1', src_partition: 0, src_offset: 0, ingested_at: ingestedAt,
  };
}

const count = (query: string) => countOf(db.client, query);

beforeAll(async () => {
  db = await freshDb('oversight-eval-shards-');
  // Evaluated by an unsharded runner first: the shards must start after these.
  await db.client.insert({ table: 'outputs', values: [0, 1, 2, 3].map((i) => output(`o-early-${i}`, '本日は晴天なり。', '2026-07-01 10:00:01.000')), format: 'JSONEachRow' });
  await runEvaluationOnce(db.client, { settleMs: 0, evaluators: ['leakage'] });
}, 120_000);

afterAll(async () => {
  await db?.close();
});

describe('sharded evaluation', () => {
  it('shards split the outputs between processes: each output once, from where the unsharded runner stopped', async () => {
    const fresh = Array.from({ length: 40 }, (_, i) => output(`o-shard-${i}`, `連絡先は090-4321-${String(1000 + i)}です。`, '2026-07-03 00:00:00.000'));
    await db.client.insert({ table: 'outputs', values: fresh, format: 'JSONEachRow' });
    const [a, b] = await Promise.all([
      runEvaluationOnce(db.client, { settleMs: 0, shard: parseShard('0/2'), evaluators: ['leakage'] }),
      runEvaluationOnce(db.client, { settleMs: 0, shard: parseShard('1/2'), evaluators: ['leakage'] }),
    ]);
    const inShard0 = await count("SELECT count() AS n FROM outputs WHERE output_id LIKE 'o-shard-%' AND cityHash64(output_id) % 2 = 0");
    expect(a.evaluators[0].outputs).toBe(inShard0);
    expect(b.evaluators[0].outputs).toBe(40 - inShard0);
    expect(inShard0).toBeGreaterThan(5);
    expect(await count("SELECT uniqExact(output_id) AS n FROM flags FINAL WHERE output_id LIKE 'o-shard-%' AND evaluator = 'leakage'")).toBe(40);
    const again = await Promise.all([0, 1].map((i) => runEvaluationOnce(db.client, { settleMs: 0, shard: parseShard(`${i}/2`), evaluators: ['leakage'] })));
    expect(again.map((r) => r.evaluators[0].outputs)).toEqual([0, 0]);
    const marks = await evaluatorWatermarks(db.client);
    expect(marks.filter((m) => m.evaluator.startsWith('leakage@')).map((m) => [m.evaluator, m.backlog, m.outputs_evaluated])).toEqual([
      ['leakage@0/2', 0, inShard0],
      ['leakage@1/2', 0, 40 - inShard0],
    ]);
    expect(() => parseShard('2/2')).toThrow(/0 ≤ i < n/);
    expect(watermarkKey('policy', { index: 0, count: 1 })).toBe('policy');
  });

});
