// Evaluator shards: "i/n" means the outputs with cityHash64(output_id) % n = i. The runner evaluates
// its shard and keeps the shard's watermark under "<evaluator>@i/n"; the pipeline page reads those
// keys back to count each shard's backlog. One definition for the config, the runner and the page.
// Plain TypeScript, no zod.

export interface Shard {
  index: number;
  count: number;
}

/** Parses "i/n" (0 ≤ i < n); throws a message fit for the user otherwise. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) throw new Error(`a shard is "i/n" with 0 ≤ i < n, e.g. 0/2; got ${JSON.stringify(text)}`);
  return { index, count };
}

/** One shard of several (a shard "0/1" is all outputs, the same as no shard). */
function split(shard: Shard | undefined): shard is Shard {
  return !!shard && shard.count > 1;
}

/** The eval_watermarks key of an evaluator, per shard. */
export function watermarkKey(evaluatorId: string, shard?: Shard): string {
  return split(shard) ? `${evaluatorId}@${shard.index}/${shard.count}` : evaluatorId;
}

/** The evaluator and shard of an eval_watermarks key. */
export function parseWatermarkKey(key: string): { evaluator: string; shard?: Shard } {
  const m = /^(.*)@(\d+)\/(\d+)$/.exec(key);
  return m ? { evaluator: m[1], shard: { index: Number(m[2]), count: Number(m[3]) } } : { evaluator: key };
}

/** ` AND <the shard's outputs>` for a WHERE clause over a table with output_id; empty for all outputs. */
export function shardCondition(shard?: Shard): string {
  return split(shard) ? ` AND cityHash64(output_id) % ${Math.trunc(shard.count)} = ${Math.trunc(shard.index)}` : '';
}
