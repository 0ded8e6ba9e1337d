// The fourth Kafka source: an OpenTelemetry Collector's Kafka exporter writes one ExportTraceServiceRequest
// per message to a topic (`otlp_spans` by default) as protobuf (`otlp_proto`, the exporter's default) or
// JSON (`otlp_json`). Each message is decoded, its GenAI spans mapped (genai.ts) and handed to the
// ingester's own usage and output paths, so offsets are committed only once those rows are stored.
// A message that cannot be decoded goes to ingest_errors (and the DLQ topic) with the decoder's reason.
import type { ClickHouseClient } from '@clickhouse/client';
import { toDlqMessage, writeIngestErrors, type DlqSink } from '../dlq.ts';
import { retryForever } from '../retry.ts';
import type { IngestPath } from '../ingest.ts';
import { decodeTraces, OtlpDecodeError } from './decode.ts';
import { ingestSpans } from './sink.ts';

export type OtlpKafkaEncoding = 'otlp_proto' | 'otlp_json';

export interface OtlpKafkaBatch {
  client: ClickHouseClient;
  paths: { usage: IngestPath; outputs: IngestPath };
  topic: string;
  partition: number;
  encoding: OtlpKafkaEncoding;
  maxMessageBytes: number;
  dlq?: DlqSink;
  log?: (line: string) => void;
}

/** Hands one fetched batch of OTLP messages over; the promises resolve when each message's rows (or rejects) are stored. */
export function addOtlpMessages(messages: { offset: string; key?: Buffer | null; value: Buffer | null }[], opts: OtlpKafkaBatch): Promise<void>[] {
  const durable: Promise<void>[] = [];
  for (const m of messages) {
    const ref = { topic: opts.topic, partition: opts.partition, offset: m.offset };
    try {
      const spans = decodeTraces(m.value ?? Buffer.alloc(0), opts.encoding === 'otlp_json' ? 'json' : 'proto');
      const result = ingestSpans(spans, { client: opts.client, paths: opts.paths, source: ref, maxMessageBytes: opts.maxMessageBytes });
      if (result.rejected.length) opts.log?.(`otlp: ${result.rejected.length} span(s) of ${opts.topic}/${opts.partition}/${m.offset} rejected (see ingest_errors)`);
      durable.push(result.durable);
    } catch (err) {
      if (!(err instanceof OtlpDecodeError)) throw err;
      // The Kafka key goes with an undecodable message (ingest_errors.key_base64, the DLQ's key_base64).
      const reject = toDlqMessage({ ...ref, key: m.key }, m.value, `${err.message} (KAFKA_OTLP_ENCODING=${opts.encoding})`);
      durable.push(retryForever(() => writeIngestErrors(opts.client, [reject])).then(() => (opts.dlq ? retryForever(() => opts.dlq!.send([reject])) : undefined)));
    }
  }
  return durable;
}
