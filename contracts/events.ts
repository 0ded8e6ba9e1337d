// The event contracts of the platform's Kafka topics. This module is the single source of truth:
// pipelines validate with it, evaluators and the dashboard import its types, and
// `oversight schemas` exports it as JSON Schema for the platform team.
import { z } from 'zod';
import { MINISTRY_CODES } from './ministries.ts';

export const TOPICS = {
  usage: 'genai.usage.v1',
  outputs: 'genai.outputs.v1',
  feedback: 'genai.feedback.v1',
  dlq: 'oversight.dlq.v1',
} as const;
export type EventKind = 'usage' | 'outputs' | 'feedback';
export const EVENT_KINDS: readonly EventKind[] = ['usage', 'outputs', 'feedback'];

/** Apps known today; other lower-case app names are accepted so a new app is not sent to the DLQ. */
export const KNOWN_APPS = ['chat', 'drafting', 'translation', 'proofreading', 'diet_response_search', 'legal_research'] as const;
export const USAGE_STATUSES = ['ok', 'error', 'refused', 'blocked'] as const;

const id = z.string().min(1).max(200);
const timestamp = z.iso.datetime({ offset: true }); // RFC 3339, Z or an offset
// The message quotes at most 40 characters of what was sent: error texts reach roles that may not read raw events.
// A missing ministry is a schema error like any missing field; only a present, unknown code is unknown_ministry.
const ministry = z.enum(MINISTRY_CODES, {
  error: (i) => (i.input === undefined ? 'required: a ministry code of contracts/reference/ministries.json' : `unknown ministry code ${JSON.stringify(i.input)?.slice(0, 40)}`),
});
const app = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'app must be a lower-case identifier');
const model = z.string().min(1).max(100);
const count = z.number().int().nonnegative();

export const UsageEvent = z.looseObject({
  event_id: id,
  occurred_at: timestamp,
  ministry,
  user_id: id,
  session_id: id,
  request_id: id,
  app,
  model,
  input_tokens: count,
  output_tokens: count,
  latency_ms: count,
  status: z.enum(USAGE_STATUSES),
});
export type UsageEvent = z.infer<typeof UsageEvent>;

export const Source = z.looseObject({
  id: z.string().max(200),
  title: z.string().max(2000),
  url: z.string().max(4000).optional(),
  excerpt: z.string().default(''),
});
export type Source = z.infer<typeof Source>;

export const OutputEvent = z.looseObject({
  output_id: id,
  request_id: id,
  occurred_at: timestamp,
  ministry,
  app,
  model,
  user_id: id,
  language: z.string().min(2).max(35),
  confidentiality_level: z.number().int().min(0).max(4),
  prompt: z.string(),
  response: z.string(),
  sources: z.array(Source).default([]),
});
export type OutputEvent = z.infer<typeof OutputEvent>;
/** What evaluators read: an output event as received (extra fields ignored). */
export type OutputInput = z.input<typeof OutputEvent>;

export const FeedbackEvent = z.looseObject({
  output_id: id,
  occurred_at: timestamp,
  rating: z.enum(['up', 'down']),
  reason: z.string().max(200).optional(),
  comment: z.string().max(10000).optional(),
});
export type FeedbackEvent = z.infer<typeof FeedbackEvent>;

export const DlqMessage = z.object({
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  error: z.string(),
  original_base64: z.string(),
  failed_at: timestamp,
  /** The Kafka key of the original message (a tombstone is only a key); absent when it had none. */
  key_base64: z.string().optional(),
  /** Size and SHA-256 (hex) of the whole original, present when original_base64 holds only its first bytes. */
  original_bytes: z.number().int().nonnegative().optional(),
  original_sha256: z.string().optional(),
});
export type DlqMessage = z.infer<typeof DlqMessage>;

export const EVENT_SCHEMAS = { usage: UsageEvent, outputs: OutputEvent, feedback: FeedbackEvent } as const;
export const KIND_BY_TOPIC: Record<string, EventKind> = {
  [TOPICS.usage]: 'usage',
  [TOPICS.outputs]: 'outputs',
  [TOPICS.feedback]: 'feedback',
};

/**
 * The unknown fields of a validated event (kept in the raw column), in their order, or null when it
 * has none. Own properties only, into an object without a prototype: a field named `constructor`,
 * `toString` or `__proto__` is an unknown field like any other, not a lookup on Object.prototype.
 * Called once per ingested event, so it allocates nothing for an event without unknown fields.
 */
export function unknownFields(schema: z.ZodObject, event: Record<string, unknown>): Record<string, unknown> | null {
  const shape = schema.shape;
  let unknown: Record<string, unknown> | null = null;
  for (const k in event) {
    if (!Object.hasOwn(event, k) || Object.hasOwn(shape, k)) continue;
    (unknown ??= Object.create(null) as Record<string, unknown>)[k] = event[k];
  }
  return unknown;
}
