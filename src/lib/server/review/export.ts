// Labeled samples as a dev set: each line is the output event (as stored) plus `expected` (the
// categories the first reviewer found) and `note`, the format ../shared/tools/score-evaluators.mjs
// reads, so the evaluators can be scored offline on production cases:
//   oversight review export --out samples.ndjson
//   node ../shared/tools/score-evaluators.mjs samples.ndjson -- npx oversight evaluate --input
// The lines carry raw text: the dashboard's export is for roles that may read it, and is audited.
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../../../../clickhouse/client.ts';
import type { DevSetLine } from '../../../../contracts/review.ts';
import type { OutputEventRow } from '../../../../contracts/tables.ts';

/** An output as the dev-set line needs it (its columns from the table contract), with its labels. */
type Row = Pick<OutputEventRow, 'output_id' | 'request_id' | 'occurred_at' | 'ministry' | 'app' | 'model' | 'user_id' | 'language' | 'confidentiality_level' | 'prompt' | 'response' | 'sources'> & {
  item_id: string;
  categories: string[];
  notes: string[];
};

/** Every first-labeled sampled output in scope (a CAIO: their ministry), one dev-set line each. */
export async function exportDevSet(client: ClickHouseClient, opts: { scope: string | null; limit?: number }): Promise<DevSetLine[]> {
  const rows = await queryRows<Row>(
    client,
    `SELECT l.item_id AS item_id, o.output_id AS output_id, o.request_id AS request_id,
            toString(o.occurred_at) AS occurred_at, o.ministry AS ministry, o.app AS app,
            o.model AS model, o.user_id AS user_id, o.language AS language, o.confidentiality_level AS confidentiality_level,
            o.prompt AS prompt, o.response AS response, o.sources AS sources, l.categories AS categories, l.notes AS notes
       FROM (SELECT item_id, any(output_id) AS output_id, arraySort(groupArrayIf(category, finding = 1)) AS categories,
                    arrayFilter(x -> x != '', groupArray(note)) AS notes
               FROM review_labels FINAL WHERE pass = 1 ${opts.scope === null ? '' : 'AND ministry = {scope:String}'}
              GROUP BY item_id) AS l
       INNER JOIN (SELECT * FROM outputs FINAL WHERE output_id IN (SELECT output_id FROM review_labels WHERE pass = 1)) AS o
         ON o.output_id = l.output_id
      ORDER BY o.occurred_at, o.output_id
      LIMIT 1 BY o.output_id
      LIMIT {limit:UInt32}`,
    { scope: opts.scope ?? '', limit: opts.limit ?? 1_000_000 },
  );
  return rows.map((r) => {
    let sources: unknown = [];
    try {
      sources = JSON.parse(r.sources || '[]');
    } catch {
      sources = [];
    }
    return {
      output_id: r.output_id,
      request_id: r.request_id,
      occurred_at: `${r.occurred_at.replace(' ', 'T')}Z`,
      ministry: r.ministry,
      app: r.app,
      model: r.model,
      user_id: r.user_id,
      language: r.language,
      confidentiality_level: Number(r.confidentiality_level),
      prompt: r.prompt,
      response: r.response,
      sources,
      expected: r.categories,
      note: [`review sample ${r.item_id}`, ...r.notes].join('; '),
    };
  });
}

export function toNdjson(lines: DevSetLine[]): string {
  return lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : '');
}
