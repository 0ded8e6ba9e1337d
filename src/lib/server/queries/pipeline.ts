// Pipeline health: how fresh each table is, what went to the dead-letter queue, how far the evaluators
// have read, and (when Kafka is configured) how many messages are on the topics but not yet stored.
// Ops data is not per ministry, so these queries take no ministry filter.
import { queryRows, type ClickHouseClient } from './db.ts';
import { parseWatermarkKey, shardCondition } from '../../../../contracts/shards.ts';
import { rawFreeError } from '../raw-free-error.ts';

export interface TableFreshness {
  table: string;
  rows: number;
  last_insert: string | null;
  /** Seconds since the last insert, when there is one. */
  age_seconds: number | null;
}

/** Which column records when a row arrived, for each table the pipeline or the evaluators write. */
export const ARRIVAL_COLUMN: Record<string, string> = {
  usage_events: 'ingested_at',
  outputs: 'ingested_at',
  feedback: 'ingested_at',
  ingest_errors: 'failed_at',
  flags: 'evaluated_at',
  evaluation_errors: 'failed_at',
  incidents: 'updated_at',
  audit_log: 'at',
};

export async function tableFreshness(client: ClickHouseClient): Promise<TableFreshness[]> {
  const parts = Object.entries(ARRIVAL_COLUMN).map(
    ([table, col]) =>
      `SELECT '${table}' AS table, count() AS rows,
              if(count() = 0, NULL, formatDateTime(max(${col}), '%Y-%m-%d %H:%i:%S', 'UTC')) AS last_insert,
              if(count() = 0, NULL, dateDiff('second', max(${col}), now64(3))) AS age_seconds
         FROM ${table}`,
  );
  const got = await queryRows<TableFreshness>(client, parts.join(' UNION ALL '));
  const order = Object.keys(ARRIVAL_COLUMN);
  return got.sort((a, b) => order.indexOf(a.table) - order.indexOf(b.table));
}

export interface DlqTopic {
  topic: string;
  total: number;
  last_24h: number;
  last_failed_at: string;
}

export async function dlqByTopic(client: ClickHouseClient): Promise<DlqTopic[]> {
  return queryRows<DlqTopic>(
    client,
    `SELECT topic, count() AS total, countIf(failed_at > now64(3) - INTERVAL 1 DAY) AS last_24h,
            formatDateTime(max(failed_at), '%Y-%m-%d %H:%i:%S', 'UTC') AS last_failed_at
       FROM ingest_errors FINAL GROUP BY topic ORDER BY total DESC, topic`,
  );
}

export interface DlqSample {
  topic: string;
  partition: number;
  offset: number;
  /** The full error for roles that may see raw text; otherwise only its raw-free parts (rawFreeError). */
  error: string;
  failed_at: string;
  /** The start of the original message, decoded; only for roles that may see raw text. */
  original: string | null;
  /**
   * The message's Kafka key, decoded (null: it had none, as with files). Only for roles that may see raw
   * text: a producer can put anything in a key, as in a value.
   */
  key: string | null;
}

/**
 * The latest dead-lettered messages. `rawText`: whether the viewer may read raw text; the message
 * bytes and the error text (which quotes them) can both contain raw prompts.
 */
export async function dlqSamples(client: ClickHouseClient, rawText: boolean, limit = 20): Promise<DlqSample[]> {
  const original = rawText ? 'substringUTF8(toValidUTF8(tryBase64Decode(original_base64)), 1, 300)' : 'NULL';
  const key = rawText ? 'if(isNull(key_base64), NULL, substringUTF8(toValidUTF8(tryBase64Decode(assumeNotNull(key_base64))), 1, 200))' : 'NULL';
  const samples = await queryRows<DlqSample>(
    client,
    `SELECT topic, partition, offset, ${key} AS key, substringUTF8(error, 1, 500) AS error,
            formatDateTime(failed_at, '%Y-%m-%d %H:%i:%S', 'UTC') AS failed_at, ${original} AS original
       FROM ingest_errors FINAL ORDER BY ingest_errors.failed_at DESC, topic, partition, offset LIMIT {limit:UInt32}`,
    { limit },
  );
  return rawText ? samples : samples.map((s) => ({ ...s, error: rawFreeError(s.error) }));
}

export interface Watermark {
  evaluator: string;
  evaluator_version: string;
  watermark_at: string;
  outputs_evaluated: number;
  updated_at: string;
  /** Outputs stored after the watermark: still to be evaluated. */
  backlog: number;
  errors: number;
}

export async function evaluatorWatermarks(client: ClickHouseClient): Promise<Watermark[]> {
  const marks = await queryRows<Omit<Watermark, 'backlog' | 'errors'> & { watermark_raw: string }>(
    client,
    // Qualified: unqualified, watermark_at would be the formatted alias below (whole seconds), and every
    // output of the watermark's last second would count as not evaluated.
    `SELECT evaluator, evaluator_version, toString(eval_watermarks.watermark_at) AS watermark_raw,
            formatDateTime(watermark_at, '%Y-%m-%d %H:%i:%S', 'UTC') AS watermark_at, outputs_evaluated,
            formatDateTime(updated_at, '%Y-%m-%d %H:%i:%S', 'UTC') AS updated_at
       FROM eval_watermarks FINAL ORDER BY evaluator`,
  );
  const errors = new Map(
    (await queryRows<{ evaluator: string; n: number }>(client, 'SELECT evaluator, count() AS n FROM evaluation_errors FINAL GROUP BY evaluator')).map(
      (r) => [r.evaluator, r.n],
    ),
  );
  if (marks.length === 0) return [];
  // One scan of outputs.ingested_at for every evaluator's backlog, not one scan each.
  const params: Record<string, string> = {};
  const counts = marks.map((m, i) => {
    params[`w${i}`] = m.watermark_raw;
    // A sharded runner ("citations@0/2") owns only its shard's outputs.
    return `countIf(ingested_at > toDateTime64({w${i}:String}, 3, 'UTC')${shardCondition(parseWatermarkKey(m.evaluator).shard)}) AS b${i}`;
  });
  const [b] = await queryRows<Record<string, number>>(client, `SELECT ${counts.join(', ')} FROM outputs`, params);
  return marks.map(({ watermark_raw: _, ...m }, i) => ({ ...m, backlog: b?.[`b${i}`] ?? 0, errors: errors.get(parseWatermarkKey(m.evaluator).evaluator) ?? 0 }));
}

export interface IngestDelay {
  table: string;
  events: number;
  p50_seconds: number | null;
  p95_seconds: number | null;
}

/** Event time to storage time over the last 24 hours of inserts: how late data reaches the dashboard. */
export async function ingestDelay(client: ClickHouseClient): Promise<IngestDelay[]> {
  return queryRows<IngestDelay>(
    client,
    ['usage_events', 'outputs', 'feedback']
      .map(
        (t) => `SELECT '${t}' AS table, count() AS events,
                       if(count() = 0, NULL, round(quantile(0.5)(dateDiff('millisecond', occurred_at, ingested_at)) / 1000, 1)) AS p50_seconds,
                       if(count() = 0, NULL, round(quantile(0.95)(dateDiff('millisecond', occurred_at, ingested_at)) / 1000, 1)) AS p95_seconds
                  FROM ${t} WHERE ingested_at > now64(3) - INTERVAL 1 DAY`,
      )
      .join(' UNION ALL '),
  );
}

export interface StoredOffset {
  topic: string;
  partition: number;
  max_offset: number;
}

/** The highest source offset stored per topic partition (Kafka rows only: file rows have partition -1). */
export async function storedOffsets(client: ClickHouseClient): Promise<StoredOffset[]> {
  return queryRows<StoredOffset>(
    client,
    ['usage_events', 'outputs', 'feedback']
      .map((t) => `SELECT src_topic AS topic, src_partition AS partition, max(src_offset) AS max_offset FROM ${t} WHERE src_partition >= 0 AND src_topic != '' AND src_topic NOT LIKE 'file:%' GROUP BY topic, partition`)
      .join(' UNION ALL '),
  );
}
