// Hands decoded OTLP spans to the shared ingest path (pipelines/ingest.ts), one usage event per model
// call and one output event per call with content. Shared by the OTLP/HTTP receiver and the Kafka
// `otlp_spans` source, so both map, validate and reject the same way.
//
// A span that cannot become a valid event is named in the answer (OTLP partial success) and written to
// ingest_errors with the reason and the span itself; the caller learns when everything it handed over is
// durable from `durable`, and only then acknowledges (HTTP 200, Kafka offset commit).
import type { ClickHouseClient } from '@clickhouse/client';
import { toDlqMessage, writeIngestErrors, type SourceRef } from '../dlq.ts';
import type { IngestPath } from '../ingest.ts';
import { retryForever } from '../retry.ts';
import { parseEvent } from '../rows.ts';
import type { DlqMessage } from '../../contracts/events.ts';
import type { OtlpSpan } from './decode.ts';
import { mapSpan } from './genai.ts';

export interface SpanRejection {
  traceId: string;
  spanId: string;
  name: string;
  reason: string;
}

export interface SpanSinkOptions {
  client: ClickHouseClient;
  paths: { usage: IngestPath; outputs: IngestPath };
  /** Where the spans came from: the Kafka topic/partition/offset, or the HTTP receiver. */
  source: { topic: string; partition: number; offset?: string };
  /** The ministry of the ingest token; undefined for a platform token or the Kafka topic. */
  ministry?: string;
  maxMessageBytes: number;
}

export interface SpanSinkResult {
  /** Spans that became events. */
  accepted: number;
  /** Spans that are not model calls (HTTP, database … spans of the same trace). */
  skipped: number;
  rejected: SpanRejection[];
  /** Resolves when every event and every rejection is stored. */
  durable: Promise<void>;
}

/**
 * A per-span number for ingest_errors, whose rows replace on (topic, partition, offset): the low 52 bits
 * of the span id, so two rejected spans of one request or message stay two rows, and a replayed span
 * replaces its earlier row. A safe integer, so it survives JSON on the way to the Int64 column.
 */
export const spanOffset = (spanId: string) => String(parseInt(spanId.slice(-13) || '0', 16) || 0);

export function ingestSpans(spans: OtlpSpan[], opts: SpanSinkOptions): SpanSinkResult {
  const durable: Promise<void>[] = [];
  const rejected: SpanRejection[] = [];
  const errorRows: DlqMessage[] = [];
  let accepted = 0;
  let skipped = 0;
  for (const span of spans) {
    const mapped = mapSpan(span, { ministry: opts.ministry });
    if (mapped.kind === 'skip') {
      skipped++;
      continue;
    }
    const events = mapped.kind === 'genai' ? ([['usage', mapped.usage], ['outputs', mapped.output]] as const) : [];
    let reason = mapped.kind === 'reject' ? mapped.reason : undefined;
    const values: [keyof SpanSinkOptions['paths'], string][] = [];
    for (const [kind, event] of events) {
      if (!event) continue;
      const value = JSON.stringify(event);
      // Checked here as well as in the path, so the answer can name the span and the reason.
      const parsed = parseEvent(kind, value, opts.maxMessageBytes);
      if (!parsed.ok) {
        reason = `${kind === 'usage' ? 'usage' : 'output'} event: ${parsed.reason}`;
        break;
      }
      values.push([kind, value]);
    }
    const ref: SourceRef = {
      topic: opts.source.topic,
      partition: opts.source.partition,
      offset: opts.source.offset ?? spanOffset(span.spanId),
    };
    if (reason) {
      rejected.push({ traceId: span.traceId, spanId: span.spanId, name: span.name, reason });
      const where = opts.source.offset ? ` (message at offset ${opts.source.offset})` : '';
      errorRows.push(
        toDlqMessage({ ...ref, offset: spanOffset(span.spanId) }, JSON.stringify(span), `otlp span ${span.spanId} of trace ${span.traceId}${where}: ${reason}`),
      );
      continue;
    }
    accepted++;
    for (const [kind, value] of values) durable.push(opts.paths[kind].add({ ...ref, value }));
  }
  // Retried like the path's own writes: a rejection must be recorded before its source is acknowledged.
  if (errorRows.length) durable.push(retryForever(() => writeIngestErrors(opts.client, errorRows)));
  for (const p of Object.values(opts.paths)) p.flushSoon();
  return { accepted, skipped, rejected, durable: Promise.all(durable).then(() => undefined) };
}

/** The partial-success error message: how many spans and which, with their reasons (first 20). */
export function describeRejections(rejected: SpanRejection[]): string {
  if (rejected.length === 0) return '';
  const shown = rejected.slice(0, 20).map((r) => `span ${r.spanId} (trace ${r.traceId}, "${r.name}"): ${r.reason}`);
  const more = rejected.length > shown.length ? `; and ${rejected.length - shown.length} more (see ingest_errors)` : '';
  return `${rejected.length} span(s) rejected: ${shown.join('; ')}${more}`;
}
