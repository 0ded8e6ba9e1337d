// Maps one OpenTelemetry span following the GenAI semantic conventions to Oversight's own events: a
// usage event for every model call, and an output event when the span carries the message content.
// The events then go through the same validate → dedupe → insert path as the platform topics, so an
// OTLP span and a platform event are held to the same contract (contracts/events.ts).
//
// The attribute names are the ones of the conventions (1.37+) and the older forms still emitted by
// instrumentations in the field; README ("OpenTelemetry GenAI traces") has the table. Which ministry and
// app a span belongs to is not part of the conventions: `oversight.ministry` / `oversight.app` (on the
// span or its resource) say it, and an ingest token bound to a ministry fills in or enforces the ministry.
import type { AttrValue, Attrs, OtlpEvent, OtlpSpan } from './decode.ts';

export const OTLP_ATTR = {
  ministry: 'oversight.ministry',
  app: 'oversight.app',
  language: 'oversight.language',
  confidentiality: 'oversight.confidentiality_level',
  sources: 'oversight.sources',
} as const;

export type SpanMapping =
  | { kind: 'genai'; usage: Record<string, unknown>; output?: Record<string, unknown> }
  /** Not a model call (no gen_ai.* model attribute): an HTTP or database span of the same trace. */
  | { kind: 'skip' }
  | { kind: 'reject'; reason: string };

export interface MapOptions {
  /** The ministry an ingest token is bound to; undefined for a platform-wide token or the Kafka topic. */
  ministry?: string;
}

/** Span attributes first, then the resource's. */
function lookup(span: OtlpSpan, ...keys: string[]): AttrValue | undefined {
  for (const k of keys) if (span.attributes[k] != null && span.attributes[k] !== '') return span.attributes[k];
  for (const k of keys) if (span.resource[k] != null && span.resource[k] !== '') return span.resource[k];
  return undefined;
}
const str = (v: AttrValue | undefined): string | undefined => (v == null ? undefined : typeof v === 'string' ? v : Array.isArray(v) ? v.map(String).join(',') : String(v));
const num = (v: AttrValue | undefined): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);

/** Structured attributes arrive as JSON strings from most SDKs (span attributes cannot nest). */
function structured(v: AttrValue | undefined): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (t.startsWith('[') || t.startsWith('{')) {
    try {
      return JSON.parse(t);
    } catch {
      return v;
    }
  }
  return v;
}

/** The text of a message, a list of messages or of parts (conventions' parts, or older {content} / {message}). */
export function textOf(v: unknown): string {
  if (v == null) return '';
  if (typeof v === 'string') {
    const parsed = structured(v);
    return parsed === v ? v : textOf(parsed);
  }
  if (Array.isArray(v)) return v.map(textOf).filter(Boolean).join('\n');
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.parts)) return textOf(o.parts);
    if ('type' in o && o.type !== 'text') return ''; // tool calls, images, blobs: no text to evaluate
    for (const k of ['content', 'text', 'message']) if (k in o) return textOf(o[k]);
  }
  return '';
}

/** OpenLLMetry's indexed attributes: gen_ai.prompt.0.content, gen_ai.completion.1.content … */
function indexed(attrs: Attrs, prefix: string): string {
  const parts: [number, string][] = [];
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)\\.content$`);
  for (const [k, v] of Object.entries(attrs)) {
    const m = re.exec(k);
    if (m) parts.push([Number(m[1]), textOf(v)]);
  }
  return parts
    .sort((a, b) => a[0] - b[0])
    .map(([, t]) => t)
    .filter(Boolean)
    .join('\n');
}

const INPUT_EVENTS = new Set(['gen_ai.system.message', 'gen_ai.user.message', 'gen_ai.assistant.message', 'gen_ai.tool.message', 'gen_ai.content.prompt']);
const OUTPUT_EVENTS = new Set(['gen_ai.choice', 'gen_ai.content.completion']);
function eventsText(events: OtlpEvent[], names: Set<string>): string {
  return events
    .filter((e) => names.has(e.name))
    .map((e) => textOf(e.attributes['gen_ai.event.content'] ?? e.attributes.content ?? e.attributes.message ?? e.attributes['gen_ai.prompt'] ?? e.attributes['gen_ai.completion']))
    .filter(Boolean)
    .join('\n');
}

function promptOf(span: OtlpSpan): string {
  const a = span.attributes;
  const system = textOf(a['gen_ai.system_instructions']);
  const input = textOf(a['gen_ai.input.messages']) || textOf(a['gen_ai.prompt']) || indexed(a, 'gen_ai.prompt') || eventsText(span.events, INPUT_EVENTS);
  return [system, input].filter(Boolean).join('\n');
}
function responseOf(span: OtlpSpan): string {
  const a = span.attributes;
  return textOf(a['gen_ai.output.messages']) || textOf(a['gen_ai.completion']) || indexed(a, 'gen_ai.completion') || eventsText(span.events, OUTPUT_EVENTS);
}

function sourcesOf(span: OtlpSpan): unknown[] {
  const raw = structured(lookup(span, OTLP_ATTR.sources, 'gen_ai.retrieval.documents'));
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((d): d is Record<string, unknown> => !!d && typeof d === 'object')
    .map((d, i) => ({
      id: String(d.id ?? d.document_id ?? i),
      title: String(d.title ?? d.name ?? d.id ?? ''),
      ...(d.url ?? d.uri ? { url: String(d.url ?? d.uri) } : {}),
      excerpt: textOf(d.excerpt ?? d.content ?? d.text ?? ''),
    }));
}

function finishReasons(span: OtlpSpan): string[] {
  const v = structured(span.attributes['gen_ai.response.finish_reasons']);
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : [];
}

const nanosToIso = (n: string): string | undefined => {
  try {
    const ms = Number(BigInt(n) / 1_000_000n);
    return ms > 0 ? new Date(ms).toISOString() : undefined;
  } catch {
    return undefined;
  }
};

/** service.name "Chat-API" → app "chat_api" (apps are lower-case identifiers). */
const appFromServiceName = (s: string) => s.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^[^a-z]+/, '').slice(0, 40);

/** Stable ids: a span replayed by an exporter retry maps to the same event and is dropped as a repeat. */
export const spanEventId = (span: Pick<OtlpSpan, 'traceId' | 'spanId'>) => `otel:${span.traceId}:${span.spanId}`;

export function mapSpan(span: OtlpSpan, opts: MapOptions = {}): SpanMapping {
  const model = str(lookup(span, 'gen_ai.response.model')) ?? str(lookup(span, 'gen_ai.request.model'));
  if (!model) return { kind: 'skip' };
  if (!span.traceId || !span.spanId) return { kind: 'reject', reason: 'the span has no trace or span id' };
  const occurredAt = nanosToIso(span.startTimeUnixNano);
  if (!occurredAt) return { kind: 'reject', reason: 'the span has no start time' };

  const spanMinistry = str(lookup(span, OTLP_ATTR.ministry));
  if (opts.ministry && spanMinistry && spanMinistry !== opts.ministry) {
    return { kind: 'reject', reason: `this ingest token writes for ${opts.ministry} only, the span says ${OTLP_ATTR.ministry}=${spanMinistry}` };
  }
  const ministry = spanMinistry ?? opts.ministry;
  if (!ministry) return { kind: 'reject', reason: `no ministry: set the ${OTLP_ATTR.ministry} resource or span attribute` };
  const serviceName = str(lookup(span, 'service.name'));
  const app = str(lookup(span, OTLP_ATTR.app)) ?? (serviceName ? appFromServiceName(serviceName) : undefined);
  if (!app) return { kind: 'reject', reason: `no app: set the ${OTLP_ATTR.app} (or service.name) attribute` };

  const id = spanEventId(span);
  const responseId = str(lookup(span, 'gen_ai.response.id'));
  const userId = str(lookup(span, 'user.id', 'enduser.id', 'gen_ai.user.id')) ?? 'anonymous';
  const sessionId = str(lookup(span, 'gen_ai.conversation.id', 'session.id')) ?? `otel:${span.traceId}`;
  const reasons = finishReasons(span);
  const errorType = str(lookup(span, 'error.type'));
  const status = span.statusCode === 2 || errorType ? 'error' : reasons.includes('content_filter') ? 'blocked' : 'ok';
  const durationNs = BigInt(span.endTimeUnixNano || '0') - BigInt(span.startTimeUnixNano || '0');
  const latencyMs = durationNs > 0n ? Number(durationNs / 1_000_000n) : 0;
  const common = {
    trace_id: span.traceId,
    span_id: span.spanId,
    ...(responseId ? { response_id: responseId } : {}),
    operation: str(lookup(span, 'gen_ai.operation.name')) ?? span.name,
    provider: str(lookup(span, 'gen_ai.provider.name', 'gen_ai.system')),
  };
  const usage: Record<string, unknown> = {
    event_id: id,
    occurred_at: occurredAt,
    ministry,
    user_id: userId,
    session_id: sessionId,
    request_id: id,
    app,
    model,
    input_tokens: num(lookup(span, 'gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens')) ?? 0,
    output_tokens: num(lookup(span, 'gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens')) ?? 0,
    latency_ms: latencyMs,
    status,
    ...common,
    request_model: str(lookup(span, 'gen_ai.request.model')),
    finish_reasons: reasons,
    ...(errorType || span.statusMessage ? { error_type: errorType ?? span.statusMessage } : {}),
  };
  const prompt = promptOf(span);
  const response = responseOf(span);
  if (!prompt && !response) return { kind: 'genai', usage };
  const output: Record<string, unknown> = {
    output_id: responseId ?? id,
    request_id: id,
    occurred_at: occurredAt,
    ministry,
    app,
    model,
    user_id: userId,
    language: str(lookup(span, OTLP_ATTR.language)) ?? 'ja',
    confidentiality_level: num(lookup(span, OTLP_ATTR.confidentiality)) ?? 0,
    prompt,
    response,
    sources: sourcesOf(span),
    ...common,
  };
  return { kind: 'genai', usage, output };
}
