// Model scorecard: per model volume, latency (p50/p95 merged from the rollup's t-digest states, so
// within t-digest accuracy of the exact quantiles), error rate, thumbs-down rate and findings per
// 1,000 outputs for each category.
import { FINDING, ratio, queryRows, type ClickHouseClient } from './db.ts';
import { where, type Filters } from './filters.ts';

/** Latency states without the app dimension unless the view is filtered by app (migration 0080). */
function latencyRollup(f: Filters): 'model_latency_daily' | 'usage_daily' {
  return f.app ? 'usage_daily' : 'model_latency_daily';
}

export interface ModelScore {
  model: string;
  requests: number;
  errors: number;
  refused: number;
  blocked: number;
  error_rate: number | null;
  latency_p50: number | null;
  latency_p95: number | null;
  latency_avg: number | null;
  input_tokens: number;
  output_tokens: number;
  outputs: number;
  down: number;
  rated: number;
  thumbs_down_rate: number | null;
  /** Findings per 1,000 outputs by category. */
  flags_per_1000: Record<string, number | null>;
  flags: Record<string, number>;
}

export async function modelScorecard(client: ClickHouseClient, f: Filters): Promise<{ categories: string[]; models: ModelScore[] }> {
  const w = where(f, { day: 'day' });
  const wf = where(f, { day: 'flags_daily.day' });
  const [usage, latency, outputs, feedback, flags] = await Promise.all([
    queryRows<{
      model: string; requests: number; errors: number; refused: number; blocked: number;
      latency_sum: number; input_tokens: number; output_tokens: number;
    }>(
      client,
      `SELECT model, sum(requests) AS requests, sum(errors) AS errors, sum(refused) AS refused, sum(blocked) AS blocked,
              sum(latency_sum) AS latency_sum, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens
         FROM usage_daily WHERE ${w.sql} GROUP BY model`,
      w.params,
    ),
    queryRows<{ model: string; q: [number, number] }>(
      client,
      `SELECT model, quantilesTDigestMerge(0.5, 0.95)(latency_q) AS q
         FROM ${latencyRollup(f)} WHERE ${w.sql} GROUP BY model`,
      w.params,
    ),
    queryRows<{ model: string; n: number }>(
      client,
      `SELECT model, sum(outputs) AS n FROM outputs_daily WHERE ${w.sql} GROUP BY model`,
      w.params,
    ),
    queryRows<{ model: string; up: number; down: number }>(
      client,
      `SELECT model, sum(up) AS up, sum(down) AS down FROM feedback_daily WHERE ${w.sql} GROUP BY model`,
      w.params,
    ),
    queryRows<{ model: string; category: string; n: number }>(
      client,
      `SELECT model, category, sum(flags) AS n FROM flags_daily
        WHERE ${FINDING} AND ${wf.sql}
        GROUP BY model, category HAVING n != 0`,
      wf.params,
    ),
  ]);
  const names = new Set([...usage.map((r) => r.model), ...outputs.map((r) => r.model)]);
  const categories = [...new Set(flags.map((r) => r.category))].sort();
  const u = new Map(usage.map((r) => [r.model, r]));
  const q = new Map(latency.map((r) => [r.model, r.q]));
  const o = new Map(outputs.map((r) => [r.model, r.n]));
  const fb = new Map(feedback.map((r) => [r.model, r]));
  const models = [...names].map((model): ModelScore => {
    const us = u.get(model);
    const outs = o.get(model) ?? 0;
    const up = fb.get(model)?.up ?? 0;
    const down = fb.get(model)?.down ?? 0;
    const counts: Record<string, number> = {};
    const per: Record<string, number | null> = {};
    for (const c of categories) {
      counts[c] = flags.find((r) => r.model === model && r.category === c)?.n ?? 0;
      per[c] = ratio(counts[c], outs, 1000);
    }
    const requests = us?.requests ?? 0;
    return {
      model,
      requests,
      errors: us?.errors ?? 0,
      refused: us?.refused ?? 0,
      blocked: us?.blocked ?? 0,
      error_rate: ratio(us?.errors ?? 0, requests),
      latency_p50: requests && q.has(model) ? Math.round(q.get(model)![0]) : null,
      latency_p95: requests && q.has(model) ? Math.round(q.get(model)![1]) : null,
      latency_avg: ratio(us?.latency_sum ?? 0, requests),
      input_tokens: us?.input_tokens ?? 0,
      output_tokens: us?.output_tokens ?? 0,
      outputs: outs,
      down,
      rated: up + down,
      thumbs_down_rate: ratio(down, up + down),
      flags_per_1000: per,
      flags: counts,
    };
  });
  models.sort((a, b) => b.requests - a.requests || a.model.localeCompare(b.model));
  return { categories, models };
}

export interface LatencyDay {
  day: string;
  model: string;
  p95: number;
}

/** Daily p95 latency per model, for the scorecard's trend chart. */
export async function latencyDaily(client: ClickHouseClient, f: Filters): Promise<LatencyDay[]> {
  const w = where(f, { day: `${latencyRollup(f)}.day` });
  return queryRows<LatencyDay>(
    client,
    `SELECT toString(day) AS day, model, round(quantilesTDigestMerge(0.5, 0.95)(latency_q)[2]) AS p95
       FROM ${latencyRollup(f)} WHERE ${w.sql} GROUP BY day, model ORDER BY day, model`,
    w.params,
  );
}
