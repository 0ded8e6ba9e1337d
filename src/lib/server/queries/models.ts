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

type UsageTotals = {
  model: string; requests: number; errors: number; refused: number; blocked: number;
  latency_sum: number; input_tokens: number; output_tokens: number;
};

/**
 * Per model: the usage sums, outputs, thumbs and findings per category, from one query over the four
 * daily rollups (UNION ALL, a row kind per rollup) instead of four: chDB runs a page's queries one
 * after another, each with a few ms of fixed cost.
 */
async function modelTotals(client: ClickHouseClient, f: Filters) {
  const w = (t: string) => where(f, { day: `${t}.day` });
  const [wu, wo, wb, wf] = [w('usage_daily'), w('outputs_daily'), w('feedback_daily'), w('flags_daily')];
  const rows = await queryRows<{ kind: string; model: string; category: string; a: number; b: number; c: number; d: number; e: number; f: number; g: number }>(
    client,
    `SELECT 'usage' AS kind, model, '' AS category, toInt64(sum(requests)) AS a, toInt64(sum(errors)) AS b, toInt64(sum(refused)) AS c,
            toInt64(sum(blocked)) AS d, toInt64(sum(latency_sum)) AS e, toInt64(sum(input_tokens)) AS f, toInt64(sum(output_tokens)) AS g
       FROM usage_daily WHERE ${wu.sql} GROUP BY model
     UNION ALL
     SELECT 'outputs', model, '', toInt64(sum(outputs)), 0, 0, 0, 0, 0, 0 FROM outputs_daily WHERE ${wo.sql} GROUP BY model
     UNION ALL
     SELECT 'feedback', model, '', toInt64(sum(up)), toInt64(sum(down)), 0, 0, 0, 0, 0 FROM feedback_daily WHERE ${wb.sql} GROUP BY model
     UNION ALL
     SELECT 'flags', model, category, sum(flags), 0, 0, 0, 0, 0, 0 FROM flags_daily
      WHERE ${FINDING} AND ${wf.sql} GROUP BY model, category HAVING sum(flags) != 0`,
    { ...wu.params, ...wo.params, ...wb.params, ...wf.params },
  );
  const of = (kind: string) => rows.filter((r) => r.kind === kind);
  const n = Number;
  return {
    usage: of('usage').map((r): UsageTotals => ({
      model: r.model, requests: n(r.a), errors: n(r.b), refused: n(r.c), blocked: n(r.d), latency_sum: n(r.e), input_tokens: n(r.f), output_tokens: n(r.g),
    })),
    outputs: of('outputs').map((r) => ({ model: r.model, n: n(r.a) })),
    feedback: of('feedback').map((r) => ({ model: r.model, up: n(r.a), down: n(r.b) })),
    flags: of('flags').map((r) => ({ model: r.model, category: r.category, n: n(r.a) })),
  };
}

export async function modelScorecard(client: ClickHouseClient, f: Filters): Promise<{ categories: string[]; models: ModelScore[] }> {
  const w = where(f, { day: 'day' });
  const [totals, latency] = await Promise.all([
    modelTotals(client, f),
    queryRows<{ model: string; q: [number, number] }>(
      client,
      `SELECT model, quantilesTDigestMerge(0.5, 0.95)(latency_q) AS q
         FROM ${latencyRollup(f)} WHERE ${w.sql} GROUP BY model`,
      w.params,
    ),
  ]);
  const { usage, outputs, feedback, flags } = totals;
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
