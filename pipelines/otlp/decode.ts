// Decodes an OTLP traces export (ExportTraceServiceRequest) from protobuf or from OTLP/JSON into one
// plain shape, and encodes the answers (ExportTraceServiceResponse, google.rpc.Status) in the request's
// encoding. Protobuf goes through protobufjs with the message definitions of opentelemetry-proto
// (v1, trace/common/resource + the collector service messages), parsed once at start.
//
// The two encodings differ in three ways the rest of the code must not see: ids are bytes in protobuf and
// hex strings in JSON, 64-bit integers are Long values or decimal strings, and JSON may spell enums by
// name. Everything after this module sees hex ids, decimal-string times and numeric status codes.
import protobuf from 'protobufjs';

const OTLP_PROTO = `
syntax = "proto3";
package opentelemetry.proto;
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message TracesData { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; fixed32 flags = 16;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10;
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
  repeated Event events = 11; uint32 dropped_events_count = 12;
  message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
  repeated Link links = 13; uint32 dropped_links_count = 14;
  Status status = 15;
}
message Status { string message = 2; int32 code = 3; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
message RpcStatus { int32 code = 1; string message = 2; }
`;

const root = protobuf.parse(OTLP_PROTO, { keepCase: false }).root;
const RequestType = root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');
const ResponseType = root.lookupType('opentelemetry.proto.ExportTraceServiceResponse');
const RpcStatusType = root.lookupType('opentelemetry.proto.RpcStatus');

export type Encoding = 'proto' | 'json';
export type AttrValue = string | number | boolean | AttrValue[] | { [k: string]: AttrValue } | null;
export type Attrs = Record<string, AttrValue>;

export interface OtlpEvent {
  name: string;
  timeUnixNano: string;
  attributes: Attrs;
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Attrs;
  events: OtlpEvent[];
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  /** Resource attributes of the span's ResourceSpans. */
  resource: Attrs;
}

export class OtlpDecodeError extends Error {}

type Raw = Record<string, unknown>;
const asArray = (v: unknown): Raw[] => (Array.isArray(v) ? (v as Raw[]) : []);

function anyValue(v: unknown): AttrValue {
  if (!v || typeof v !== 'object') return null;
  const o = v as Raw;
  if ('stringValue' in o) return String(o.stringValue);
  if ('boolValue' in o) return Boolean(o.boolValue);
  if ('intValue' in o) return Number(o.intValue);
  if ('doubleValue' in o) return Number(o.doubleValue);
  if ('arrayValue' in o) return asArray((o.arrayValue as Raw | undefined)?.values).map(anyValue);
  if ('kvlistValue' in o) return attrs((o.kvlistValue as Raw | undefined)?.values);
  if ('bytesValue' in o) return String(o.bytesValue);
  return null;
}

function attrs(list: unknown): Attrs {
  const out: Attrs = {};
  for (const kv of asArray(list)) if (typeof kv.key === 'string') out[kv.key] = anyValue(kv.value);
  return out;
}

const STATUS_NAMES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
function statusCode(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return STATUS_NAMES[v] ?? (Number(v) || 0);
  return 0;
}

function hexId(v: unknown, encoding: Encoding): string {
  if (typeof v !== 'string' || v === '') return '';
  // protobufjs renders bytes as base64; OTLP/JSON spells ids in hex.
  return encoding === 'proto' ? Buffer.from(v, 'base64').toString('hex') : v.toLowerCase();
}

/** The request as plain spans, each with its resource attributes. */
export function flattenRequest(request: unknown, encoding: Encoding): OtlpSpan[] {
  if (!request || typeof request !== 'object') throw new OtlpDecodeError('the body is not an ExportTraceServiceRequest object');
  const spans: OtlpSpan[] = [];
  for (const rs of asArray((request as Raw).resourceSpans)) {
    const resource = attrs((rs.resource as Raw | undefined)?.attributes);
    for (const ss of asArray(rs.scopeSpans)) {
      for (const s of asArray(ss.spans)) {
        const status = (s.status ?? {}) as Raw;
        spans.push({
          traceId: hexId(s.traceId, encoding),
          spanId: hexId(s.spanId, encoding),
          name: String(s.name ?? ''),
          startTimeUnixNano: String(s.startTimeUnixNano ?? '0'),
          endTimeUnixNano: String(s.endTimeUnixNano ?? '0'),
          attributes: attrs(s.attributes),
          events: asArray(s.events).map((e) => ({ name: String(e.name ?? ''), timeUnixNano: String(e.timeUnixNano ?? '0'), attributes: attrs(e.attributes) })),
          statusCode: statusCode(status.code),
          statusMessage: String(status.message ?? ''),
          resource,
        });
      }
    }
  }
  return spans;
}

/** Decodes an ExportTraceServiceRequest body; throws OtlpDecodeError with the decoder's reason. */
export function decodeTraces(body: Buffer, encoding: Encoding): OtlpSpan[] {
  let request: unknown;
  try {
    if (encoding === 'json') request = JSON.parse(body.toString('utf8'));
    else request = RequestType.toObject(RequestType.decode(body), { longs: String, bytes: String, defaults: false, oneofs: false });
  } catch (err) {
    throw new OtlpDecodeError(`cannot decode the OTLP ${encoding === 'json' ? 'JSON' : 'protobuf'} body: ${(err as Error).message}`);
  }
  return flattenRequest(request, encoding);
}

/** ExportTraceServiceResponse: empty when every span was accepted, else the partial success. */
export function encodeExportResponse(encoding: Encoding, rejectedSpans: number, errorMessage: string): Buffer {
  const partial = rejectedSpans > 0 || errorMessage ? { partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } } : {};
  if (encoding === 'json') return Buffer.from(JSON.stringify(partial));
  return Buffer.from(ResponseType.encode(ResponseType.fromObject(partial)).finish());
}

/** A google.rpc.Status body for a refused request (OTLP/HTTP failures). */
export function encodeStatus(encoding: Encoding, code: number, message: string): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code, message }));
  return Buffer.from(RpcStatusType.encode(RpcStatusType.fromObject({ code, message })).finish());
}

/** For tests and the Kafka round trip: decode a response. */
export function decodeExportResponse(body: Buffer, encoding: Encoding): { rejectedSpans: number; errorMessage: string } {
  const o = (encoding === 'json' ? JSON.parse(body.toString('utf8')) : ResponseType.toObject(ResponseType.decode(body), { longs: String })) as Raw;
  const p = (o.partialSuccess ?? {}) as Raw;
  return { rejectedSpans: Number(p.rejectedSpans ?? 0), errorMessage: String(p.errorMessage ?? '') };
}
