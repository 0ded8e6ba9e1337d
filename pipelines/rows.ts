// Turns one raw message into a table row or a reject reason. This is the only place that decides what
// is valid: both the Kafka consumer and the file/stdin source go through it. Everything a row needs is
// checked here, in JavaScript, so a batch insert can never fail because of one bad event (a failing
// insert is retried, and a poison row would stall the consumer forever).
// The bounds are listed in input-bounds.ts; the order below matters: size, then encoding, then depth,
// all before JSON.parse, so no message can make the parser, zod or JSON.stringify throw or recurse deeply.
import type { z } from 'zod';
import { inStoreRange, STORE_DAY_RANGE } from '../contracts/dates.ts';
import { EVENT_SCHEMAS, unknownFields, type EventKind, type FeedbackEvent, type OutputEvent, type UsageEvent } from '../contracts/events.ts';
import { decodeUtf8Strict, illFormedStringPath, jsonDeeperThan, MAX_JSON_DEPTH } from './input-bounds.ts';
import type { FeedbackEventRow, OutputEventRow, UsageEventRow } from '../contracts/tables.ts';

export type RejectCategory =
  | 'empty'
  | 'oversized'
  | 'invalid_utf8'
  | 'too_deep'
  | 'invalid_json'
  | 'not_object'
  | 'invalid_string'
  | 'unknown_ministry'
  | 'schema'
  /** Valid by every check here, yet ClickHouse refused the row (found by bisecting a failed insert in ingest.ts). */
  | 'insert_refused';

export interface Reject {
  ok: false;
  category: RejectCategory;
  /** One line a reviewer can act on, e.g. "schema: input_tokens: Invalid input: expected number". */
  reason: string;
}

// The row shapes are the tables' contracts (contracts/tables.ts); the short names stay for this module's users.
export type UsageRow = UsageEventRow;
export type OutputRow = OutputEventRow;
export type FeedbackRow = FeedbackEventRow;
export type EventRow = UsageRow | OutputRow | FeedbackRow;

export interface Accepted<R extends EventRow = EventRow> {
  ok: true;
  row: R;
  /**
   * The event's identity: event_id (usage) or output_id (outputs, feedback) alone, as README promises
   * ("counted once per event_id"): the same id sent again with another day or ministry is a repeat.
   */
  key: string;
}
export type ParseResult = Accepted | Reject;

export const TABLE_BY_KIND: Record<EventKind, 'usage_events' | 'outputs' | 'feedback'> = {
  usage: 'usage_events',
  outputs: 'outputs',
  feedback: 'feedback',
};

const UINT32_MAX = 4_294_967_295;

export const reject = (category: RejectCategory, detail: string): Reject => ({ ok: false, category, reason: `${category}: ${detail}` });

/** UTC calendar day of an ISO timestamp, the middle part of the tables' ORDER BY. */
export function utcDay(iso: string): string {
  return iso.slice(0, 10);
}

/**
 * Normalises an RFC 3339 timestamp with any offset to UTC ISO with milliseconds, or null when it lies
 * outside the days the store can hold (contracts/dates.ts: outside them ClickHouse's Date wraps to
 * another day and deduplication breaks).
 */
function toUtcIso(ts: string): string | null {
  // Fast path for the common shape (already UTC, millisecond precision, years 1970-2105): no Date round trip.
  if (ts.length === 24 && ts[23] === 'Z' && ts[19] === '.' && ts >= '1970' && ts < '2106') return ts;
  const ms = Date.parse(ts);
  if (!inStoreRange(ms)) return null;
  return new Date(ms).toISOString();
}

function describeIssues(error: z.ZodError): Reject {
  const issues = error.issues;
  const ministryIssue = issues.find((i) => i.path.length === 1 && i.path[0] === 'ministry' && i.code === 'invalid_value' && i.message.startsWith('unknown ministry code'));
  if (ministryIssue) return reject('unknown_ministry', ministryIssue.message);
  const parts = issues.slice(0, 5).map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`);
  if (issues.length > 5) parts.push(`and ${issues.length - 5} more`);
  return reject('schema', parts.join('; '));
}

// Depth is bounded before parsing, so JSON.stringify cannot overflow here.
const rawJson = (unknown: Record<string, unknown> | null) => (unknown ? JSON.stringify(unknown) : '{}');

type Unknown = Record<string, unknown> | null;
const UINT32_FIELDS = ['input_tokens', 'output_tokens', 'latency_ms'] as const;

function usageRow(ev: UsageEvent, unknown: Unknown, at: string): Accepted<UsageRow> | Reject {
  for (const f of UINT32_FIELDS) {
    if (ev[f] > UINT32_MAX) return reject('schema', `${f}: ${ev[f]} is larger than ${UINT32_MAX}`);
  }
  const row: UsageRow = {
    event_id: ev.event_id,
    occurred_at: at,
    ministry: ev.ministry,
    user_id: ev.user_id,
    session_id: ev.session_id,
    request_id: ev.request_id,
    app: ev.app,
    model: ev.model,
    input_tokens: ev.input_tokens,
    output_tokens: ev.output_tokens,
    latency_ms: ev.latency_ms,
    status: ev.status,
    raw: rawJson(unknown),
  };
  return { ok: true, row, key: ev.event_id };
}

function outputRow(ev: OutputEvent, unknown: Unknown, at: string): Accepted<OutputRow> {
  const row: OutputRow = {
    output_id: ev.output_id,
    request_id: ev.request_id,
    occurred_at: at,
    ministry: ev.ministry,
    app: ev.app,
    model: ev.model,
    user_id: ev.user_id,
    language: ev.language,
    confidentiality_level: ev.confidentiality_level,
    prompt: ev.prompt,
    response: ev.response,
    sources: JSON.stringify(ev.sources),
    raw: rawJson(unknown),
  };
  return { ok: true, row, key: ev.output_id };
}

function feedbackRow(ev: FeedbackEvent, unknown: Unknown, at: string): Accepted<FeedbackRow> {
  // ministry/app/model are filled in from the rated output just before the insert (see enrich.ts).
  const row: FeedbackRow = {
    output_id: ev.output_id,
    occurred_at: at,
    rating: ev.rating,
    reason: ev.reason ?? '',
    comment: ev.comment ?? '',
    ministry: '',
    app: '',
    model: '',
    raw: rawJson(unknown),
  };
  // The feedback table is ordered by output_id alone: one rating per answer. The first rating stored
  // counts; a later message for the same answer is dropped like a replay, because feedback_daily is a
  // sum that cannot take a vote back (the platform sends one rating per answer: DESIGN.md).
  return { ok: true, row, key: ev.output_id };
}

/**
 * V8's JSON.parse message without the text it quotes ("Unexpected token 'o', \"not json\" is not valid
 * JSON"): the reason is shown to roles that may not read raw events, so it keeps only what and where.
 */
export function jsonErrorWithoutText(message: string): string {
  const cut = message.search(/,\s*(?:\.\.\.)?"/s);
  return (cut >= 0 ? message.slice(0, cut) : message).replace(/ in JSON\b/, '').slice(0, 120);
}

/**
 * Validates one message of `kind`; `maxBytes` is INGEST_MAX_MESSAGE_BYTES; `fullSize` is the message's
 * size when `value` holds only its start. Never throws: whatever the bytes, the answer is a row or a
 * reject with its reason.
 */
export function parseEvent(kind: EventKind, value: Buffer | string | null | undefined, maxBytes: number, fullSize?: number): ParseResult {
  if (value == null || value.length === 0) return reject('empty', 'the message has no value');
  const size = fullSize ?? (typeof value === 'string' ? Buffer.byteLength(value) : value.length);
  if (size > maxBytes) return reject('oversized', `${size} bytes is more than INGEST_MAX_MESSAGE_BYTES (${maxBytes})`);
  const text = typeof value === 'string' ? value : decodeUtf8Strict(value);
  if (text === null) return reject('invalid_utf8', 'the message is not valid UTF-8 (the original bytes are kept in the DLQ)');
  if (jsonDeeperThan(text, MAX_JSON_DEPTH)) return reject('too_deep', `objects and arrays nest deeper than ${MAX_JSON_DEPTH} levels`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return reject('invalid_json', jsonErrorWithoutText((err as Error).message));
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return reject('not_object', `an event must be a JSON object, got ${Array.isArray(data) ? 'an array' : data === null ? 'null' : typeof data}`);
  }
  const badString = illFormedStringPath(data, text);
  if (badString) return reject('invalid_string', `${badString}: a lone UTF-16 surrogate (e.g. \\ud800) is not text`);
  const schema = EVENT_SCHEMAS[kind];
  const parsed = schema.safeParse(data);
  if (!parsed.success) return describeIssues(parsed.error);
  const event = parsed.data as Record<string, unknown>;
  const at = toUtcIso(event.occurred_at as string);
  if (!at) return reject('schema', `occurred_at: ${JSON.stringify(event.occurred_at)} is outside the days the store can hold (${STORE_DAY_RANGE}, UTC)`);
  // Unknown fields are taken from the input, not the parsed event, so they are kept byte for byte.
  const unknown = unknownFields(schema, data as Record<string, unknown>);
  switch (kind) {
    case 'usage':
      return usageRow(event as UsageEvent, unknown, at);
    case 'outputs':
      return outputRow(event as OutputEvent, unknown, at);
    case 'feedback':
      return feedbackRow(event as FeedbackEvent, unknown, at);
  }
}
