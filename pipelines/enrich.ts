// Feedback events carry only output_id; the rollups group by ministry × app × model, so the ingester
// copies those three from the output being rated. Outputs this process read recently are answered from
// memory (feedback usually follows its answer within minutes; the ingest path remembers an output as
// soon as it is validated, so a rating in the same fetch round as its answer finds it); the rest are
// looked up in output_keys, keyed by a hash of output_id (migration 0187).
import type { ClickHouseClient } from '@clickhouse/client';
import { chunkByBytes, keyTableWhere, LOOKUP_SETTINGS, sqlString, tsvField } from './dedup.ts';
import type { FeedbackRow } from './rows.ts';

export interface OutputMeta {
  ministry: string;
  app: string;
  model: string;
}

/** A bounded insertion-ordered map: the oldest entries go first when it is full. */
export class OutputMetaCache {
  private readonly map = new Map<string, OutputMeta>();
  private readonly capacity: number;
  constructor(capacity = 200_000) {
    this.capacity = capacity;
  }

  remember(outputId: string, meta: OutputMeta): void {
    if (this.map.has(outputId)) this.map.delete(outputId);
    this.map.set(outputId, meta);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }

  /** Keeps what is known already: the first version of an output seen wins over a later repeat. */
  rememberIfAbsent(outputId: string, meta: OutputMeta): void {
    if (!this.map.has(outputId)) this.remember(outputId, meta);
  }

  forget(outputId: string): void {
    this.map.delete(outputId);
  }

  get(outputId: string): OutputMeta | undefined {
    return this.map.get(outputId);
  }

  get size(): number {
    return this.map.size;
  }
}

/** Fills ministry/app/model of feedback rows in place; rows whose output is not stored stay empty. */
export async function enrichFeedback(client: ClickHouseClient, rows: FeedbackRow[], cache: OutputMetaCache): Promise<void> {
  const missing = new Set<string>();
  for (const r of rows) if (!cache.get(r.output_id)) missing.add(r.output_id);
  for (const chunk of chunkByBytes([...missing], (id) => id.length * 6)) {
    // Ids travel as one TSV literal (see dedup.ts), twice: by hash, then by id.
    const tsv = sqlString(chunk.map(tsvField).join('\n'));
    const rs = await client.query({
      clickhouse_settings: LOOKUP_SETTINGS,
      query: `SELECT output_id, any(ministry) AS ministry, any(app) AS app, any(model) AS model FROM output_keys ${keyTableWhere('output_id', tsv)} GROUP BY output_id`,
      format: 'JSONEachRow',
    });
    for (const m of await rs.json<OutputMeta & { output_id: string }>()) {
      cache.remember(m.output_id, { ministry: m.ministry, app: m.app, model: m.model });
    }
  }
  for (const r of rows) {
    const meta = cache.get(r.output_id);
    if (meta) {
      r.ministry = meta.ministry;
      r.app = meta.app;
      r.model = meta.model;
    }
  }
}
