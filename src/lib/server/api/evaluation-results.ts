// Oversight's verdicts in the shape of the OpenTelemetry GenAI semantic conventions' evaluation event
// (`gen_ai.evaluation.result`), so another OpenTelemetry tool can attach them to the model call they
// judge: gen_ai.evaluation.name, gen_ai.evaluation.score.label / score.value, gen_ai.evaluation.explanation
// and gen_ai.response.id, plus trace and span ids when the output came in as an OTLP span.
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../../../../clickhouse/client.ts';
import { LIVE_FLAGS, LIVE_FLAGS_WHERE } from '../queries/db.ts';
import { where, type Filters } from '../queries/filters.ts';
import type { FlagRow } from '../../../../contracts/tables.ts';

/** A live flag with its output's place (the flag columns come from the table contract). */
export type FlagForApi = Pick<FlagRow, 'output_id' | 'evaluator' | 'evaluator_version' | 'category' | 'rule_id' | 'severity' | 'confidence' | 'explanation'> & {
  ministry: string;
  app: string;
  model: string;
  output_at: string;
  evaluated_at: string;
  /** From the output's raw fields when it arrived as an OTLP span (pipelines/otlp/genai.ts). */
  response_id: string;
  trace_id: string;
  span_id: string;
};

export interface EvaluationResultEvent {
  name: 'gen_ai.evaluation.result';
  time: string;
  trace_id?: string;
  span_id?: string;
  attributes: Record<string, string | number>;
}

export function toEvaluationResult(f: FlagForApi): EvaluationResultEvent {
  return {
    name: 'gen_ai.evaluation.result',
    time: f.evaluated_at,
    ...(f.trace_id ? { trace_id: f.trace_id, span_id: f.span_id } : {}),
    attributes: {
      'gen_ai.evaluation.name': `oversight.${f.evaluator}`,
      // The label is what was found (e.g. hallucinated_citation); the value is the evaluator's confidence.
      'gen_ai.evaluation.score.label': f.category,
      'gen_ai.evaluation.score.value': Number(f.confidence),
      'gen_ai.evaluation.explanation': f.explanation,
      'gen_ai.response.id': f.response_id || f.output_id,
      'oversight.output_id': f.output_id,
      'oversight.rule_id': f.rule_id,
      'oversight.severity': f.severity,
      'oversight.evaluator_version': f.evaluator_version,
      'oversight.ministry': f.ministry,
      'oversight.app': f.app,
      'gen_ai.request.model': f.model,
    },
  };
}

/** Live flags of the filtered view, newest output first (at most `limit`). */
export async function flagsForApi(client: ClickHouseClient, f: Filters, limit: number): Promise<FlagForApi[]> {
  const w = where(f, { day: 'toDate(output_at)' });
  return queryRows<FlagForApi>(
    client,
    `SELECT fl.output_id AS output_id, evaluator, evaluator_version, category, rule_id, severity, confidence, explanation,
            fl.ministry AS ministry, fl.app AS app, fl.model AS model,
            toString(output_at) AS output_at, toString(evaluated_at) AS evaluated_at,
            JSONExtractString(o.raw, 'response_id') AS response_id, JSONExtractString(o.raw, 'trace_id') AS trace_id,
            JSONExtractString(o.raw, 'span_id') AS span_id
       FROM (SELECT * FROM ${LIVE_FLAGS} WHERE ${LIVE_FLAGS_WHERE} AND ${w.sql} ORDER BY output_at DESC, output_id LIMIT {limit:UInt32}) AS fl
       LEFT JOIN (SELECT output_id, raw FROM outputs FINAL WHERE output_id IN (
                    SELECT output_id FROM ${LIVE_FLAGS} WHERE ${LIVE_FLAGS_WHERE} AND ${w.sql})) AS o ON o.output_id = fl.output_id
      ORDER BY fl.output_at DESC, fl.output_id, evaluator`,
    { ...w.params, limit },
  );
}
